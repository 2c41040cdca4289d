//! The benchmark's command line.

use aekit::DeviceChoice;

/// Command-line options (cargo bench also passes `--bench`, which is ignored).
pub(crate) struct Options {
    pub(crate) threads: usize,
    pub(crate) only: Vec<String>,
    pub(crate) quick: bool,
    pub(crate) repeat: usize,
    /// burn's chain of tensor operations for activation + loss instead of the fused pass.
    pub(crate) unfused: bool,
    /// burn's path for training and scoring instead of aekit's kernels.
    pub(crate) burn: bool,
    /// W4: time only this many batches and scale to a whole epoch.
    pub(crate) w4_batches: Option<usize>,
    /// Where every workload runs.
    pub(crate) device: DeviceChoice,
}

/// Every workload this benchmark knows.
pub(crate) const KNOWN: [&str; 7] = ["W1", "W2", "W3", "W4", "W5", "S1", "PEAK"];

pub(crate) fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        threads: 2,
        only: ["W1", "W2", "W3", "S1", "PEAK"].map(String::from).to_vec(),
        quick: false,
        repeat: 3,
        unfused: false,
        burn: false,
        w4_batches: None,
        device: DeviceChoice::Cpu,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{what} needs a value"))
        };
        match name.as_str() {
            "--threads" => {
                options.threads = at_least_one(&value("--threads")?, "--threads")?;
            }
            "--repeat" => {
                options.repeat = at_least_one(&value("--repeat")?, "--repeat")?;
            }
            "--only" => {
                options.only = value("--only")?
                    .split(',')
                    .map(|s| s.trim().to_ascii_uppercase())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            "--w4-batches" => {
                options.w4_batches = Some(
                    value("--w4-batches")?
                        .parse()
                        .ok()
                        .filter(|&n: &usize| n >= 1)
                        .ok_or("--w4-batches must be a whole number of at least 1")?,
                );
            }
            "--device" => options.device = value("--device")?.parse()?,
            "--quick" => options.quick = true,
            "--unfused" => options.unfused = true,
            "--burn" => options.burn = true,
            "--bench" => {}
            other => {
                return Err(format!(
                    "unknown argument '{other}' (expected --threads N, --only W1,W2,W3,W4,W5,S1,PEAK, --quick, --repeat N, --w4-batches N, --unfused, --burn, --device D)"
                ));
            }
        }
    }
    for w in &options.only {
        if !KNOWN.contains(&w.as_str()) {
            return Err(format!(
                "unknown workload '{w}' (this benchmark has {})",
                KNOWN.join(", ")
            ));
        }
    }
    Ok(options)
}

/// `text` as a whole number of at least 1, the value of `flag`.
fn at_least_one(text: &str, flag: &str) -> Result<usize, String> {
    text.parse()
        .ok()
        .filter(|&n: &usize| n >= 1)
        .ok_or_else(|| format!("{flag} must be a whole number of at least 1"))
}

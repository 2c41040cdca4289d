//! A mutation fuzzer for what aekit reads from users that runs on the
//! stable toolchain: table files (CSV, gzip CSV, Parquet), text model files,
//! training checkpoints, and the server's request bodies (JSON and CSV).
//! It mutates small valid inputs (bit flips, interesting 32-bit words,
//! inserts, deletes, truncations, splices) and feeds each result to the
//! code `aekit` runs on it, checking that every input ends in a result or
//! a clean error, never a panic, a hang or a large allocation. Inputs that
//! reach an error message not seen before join the corpus, so mutations
//! build on inputs that got further.
//!
//! Findings go to `--findings DIR` (default `fuzz/findings`). See README.md.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aekit_serve::BodyFormat;

mod counting;
mod models;
mod mutate;
mod requests;
mod tables;

use counting::{Counting, HUGE_REQUEST, LIVE, PEAK};
use mutate::{Rng, mutate};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Csv,
    Gzip,
    Parquet,
    TextModel,
    Checkpoint,
    JsonBody,
    CsvBody,
}

/// Every target, in the order `--target all` runs them.
const ALL: [Target; 7] = [
    Target::Csv,
    Target::Gzip,
    Target::Parquet,
    Target::TextModel,
    Target::Checkpoint,
    Target::JsonBody,
    Target::CsvBody,
];

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Csv => "csv",
            Target::Gzip => "gzip",
            Target::Parquet => "parquet",
            Target::TextModel => "text-model",
            Target::Checkpoint => "checkpoint",
            Target::JsonBody => "json-body",
            Target::CsvBody => "csv-body",
        }
    }

    fn named(name: &str) -> Option<Vec<Target>> {
        match name {
            "all" => Some(ALL.to_vec()),
            "tables" => Some(vec![Target::Csv, Target::Gzip, Target::Parquet]),
            "bodies" => Some(vec![Target::JsonBody, Target::CsvBody]),
            _ => ALL.iter().find(|t| t.name() == name).map(|&t| vec![t]),
        }
    }

    fn seeds(self) -> Vec<Vec<u8>> {
        match self {
            Target::Csv => tables::csv_seeds(),
            Target::Gzip => tables::gzip_seeds(),
            Target::Parquet => tables::parquet_seeds(),
            Target::TextModel => models::text_model_seeds(),
            Target::Checkpoint => models::checkpoint_seeds(),
            Target::JsonBody => requests::json_seeds(),
            Target::CsvBody => requests::csv_seeds(),
        }
    }

    /// Feeds the bytes to the target: a count (rows, classes, width) or a
    /// clean error's message.
    fn run(self, bytes: &[u8]) -> Result<usize, String> {
        let text = |e: aekit::AekitError| e.to_string();
        match self {
            Target::Csv => tables::read_csv(bytes).map_err(text),
            Target::Gzip => tables::read_gzip(bytes).map_err(text),
            Target::Parquet => tables::read_parquet(bytes).map_err(text),
            Target::TextModel => models::read_text_model(bytes),
            Target::Checkpoint => models::resume_from(bytes),
            Target::JsonBody => requests::read_body(bytes, BodyFormat::Json),
            Target::CsvBody => requests::read_body(bytes, BodyFormat::Csv),
        }
    }
}

struct Options {
    seconds: u64,
    iterations: u64,
    seed: u64,
    targets: Vec<Target>,
    findings: PathBuf,
    peak_limit: usize,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        seconds: 60,
        iterations: u64::MAX,
        seed: 1,
        targets: ALL.to_vec(),
        findings: Path::new(env!("CARGO_MANIFEST_DIR")).join("findings"),
        peak_limit: 256 << 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--seconds" => o.seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--iterations" => o.iterations = value()?.parse().map_err(|e| format!("{e}"))?,
            "--seed" => o.seed = value()?.parse().map_err(|e| format!("{e}"))?,
            "--findings" => o.findings = PathBuf::from(value()?),
            "--peak-mb" => {
                o.peak_limit = value()?.parse::<usize>().map_err(|e| format!("{e}"))? << 20
            }
            "--target" => {
                let name = value()?;
                o.targets = Target::named(&name).ok_or(format!("unknown target {name}"))?
            }
            "--help" | "-h" => {
                println!(
                    "aekit-fuzz [--seconds N (60)] [--iterations N] [--seed S (1)] \
                     [--target all|tables|bodies|csv|gzip|parquet|text-model|checkpoint|json-body|csv-body] [--findings DIR] [--peak-mb MB (256)]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    o.seed = o.seed.max(1);
    Ok(o)
}

/// The shape of an outcome: the message with digits removed, so corpus
/// growth follows new kinds of error rather than new row numbers.
fn outcome(target: Target, result: &Result<usize, String>) -> String {
    let text = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.clone(),
    };
    let shape: String = text
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .take(80)
        .collect();
    format!("{}:{shape}", target.name())
}

fn save(dir: &Path, kind: &str, target: Target, input: &[u8], note: &str) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in input {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    let path = dir.join(format!("{kind}-{}-{h:016x}.bin", target.name()));
    let _ = std::fs::write(&path, input);
    let _ = std::fs::write(path.with_extension("txt"), note);
    path
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    // Panics are findings: keep their message, print nothing mid-run.
    let last_panic: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
    {
        let last_panic = last_panic.clone();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut m) = last_panic.lock() {
                *m = info.to_string();
            }
        }));
    }
    // A watchdog: an input that runs for 10 s is a hang; its bytes are saved.
    static PROGRESS: AtomicU64 = AtomicU64::new(0);
    static DONE: AtomicBool = AtomicBool::new(false);
    let current: Arc<Mutex<(Target, Vec<u8>)>> = Arc::new(Mutex::new((Target::Csv, Vec::new())));
    {
        let current = current.clone();
        let findings = options.findings.clone();
        std::thread::spawn(move || {
            let mut last = (PROGRESS.load(Ordering::Relaxed), Instant::now());
            while !DONE.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let now = PROGRESS.load(Ordering::Relaxed);
                if now != last.0 {
                    last = (now, Instant::now());
                } else if last.1.elapsed() > Duration::from_secs(10) {
                    if let Ok(c) = current.lock() {
                        let p = save(&findings, "hang", c.0, &c.1, "no result after 10 s");
                        eprintln!("HANG: input saved to {}", p.display());
                    }
                    std::process::exit(3);
                }
            }
        });
    }

    let mut rng = Rng(options.seed);
    let corpora: Vec<(Target, Vec<Vec<u8>>)> =
        options.targets.iter().map(|&t| (t, t.seeds())).collect();
    let mut corpora = corpora;
    for (target, corpus) in &corpora {
        if corpus.is_empty() {
            eprintln!("no seeds for target {}: left out", target.name());
        }
    }
    corpora.retain(|(_, corpus)| !corpus.is_empty());
    if corpora.is_empty() {
        eprintln!("error: no target has seeds");
        std::process::exit(2);
    }
    let mut seen = std::collections::HashSet::new();
    let (mut iterations, mut ok, mut errors, mut findings) = (0u64, 0u64, 0u64, 0u64);
    // Panics inside the parquet crate that aekit's guard turned into errors.
    let mut caught: std::collections::BTreeMap<String, u64> = Default::default();
    let (mut max_peak, mut max_time) = (0usize, Duration::ZERO);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(options.seconds);
    let mut next_report = start + Duration::from_secs(30);
    while iterations < options.iterations && Instant::now() < deadline {
        let slot = rng.below(corpora.len());
        let (target, corpus) = &corpora[slot];
        let target = *target;
        let base = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, base, other);
        if let Ok(mut c) = current.lock() {
            *c = (target, input.clone());
        }
        let baseline = LIVE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        HUGE_REQUEST.store(0, Ordering::Relaxed);
        let t0 = Instant::now();
        let result = std::panic::catch_unwind(|| target.run(&input));
        let took = t0.elapsed();
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
        PROGRESS.fetch_add(1, Ordering::Relaxed);
        iterations += 1;
        max_peak = max_peak.max(peak);
        max_time = max_time.max(took);
        let huge = HUGE_REQUEST.load(Ordering::Relaxed);
        match result {
            Err(_) => {
                findings += 1;
                let message = last_panic.lock().map(|m| m.clone()).unwrap_or_default();
                let p = save(&options.findings, "panic", target, &input, &message);
                eprintln!(
                    "PANIC ({}): {message}\n  input: {}",
                    target.name(),
                    p.display()
                );
            }
            Ok(result) => {
                match &result {
                    Ok(_) => ok += 1,
                    Err(text) => {
                        errors += 1;
                        if let Some(at) = text.find("the Parquet decoder failed: ") {
                            *caught
                                .entry(text[at + 28..].trim_end_matches(')').to_string())
                                .or_default() += 1;
                        }
                    }
                }
                if huge > 0 || peak > options.peak_limit || took > Duration::from_secs(2) {
                    findings += 1;
                    let note = format!(
                        "peak {peak} bytes, largest request over the limit {huge} bytes, {took:?}, for {} input bytes",
                        input.len()
                    );
                    let p = save(&options.findings, "resource", target, &input, &note);
                    eprintln!(
                        "RESOURCE ({}): {note}\n  input: {}",
                        target.name(),
                        p.display()
                    );
                }
                let shape = outcome(target, &result);
                if seen.insert(shape) && corpora[slot].1.len() < 4096 && input.len() < 1 << 16 {
                    corpora[slot].1.push(input);
                }
            }
        }
        if Instant::now() >= next_report {
            next_report += Duration::from_secs(30);
            eprintln!(
                "{:>5.0} s  {iterations} inputs  ok {ok}  errors {errors}  outcomes {}  findings {findings}",
                start.elapsed().as_secs_f64(),
                seen.len()
            );
        }
    }
    DONE.store(true, Ordering::Relaxed);
    models::clean_up();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "aekit-fuzz: {iterations} inputs in {secs:.0} s ({:.0}/s), targets {}: ok {ok}, \
         clean errors {errors}, distinct outcomes {}, corpus {}, largest per-input peak \
         allocation {:.1} MB, slowest input {:.1} ms, findings {findings}",
        iterations as f64 / secs.max(1e-9),
        options
            .targets
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join("+"),
        seen.len(),
        corpora.iter().map(|(_, c)| c.len()).sum::<usize>(),
        max_peak as f64 / 1e6,
        max_time.as_secs_f64() * 1e3,
    );
    for (message, n) in &caught {
        println!("  caught parquet-crate panic, {n} inputs: {message}");
    }
    if findings > 0 {
        println!("findings saved in {}", options.findings.display());
        std::process::exit(1);
    }
}

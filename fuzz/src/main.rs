//! A mutation fuzzer for aekit's table readers that runs on the stable
//! toolchain: it mutates small valid CSV, gzip CSV and Parquet files
//! (bit flips, interesting 32-bit words, inserts, deletes, truncations,
//! splices) and feeds each result to the reader, checking that every input
//! ends in a table or a clean error, never a panic, a hang or a large
//! allocation. Inputs that reach an error message not seen before join the
//! corpus, so mutations build on inputs that got further.
//!
//! Findings go to `--findings DIR` (default `fuzz/findings`). See README.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aekit::data::{ColumnKind, CsvChunks, ParquetChunks, RowChunks, Table, TableWriter};
use arrow_array::{ArrayRef, RecordBatch};

/// Counts live bytes so each input's peak allocation can be checked.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Requests above this are recorded as findings (and still forwarded: a
/// reservation the decoder never fills costs address space, not memory).
const ALLOCATION_LIMIT: usize = 1 << 30;
static HUGE_REQUEST: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code)]
// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOCATION_LIMIT {
            HUGE_REQUEST.fetch_max(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: as the caller's contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > ALLOCATION_LIMIT {
            HUGE_REQUEST.fetch_max(new_size, Ordering::Relaxed);
        }
        // SAFETY: as the caller's contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// xorshift64*: small, seeded, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Csv,
    Gzip,
    Parquet,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Csv => "csv",
            Target::Gzip => "gzip",
            Target::Parquet => "parquet",
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
        targets: vec![Target::Csv, Target::Gzip, Target::Parquet],
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
                o.targets = match value()?.as_str() {
                    "csv" => vec![Target::Csv],
                    "gzip" => vec![Target::Gzip],
                    "parquet" => vec![Target::Parquet],
                    "all" => vec![Target::Csv, Target::Gzip, Target::Parquet],
                    t => return Err(format!("unknown target {t}")),
                }
            }
            "--help" | "-h" => {
                println!(
                    "aekit-fuzz [--seconds N (60)] [--iterations N] [--seed S (1)] \
                     [--target csv|gzip|parquet|all] [--findings DIR] [--peak-mb MB (256)]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    o.seed = o.seed.max(1);
    Ok(o)
}

fn drain(mut chunks: Box<dyn RowChunks>) -> aekit::Result<usize> {
    let mut rows = 0;
    while let Some(t) = chunks.next_chunk(5)? {
        exercise(&t);
        rows += t.n_rows();
    }
    Ok(rows)
}

fn exercise(t: &Table) {
    let all: Vec<usize> = (0..t.headers().len()).collect();
    for &c in &all {
        let _ = t.is_numeric(c);
    }
    let _ = t.numeric_matrix(&all);
}

fn read(target: Target, bytes: &[u8]) -> aekit::Result<usize> {
    match target {
        Target::Csv => drain(Box::new(CsvChunks::from_reader(
            Path::new("fuzz.csv"),
            Box::new(std::io::Cursor::new(bytes.to_vec())),
            b',',
        )?)),
        Target::Gzip => drain(Box::new(CsvChunks::from_reader(
            Path::new("fuzz.csv.gz"),
            Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
                std::io::Cursor::new(bytes.to_vec()),
            ))),
            b',',
        )?)),
        Target::Parquet => drain(Box::new(ParquetChunks::from_bytes(
            Path::new("fuzz.parquet"),
            bytes.to_vec(),
        )?)),
    }
}

const CSV_SEEDS: &[&[u8]] = &[
    b"id,a,b,\"c,d\"\nx1,1.5,-2,\"q \"\"r\"\"\"\nx2,3e4,NaN,s\nx3,,7,t\n",
    b"a,b\n1,2\n\n3,4\n",
    b"a\tb\r\n1\t2\r\n",
    b"\xef\xbb\xbfa,b\n1,inf\n-0,1e39\n",
];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = gz.write_all(bytes);
    gz.finish().unwrap_or_default()
}

fn parquet_seed(compression: parquet::basic::Compression, group_rows: usize) -> Vec<u8> {
    let dict: arrow_array::DictionaryArray<arrow_array::types::Int32Type> =
        vec!["u", "v", "u", "w"].into_iter().collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "a",
            Arc::new(arrow_array::Float64Array::from(vec![
                Some(1.5),
                None,
                Some(-3.0),
                Some(f64::NAN),
            ])),
        ),
        (
            "b",
            Arc::new(arrow_array::Int32Array::from(vec![1, 2, 3, 4])),
        ),
        (
            "c",
            Arc::new(arrow_array::UInt8Array::from(vec![1, 2, 3, 255])),
        ),
        (
            "f",
            Arc::new(arrow_array::Float32Array::from(vec![0.1, 0.2, 0.3, 0.4])),
        ),
        (
            "t",
            Arc::new(arrow_array::BooleanArray::from(vec![
                true, false, true, false,
            ])),
        ),
        (
            "s",
            Arc::new(arrow_array::StringArray::from(vec![
                Some("x"),
                Some("yy"),
                None,
                Some(""),
            ])),
        ),
        ("d", Arc::new(dict)),
    ];
    let Ok(batch) = RecordBatch::try_from_iter(columns) else {
        return Vec::new();
    };
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(group_rows))
        .build();
    let mut out = Vec::new();
    let Ok(mut w) = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(props))
    else {
        return Vec::new();
    };
    if w.write(&batch).is_err() || w.close().is_err() {
        return Vec::new();
    }
    out
}

fn aekit_parquet_seed() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("aekit-fuzz-seed-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("seed.parquet");
    let header: Vec<String> = ["z0", "flag", "id"].map(String::from).to_vec();
    let kinds = [ColumnKind::Float32, ColumnKind::Int64, ColumnKind::Utf8];
    let mut bytes = Vec::new();
    if let Ok(mut w) = TableWriter::create(&path, &header, &kinds) {
        for r in 0..6 {
            let _ = w.write_row(&[format!("{r}.5"), (r % 2).to_string(), format!("r{r}")]);
        }
        if w.finish().is_ok()
            && let Ok(mut f) = std::fs::File::open(&path)
        {
            let _ = f.read_to_end(&mut bytes);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

fn seeds(target: Target) -> Vec<Vec<u8>> {
    match target {
        Target::Csv => CSV_SEEDS.iter().map(|s| s.to_vec()).collect(),
        Target::Gzip => CSV_SEEDS.iter().map(|s| gzip(s)).collect(),
        Target::Parquet => {
            use parquet::basic::Compression as C;
            let mut v: Vec<Vec<u8>> = [
                (C::UNCOMPRESSED, 4),
                (C::SNAPPY, 2),
                (C::ZSTD(Default::default()), 3),
                (C::LZ4_RAW, 4),
                (C::GZIP(Default::default()), 1),
            ]
            .into_iter()
            .map(|(c, g)| parquet_seed(c, g))
            .collect();
            v.push(aekit_parquet_seed());
            v.retain(|s| !s.is_empty());
            v
        }
    }
}

const WORDS: [u32; 8] = [
    0,
    1,
    2,
    0x7f,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1000_0000,
];

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(6) {
        let len = b.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.next() as u8;
            }
            2 if len >= 4 => {
                let i = rng.below(len - 3);
                let w = if rng.below(2) == 0 {
                    WORDS[rng.below(WORDS.len())]
                } else {
                    rng.next() as u32
                };
                b[i..i + 4].copy_from_slice(&w.to_le_bytes());
            }
            3 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(i..i, bytes);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let end = (i + 1 + rng.below(64)).min(len);
                b.drain(i..end);
            }
            5 => b.truncate(rng.below(len + 1)),
            6 if !other.is_empty() => {
                // Splice a piece of another input in.
                let s = rng.below(other.len());
                let e = (s + 1 + rng.below(64)).min(other.len());
                let i = rng.below(len + 1);
                b.splice(i..i, other[s..e].iter().copied());
            }
            7 if len > 1 => {
                // Duplicate a range (repeated structures, long lines).
                let s = rng.below(len);
                let e = (s + 1 + rng.below(32)).min(len);
                let piece = b[s..e].to_vec();
                let i = rng.below(len + 1);
                b.splice(i..i, piece);
            }
            8 if len > 0 => {
                let i = rng.below(len);
                b[i] = [b'"', b',', b'\n', b'\r', 0, 0xff, b'-', b'e'][rng.below(8)];
            }
            _ => {}
        }
    }
    b
}

/// The shape of an outcome: the message with digits removed, so corpus
/// growth follows new kinds of error rather than new row numbers.
fn outcome(target: Target, result: &aekit::Result<usize>) -> String {
    let text = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
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
        options.targets.iter().map(|&t| (t, seeds(t))).collect();
    let mut corpora = corpora;
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
        let result = std::panic::catch_unwind(|| read(target, &input));
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
                    Err(e) => {
                        errors += 1;
                        let text = e.to_string();
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

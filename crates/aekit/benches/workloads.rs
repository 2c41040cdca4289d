//! Speed benchmark: workloads W1, W2, W3, W4, W5 (training) and S1 (scoring) of
//! DESIGN.md "Performance",
//! built exactly as `bench/torch_ref.py` builds them, so that
//! `bench/run.sh` can print aekit / PyTorch ratios from one run.
//!
//! ```text
//! cargo bench -p aekit --bench workloads -- --threads 2 [--only W1,W2,W3,W4,S1] [--quick] [--repeat N]
//!     [--w4-batches N] [--device cpu|gpu|gpu:N]
//! ```
//!
//! `--device gpu` needs the benchmark built with a GPU feature
//! (`--features aekit/wgpu` or `aekit/cuda`; bench/gpu.sh does it): every
//! workload then runs there, on burn's generic path.
//!
//! Prints one JSON object per workload on stdout, with the field names
//! torch_ref.py uses; progress goes to stderr. Not a test: nothing is asserted.

use std::process::ExitCode;

/// The allocator the `aekit` binary uses, so the benchmark measures the same thing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use aekit::data::{ImageShape, Matrix, ScaleKind};
use aekit::model::{Activation, ConvAutoencoderConfig, DenseAutoencoderConfig};
use aekit::train::{
    Control, LossKind, OptimizerConfig, OptimizerKind, TrainingConfig, TrainingObserver,
};
use aekit::unstable::{
    TrainingData, inference_device, inference_net, init_dense, install_on, row_errors, to_tensor,
    train_dense as train, training_device,
};
use aekit::{AutoencoderParams, DeviceChoice, FitOptions, TrainingSetters};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Command-line options (cargo bench also passes `--bench`, which is ignored).
struct Options {
    threads: usize,
    only: Vec<String>,
    quick: bool,
    repeat: usize,
    /// burn's chain of tensor operations for activation + loss instead of the fused pass.
    unfused: bool,
    /// burn's path for training and scoring instead of aekit's kernels.
    burn: bool,
    /// W4: time only this many batches and scale to a whole epoch.
    w4_batches: Option<usize>,
    /// Where every workload runs.
    device: DeviceChoice,
}

/// Every workload this benchmark knows.
const KNOWN: [&str; 7] = ["W1", "W2", "W3", "W4", "W5", "S1", "PEAK"];

fn parse_args() -> Result<Options, String> {
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
                options.threads = value("--threads")?
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n >= 1)
                    .ok_or("--threads must be a whole number of at least 1")?;
            }
            "--repeat" => {
                options.repeat = value("--repeat")?
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n >= 1)
                    .ok_or("--repeat must be a whole number of at least 1")?;
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

/// One training workload.
struct Workload {
    name: &'static str,
    model: DenseAutoencoderConfig,
    loss: LossKind,
    rows: usize,
    cols: usize,
    batch: usize,
    warm_up: usize,
    epochs: usize,
}

fn workloads(quick: bool) -> Vec<Workload> {
    let timed = if quick { 3 } else { 20 };
    vec![
        // 100-200-100-50-100-200-100, Dense -> BatchNorm -> LeakyReLU(0.3)
        // on hidden layers, linear bottleneck and output, MSE.
        Workload {
            name: "W1",
            model: DenseAutoencoderConfig {
                hidden: vec![200, 100],
                bottleneck: 50,
                // None mirrors hidden: 50 -> 100 -> 200 -> 100.
                decoder_hidden: None,
                activation: Activation::LeakyRelu { slope: 0.3 },
                bottleneck_activation: Activation::Linear,
                output_activation: Activation::Linear,
                batch_norm: true,
                // torch_ref: BatchNorm1d(eps=1e-3, momentum=0.01) == Keras 0.99.
                batch_norm_epsilon: 1e-3,
                batch_norm_momentum: 0.99,
                // No dropout (the default).
                ..DenseAutoencoderConfig::default()
            },
            loss: LossKind::Mse,
            rows: 670,
            cols: 100,
            batch: 16,
            warm_up: 2,
            epochs: timed,
        },
        // 784-32(relu)-784(sigmoid), binary cross-entropy.
        Workload {
            name: "W2",
            model: DenseAutoencoderConfig {
                hidden: Vec::new(),
                bottleneck: 32,
                decoder_hidden: None,
                activation: Activation::Relu,
                bottleneck_activation: Activation::Relu,
                output_activation: Activation::Sigmoid,
                batch_norm: false,
                dropout: 0.0,
                ..DenseAutoencoderConfig::default()
            },
            loss: LossKind::Bce,
            rows: 1000,
            cols: 784,
            batch: 256,
            warm_up: 2,
            epochs: timed,
        },
        // 784 -> 256 relu -> 64 relu -> 256 relu -> 784 sigmoid, MSE, one epoch.
        Workload {
            name: "W3",
            model: w3_model(),
            loss: LossKind::Mse,
            rows: if quick { 6000 } else { 60_000 },
            cols: 784,
            batch: 256,
            warm_up: 0,
            epochs: 1,
        },
    ]
}

/// W3's architecture, also the model S1 scores with.
fn w3_model() -> DenseAutoencoderConfig {
    DenseAutoencoderConfig {
        hidden: vec![256],
        bottleneck: 64,
        decoder_hidden: None,
        activation: Activation::Relu,
        bottleneck_activation: Activation::Relu,
        output_activation: Activation::Sigmoid,
        ..DenseAutoencoderConfig::default()
    }
}

/// Floating-point operations of one W3 training epoch: the forward
/// products, and in the backward pass the weight gradients of every layer
/// and the input gradients of every layer but the first (no framework
/// forms the gradient of the data).
fn w3_flops_per_epoch(rows: usize) -> f64 {
    let widths = [784usize, 256, 64, 256, 784];
    let products: Vec<usize> = widths.windows(2).map(|w| 2 * w[0] * w[1]).collect();
    let forward: usize = products.iter().sum();
    (3 * forward - products[0]) as f64 * rows as f64
}

/// The machine's sustained f32 matrix-product rate through the kernel aekit
/// trains and scores with (`aekit::unstable::matmul`, the `gemm` crate),
/// split across threads by rows as aekit splits it, from square products of `n`.
fn gemm_peak(n: usize, repeat: usize) -> f64 {
    use aekit::unstable::{MatRef, matmul};
    use rayon::prelude::*;
    let a = random_matrix(n, n, 3).values;
    let b = random_matrix(n, n, 4).values;
    let mut c = vec![0.0f32; n * n];
    let rows = n.div_ceil(rayon::current_num_threads());
    let product = |c: &mut [f32]| {
        c.par_chunks_mut(rows * n)
            .zip(a.par_chunks(rows * n))
            .for_each(|(c, a)| {
                let m = a.len() / n;
                matmul(c, false, MatRef::new(a, m, n), MatRef::new(&b, n, n));
            });
    };
    product(&mut c); // warm-up
    let mut best = 0.0f64;
    for _ in 0..repeat {
        let started = std::time::Instant::now();
        product(&mut c);
        best = best.max(2.0 * (n as f64).powi(3) / started.elapsed().as_secs_f64());
    }
    best
}

/// The roofline line: peak rate and W3's share of it.
#[derive(Serialize)]
struct RooflineReport {
    workload: &'static str,
    framework: &'static str,
    threads: usize,
    gemm_n: usize,
    gemm_gflops: f64,
    w3_gflop_per_epoch: f64,
    w3_gflops: Option<f64>,
    w3_share_of_peak: Option<f64>,
}

/// S1's result line, fields in torch_ref.py's order.
#[derive(Serialize)]
struct ScoringReport {
    workload: &'static str,
    framework: &'static str,
    aekit: &'static str,
    threads: usize,
    rows: usize,
    rows_per_s_median: f64,
    check: f64,
}

/// S1: per-row reconstruction MSE of W3's model over 1 000 000 rows in
/// chunks of 4096, through the same inference path `aekit score` uses
/// (aekit's kernels; with `--burn`, burn's forward then the errors).
fn run_scoring(options: &Options) -> ScoringReport {
    let rows = if options.quick { 100_000 } else { 1_000_000 };
    let chunk = random_matrix(4096, 784, 2);
    let device = inference_device();
    let model = init_dense(
        &w3_model(),
        784,
        784,
        &mut StdRng::seed_from_u64(1),
        &device,
    );
    let net = inference_net(&model);
    let mut times = Vec::with_capacity(options.repeat);
    let mut check = 0.0;
    for r in 0..options.repeat {
        let started = std::time::Instant::now();
        let mut done = 0;
        while done < rows {
            // A GPU has no kernels: burn's path there.
            let errors = if options.burn || !options.device.is_cpu() {
                let out = model.forward(to_tensor(chunk.clone(), &device));
                let rebuilt = Matrix::new(
                    out.into_data().try_into_vec::<f32>().unwrap_or_default(),
                    784,
                );
                row_errors(&chunk, &rebuilt)
            } else {
                net.row_errors(&chunk.values, &chunk.values)
            };
            check = errors.iter().map(|&e| f64::from(e)).sum::<f64>() / errors.len() as f64;
            done += chunk.n_rows();
        }
        let s = started.elapsed().as_secs_f64();
        eprintln!(
            "S1 repeat {}/{}: {:.0} rows/s",
            r + 1,
            options.repeat,
            rows as f64 / s
        );
        times.push(s);
    }
    times.sort_by(f64::total_cmp);
    ScoringReport {
        workload: "S1",
        framework: "aekit",
        aekit: aekit::VERSION,
        threads: options.threads,
        rows,
        rows_per_s_median: round_to(rows as f64 / median(&times), 1),
        check: round_to(check, 6),
    }
}

/// One result line, fields in torch_ref.py's order.
#[derive(Serialize)]
struct Report {
    workload: &'static str,
    framework: &'static str,
    aekit: &'static str,
    threads: usize,
    rows: usize,
    batch: usize,
    s_per_epoch_min: f64,
    s_per_epoch_median: f64,
    rows_per_s_median: f64,
    final_loss: f64,
    /// W4: trainable and non-trainable parameters, to check against torch's.
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<usize>,
    /// W4 with `--w4-batches`: the batches timed per repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    timed_batches: Option<usize>,
}

/// Remembers the last mini-batch loss, which is what torch_ref.py reports.
#[derive(Default)]
struct LastBatch {
    loss: f64,
}

impl Report {
    /// aekit's line for a training workload from its seconds per epoch
    /// (one per repeat) and the last batch loss.
    fn trained(
        workload: &'static str,
        threads: usize,
        rows: usize,
        batch: usize,
        mut per_epoch: Vec<f64>,
        final_loss: f64,
    ) -> Report {
        per_epoch.sort_by(f64::total_cmp);
        let med = median(&per_epoch);
        Report {
            workload,
            framework: "aekit",
            aekit: aekit::VERSION,
            threads,
            rows,
            batch,
            s_per_epoch_min: round_to(per_epoch[0], 5),
            s_per_epoch_median: round_to(med, 5),
            rows_per_s_median: round_to(rows as f64 / med, 1),
            final_loss: round_to(final_loss, 6),
            params: None,
            timed_batches: None,
        }
    }
}

/// W4's observer: the last batch loss, the batches done, and a stop after
/// `limit` batches when only part of the epoch is timed.
struct CountBatches {
    loss: f64,
    batches: usize,
    limit: Option<usize>,
}

impl TrainingObserver for CountBatches {
    fn on_batch_end(&mut self, batch: usize, loss: f64) -> Control {
        self.loss = loss;
        self.batches = batch;
        Control::stop_if(self.limit.is_some_and(|n| batch >= n))
    }
}

/// W4's batch size.
const W4_BATCH: usize = 128;

/// W4: what `aekit train --kind conv --image-shape 28x28 --channels 16,32
/// --bottleneck 64 --batch-size 128 --optimizer adam --loss mse` fits
/// (the CLI's conv defaults: relu after every hidden layer, linear code and
/// output, no batch norm; min-max scaling; Adam lr 1e-3, eps 1e-7), one
/// epoch, through the library's public entry point
/// (`AutoencoderParams::fit_with`) so it times what users run.
fn w4_params(threads: usize, seed: u64, device: DeviceChoice) -> AutoencoderParams {
    let model = ConvAutoencoderConfig {
        channels: vec![16, 32],
        bottleneck: 64,
        ..ConvAutoencoderConfig::default()
    };
    let training = TrainingConfig {
        optimizer: OptimizerConfig {
            kind: OptimizerKind::Adam,
            ..OptimizerConfig::default()
        },
        loss: LossKind::Mse,
        epochs: 1,
        batch_size: W4_BATCH,
        shuffle: true,
        seed,
        ..TrainingConfig::default()
    };
    AutoencoderParams::new()
        .model(model)
        .training(training)
        .scale(ScaleKind::MinMax)
        .image_shape(ImageShape::grey(28, 28))
        .threads(threads)
        .device(device)
}

/// W4 on 60 000 random 28x28 images (6 000 with `--quick`); with
/// `--w4-batches N`, the first N batches are timed and the epoch's time is
/// scaled from them by rows (an epoch is `rows / 128` batches' worth).
fn run_w4(options: &Options) -> Result<Report, String> {
    let rows = if options.quick { 6000 } else { 60_000 };
    let data = random_matrix(rows, 784, 1);
    let x =
        ndarray::ArrayView2::from_shape((rows, 784), &data.values).map_err(|e| e.to_string())?;
    let mut per_epoch = Vec::with_capacity(options.repeat);
    let mut final_loss = f64::NAN;
    let mut params = 0;
    for r in 0..options.repeat {
        let mut observer = CountBatches {
            loss: f64::NAN,
            batches: 0,
            limit: options.w4_batches,
        };
        let model = w4_params(options.threads, 1 + r as u64, options.device)
            .fit_with(x, FitOptions::new().observer(&mut observer))
            .map_err(|e| e.to_string())?;
        let summary = model.summary();
        params = summary.trainable() + summary.non_trainable();
        let epoch = model
            .history()
            .epochs
            .first()
            .ok_or("W4: training ran no epoch")?;
        let done_rows = (observer.batches * W4_BATCH).min(rows);
        let s = epoch.seconds * rows as f64 / done_rows as f64;
        eprintln!(
            "W4 repeat {}/{}: {:.3} s/epoch ({} batches in {:.3} s), last batch loss {:.6}",
            r + 1,
            options.repeat,
            s,
            observer.batches,
            epoch.seconds,
            observer.loss
        );
        per_epoch.push(s);
        final_loss = observer.loss;
    }
    Ok(Report {
        params: Some(params),
        timed_batches: options.w4_batches,
        ..Report::trained("W4", options.threads, rows, W4_BATCH, per_epoch, final_loss)
    })
}

/// W5: the pooled text classifier's vocabulary, text length and batch.
const W5_VOCAB: usize = 20_000;
const W5_LENGTH: usize = 64;
const W5_BATCH: usize = 32;

/// W5: `aekit text train --embedding-dim 32 --pooling mean --max-length 64
/// --batch-size 32` (Adam, the text default lr 0.01) on texts of 64 words
/// drawn uniformly from 20 000 and 8 random classes, one epoch, no
/// validation, through the library's `TextClassifierParams::fit`; the
/// epoch's seconds come from the history, so tokenising is not timed.
fn run_w5(options: &Options) -> Result<Report, String> {
    use aekit::model::{Pooling, TextClassifierConfig};
    use aekit::text::{Corpus, Lookup, TextClassifierParams, VocabularyConfig};
    let rows = if options.quick { 5_000 } else { 50_000 };
    let mut rng = StdRng::seed_from_u64(1);
    let texts: Vec<String> = (0..rows)
        .map(|_| {
            let words: Vec<String> = (0..W5_LENGTH)
                .map(|_| format!("w{}", rng.random_range(0..W5_VOCAB)))
                .collect();
            words.join(" ")
        })
        .collect();
    let labels = (0..rows)
        .map(|_| format!("c{}", rng.random_range(0..8)))
        .collect();
    let corpus = Corpus {
        path: "W5".into(),
        texts,
        labels: Some(labels),
        id_names: Vec::new(),
        ids: Vec::new(),
        rows: (1..=rows).collect(),
    };
    let mut per_epoch = Vec::with_capacity(options.repeat);
    let (mut final_loss, mut params) = (f64::NAN, 0);
    for r in 0..options.repeat {
        let mut p = TextClassifierParams::for_pooling(Pooling::Mean);
        p.vocabulary = VocabularyConfig {
            min_count: 1,
            max_vocab: W5_VOCAB,
            hashing: None,
        };
        p.max_length = Some(W5_LENGTH);
        p.model = TextClassifierConfig {
            embedding_dim: 32,
            pooling: Pooling::Mean,
            ..TextClassifierConfig::default()
        };
        p.training.epochs = 1;
        p.training.device = options.device;
        p.training.batch_size = W5_BATCH;
        p.training.validation_split = None;
        p.training.patience = None;
        p.training.seed = 1 + r as u64;
        let mut observer = LastBatch { loss: f64::NAN };
        let model = p.fit(&corpus, &mut observer).map_err(|e| e.to_string())?;
        let meta = model.meta();
        let epoch = meta
            .history
            .epochs
            .first()
            .ok_or("W5: training ran no epoch")?;
        let summary = p.model.summary(
            Lookup::new(&meta.text.ids).size(),
            W5_LENGTH,
            meta.classes.len(),
        );
        params = summary.trainable() + summary.non_trainable();
        eprintln!(
            "W5 repeat {}/{}: {:.3} s/epoch, last batch loss {:.6}",
            r + 1,
            options.repeat,
            epoch.seconds,
            observer.loss
        );
        per_epoch.push(epoch.seconds);
        final_loss = observer.loss;
    }
    Ok(Report {
        params: Some(params),
        ..Report::trained("W5", options.threads, rows, W5_BATCH, per_epoch, final_loss)
    })
}

impl TrainingObserver for LastBatch {
    fn on_batch_end(&mut self, _batch: usize, loss: f64) -> Control {
        self.loss = loss;
        Control::Continue
    }
}

/// Uniform [0, 1) f32 values, as `torch.rand`, from a fixed seed.
fn random_matrix(rows: usize, cols: usize, seed: u64) -> Matrix {
    let mut rng = StdRng::seed_from_u64(seed);
    let values = (0..rows * cols).map(|_| rng.random::<f32>()).collect();
    Matrix::new(values, cols)
}

fn median(sorted: &[f64]) -> f64 {
    sorted[sorted.len() / 2]
}

fn round_to(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn run(w: &Workload, options: &Options) -> Result<Report, String> {
    w.model.validate().map_err(|e| e.to_string())?;
    let data = random_matrix(w.rows, w.cols, 1);
    let device = training_device();
    let mut per_epoch = Vec::with_capacity(options.repeat);
    let mut final_loss = f64::NAN;
    for r in 0..options.repeat {
        let seed = 1 + r as u64;
        let mut init_rng = StdRng::seed_from_u64(seed);
        let model = init_dense(&w.model, w.cols, w.cols, &mut init_rng, &device);
        let config = TrainingConfig {
            optimizer: OptimizerConfig {
                learning_rate: Some(1e-3),
                epsilon: 1e-7,
                ..OptimizerConfig::default()
            },
            loss: w.loss,
            epochs: w.warm_up + w.epochs,
            batch_size: w.batch,
            shuffle: true,
            validation_split: None,
            patience: None,
            seed,
            fused_loss: !options.unfused,
            native_kernels: !options.burn,
            ..TrainingConfig::default()
        };
        config.validate().map_err(|e| e.to_string())?;
        let data = TrainingData::new(&data, None);
        let mut observer = LastBatch::default();
        let (_model, history) = train(model, &config, &data, None, &device, &mut observer)
            .map_err(|e| e.to_string())?;
        if history.epochs.len() != config.epochs {
            return Err(format!(
                "{}: training stopped after {} of {} epochs ({:?})",
                w.name,
                history.epochs.len(),
                config.epochs,
                history.stop_reason
            ));
        }
        let timed: f64 = history.epochs[w.warm_up..].iter().map(|e| e.seconds).sum();
        let s = timed / w.epochs as f64;
        eprintln!(
            "{} repeat {}/{}: {:.5} s/epoch, last batch loss {:.6}",
            w.name,
            r + 1,
            options.repeat,
            s,
            observer.loss
        );
        per_epoch.push(s);
        final_loss = observer.loss;
    }
    Ok(Report::trained(
        w.name,
        options.threads,
        w.rows,
        w.batch,
        per_epoch,
        final_loss,
    ))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("workloads: {e}");
            return ExitCode::from(2);
        }
    };
    // The library's pool for the thread count, with the device in force.
    match install_on(Some(options.threads), options.device, || run_all(&options)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("workloads: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every workload asked for, on the current thread pool.
fn run_all(options: &Options) -> ExitCode {
    let mut w3_seconds = None;
    for w in workloads(options.quick) {
        if !options.only.iter().any(|o| o == w.name) {
            continue;
        }
        match run(&w, options) {
            Ok(report) => match serde_json::to_string(&report) {
                Ok(line) => {
                    if w.name == "W3" {
                        w3_seconds = Some((report.s_per_epoch_median, report.rows));
                    }
                    println!("{line}")
                }
                Err(e) => {
                    eprintln!("workloads: {e}");
                    return ExitCode::FAILURE;
                }
            },
            Err(e) => {
                eprintln!("workloads: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut lines = Vec::new();
    if options.only.iter().any(|o| o == "W4") {
        match run_w4(options) {
            Ok(report) => lines.push(serde_json::to_string(&report)),
            Err(e) => {
                eprintln!("workloads: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if options.only.iter().any(|o| o == "W5") {
        match run_w5(options) {
            Ok(report) => lines.push(serde_json::to_string(&report)),
            Err(e) => {
                eprintln!("workloads: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if options.only.iter().any(|o| o == "S1") {
        lines.push(serde_json::to_string(&run_scoring(options)));
    }
    if options.only.iter().any(|o| o == "PEAK") {
        let n = if options.quick { 1024 } else { 2048 };
        let peak = gemm_peak(n, options.repeat.max(3));
        let w3 = w3_seconds.map(|(s, rows)| w3_flops_per_epoch(rows) / s);
        lines.push(serde_json::to_string(&RooflineReport {
            workload: "PEAK",
            framework: "aekit",
            threads: options.threads,
            gemm_n: n,
            gemm_gflops: round_to(peak / 1e9, 1),
            w3_gflop_per_epoch: round_to(
                w3_flops_per_epoch(if options.quick { 6000 } else { 60_000 }) / 1e9,
                1,
            ),
            w3_gflops: w3.map(|r| round_to(r / 1e9, 1)),
            w3_share_of_peak: w3.map(|r| round_to(r / peak, 3)),
        }));
    }
    for line in lines {
        match line {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("workloads: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

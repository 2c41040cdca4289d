//! One function per subcommand (plot: plot_command.rs): read, call the
//! library, print.

use aekit::data::{ReadOptions, Table};
use aekit::report::plot;
use aekit::tasks::anomaly::{self, ScoreOptions, ThresholdRule};
use aekit::tasks::evaluate;
use aekit::{Autoencoder, DeviceChoice, FitOptions, apply};
use anyhow::{Context, Result};

use std::path::Path;

use crate::cli::{
    ApplyArgs, DenoiseArgs, DetectArgs, EvaluateArgs, PredictArgs, SampleArgs, ScoreArgs,
    ServeArgs, SummaryArgs, TrainArgs,
};
use crate::finish::finish_training;
use crate::progress::{EpochPrinter, RowMeter};
use crate::settings::{self, Output, check_output, check_training_outputs};
use crate::training_args::stream_config;

/// `aekit train`.
pub fn train(args: &TrainArgs) -> Result<()> {
    let params = settings::train_params(args)?;
    let csv = settings::read_options(&args.columns.csv)?;
    let inputs: Vec<&Path> = std::iter::once(args.data.as_path())
        .chain(args.target.as_deref())
        .chain(args.validation.as_deref())
        .chain(args.validation_target.as_deref())
        .collect();
    check_training_outputs(&args.out, args.report.plot.as_deref(), &inputs)?;
    settings::check_not_the_checkpoint(args)?;
    let read =
        |path: &Option<std::path::PathBuf>| path.as_ref().map(|p| Table::read(p, &csv)).transpose();
    let stream = stream_config(&args.stream)?;
    if stream.streams(&args.data)? {
        return crate::streamed::train(args, &params, &csv, &stream);
    }
    let table = Table::read(&args.data, &csv)?;
    let target = read(&args.target)?;
    let validation = read(&args.validation)?;
    let validation_target = read(&args.validation_target)?;
    if validation.is_some() && target.is_some() && validation_target.is_none() {
        anyhow::bail!(
            "a paired model validates on input and target files: give --validation-target with --validation"
        );
    }
    let mut printer = EpochPrinter::new(args.report.quiet);
    let mut options = FitOptions::new().observer(&mut printer);
    if let Some(v) = &validation {
        options = options.validation(v);
    }
    if let Some(t) = &validation_target {
        options = options.validation_target(t);
    }
    let model = match &target {
        Some(target) => params.fit_paired(&table, target, options)?,
        None => params.fit_with(&table, options)?,
    };
    finish_training(
        &model,
        &args.out,
        args.report.plot.as_deref(),
        args.report.quiet,
    )
}

/// `aekit detect`.
pub fn detect(args: &DetectArgs) -> Result<()> {
    let params = settings::detector_params(args)?;
    let csv = settings::read_options(&args.columns.csv)?;
    check_training_outputs(&args.out, args.report.plot.as_deref(), &[&args.data])?;
    let stream = stream_config(&args.stream)?;
    let mut printer = EpochPrinter::new(args.report.quiet);
    let options = FitOptions::new().observer(&mut printer);
    let detector = if stream.streams(&args.data)? {
        let (detector, report) = params.fit_stream(&args.data, &csv, &stream, options)?;
        crate::streamed::note(&report, &stream, args.report.quiet);
        detector
    } else {
        params.fit_with(&Table::read(&args.data, &csv)?, options)?
    };
    finish_training(
        &detector.autoencoder,
        &args.out,
        args.report.plot.as_deref(),
        args.report.quiet,
    )?;
    if !args.report.quiet
        && let Some(r) = detector.autoencoder.detector_record()
    {
        eprint!("{}", crate::report::detector_choices(r));
    }
    if !args.report.quiet
        && let Some(a) = detector.autoencoder.anomaly_threshold()
    {
        eprintln!(
            "threshold {:.6} ({}): flags {:.1} % of the training rows",
            a.threshold,
            match a.rule {
                ThresholdRule::Contamination(p) => format!("contamination {p}"),
                ThresholdRule::Percentile(q) => format!("percentile {q}"),
            },
            100.0 * a.training_flagged
        );
    }
    Ok(())
}

/// `aekit score`.
pub fn score(args: &ScoreArgs) -> Result<()> {
    let csv = settings::read_options(&args.csv)?;
    check_output(&args.out, Output::Table, &[&args.model, &args.data])?;
    let model = load_for_input(&args.model, args.threads, args.device, &args.csv)?;
    let options = ScoreOptions {
        threshold: args.threshold,
        explain: args.explain,
        label: args.label.clone(),
        chunk_rows: args.chunk_rows,
        exact_rows: args.exact_rows,
    };
    let mut meter = RowMeter::new(args.quiet);
    let report = anomaly::score_file(&model, &args.data, &csv, &args.out, &options, &mut |n| {
        meter.update(n)
    })?;
    meter.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", crate::report::score_summary(&report));
    }
    note_unseen(&model);
    Ok(())
}

/// A model to read inputs with: its threads and device, and `--strict`
/// for categories unseen in training.
fn load_for_input(
    path: &Path,
    threads: Option<usize>,
    device: Option<DeviceChoice>,
    csv: &crate::cli::ReadArgs,
) -> Result<Autoencoder> {
    let mut model = Autoencoder::load(path)?;
    model.set_threads(threads)?;
    model.set_device(device.unwrap_or_default())?;
    model.set_strict_categories(csv.strict);
    Ok(model)
}

/// The note on cells whose category training did not see.
fn note_unseen(model: &Autoencoder) {
    let n = model.unseen_categories();
    if n > 0 {
        eprintln!(
            "note: {n} cell{} held a category not seen in training, read as an all-zero one-hot block (--strict refuses them)",
            if n == 1 { "" } else { "s" }
        );
    }
}

/// `aekit serve`.
pub fn serve(args: &ServeArgs) -> Result<()> {
    let options = settings::serve_options(args)?;
    let mut model = Autoencoder::load(&args.model)?;
    model.set_threads(args.threads)?;
    model.set_device(args.device.unwrap_or_default())?;
    aekit_serve::serve(model, &args.model, &options)
}

/// `aekit summary`.
pub fn summary(args: &SummaryArgs) -> Result<()> {
    if aekit::text::model_file::is_text_model(&args.model) {
        return crate::text::summary(&args.model);
    }
    let model = Autoencoder::load(&args.model)?;
    let meta = model.meta();
    println!("{}", model.summary());
    println!();
    println!("kind: {}", model.kind());
    if let Some(image) = model.image_shape() {
        println!("images: {image} (channels x height x width, channel-major rows)");
    }
    let input = &meta.input;
    println!(
        "features: {} ({})",
        input.width(),
        preview(&input.schema.features)
    );
    if let Some(label) = &input.schema.label {
        println!("label: {label}");
    }
    if !input.schema.ids.is_empty() {
        println!("ids: {}", input.schema.ids.join(", "));
    }
    println!("scaling: {:?}", input.scaler.kind);
    if let Some(target) = &meta.target {
        println!(
            "paired: predicts {} target columns ({}), scaling {:?}",
            target.width(),
            preview(&target.schema.features),
            target.scaler.kind
        );
    }
    let t = &meta.training;
    println!(
        "training: {:?} lr {} on {:?}, batch {}, seed {}",
        t.optimizer.kind,
        t.optimizer.lr(),
        t.loss,
        t.batch_size,
        t.seed
    );
    if let Some(noise) = t.noise {
        println!("denoising: inputs corrupted with {noise} each epoch");
    }
    if let Some(a) = model.anomaly_threshold() {
        println!("anomaly threshold: {:.6} ({:?})", a.threshold, a.rule);
    }
    if let Some(r) = model.detector_record() {
        for line in crate::report::detector_choices(r).lines() {
            println!("detector {line}");
        }
    }
    let h = &meta.history;
    if let Some(last) = h.last() {
        println!(
            "history{}: {} epochs, {:?}; {}",
            if model.kind() == "ensemble" {
                " (last model)"
            } else {
                ""
            },
            h.epochs.len(),
            h.stop_reason,
            crate::progress::epoch_line(last, h.epochs.len())
        );
    }
    if let Some(kept) = h.kept() {
        println!("weights from epoch {}", kept.epoch);
    }
    println!(
        "written by aekit {} (model file format {})",
        meta.aekit_version, meta.format_version
    );
    Ok(())
}

/// What `encode`, `decode` and `reconstruct` do to a table.
pub enum Apply {
    /// Rows to codes: their means, or with a seed drawn (variational models).
    Encode {
        /// `--sample`'s seed.
        sample_seed: Option<u64>,
    },
    /// Codes to rows.
    Decode,
    /// Rows to rows and errors.
    Reconstruct,
}

/// `aekit encode`, `decode`, `reconstruct`.
pub fn apply(args: &ApplyArgs, what: Apply) -> Result<()> {
    let csv = settings::read_options(&args.csv)?;
    if matches!(what, Apply::Encode { .. }) && aekit::text::model_file::is_text_model(&args.model) {
        if matches!(
            what,
            Apply::Encode {
                sample_seed: Some(_)
            }
        ) {
            anyhow::bail!(
                "--sample draws codes of variational models (kind vae); a text model's codes are fixed"
            );
        }
        let Some(out) = &args.out else {
            anyhow::bail!("a text model's codes are a table: give --out (--out-dir writes images)");
        };
        return crate::text::encode(&args.model, &args.data, out, &csv, args.device);
    }
    if matches!(what, Apply::Encode { .. }) && args.out_dir.is_some() {
        anyhow::bail!("--out-dir writes images, and encode writes codes: use --out");
    }
    check_outputs(
        args.out.as_deref(),
        args.out_dir.as_deref(),
        &[&args.model, &args.data],
    )?;
    let model = load_for_input(&args.model, args.threads, args.device, &args.csv)?;
    let (image, whose) = match what {
        Apply::Decode => (model.output_image_shape(), "the model's output"),
        _ => (model.image_shape(), "the model's"),
    };
    let shape = settings::out_dir_shape(args.out_dir.as_deref(), image, whose)?;
    let table = Table::read(&args.data, &csv)?;
    if !matches!(what, Apply::Decode) {
        crate::report::note_positional(model.schema(), &table);
    }
    let output = match what {
        Apply::Encode { sample_seed: None } => apply::encode(&model, &table)?,
        Apply::Encode {
            sample_seed: Some(seed),
        } => apply::encode_sampled(&model, &table, seed)?,
        Apply::Decode => apply::decode(&model, &table)?,
        Apply::Reconstruct => apply::reconstruct(&model, &table)?,
    };
    write_outputs(
        &output,
        &table,
        args.out.as_deref(),
        args.out_dir.as_deref(),
        shape,
    )?;
    note_unseen(&model);
    Ok(())
}

/// Checks a command's `--out` table and `--out-dir` folder before any work.
fn check_outputs(out: Option<&Path>, out_dir: Option<&Path>, inputs: &[&Path]) -> Result<()> {
    if let Some(out) = out {
        check_output(out, Output::Table, inputs)?;
    }
    if let Some(dir) = out_dir {
        settings::check_out_dir(dir, inputs)?;
    }
    Ok(())
}

/// Writes `output` as the `--out` table and as `--out-dir` PNG files, one
/// per row of `input`, at `shape`.
fn write_outputs(
    output: &apply::OutputTable,
    input: &Table,
    out: Option<&Path>,
    out_dir: Option<&Path>,
    shape: Option<aekit::data::ImageShape>,
) -> Result<()> {
    use aekit::data::image_files;
    // Names and shape are checked before the table is written, so a
    // refusal leaves nothing behind.
    let pngs = match (out_dir, shape) {
        (Some(dir), Some(shape)) => {
            image_files::check_shape(shape, output.values.n_cols)?;
            Some((dir, shape, image_files::png_names(&input.into())?))
        }
        _ => None,
    };
    if let Some(out) = out {
        output
            .write(out)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    if let Some((dir, shape, names)) = pngs {
        image_files::write_pngs(dir, &names, &output.values, shape)
            .with_context(|| format!("writing PNG files into {}", dir.display()))?;
    }
    Ok(())
}

/// `aekit denoise`.
pub fn denoise(args: &DenoiseArgs) -> Result<()> {
    let csv = settings::read_options(&args.csv)?;
    let add_noise = args
        .add_noise
        .as_deref()
        .map(|spec| settings::noise("--add-noise", spec))
        .transpose()?;
    let inputs: Vec<&Path> = [args.model.as_path(), args.data.as_path()]
        .into_iter()
        .chain(args.clean.as_deref())
        .collect();
    check_outputs(args.out.as_deref(), args.out_dir.as_deref(), &inputs)?;
    if let Some(png) = &args.plot {
        let mut taken = inputs.clone();
        taken.extend(args.out.as_deref());
        check_output(png, Output::Png, &taken)?;
    }
    let model = load_for_input(&args.model, args.threads, args.device, &args.csv)?;
    let out_dir = args.out_dir.as_deref();
    let out_shape = settings::out_dir_shape(out_dir, model.image_shape(), "the model's")?;
    let (table, clean_table) = read_with(&args.data, args.clean.as_deref(), &csv)?;
    let reference = match (&clean_table, add_noise) {
        (Some(t), _) => apply::CleanReference::Clean(t.into()),
        (None, Some(noise)) => apply::CleanReference::AddNoise(noise, args.seed),
        (None, None) => apply::CleanReference::Unknown,
    };
    let shape = match &args.plot {
        Some(_) => Some(settings::drawing_shape(
            args.image_shape.as_deref(),
            model.image_shape(),
        )?),
        None => None,
    };
    let result = apply::denoise(&model, &table, reference)?;
    if let (Some(png), Some(shape)) = (&args.plot, shape) {
        let mut strips = vec![
            ("noisy", result.noisy.clone()),
            ("denoised", result.denoised.clone()),
        ];
        if let Some(clean) = &result.clean {
            strips.push(("clean", clean.clone()));
        }
        for (_, m) in strips.iter_mut() {
            model.unscale(m);
        }
        let named: Vec<(&str, &aekit::data::Matrix)> =
            strips.iter().map(|(n, m)| (*n, m)).collect();
        let title = format!(
            "{} denoised by {}",
            file_name(&args.data),
            file_name(&args.model)
        );
        plot::image_strips(&named, shape, args.rows, &title, png)?;
    }
    write_outputs(
        &result.output,
        &table,
        args.out.as_deref(),
        args.out_dir.as_deref(),
        out_shape,
    )?;
    print!("{}", crate::report::denoise_summary(&result, args.json)?);
    note_unseen(&model);
    Ok(())
}

/// The table `data` and, when named, the table `other` beside it (clean
/// rows, targets).
fn read_with(
    data: &Path,
    other: Option<&Path>,
    csv: &ReadOptions,
) -> Result<(Table, Option<Table>)> {
    let table = Table::read(data, csv)?;
    let other = other.map(|p| Table::read(p, csv)).transpose()?;
    Ok((table, other))
}

/// `aekit predict`.
pub fn predict(args: &PredictArgs) -> Result<()> {
    let csv = settings::read_options(&args.csv)?;
    let inputs: Vec<&Path> = [args.model.as_path(), args.data.as_path()]
        .into_iter()
        .chain(args.target.as_deref())
        .collect();
    check_outputs(args.out.as_deref(), args.out_dir.as_deref(), &inputs)?;
    let model = load_for_input(&args.model, args.threads, args.device, &args.csv)?;
    let out_dir = args.out_dir.as_deref();
    let image = model.output_image_shape();
    let out_shape = settings::out_dir_shape(out_dir, image, "the model's target")?;
    let (table, targets) = read_with(&args.data, args.target.as_deref(), &csv)?;
    let output = apply::predict(&model, &table)?;
    let score = targets
        .as_ref()
        .map(|t| apply::score_predictions(&model, &table, t))
        .transpose()?;
    write_outputs(
        &output,
        &table,
        args.out.as_deref(),
        args.out_dir.as_deref(),
        out_shape,
    )?;
    if let Some(score) = score {
        print!("{}", crate::report::prediction_summary(&score, args.json)?);
    }
    note_unseen(&model);
    Ok(())
}

/// `aekit sample`.
pub fn sample(args: &SampleArgs) -> Result<()> {
    let png = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let what = if png { Output::Png } else { Output::Table };
    check_output(&args.out, what, &[&args.model])?;
    if png && args.n > aekit::report::plot::MAX_DRAWN_SAMPLES {
        anyhow::bail!(
            "a PNG grid of samples holds at most {} images, got -n {}: write a .csv or .parquet for more",
            aekit::report::plot::MAX_DRAWN_SAMPLES,
            args.n
        );
    }
    let mut model = Autoencoder::load(&args.model)?;
    model.set_threads(args.threads)?;
    model.set_device(args.device.unwrap_or_default())?;
    let shape = if png {
        Some(settings::drawing_shape(
            args.image_shape.as_deref(),
            model.output_image_shape(),
        )?)
    } else {
        None
    };
    let Some(shape) = shape else {
        // A table is drawn and written a part at a time.
        return Ok(apply::write_sample(&model, args.n, args.seed, &args.out)?);
    };
    let (_, values) = apply::sample(&model, args.n, args.seed)?;
    let per_line = args.per_line.max(1);
    let lines: Vec<(String, aekit::data::Matrix)> = (0..values.n_rows())
        .step_by(per_line)
        .map(|start| {
            let end = (start + per_line).min(values.n_rows());
            (
                format!("{}-{}", start + 1, end),
                values.slice_rows(start, end),
            )
        })
        .collect();
    let named: Vec<(&str, &aekit::data::Matrix)> =
        lines.iter().map(|(n, m)| (n.as_str(), m)).collect();
    let title = format!(
        "{} samples of {} (seed {})",
        values.n_rows(),
        file_name(&args.model),
        args.seed
    );
    plot::image_strips(&named, shape, per_line, &title, &args.out)?;
    Ok(())
}

/// `aekit evaluate`.
pub fn evaluate(args: &EvaluateArgs) -> Result<()> {
    let csv = settings::read_options(&args.csv)?;
    let model = load_for_input(&args.model, args.threads, args.device, &args.csv)?;
    let train = Table::read(&args.train, &csv)?;
    let test = Table::read(&args.test, &csv)?;
    let report = evaluate::evaluate(&model, &train, &test, args.label.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", crate::report::evaluation_table(&report));
    }
    note_unseen(&model);
    Ok(())
}

pub(crate) fn history_title(model: &std::path::Path) -> String {
    format!("Learning curves of {}", file_name(model))
}

pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn preview(names: &[String]) -> String {
    if names.len() <= 6 {
        names.join(", ")
    } else {
        format!("{}, ..., {}", names[..3].join(", "), names[names.len() - 1])
    }
}

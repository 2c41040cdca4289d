//! Turns parsed arguments into library configurations, in one place.

use aekit::AutoencoderParams;
use aekit::TrainingSetters;
use aekit::data::{
    ColumnRoles, CsvOptions, ImageFolderOptions, MissingPolicy, ReadOptions, ScaleKind, TableFormat,
};
use aekit::data::{ImageShape, ImageSize};
use aekit::options::Mapping;
use aekit::tasks::anomaly::DetectorParams;
use aekit::train::{Checkpointing, Noise};
use anyhow::{Result, bail};
use std::path::Path;

use crate::cli::{
    ColumnArgs, DetectArgs, Format, Kind, KindArgs, Missing, ModelArgs, ReadArgs, Scale, ServeArgs,
    TrainArgs,
};
use crate::training_args::{put, training_entries};
use serde_json::{Map, Value};

/// Parses a width list such as `200,100`; `none` or an empty string is no layers.
pub fn widths(flag: &str, text: &str) -> Result<Vec<usize>> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|w| match w.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!(
                "invalid {flag} '{text}': expected positive widths separated by commas, or none"
            ),
        })
        .collect()
}

/// Parses a noise spec such as `gaussian:0.3` or `mask:0.2`.
pub fn noise(flag: &str, text: &str) -> Result<Noise> {
    text.parse::<Noise>()
        .map_err(|message| anyhow::anyhow!("invalid {flag} {message}"))
}

/// Parses an image shape such as `8x8` or `3x32x32`.
pub fn image_shape(text: &str) -> Result<ImageShape> {
    text.parse::<ImageShape>()
        .map_err(|message| anyhow::anyhow!("invalid --image-shape {message}"))
}

/// The image shape to draw rows as: `--image-shape` when given, else
/// the model's own image shape.
pub fn drawing_shape(flag: Option<&str>, model: Option<ImageShape>) -> Result<ImageShape> {
    let shape = match (flag, model) {
        (Some(text), _) => image_shape(text)?,
        (None, Some(shape)) => shape,
        (None, None) => {
            bail!("the model's rows are not images: give --image-shape HxW to draw them as images")
        }
    };
    if shape.channels != 1 && shape.channels != 3 {
        bail!(
            "drawing takes grey (1 channel) or RGB (3 channel) images; {shape} has {} channels",
            shape.channels
        );
    }
    Ok(shape)
}

/// CSV reading options.
pub fn read_options(args: &ReadArgs) -> Result<ReadOptions> {
    let delimiter = match args.delimiter {
        None => None,
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => bail!("invalid --delimiter '{c}': must be a single ASCII character"),
    };
    let format = args.format.map(|f| match f {
        Format::Csv => TableFormat::Csv,
        Format::Parquet => TableFormat::Parquet,
    });
    let resize = args
        .resize
        .as_deref()
        .map(|text| {
            text.parse::<ImageSize>()
                .map_err(|message| anyhow::anyhow!("invalid --resize {message}"))
        })
        .transpose()?;
    Ok(ReadOptions {
        format,
        csv: CsvOptions { delimiter },
        images: ImageFolderOptions { resize },
    })
}

/// Column roles and scaling from the column flags.
fn columns(args: &ColumnArgs, default_scale: ScaleKind) -> (ColumnRoles, ScaleKind) {
    let roles = ColumnRoles {
        label: args.label.clone(),
        ids: args.ids.clone(),
        drop: args.drop.clone(),
        one_hot: args.one_hot.clone(),
        max_categories: args.max_categories,
        missing: match args.missing {
            Missing::Impute => MissingPolicy::Impute,
            Missing::Error => MissingPolicy::Error,
        },
    };
    let scale = match args.scale {
        None => default_scale,
        Some(Scale::Minmax) => ScaleKind::MinMax,
        Some(Scale::Standard) => ScaleKind::Standard,
        Some(Scale::Robust) => ScaleKind::Robust,
        Some(Scale::None) => ScaleKind::None,
    };
    (roles, scale)
}

/// The architecture flags as the library's parameters (named as the
/// config fields they set), for its mapping.
fn model_entries(args: &ModelArgs, entries: &mut Map<String, Value>) -> Result<()> {
    let hidden = args.hidden.as_deref().map(|h| widths("--hidden", h));
    put!(entries, "hidden", hidden.transpose()?);
    let decoder = args.decoder_hidden.as_deref();
    let decoder = decoder.map(|h| widths("--decoder-hidden", h));
    put!(entries, "decoder_hidden", decoder.transpose()?);
    put!(entries, "bottleneck", args.bottleneck);
    put!(entries, "activation", args.activation);
    put!(entries, "bottleneck_activation", args.bottleneck_activation);
    put!(entries, "output_activation", args.output_activation);
    put!(entries, "batch_norm", args.batch_norm.then_some(true));
    put!(entries, "batch_norm_epsilon", args.batch_norm_epsilon);
    put!(entries, "batch_norm_momentum", args.batch_norm_momentum);
    put!(entries, "init", args.init);
    put!(entries, "dropout", args.dropout);
    Ok(())
}

/// Refuses flags the chosen kind does not take.
fn refuse(kind: &str, flags: &[(&str, bool)], instead: &str) -> Result<()> {
    if let Some((flag, _)) = flags.iter().find(|(_, given)| *given) {
        bail!("{flag} does not apply to --kind {kind}{instead}");
    }
    Ok(())
}

/// The kind of `aekit train` and its own flags, refusing those of the
/// other kinds in the command line's words.
fn kind_entries(kind: &KindArgs, args: &ModelArgs, entries: &mut Map<String, Value>) -> Result<()> {
    let channels = kind
        .channels
        .as_deref()
        .map(|c| widths("--channels", c))
        .transpose()?;
    let name = match kind.kind.unwrap_or_default() {
        Kind::Dense => {
            refuse(
                "dense",
                &[
                    ("--channels", channels.is_some()),
                    ("--conv", kind.conv),
                    ("--beta", kind.beta.is_some()),
                ],
                " (conv and vae models take it)",
            )?;
            "dense"
        }
        Kind::Conv => {
            refuse(
                "conv",
                &[
                    ("--hidden", args.hidden.is_some()),
                    ("--decoder-hidden", args.decoder_hidden.is_some()),
                    ("--dropout", args.dropout.is_some()),
                    ("--init", args.init.is_some()),
                    ("--conv", kind.conv),
                    ("--beta", kind.beta.is_some()),
                ],
                ": its layers are set by --channels",
            )?;
            "conv"
        }
        Kind::Vae => {
            refuse(
                "vae",
                &[
                    ("--dropout", args.dropout.is_some()),
                    ("--init", args.init.is_some()),
                    (
                        "--bottleneck-activation",
                        args.bottleneck_activation.is_some(),
                    ),
                ],
                "",
            )?;
            put!(entries, "conv", kind.conv.then_some(true));
            put!(entries, "beta", kind.beta);
            "vae"
        }
    };
    entries.insert("kind".into(), name.into());
    put!(entries, "channels", channels);
    model_entries(args, entries)
}

/// Everything `aekit train` needs to fit.
pub fn train_params(args: &TrainArgs) -> Result<AutoencoderParams> {
    let mut entries = training_entries(&args.training, Some(&args.reconstruction))?;
    kind_entries(&args.kind, &args.model, &mut entries)?;
    let mut params = Mapping::from(entries).autoencoder()?;
    params.training_mut().checkpoint = match (&args.checkpoint, &args.resume) {
        (Some(dir), _) => Some(Checkpointing::new(dir, args.checkpoint_every)),
        (None, Some(dir)) => Some(Checkpointing {
            resume: true,
            ..Checkpointing::new(dir, args.checkpoint_every)
        }),
        (None, None) => None,
    };
    let (columns, scale) = columns(&args.columns, ScaleKind::MinMax);
    let image_shape = args
        .kind
        .image_shape
        .as_deref()
        .map(image_shape)
        .transpose()?;
    let mut params = params.columns(columns).image_shape(image_shape);
    // Left unset, the library decides it (images in [0, 1] are not scaled).
    if args.columns.scale.is_some() {
        params = params.scale(scale);
    }
    params.validate()?;
    Ok(params)
}

/// Everything `aekit detect` needs to fit.
pub fn detector_params(args: &DetectArgs) -> Result<DetectorParams> {
    let mut entries = training_entries(&args.training, Some(&args.reconstruction))?;
    model_entries(&args.model, &mut entries)?;
    put!(entries, "contamination", args.contamination);
    put!(entries, "threshold_percentile", args.threshold_percentile);
    let widths = args.widths.as_deref().map(|w| widths("--widths", w));
    put!(entries, "widths", widths.transpose()?);
    put!(entries, "trim", args.trim);
    put!(entries, "histogram_bins", args.histogram_bins);
    put!(entries, "neighbours", args.neighbours);
    let weighting = args.weighting.map(|w| match w {
        crate::cli::WeightingArg::Members => "members",
        crate::cli::WeightingArg::AgreeingKinds => "agreeing_kinds",
    });
    put!(entries, "weighting", weighting);
    let base = Mapping::from(entries).detector()?;
    let (columns, scale) = columns(&args.columns, base.scale);
    let params = DetectorParams {
        columns,
        scale,
        ..base
    };
    params.validate()?;
    Ok(params)
}

/// What a command writes at an output path, for the checks made before
/// any work: a table may go to standard output (`-`), nothing else may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Rows (CSV, gzip CSV, Parquet, or CSV on standard output).
    Table,
    /// A model file (binary safetensors).
    Model,
    /// A PNG picture, named `.png`.
    Png,
    /// Word vectors (word2vec text).
    WordVectors,
}

/// Checks, before any work, that `out` can take `what` and is none of
/// `inputs` (by any spelling of the path).
pub fn check_output(out: &Path, what: Output, inputs: &[&Path]) -> Result<()> {
    use aekit::data::output::{check_file_writable, check_writable};
    match what {
        Output::Table => check_writable(out)?,
        Output::Model => check_file_writable(out, "a model file")?,
        Output::Png => aekit::report::plot::check_output(out)?,
        Output::WordVectors => check_file_writable(out, "word vectors")?,
    }
    aekit::data::output::check_not_an_input(out, inputs)?;
    Ok(())
}

/// Checks, before any work, that `dir` can take `--out-dir`'s PNG files
/// and is none of `inputs` (an image folder would have its files replaced).
pub fn check_out_dir(dir: &Path, inputs: &[&Path]) -> Result<()> {
    aekit::data::image_files::check_dir(dir)?;
    aekit::data::output::check_not_an_input(dir, inputs)?;
    Ok(())
}

/// The image shape `--out-dir` writes PNG files at, when given: `shape`
/// (the model's), or a refusal saying why there is none.
pub fn out_dir_shape(
    out_dir: Option<&Path>,
    shape: Option<ImageShape>,
    whose: &str,
) -> Result<Option<ImageShape>> {
    match (out_dir, shape) {
        (None, _) => Ok(None),
        (Some(_), Some(shape)) => Ok(Some(shape)),
        (Some(_), None) => bail!(
            "--out-dir writes images, but {whose} rows are not images: train on an image folder, or with --image-shape, to write PNG files; use --out for CSV"
        ),
    }
}

/// The outputs of a training command, checked before training: the model
/// file and the `--plot` PNG can be written, neither is an input, and
/// they are not the same file.
pub fn check_training_outputs(model: &Path, plot: Option<&Path>, inputs: &[&Path]) -> Result<()> {
    check_output(model, Output::Model, inputs)?;
    if let Some(png) = plot {
        let mut taken = inputs.to_vec();
        taken.push(model);
        check_output(png, Output::Png, &taken)?;
        if png == model {
            bail!("--plot and --out name the same file {}", png.display());
        }
    }
    Ok(())
}

/// Refuses `--out` naming the checkpoint file of
/// `--checkpoint`/`--resume`: a resume reads it, and every run rewrites it
/// during training. Fresh, it may not exist yet, so the same name in the
/// same directory counts too.
pub fn check_not_the_checkpoint(args: &TrainArgs) -> Result<()> {
    let Some(dir) = args.checkpoint.as_ref().or(args.resume.as_ref()) else {
        return Ok(());
    };
    let file = Checkpointing::new(dir, 1).file();
    let outputs = [
        ("--out", Some(args.out.as_path())),
        ("--plot", args.report.plot.as_deref()),
    ];
    for (flag, out) in outputs {
        let Some(out) = out else { continue };
        aekit::data::output::check_not_an_input(out, &[&file])?;
        let parent = |p: &Path| match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => std::fs::canonicalize(d).ok(),
            _ => std::fs::canonicalize(".").ok(),
        };
        if out.file_name() == file.file_name()
            && parent(out).is_some()
            && parent(out) == parent(&file)
        {
            bail!(
                "{flag} {} is the checkpoint file of {}: choose another path",
                out.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

/// `aekit serve`'s flags as the server's options.
pub fn serve_options(args: &ServeArgs) -> Result<aekit_serve::ServeOptions> {
    // A day at most: a longer wait is no grace period.
    let grace = std::time::Duration::try_from_secs_f64(args.shutdown_grace)
        .ok()
        .filter(|g| g.as_secs() <= 86_400);
    let Some(shutdown_grace) = grace else {
        bail!(
            "--shutdown-grace must be between 0 and 86400 seconds, got {}",
            args.shutdown_grace
        );
    };
    Ok(aekit_serve::ServeOptions {
        host: args.host.clone(),
        port: args.port,
        workers: args.workers,
        max_body_bytes: args.max_body_bytes,
        quiet: args.quiet,
        shutdown_grace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_parse_lists_and_none() {
        assert_eq!(widths("--hidden", "200,100").unwrap(), vec![200, 100]);
        assert!(widths("--hidden", "none").unwrap().is_empty());
        assert!(widths("--hidden", "10,0").is_err());
        assert!(widths("--hidden", "a").is_err());
    }
}

//! `aekit train` on a file it streams rather than reads into memory
//! (the library's `fit_stream`): read the validation file, call, print.

use aekit::AutoencoderParams;
use aekit::FitOptions;
use aekit::data::{ReadOptions, Table};
use aekit::incremental::{StreamConfig, StreamReport};
use anyhow::Result;

use crate::cli::TrainArgs;
use crate::finish::finish_training;
use crate::progress::EpochPrinter;

/// `aekit train` streaming its data file.
pub fn train(
    args: &TrainArgs,
    params: &AutoencoderParams,
    csv: &ReadOptions,
    stream: &StreamConfig,
) -> Result<()> {
    if args.target.is_some() {
        anyhow::bail!(
            "--target trains a paired model, which reads its files into memory: leave out --stream and --memory-limit"
        );
    }
    let validation = args
        .validation
        .as_ref()
        .map(|p| Table::read(p, csv))
        .transpose()?;
    let mut printer = EpochPrinter::new(args.report.quiet);
    let mut options = FitOptions::new().observer(&mut printer);
    if let Some(v) = &validation {
        options = options.validation(v);
    }
    let (model, report) = params.fit_stream(&args.data, csv, stream, options)?;
    note(&report, stream, args.report.quiet);
    finish_training(
        &model,
        &args.out,
        args.report.plot.as_deref(),
        args.report.quiet,
    )
}

/// How a streamed fit read its file.
pub fn note(report: &StreamReport, stream: &StreamConfig, quiet: bool) {
    if quiet {
        return;
    }
    if report.in_memory {
        eprintln!(
            "read {} rows ({} for validation) into memory after a first pass in {} chunks: they fit the {}-row shuffle buffer, so training is the in-memory one",
            report.rows, report.validation_rows, report.chunks, stream.shuffle_buffer
        );
    } else {
        eprintln!(
            "streamed {} rows ({} for validation) in {} chunks of up to {} rows, {} passes over the file",
            report.rows, report.validation_rows, report.chunks, stream.chunk_rows, report.passes
        );
    }
}

//! The `aekit` command: parse, run, print the error chain once.

mod cli;
mod commands;
mod progress;
mod report;
mod settings;

use clap::Parser;

/// mimalloc keeps freed blocks for reuse: with the system allocator every
/// training step's large tensors went back to the kernel and came back as
/// page faults (W2 ran 2.6x slower).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crate::cli::{Cli, Command};
use crate::commands::Apply;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => commands::train(args),
        Command::Detect(args) => commands::detect(args),
        Command::Score(args) => commands::score(args),
        Command::Summary(args) => commands::summary(args),
        Command::Encode(args) => commands::apply(args, Apply::Encode),
        Command::Decode(args) => commands::apply(args, Apply::Decode),
        Command::Reconstruct(args) => commands::apply(args, Apply::Reconstruct),
        Command::Denoise(args) => commands::denoise(args),
        Command::Predict(args) => commands::predict(args),
        Command::Sample(args) => commands::sample(args),
        Command::Evaluate(args) => commands::evaluate(args),
        Command::Plot(plot) => commands::plot(plot),
        Command::Serve(args) => commands::serve(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Library errors already show their cause; print each new part once.
            let mut message = String::new();
            // Library errors name parameters; say them as the flags that set them.
            let causes = error.chain().map(|cause| {
                cause
                    .downcast_ref::<aekit::error::AekitError>()
                    .and_then(settings::in_flag_terms)
                    .unwrap_or_else(|| cause.to_string())
            });
            for cause in causes {
                if !message.contains(&cause) {
                    if !message.is_empty() {
                        message.push_str(": ");
                    }
                    message.push_str(&cause);
                }
            }
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! The `aekit` command: parse, run, print the error chain once.

// Printing that survives closed streams, in place of std's macros (which
// panic): a closed stderr is ignored, so training goes on and the model is
// saved; a closed stdout ends the program quietly, as it does other Unix
// tools (`aekit summary M | head -1`).
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            $crate::stdout_failed(e);
        }
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($arg)*) {
            $crate::stdout_failed(e);
        }
    }};
}

mod cli;
mod commands;
mod data_args;
mod finish;
mod flags;
mod model_args;
mod plot_command;
mod progress;
mod report;
mod settings;
mod streamed;
mod text;
mod training_args;

use clap::Parser;

/// mimalloc keeps freed blocks for reuse: with the system allocator every
/// training step's large tensors went back to the kernel and came back as
/// page faults (W2 ran 2.6x slower).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crate::cli::{Cli, Command};
use crate::commands::Apply;

/// Standard output could not be written: a closed pipe ends the program
/// quietly (exit 0, as ripgrep); anything else is reported.
fn stdout_failed(error: std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: writing standard output: {error}");
    std::process::exit(1);
}

/// Whether an error comes from writing into a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// On any signal whose default action ends the program and that can be
/// caught (not SIGKILL or SIGSTOP; SIGPIPE is ignored by Rust programs and
/// shows as a broken pipe instead): remove unfinished outputs (their
/// temporary files), then end as the signal would have, with status 128 + N.
fn clean_up_on_signals() {
    use signal_hook::consts::signal::*;
    const ENDING: &[i32] = &[
        SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU,
        SIGXFSZ,
    ];
    // Without the handler thread the temporary files stay recognisable by
    // name; nothing else depends on it.
    let Ok(mut signals) = signal_hook::iterator::Signals::new(ENDING) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                aekit::data::output::remove_pending_outputs();
                std::process::exit(128 + signal);
            }
        });
}

fn main() -> std::process::ExitCode {
    aekit::data::output::detect_closed_stdout();
    let cli = Cli::parse();
    // The server shuts down gracefully on these signals itself.
    if !matches!(cli.command, Command::Serve(_)) {
        clean_up_on_signals();
    }
    let result = match &cli.command {
        Command::Train(args) => commands::train(args),
        Command::Detect(args) => commands::detect(args),
        Command::Score(args) => commands::score(args),
        Command::Summary(args) => commands::summary(args),
        Command::Encode(args) => commands::apply(
            &args.apply,
            Apply::Encode {
                sample_seed: args.sample.then_some(args.seed),
            },
        ),
        Command::Decode(args) => commands::apply(args, Apply::Decode),
        Command::Reconstruct(args) => commands::apply(args, Apply::Reconstruct),
        Command::Denoise(args) => commands::denoise(args),
        Command::Predict(args) => commands::predict(args),
        Command::Sample(args) => commands::sample(args),
        Command::Evaluate(args) => commands::evaluate(args),
        Command::Plot(plot) => plot_command::plot(plot),
        Command::Text(command) => text::run(command),
        Command::Serve(args) => commands::serve(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) if is_broken_pipe(&error) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Library errors already show their cause; print each new part once.
            let mut message = String::new();
            // Library errors name parameters; say them as the flags that set them.
            let causes = error.chain().map(|cause| {
                cause
                    .downcast_ref::<aekit::error::AekitError>()
                    .and_then(flags::in_flag_terms)
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

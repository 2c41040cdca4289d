//! The command used as a hostile (or unlucky) user would: closed pipes,
//! special files as outputs, outputs that are inputs, interruptions,
//! absurd sizes and runs that diverge. Each test is a defect once found.

#![allow(clippy::unwrap_used)]

mod util;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{Stream, aekit, aekit_in, aekit_with_closed, arg, data, iris_command, iris_model};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aekit"))
}

fn iris_detector(dir: &Path) -> PathBuf {
    let out = dir.join("det.aekit");
    let mut args = iris_command("detect", &arg(&data("iris.csv")));
    args.extend(["--epochs", "3", "--quiet", "--out", &arg(&out)].map(String::from));
    aekit(args).ok();
    out
}

/// `aekit train` on iris with iris's column flags and `more`.
fn iris_train<const N: usize>(more: [&str; N]) -> Vec<String> {
    util::with(iris_command("train", &arg(&data("iris.csv"))), more)
}

/// Files in `dir` whose names mark them as unfinished outputs.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".aekit-tmp"))
        .collect()
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let run = aekit_with_closed(Stream::Stdout, ["summary", &arg(&model)]);
    let err = run.stderr();
    assert!(run.success(), "exit {:?}: {err}", run.output.status);
    assert!(!err.contains("panicked"), "{err}");

    let detector = iris_detector(dir.path());
    let run = aekit_with_closed(
        Stream::Stdout,
        [
            "score",
            &arg(&detector),
            &arg(&data("iris.csv")),
            "--out",
            "-",
        ],
    );
    let err = run.stderr();
    assert!(run.success(), "exit {:?}: {err}", run.output.status);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_closed_stderr_does_not_lose_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.aekit");
    let run = aekit_with_closed(
        Stream::Stderr,
        iris_train(["--epochs", "20", "--out", &arg(&out)]),
    );
    assert!(run.success(), "exit {:?}", run.output.status);
    assert!(out.exists(), "the model was lost");
}

#[test]
fn a_model_file_cannot_go_to_standard_output() {
    // `-` is standard output for tables; a model file is binary. Refused
    // before any training (no epoch line precedes the one-line error), and
    // no file named `-` appears.
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let texts = arg(&data("sentiment.csv"));
    let runs: [Vec<String>; 5] = [
        iris_train(["--epochs", "2", "--out", "-"]),
        util::with(
            iris_command("detect", &iris),
            ["--epochs", "2", "--out", "-"],
        ),
        iris_train(["--epochs", "2", "--out", "m.aekit", "--plot", "-"]),
        ["text", "train", &texts, "--epochs", "2", "--out", "-"]
            .map(String::from)
            .to_vec(),
        ["text", "autoencoder", &texts, "--epochs", "2", "--out", "-"]
            .map(String::from)
            .to_vec(),
    ];
    for args in runs {
        let run = aekit_in(dir.path(), &args);
        let what = if args.contains(&"--plot".to_string()) {
            "a PNG plot"
        } else {
            "a model file"
        };
        run.fails_with(&[what, "standard output ('-')", "name a file"]);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?} wrote a file"
        );
    }
    // Tables still go there.
    let model = iris_model(dir.path());
    let codes = aekit(["encode", &arg(&model), &iris, "--out", "-"]).ok();
    assert!(
        codes.stdout().starts_with("z0,z1,species,split"),
        "{}",
        codes.stdout()
    );
}

#[test]
fn special_files_are_written_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    aekit([
        "encode",
        &arg(&model),
        &arg(&data("iris.csv")),
        "--out",
        "/dev/null",
    ])
    .ok();
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null became a regular file");
}

#[test]
fn plots_are_png_or_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let svg = dir.path().join("h.svg");
    aekit(["plot", "history", &arg(&model), "--out", &arg(&svg)]).fails_with(&["h.svg", "PNG"]);
    assert!(!svg.exists());
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let detector = iris_detector(dir.path());
    let copy = dir.path().join("d.csv");
    std::fs::copy(data("iris.csv"), &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    // The same file by another spelling.
    let same = dir.path().join(".").join("d.csv");
    aekit(["score", &arg(&detector), &arg(&copy), "--out", &arg(&same)])
        .fails_with(&["is also an input"]);
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    let model_before = std::fs::read(&detector).unwrap();
    aekit([
        "encode",
        &arg(&detector),
        &arg(&copy),
        "--out",
        &arg(&detector),
    ])
    .fails_with(&["is also an input"]);
    assert_eq!(std::fs::read(&detector).unwrap(), model_before);
    aekit([
        "train",
        &arg(&copy),
        "--label",
        "species",
        "--drop",
        "split",
        "--out",
        &arg(&copy),
    ])
    .fails_with(&["is also an input"]);
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}

#[test]
fn an_interrupted_score_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let detector = iris_detector(dir.path());
    // The input is a pipe kept open: aekit waits for rows with its output begun.
    let fifo = dir.path().join("rows.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let child = bin()
        .args(["score", &arg(&detector), &arg(&fifo), "--quiet", "--out"])
        .arg(out_dir.join("scores.csv"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let iris = std::fs::read_to_string(data("iris.csv")).unwrap();
    writer.write_all(iris.as_bytes()).unwrap();
    writer.flush().unwrap();
    let started = Instant::now();
    while leftovers(&out_dir).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no temporary output appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    drop(writer);
    assert_eq!(out.status.code(), Some(130), "{:?}", out.status);
    assert_eq!(leftovers(&out_dir), Vec::<String>::new());
    assert!(!out_dir.join("scores.csv").exists());
}

#[test]
fn sizes_are_bounded_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let detector = iris_detector(dir.path());
    let iris = arg(&data("iris.csv"));
    let scores = arg(&dir.path().join("s.csv"));
    aekit([
        "score",
        &arg(&detector),
        &iris,
        "--threads",
        "100000",
        "--out",
        &scores,
    ])
    .fails_with(&["--threads", "at most"]);
    aekit([
        "score",
        &arg(&detector),
        &iris,
        "--explain",
        "1000000000",
        "--out",
        &scores,
    ])
    .fails_with(&["--explain", "the model has 4"]);
    let out = dir.path().join("m.aekit");
    aekit(iris_train(["--hidden", "1000000000", "--out", &arg(&out)]))
        .fails_with(&["--hidden", "more than"]);
    assert!(!out.exists());
}

#[test]
fn a_diverged_run_fails_and_keeps_no_useless_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.aekit");
    let run = aekit(iris_train([
        "--optimizer",
        "sgd",
        "--lr",
        "1e6",
        "--epochs",
        "5",
        "--quiet",
        "--out",
        &arg(&out),
    ]));
    run.fails_with(&["diverged", "epoch 1", "lower the learning rate"]);
    assert!(!out.exists(), "an untrained model was saved");
}

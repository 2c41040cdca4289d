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
fn text_commands_end_quietly_on_a_closed_pipe() {
    // `aekit text predict M d.csv --out - | head -1`, as the tabular commands.
    let dir = tempfile::tempdir().unwrap();
    let texts = arg(&data("sentiment.csv"));
    let model = dir.path().join("text.aekit");
    let train = ["text", "train", &texts, "--epochs", "2", "--quiet", "--out"];
    aekit(train.iter().copied().chain([arg(&model).as_str()])).ok();
    // More rows than a pipe's buffer holds, so writing meets the closed pipe.
    let many: String = (0..20_000)
        .map(|i| format!("review {i} was great,pos\n"))
        .collect();
    let many = util::write(dir.path(), "many.csv", &format!("text,label\n{many}"));
    let run = aekit_with_closed(
        Stream::Stdout,
        ["text", "predict", &arg(&model), &arg(&many), "--out", "-"],
    );
    let err = run.stderr();
    assert!(run.success(), "exit {:?}: {err}", run.output.status);
    assert!(err.is_empty(), "{err}");
    // `aekit encode` of a document model, the other text table.
    let documents = dir.path().join("docs.aekit");
    let train = ["text", "autoencoder", &texts, "--epochs", "2", "--quiet"];
    aekit(train.iter().copied().chain(["--out", &arg(&documents)])).ok();
    let run = aekit_with_closed(
        Stream::Stdout,
        ["encode", &arg(&documents), &arg(&many), "--out", "-"],
    );
    let err = run.stderr();
    assert!(run.success(), "exit {:?}: {err}", run.output.status);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn searches_that_would_answer_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let texts = arg(&data("sentiment.csv"));
    let model = arg(&dir.path().join("docs.aekit"));
    aekit([
        "text",
        "autoencoder",
        &texts,
        "--epochs",
        "2",
        "--quiet",
        "--out",
        &model,
    ])
    .ok();
    let similar =
        |more: [&str; 4]| aekit(["text", "similar", &model, &texts].into_iter().chain(more));
    // Refused before any work: not even the table's header is printed.
    for (query, k, needles) in [
        ("good", "0", ["invalid --k", "at least 1"]),
        (" ", "2", ["invalid --query", "empty"]),
        ("", "2", ["invalid --query", "empty"]),
    ] {
        let run = similar(["--query", query, "-k", k]);
        assert_eq!(run.stdout(), "", "{query:?} -k {k}");
        run.fails_with(&needles);
    }
    let found = similar(["--query", "good", "-k", "2"]).ok();
    assert_eq!(found.stdout().lines().count(), 3, "{}", found.stdout());
}

#[test]
fn a_thread_count_typo_in_the_environment_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let output = bin()
        .args([
            "encode",
            &arg(&model),
            &arg(&data("iris.csv")),
            "--out",
            "-",
        ])
        .env("RAYON_NUM_THREADS", "two")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("RAYON_NUM_THREADS is 'two'"), "{err}");
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
fn standard_output_named_as_a_path_goes_where_it_was_redirected() {
    // `--out /dev/stdout > f.csv`: the output lands in f.csv, and the
    // /dev/stdout link (which root could rename over) stays a link.
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let iris = arg(&data("iris.csv"));
    let expected = dir.path().join("expected.csv");
    aekit(["encode", &arg(&model), &iris, "--out", &arg(&expected)]).ok();
    for spelling in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
        let redirected = dir.path().join("redirected.csv");
        let status = bin()
            .args(["encode", &arg(&model), &iris, "--out", spelling])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&redirected).unwrap())
            .status()
            .unwrap();
        assert!(status.success(), "{spelling}: {status:?}");
        assert_eq!(
            std::fs::read(&redirected).unwrap(),
            std::fs::read(&expected).unwrap(),
            "{spelling}"
        );
        assert!(leftovers(dir.path()).is_empty(), "{spelling}");
    }
    // A model file too (`train --out /dev/stdout > m.aekit`).
    let redirected = dir.path().join("redirected.aekit");
    let status = bin()
        .args(iris_train([
            "--epochs",
            "2",
            "--quiet",
            "--out",
            "/dev/stdout",
        ]))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&redirected).unwrap())
        .status()
        .unwrap();
    assert!(status.success(), "train: {status:?}");
    aekit(["encode", &arg(&redirected), &iris, "--out", "-"]).ok();
    let link = std::fs::symlink_metadata("/dev/stdout").unwrap();
    assert!(link.file_type().is_symlink(), "/dev/stdout was replaced");

    // A user's link to a file: the file gets the output, the link stays.
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "old").unwrap();
    let linked = dir.path().join("linked.csv");
    std::os::unix::fs::symlink(&real, &linked).unwrap();
    aekit(["encode", &arg(&model), &iris, "--out", &arg(&linked)]).ok();
    assert!(
        std::fs::symlink_metadata(&linked)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(&real).unwrap(),
        std::fs::read(&expected).unwrap()
    );
}

#[test]
fn every_input_is_protected_from_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let second = dir.path().join("second.csv");
    std::fs::copy(data("iris.csv"), &second).unwrap();
    let before = std::fs::read(&second).unwrap();
    let iris = arg(&data("iris.csv"));
    for (command, flag) in [("denoise", "--clean"), ("predict", "--target")] {
        aekit([
            command,
            &arg(&model),
            &iris,
            flag,
            &arg(&second),
            "--out",
            &arg(&second),
        ])
        .fails_with(&["is also an input"]);
        assert_eq!(std::fs::read(&second).unwrap(), before, "{command} {flag}");
    }
}

/// Runs `aekit args` through `sh` with standard output closed (`>&-`).
fn aekit_with_stdout_closed(dir: &Path, args: &[String]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("exec \"$@\" >&-")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_aekit"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let iris = arg(&data("iris.csv"));
    // A table asked for on a closed standard output is an error, not a loss.
    let args = ["encode", &arg(&model), &iris, "--out", "-"].map(String::from);
    let out = aekit_with_stdout_closed(dir.path(), &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("standard output is closed"), "{err}");
    // A file output still works, and what the command prints does not end
    // up in it (a file opened with stdout closed would take its number).
    // `> /dev/null` is not a closed stdout: the table goes there.
    let args = ["encode", &arg(&model), &iris, "--out", "-"].map(String::from);
    let to_null = bin().args(&args).stdout(Stdio::null()).status().unwrap();
    assert!(to_null.success());
    let trained = dir.path().join("m.aekit");
    let out = aekit_with_stdout_closed(
        dir.path(),
        &iris_train(["--epochs", "3", "--out", &arg(&trained)]),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    aekit(["summary", &arg(&trained)]).ok();
    let codes = dir.path().join("codes.csv");
    let args = ["encode", &arg(&model), &iris, "--out", &arg(&codes)].map(String::from);
    assert!(aekit_with_stdout_closed(dir.path(), &args).status.success());
    assert!(
        std::fs::read_to_string(&codes)
            .unwrap()
            .starts_with("z0,z1,species")
    );
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
    // SIGINT as from a terminal, SIGUSR1 standing for every other signal
    // whose default is to end the program: exit status 128 + N.
    for (signal, status) in [("INT", 130), ("USR1", 138), ("TERM", 143), ("HUP", 129)] {
        interrupt_score(signal, status);
    }
}

fn interrupt_score(signal: &str, status: i32) {
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
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    drop(writer);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{signal}: {:?}",
        out.status
    );
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

#[test]
fn a_large_sample_is_written_in_parts_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let vae = dir.path().join("vae.aekit");
    aekit(iris_train([
        "--kind",
        "vae",
        "--hidden",
        "8",
        "--bottleneck",
        "3",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        &arg(&vae),
    ]))
    .ok();
    let sample = |n: &str, out: &str| {
        aekit([
            "sample",
            &arg(&vae),
            "-n",
            n,
            "--seed",
            "1",
            "--threads",
            "1",
            "--out",
            out,
        ])
    };
    // 3 M rows held at once took 325 MB here (9.9 GB for 64 columns);
    // written a part at a time they fit in 300 MB of address space.
    let bounded = Command::new("prlimit")
        .arg("--as=300000000")
        .arg(env!("CARGO_BIN_EXE_aekit"))
        .args(["sample", &arg(&vae), "-n", "3000000", "--seed", "1"])
        .args(["--threads", "1", "--out", "/dev/null"])
        .output()
        .unwrap();
    assert!(
        bounded.status.success(),
        "{}",
        String::from_utf8_lossy(&bounded.stderr)
    );
    // The parts continue one random stream: the first rows of a large
    // sample are a small sample's rows.
    let big = dir.path().join("big.csv");
    sample("20000", &arg(&big)).ok();
    let small = sample("100", "-").ok().stdout();
    let big = std::fs::read_to_string(&big).unwrap();
    assert_eq!(big.lines().count(), 20001);
    let head: Vec<&str> = big.lines().take(101).collect();
    assert_eq!(head, small.lines().collect::<Vec<_>>());
    // A PNG grid is drawn whole: its size is bounded.
    let png = dir.path().join("s.png");
    sample("1001", &arg(&png)).fails_with(&["at most 1000 images", "-n 1001"]);
    assert!(!png.exists());
}

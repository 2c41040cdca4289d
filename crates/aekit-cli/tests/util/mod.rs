//! Helpers for running the real `aekit` binary on real files.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod digits;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A shipped data file.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

/// The result of one run.
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Standard output read as JSON.
    pub fn json(&self) -> serde_json::Value {
        let text = self.stdout();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    pub fn success(&self) -> bool {
        self.output.status.success()
    }

    /// Asserts success and returns self.
    pub fn ok(self) -> Self {
        assert!(
            self.success(),
            "aekit failed:\nstdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Asserts failure with a one-line error mentioning every `needle`.
    pub fn fails_with(self, needles: &[&str]) -> Self {
        let err = self.stderr();
        assert!(
            !self.success(),
            "expected failure, got success; stderr: {err}"
        );
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "expected a one-line error, got: {err}");
        assert!(lines[0].starts_with("error: "), "{err}");
        for needle in needles {
            assert!(err.contains(needle), "error lacks {needle:?}: {err}");
        }
        self
    }
}

/// Runs `aekit` with `args` and no standard input.
pub fn aekit<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let output = Command::new(env!("CARGO_BIN_EXE_aekit"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the aekit binary runs");
    Run { output }
}

/// Runs `aekit` with `args` in the directory `dir` (for outputs named
/// relative to it).
pub fn aekit_in<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let output = Command::new(env!("CARGO_BIN_EXE_aekit"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the aekit binary runs");
    Run { output }
}

/// `aekit` started with `args` and `stdin`, its two outputs piped.
fn spawn<I, S>(args: I, stdin: Stdio) -> std::process::Child
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_aekit"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the aekit binary runs")
}

/// A standard stream of the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Runs `aekit` with `args`, the reader of `closed` gone before aekit
/// writes: every write to it meets a closed pipe. The other stream is
/// captured.
pub fn aekit_with_closed<I, S>(closed: Stream, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut child = spawn(args, Stdio::null());
    match closed {
        Stream::Stdout => drop(child.stdout.take()),
        Stream::Stderr => drop(child.stderr.take()),
    }
    let output = child.wait_with_output().expect("the aekit binary runs");
    Run { output }
}

/// Runs `aekit` with `args`, `stdin` written to its standard input.
pub fn aekit_stdin(args: &[String], stdin: &[u8]) -> Run {
    let mut child = spawn(args, Stdio::piped());
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    Run {
        output: child.wait_with_output().unwrap(),
    }
}

/// A gzip copy of the file at `path`, written to `out`.
pub fn gzip(path: &Path, out: &Path) -> PathBuf {
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(out).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&std::fs::read(path).unwrap()).unwrap();
    gz.finish().unwrap();
    out.to_path_buf()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Reads a CSV into its header and rows of cells.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// A path as a command-line argument.
pub fn arg(path: &Path) -> String {
    path.to_str().expect("test paths are UTF-8").to_string()
}

/// Iris's column flags: `species` is the label, the numeric `label`
/// column is dropped and `split` is an id (4 features).
pub const IRIS_COLUMNS: [&str; 6] = ["--label", "species", "--drop", "label", "--id", "split"];

/// `aekit COMMAND IRIS` with iris's column flags (for `train`, `detect`);
/// callers add the rest.
pub fn iris_command(command: &str, iris: &str) -> Vec<String> {
    let mut args = vec![command.to_string(), iris.to_string()];
    args.extend(IRIS_COLUMNS.map(String::from));
    args
}

/// `aekit train` on iris with the README example's shape (4-6-4-2-4-6-4,
/// linear); callers add the training flags and the output.
pub fn iris_shape(iris: &str) -> Vec<String> {
    with(
        iris_command("train", iris),
        [
            "--hidden",
            "6,4",
            "--bottleneck",
            "2",
            "--activation",
            "linear",
        ],
    )
}

/// `aekit train` on iris as the README's example trains it (4-6-4-2-4-6-4,
/// linear, RMSprop, batch 16); callers add the schedule and the output.
pub fn iris_recipe(iris: &str) -> Vec<String> {
    with(
        iris_shape(iris),
        ["--optimizer", "rmsprop", "--batch-size", "16"],
    )
}

/// `args` followed by `more`.
pub fn with<const N: usize>(mut args: Vec<String>, more: [&str; N]) -> Vec<String> {
    args.extend(more.map(String::from));
    args
}

/// A small model trained on iris (4 features, 2-D codes), for tests that
/// need any model.
pub fn iris_model(dir: &Path) -> PathBuf {
    let out = dir.join("iris.aekit");
    let args = iris_command("train", &arg(&data("iris.csv")));
    aekit(with(
        args,
        [
            "--hidden",
            "6,4",
            "--epochs",
            "5",
            "--quiet",
            "--out",
            &arg(&out),
        ],
    ))
    .ok();
    out
}

/// The JSON metadata of a model file.
pub fn model_metadata(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let json = &header.metadata().as_ref().unwrap()["aekit"];
    serde_json::from_str(json).unwrap()
}

/// Copies the model file `from` to `to` with its metadata changed by `edit`.
pub fn rewrite_metadata(from: &Path, to: &Path, edit: fn(&mut serde_json::Value)) {
    let bytes = std::fs::read(from).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut info = header.metadata().clone().unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&info["aekit"]).unwrap();
    edit(&mut meta);
    info.insert("aekit".into(), meta.to_string());
    safetensors::serialize_to_file(file.tensors(), Some(info), to).unwrap();
}

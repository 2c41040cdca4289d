//! `aekit serve`: the real binary on a free loopback port, spoken to over
//! plain TCP (HTTP/1.1), so the tests see exactly what a client sees.
#![allow(clippy::unwrap_used)]

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use util::data;

const AEKIT: &str = env!("CARGO_BIN_EXE_aekit");

fn aekit(args: &[&str]) -> String {
    let out = Command::new(AEKIT).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "aekit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A dense anomaly detector on iris with a one-hot text column: every
/// output (codes, reconstruction error, score, flag) and every cell type.
fn iris_detector(dir: &Path) -> PathBuf {
    let model = dir.join("iris.aekit");
    let iris = data("iris.csv");
    aekit(&[
        "detect",
        iris.to_str().unwrap(),
        "--one-hot",
        "species",
        "--drop",
        "label",
        "--drop",
        "split",
        "--hidden",
        "4",
        "--bottleneck",
        "2",
        "--epochs",
        "3",
        "--seed",
        "1",
        "--threads",
        "1",
        "--quiet",
        "--out",
        model.to_str().unwrap(),
    ]);
    model
}

/// A running `aekit serve`, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(model: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(AEKIT)
            .arg("serve")
            .arg(model)
            .args(["--port", "0", "--threads", "1"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("no address printed: {line:?}"))
            .to_string();
        Server { child, address }
    }

    fn send(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write_head(&mut stream, method, path, content_type, body.len());
        stream.write_all(body).unwrap();
        read_response(&mut stream)
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.send("GET", path, "", b"")
    }

    fn post_json(&self, body: &Value) -> (u16, Value) {
        let (status, text) = self.send(
            "POST",
            "/invocations",
            "application/json",
            body.to_string().as_bytes(),
        );
        (status, serde_json::from_str(&text).unwrap())
    }

    /// Sends `signal` and waits for the exit code (failing after 10 s).
    fn stop(mut self, signal: &str) -> (i32, String) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args([signal, &pid])
                .status()
                .unwrap()
                .success()
        );
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut log = String::new();
                self.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut log)
                    .unwrap();
                return (status.code().unwrap_or(-1), log);
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no exit after {signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_head(stream: &mut TcpStream, method: &str, path: &str, content_type: &str, len: usize) {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str(&format!("Content-Length: {len}\r\n\r\n"));
    stream.write_all(head.as_bytes()).unwrap();
}

fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

/// The iris file as (headers, rows of cells).
fn iris_cells() -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(data("iris.csv")).unwrap();
    let mut lines = text.lines();
    let headers = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (headers, rows)
}

/// A cell as JSON: a number where it parses as one, text otherwise.
fn json_cell(cell: &str) -> Value {
    cell.parse::<f64>()
        .map_or_else(|_| json!(cell), |v| json!(v))
}

fn csv_column(text: &str, name: &str) -> Vec<String> {
    let mut lines = text.lines();
    let at = lines
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == name)
        .unwrap();
    lines
        .map(|l| l.split(',').nth(at).unwrap().to_string())
        .collect()
}

fn close(a: f64, b: &str, what: &str, row: usize) {
    let b: f64 = b.parse().unwrap();
    assert!(
        (a - b).abs() <= 1e-6,
        "{what}, row {row}: served {a}, CLI {b}"
    );
}

#[test]
fn every_request_form_gives_what_the_cli_writes() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_detector(dir.path());
    let m = model.to_str().unwrap();
    let iris = data("iris.csv");
    let i = iris.to_str().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    aekit(&[
        "score",
        m,
        i,
        "--out",
        &out("s.csv"),
        "--quiet",
        "--threads",
        "1",
    ]);
    aekit(&["encode", m, i, "--out", &out("e.csv"), "--threads", "1"]);
    aekit(&[
        "reconstruct",
        m,
        i,
        "--out",
        &out("r.csv"),
        "--threads",
        "1",
    ]);
    let read = |name: &str| std::fs::read_to_string(out(name)).unwrap();
    let (scores, flags) = (
        csv_column(&read("s.csv"), "score"),
        csv_column(&read("s.csv"), "is_anomaly"),
    );
    let errors = csv_column(&read("r.csv"), "reconstruction_error");
    let codes = [
        csv_column(&read("e.csv"), "z0"),
        csv_column(&read("e.csv"), "z1"),
    ];
    assert!(flags.iter().any(|f| f == "1") && flags.iter().any(|f| f == "0"));

    let server = Server::start(&model, &[]);
    let (headers, rows) = iris_cells();
    let split = json!({"dataframe_split": {
        "columns": headers,
        "data": rows.iter().map(|r| r.iter().map(|c| json_cell(c)).collect::<Vec<_>>()).collect::<Vec<_>>(),
    }});
    let records = json!({"dataframe_records": rows.iter().map(|r| {
        headers.iter().zip(r).map(|(h, c)| (h.clone(), json_cell(c))).collect::<serde_json::Map<_, _>>()
    }).collect::<Vec<_>>()});
    let csv = std::fs::read(&iris).unwrap();
    let (status, text) = server.send("POST", "/invocations", "text/csv", &csv);
    assert_eq!(status, 200, "{text}");
    let answers = [
        server.post_json(&split),
        server.post_json(&records),
        (status, serde_json::from_str(&text).unwrap()),
    ];
    for (form, (status, answer)) in ["dataframe_split", "dataframe_records", "text/csv"]
        .iter()
        .zip(answers)
    {
        assert_eq!(status, 200, "{form}: {answer}");
        let predictions = answer["predictions"].as_array().unwrap();
        assert_eq!(predictions.len(), 150, "{form}");
        for (r, p) in predictions.iter().enumerate() {
            close(p["score"].as_f64().unwrap(), &scores[r], "score", r);
            close(
                p["reconstruction_error"].as_f64().unwrap(),
                &errors[r],
                "error",
                r,
            );
            let flag = if p["is_anomaly"].as_bool().unwrap() {
                "1"
            } else {
                "0"
            };
            assert_eq!(flag, flags[r], "{form}, row {r}");
            for (k, column) in codes.iter().enumerate() {
                close(p["codes"][k].as_f64().unwrap(), &column[r], "code", r);
            }
        }
    }

    let (status, ping) = server.get("/ping");
    assert_eq!((status, server.get("/health").0), (200, 200), "{ping}");
    let (status, meta) = server.get("/metadata");
    assert_eq!(status, 200);
    let meta: Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["kind"], "dense");
    assert_eq!(
        meta["columns"],
        json!([
            "sepal_length",
            "sepal_width",
            "petal_length",
            "petal_width",
            "species"
        ])
    );
    assert_eq!(
        meta["outputs"],
        json!(["codes", "reconstruction_error", "score", "is_anomaly"])
    );
    assert_eq!(meta["version"], env!("CARGO_PKG_VERSION"));
    let (code, log) = server.stop("-TERM");
    assert_eq!(code, 0, "{log}");
    // One log line per request, at info level.
    let served = log
        .lines()
        .filter(|l| l.contains("INFO") && l.contains(" 200 "))
        .count();
    assert_eq!(served, 6, "{log}"); // 3 forms, ping, health, metadata
}

#[test]
fn bad_requests_get_a_4xx_with_a_one_line_reason_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_detector(dir.path());
    let server = Server::start(&model, &["--max-body-bytes", "2000", "--quiet"]);
    let columns = [
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
        "species",
    ];
    let good =
        json!({"dataframe_split": {"columns": columns, "data": [[5.1, 3.5, 1.4, 0.2, "setosa"]]}});
    let big =
        json!({"dataframe_split": {"columns": columns, "data": vec![[5.1, 3.5, 1.4, 0.2]; 200]}});
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("POST", "application/json", b"{\"dataframe_split\": ".to_vec(), 400, "malformed JSON"),
        ("POST", "application/json", b"{\"data\": []}".to_vec(), 400, "dataframe_split"),
        ("POST", "application/json",
            json!({"dataframe_split": {"columns": ["sepal_length"], "data": [[5.1]]}}).to_string().into_bytes(),
            400, "column 'sepal_width'"),
        ("POST", "application/json",
            json!({"dataframe_records": [{"sepal_length": "tall", "sepal_width": 3, "petal_length": 1, "petal_width": 0.2, "species": "setosa"}]}).to_string().into_bytes(),
            400, "row 1, column 'sepal_length'"),
        ("POST", "text/csv", b"sepal_length,sepal_width\n1,2,3\n".to_vec(), 400, "request body"),
        ("POST", "text/csv", b"sepal_length,sepal_width,petal_length,petal_width,species\n".to_vec(), 400, "no data rows"),
        ("POST", "application/json", big.to_string().into_bytes(), 413, "2000 bytes"),
        ("POST", "image/png", b"\x89PNG".to_vec(), 415, "text/csv"),
        ("GET", "", Vec::new(), 404, "/ping"),
    ];
    for (method, content_type, body, want, reason) in cases {
        let path = if method == "GET" {
            "/predict"
        } else {
            "/invocations"
        };
        let (status, text) = server.send(method, path, content_type, &body);
        assert_eq!(status, want, "{text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(reason), "{message:?} lacks {reason:?}");
        assert!(!message.contains('\n'), "{message:?}");
        assert!(answer["error_code"].is_string());
        let (status, answer) = server.post_json(&good);
        assert_eq!(status, 200, "after a {want}: {answer}");
    }
    assert_eq!(server.send("GET", "/invocations", "", b"").0, 405);
    assert_eq!(server.get("/ping").0, 200);
    // A category unseen in training is an all-zero block, as in `score`.
    let rose = json!({"dataframe_records": [{"sepal_length": 5, "sepal_width": 3, "petal_length": 1, "petal_width": 0.2, "species": "rose"}]});
    assert_eq!(server.post_json(&rose).0, 200);
    let (code, log) = server.stop("-INT");
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("INFO"), "--quiet still logged: {log}");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_detector(dir.path());
    let server = Server::start(&model, &[]);
    let body =
        b"sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n";
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write_head(&mut stream, "POST", "/invocations", "text/csv", body.len());
    stream.write_all(&body[..20]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    // Still in flight: the rest of the body arrives after the signal.
    stream.write_all(&body[20..]).unwrap();
    let (status, text) = read_response(&mut stream);
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["predictions"].as_array().unwrap().len(), 1);
    let (code, log) = server.stop("-0");
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("shutting down"), "{log}");
}

#[test]
fn a_request_of_a_million_columns_is_refused_quickly() {
    // 1.5 M columns in a 15 MB body kept a worker busy over 5 minutes.
    let dir = tempfile::tempdir().unwrap();
    let model = iris_detector(dir.path());
    let server = Server::start(&model, &["--max-body-bytes", "20000000", "--quiet"]);
    let n = 1_500_000;
    let mut body = (0..n)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    body.push('\n');
    body.push_str(&vec!["1"; n].join(","));
    body.push('\n');
    let start = Instant::now();
    let (status, text) = server.send("POST", "/invocations", "text/csv", body.as_bytes());
    let took = start.elapsed();
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("has 1500000 columns"), "{text}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let records = json!({"dataframe_records": [
        (0..5000).map(|i| (format!("c{i}"), json!(1))).collect::<serde_json::Map<_, _>>()
    ]});
    let (status, answer) = server.post_json(&records);
    assert_eq!(status, 413, "{answer}");
    let (code, log) = server.stop("-TERM");
    assert_eq!(code, 0, "{log}");
}

#[test]
fn sigterm_ends_the_server_after_the_grace_period_even_with_a_request_unfinished() {
    // A client that never sends the rest of its body kept the server
    // running after SIGTERM, as a scoring task that never ends did.
    let dir = tempfile::tempdir().unwrap();
    let model = iris_detector(dir.path());
    let server = Server::start(&model, &["--shutdown-grace", "1"]);
    let mut stream = TcpStream::connect(&server.address).unwrap();
    write_head(&mut stream, "POST", "/invocations", "text/csv", 1000);
    stream.write_all(b"sepal_length,sep").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let (code, log) = server.stop("-TERM");
    assert!(start.elapsed() < Duration::from_secs(5), "{log}");
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("grace period"), "{log}");
    drop(stream);
}

#[test]
fn a_model_fitted_on_an_unnamed_array_is_served_by_position() {
    // Fitted in a notebook on a NumPy array (features x0, x1, x2), served
    // to clients whose columns have names: read in order, as `encode` does.
    use aekit::{Autoencoder, TrainingSetters};
    let dir = tempfile::tempdir().unwrap();
    let x = ndarray::Array2::from_shape_fn((40, 3), |(i, j)| ((i * 5 + j * 3) % 7) as f64 / 7.0);
    let fitted = Autoencoder::params()
        .hidden([4])
        .bottleneck(2)
        .epochs(2)
        .seed(1)
        .fit(&x)
        .unwrap();
    let model = dir.path().join("array.aekit");
    fitted.save(&model).unwrap();
    let ours = fitted.transform(&x).unwrap();
    let server = Server::start(&model, &["--quiet"]);
    let row = |i: usize| x.row(i).to_vec();
    let (status, text) = server.send(
        "POST",
        "/invocations",
        "text/csv",
        format!(
            "height,width,depth\n{}\n{}\n",
            row(0)
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            row(1)
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        )
        .as_bytes(),
    );
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let codes = &answer["predictions"][1]["codes"];
    for j in 0..2 {
        close(
            codes[j].as_f64().unwrap(),
            &ours[[1, j]].to_string(),
            "code",
            1,
        );
    }
    let split = json!({"dataframe_split": {"columns": ["a", "b", "c"], "data": [row(0)]}});
    let (status, answer) = server.post_json(&split);
    assert_eq!(status, 200, "{answer}");
    // Another width is still refused.
    let narrow = json!({"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}});
    let (status, answer) = server.post_json(&narrow);
    assert_eq!(status, 400, "{answer}");
    let (code, log) = server.stop("-TERM");
    assert_eq!(code, 0, "{log}");
}

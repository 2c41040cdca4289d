//! A small load client for `aekit serve` (bench/serve.sh runs it): N
//! clients on keep-alive loopback connections each POST the same body
//! until `--requests` are sent or `--seconds` pass; prints requests/s,
//! p50/p99 latency and failures as one JSON line.
//!
//! `cargo run --release --example load -- ADDR BODY_FILE CONTENT_TYPE CLIENTS REQUESTS SECONDS`
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, body, content_type, clients, requests, seconds] = args.as_slice() else {
        eprintln!("usage: load ADDR BODY_FILE CONTENT_TYPE CLIENTS REQUESTS SECONDS");
        std::process::exit(2);
    };
    assert!(
        address.starts_with("127.0.0.1:") || address.starts_with("localhost:"),
        "loopback only"
    );
    let body = Arc::new(std::fs::read(body).unwrap());
    let (clients, requests): (usize, usize) = (clients.parse().unwrap(), requests.parse().unwrap());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds.parse().unwrap());
    let sent = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (address, body, sent) = (address.clone(), body.clone(), sent.clone());
            let content_type = content_type.clone();
            std::thread::spawn(move || {
                client(&address, &body, &content_type, &sent, requests, deadline)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failed = 0usize;
    for w in workers {
        let (l, f) = w.join().unwrap();
        latencies.extend(l);
        failed += f;
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{{\"clients\": {clients}, \"requests\": {}, \"failed\": {failed}, \"seconds\": {elapsed:.3}, \"requests_per_s\": {:.1}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}}}",
        latencies.len() + failed,
        latencies.len() as f64 / elapsed,
        at(0.50),
        at(0.99)
    );
}

/// One client: a keep-alive connection, reopened after an error.
fn client(
    address: &str,
    body: &[u8],
    content_type: &str,
    sent: &AtomicUsize,
    limit: usize,
    deadline: Instant,
) -> (Vec<f64>, usize) {
    let head = format!(
        "POST /invocations HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (mut latencies, mut failed) = (Vec::new(), 0usize);
    let mut conn: Option<BufReader<TcpStream>> = None;
    while sent.fetch_add(1, Ordering::Relaxed) < limit && Instant::now() < deadline {
        let t = Instant::now();
        let reader = match &mut conn {
            Some(r) => r,
            None => match TcpStream::connect(address) {
                Ok(s) => {
                    s.set_nodelay(true).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                    conn.insert(BufReader::new(s))
                }
                Err(_) => {
                    failed += 1;
                    continue;
                }
            },
        };
        match exchange(reader, head.as_bytes(), body) {
            Ok(200) => latencies.push(t.elapsed().as_secs_f64() * 1e3),
            _ => {
                failed += 1;
                conn = None;
            }
        }
    }
    (latencies, failed)
}

/// Sends one request and reads its response (Content-Length bodies); the status.
fn exchange(reader: &mut BufReader<TcpStream>, head: &[u8], body: &[u8]) -> std::io::Result<u16> {
    let stream = reader.get_mut();
    stream.write_all(head)?;
    stream.write_all(body)?;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut sink = vec![0u8; length];
    reader.read_exact(&mut sink)?;
    Ok(status)
}

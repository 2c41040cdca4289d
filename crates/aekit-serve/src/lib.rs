//! `aekit serve`: a model over HTTP with MLflow's scoring protocol, so the
//! clients people already have work against it.
//!
//! - `POST /invocations`: rows as `{"dataframe_split": {"columns": [...],
//!   "data": [[...]]}}`, `{"dataframe_records": [{...}, ...]}` or
//!   `Content-Type: text/csv`; the answer is `{"predictions": [...]}`, one
//!   object per row with what the model's kind gives (`codes`,
//!   `reconstruction_error`, and `score` + `is_anomaly` for a detector).
//! - `GET /ping`, `GET /health`: 200 while the server is up.
//! - `GET /metadata`: the model's kind, its columns, versions.
//!
//! The server is thin: bodies become [`aekit::data::Table`]s and every
//! decision (columns, scaling, scores, threshold) is the library's
//! ([`aekit::tasks::predictions::predict_rows`]). A bad request is a 4xx
//! with a one-line reason; scoring runs on blocking threads, so even a
//! panic in it is a 500 for that request and the server keeps serving.
#![deny(missing_docs)]

mod metadata;
mod reply;
mod request;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aekit::Autoencoder;
use aekit::tasks::predictions::predict_rows;
use anyhow::Context;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub use reply::Rejection;
pub use request::{BodyFormat, table_of};

/// Default `--max-body-bytes`: 16 MiB, about 100 000 rows of 10 numbers.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Default `--shutdown-grace`: how long requests in flight may take after
/// SIGTERM before the server exits without them.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Columns a request may hold beyond the model's own (ids, label and
/// features): extra columns are ignored, as in a file, but each costs a
/// column of cells before any is read; 1.5 M columns kept a worker busy
/// for minutes.
pub const MAX_EXTRA_COLUMNS: usize = 1024;

/// How to serve a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Address to listen on; `127.0.0.1` keeps the server on this machine.
    pub host: String,
    /// Port to listen on; 0 picks a free one (printed at start).
    pub port: u16,
    /// Requests scored at once (and the runtime's threads); `None`: every core.
    pub workers: Option<usize>,
    /// Largest request body accepted; bigger ones get 413.
    pub max_body_bytes: usize,
    /// No request log lines.
    pub quiet: bool,
    /// After SIGTERM or Ctrl-C, how long requests in flight may take; then
    /// the server exits without them.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            quiet: false,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
        }
    }
}

struct Served {
    model: Autoencoder,
    metadata: serde_json::Value,
    max_body_bytes: usize,
    max_columns: usize,
}

/// Serves `model` (read from `path`) until SIGTERM or Ctrl-C, then lets
/// requests in flight finish for up to `shutdown_grace` and returns even
/// if some have not (their scoring threads are left to the process's
/// exit). Prints `listening on http://ADDR` on
/// standard output once bound; request log lines go to standard error.
pub fn serve(model: Autoencoder, path: &Path, options: &ServeOptions) -> anyhow::Result<()> {
    let workers = match options.workers {
        Some(0) => anyhow::bail!("--workers must be at least 1"),
        // Threads, as --threads: each costs a stack before any request.
        Some(n) if n > aekit::train::max_threads() => anyhow::bail!(
            "--workers must be at most {} (8 threads per core, 64 at least), got {n}",
            aekit::train::max_threads()
        ),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    if options.max_body_bytes == 0 {
        anyhow::bail!("--max-body-bytes must be at least 1");
    }
    let level = if options.quiet {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    };
    // A host program may have set a subscriber already; keep it then.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(workers)
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    let metadata = metadata::describe(&model, path);
    let schema = model.schema();
    let own_columns =
        schema.output_columns().len() + schema.ids.len() + usize::from(schema.label.is_some());
    let state = Arc::new(Served {
        model,
        metadata,
        max_body_bytes: options.max_body_bytes,
        max_columns: own_columns + MAX_EXTRA_COLUMNS,
    });
    let served = runtime.block_on(run(state, options));
    // Dropping the runtime would wait for every scoring thread, however
    // long: after the grace period nobody is waiting for their answers.
    runtime.shutdown_background();
    served
}

async fn run(state: Arc<Served>, options: &ServeOptions) -> anyhow::Result<()> {
    let address = format!("{}:{}", options.host, options.port);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .with_context(|| format!("listening on {address}"))?;
    let bound: SocketAddr = listener.local_addr().context("the bound address")?;
    println!("listening on http://{bound}");
    let app = router(state, options.max_body_bytes);
    let signalled = Arc::new(tokio::sync::Notify::new());
    let notify = Arc::clone(&signalled);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        notify.notify_one();
    });
    let grace = options.shutdown_grace;
    tokio::select! {
        served = server.into_future() => {
            served.context("serving")?;
            tracing::info!("stopped: every request in flight answered");
        }
        () = async {
            signalled.notified().await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(
                "stopped: requests still in flight after the {} s grace period were dropped",
                grace.as_secs_f64()
            );
        }
    }
    Ok(())
}

fn router(state: Arc<Served>, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/invocations", post(invocations))
        .route("/ping", get(ping))
        .route("/health", get(ping))
        .route("/metadata", get(metadata))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn ping() -> &'static str {
    "ok\n"
}

async fn metadata(State(state): State<Arc<Served>>) -> Json<serde_json::Value> {
    Json(state.metadata.clone())
}

async fn not_found(request: Request) -> Rejection {
    Rejection::new(
        StatusCode::NOT_FOUND,
        format!(
            "no endpoint {} {} (POST /invocations, GET /ping, /health, /metadata)",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn invocations(
    State(state): State<Arc<Served>>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Rejection> {
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body is larger than the server's limit of {} bytes (--max-body-bytes)",
                state.max_body_bytes
            ),
        ),
        status => Rejection::new(status, format!("reading the request body: {e}")),
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    let format = BodyFormat::of_content_type(content_type).ok_or_else(|| {
        Rejection::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "content type {} is not served (use application/json or text/csv)",
                content_type.unwrap_or_default()
            ),
        )
    })?;
    // Parsing and scoring are CPU work: off the async threads, and a panic
    // there ends this request only.
    let work = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, Rejection> {
        let table = request::table_of(&body, format, state.max_columns)?;
        let predictions = predict_rows(&state.model, &table)?;
        reply::predictions_json(&predictions)
    });
    let json = work.await.map_err(|e| {
        Rejection::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("scoring failed: {e}"),
        )
    })??;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// One line per request: method, path, status, body size, time taken.
async fn log_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if status.is_server_error() {
        tracing::warn!("{method} {path} {} {ms:.2} ms", status.as_u16());
    } else {
        tracing::info!("{method} {path} {} {ms:.2} ms", status.as_u16());
    }
    response
}

/// SIGTERM (what service managers send) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

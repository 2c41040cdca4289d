//! Responses: `{"predictions": [...]}` with one object per row, and
//! errors as MLflow sends them, `{"error_code": ..., "message": ...}` with
//! a one-line reason.

use aekit::AekitError;
use aekit::tasks::predictions::RowPredictions;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A request the server will not answer with predictions, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status: 4xx for the client's mistakes, 500 for the server's.
    pub status: StatusCode,
    /// One line saying what was wrong.
    pub message: String,
}

impl Rejection {
    /// A 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Rejection {
        Rejection::new(StatusCode::BAD_REQUEST, message)
    }

    /// A rejection with any status; the message is folded onto one line.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Rejection {
        let message: String = message.into();
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        Rejection { status, message }
    }

    fn error_code(&self) -> &'static str {
        match self.status {
            StatusCode::BAD_REQUEST => "BAD_REQUEST",
            StatusCode::PAYLOAD_TOO_LARGE => "REQUEST_LIMIT_EXCEEDED",
            StatusCode::NOT_FOUND => "ENDPOINT_NOT_FOUND",
            s if s.is_client_error() => "INVALID_PARAMETER_VALUE",
            _ => "INTERNAL_ERROR",
        }
    }
}

/// The library's input errors (bad cells, missing columns, wrong widths)
/// are the client's: 400. Anything else is the server's: 500.
impl From<AekitError> for Rejection {
    fn from(error: AekitError) -> Rejection {
        let status = match error {
            AekitError::Data { .. }
            | AekitError::InMemory { .. }
            | AekitError::Column { .. }
            | AekitError::Width { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Rejection::new(status, error.to_string())
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error_code: &'a str,
    message: &'a str,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error_code: self.error_code(),
            message: &self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

/// One row's answer; fields the model's kind does not give are left out.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    codes: Option<&'a [f32]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reconstruction_error: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_anomaly: Option<bool>,
}

#[derive(Serialize)]
struct Predictions<'a> {
    predictions: Vec<Row<'a>>,
}

/// `{"predictions": [{"codes": [...], "reconstruction_error": e, "score": s, "is_anomaly": b}, ...]}`.
pub fn predictions_json(p: &RowPredictions) -> Result<Vec<u8>, Rejection> {
    let rows = (0..p.rows)
        .map(|r| Row {
            codes: p.codes.as_ref().and_then(|c| c.row(r).to_slice()),
            reconstruction_error: p.reconstruction_errors.as_ref().map(|e| e[r]),
            score: p.scores.as_ref().map(|s| s[r]),
            is_anomaly: p.is_anomaly.as_ref().map(|f| f[r]),
        })
        .collect();
    serde_json::to_vec(&Predictions { predictions: rows })
        .map_err(|e| Rejection::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

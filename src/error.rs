//! One error type for the whole API, rendered in the Wix error format that the
//! official SDK parses (`details.applicationError` / `details.validationError`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// One rule a field broke, as Wix reports it in `validationError.fieldViolations`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
    pub violated_rule: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl FieldViolation {
    pub fn new(
        field: impl Into<String>,
        rule: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
            violated_rule: rule,
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Every broken rule of a request, reported together.
    #[error("invalid request: {}", summary(.0))]
    Validation(Vec<FieldViolation>),
    /// A business rule, with the code the SDK's typings list for the method.
    #[error("{description}")]
    Application {
        status: StatusCode,
        code: &'static str,
        description: String,
        data: Value,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    NotFound(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The database cannot be reached; the client may try again shortly.
    #[error("{0}")]
    Unavailable(String),
    /// A fault of ours; the cause is logged, never sent.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

fn summary(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<sqlx::Error> for ApiError {
    /// A database that cannot be reached is a 503 the client may retry; any
    /// other database error is ours.
    fn from(e: sqlx::Error) -> Self {
        if is_unreachable(&e) {
            tracing::warn!(error = %e, "the database is not reachable");
            ApiError::Unavailable(
                "the database is not reachable right now; try again shortly".into(),
            )
        } else {
            ApiError::Internal(e.into())
        }
    }
}

/// Whether `e` says the database is gone (or going), rather than that a
/// statement failed: no connection to be had, a connection that broke, or
/// PostgreSQL shutting down or refusing connections.
pub fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exception; 57P01-03: admin shutdown, crash
            // shutdown, cannot connect now; 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        sqlx::Error::Protocol(message) => message.contains("closed"),
        _ => false,
    }
}

/// How long a client told 503 should wait before trying again, in seconds.
pub const RETRY_AFTER_SECS: u32 = 2;

impl ApiError {
    pub fn validation(
        field: impl Into<String>,
        rule: &'static str,
        description: impl Into<String>,
    ) -> Self {
        ApiError::Validation(vec![FieldViolation::new(field, rule, description)])
    }

    pub fn application(
        status: StatusCode,
        code: &'static str,
        description: impl Into<String>,
    ) -> Self {
        ApiError::Application {
            status,
            code,
            description: description.into(),
            data: json!({}),
        }
    }

    pub fn with_data(self, new_data: Value) -> Self {
        match self {
            ApiError::Application {
                status,
                code,
                description,
                ..
            } => ApiError::Application {
                status,
                code,
                description,
                data: new_data,
            },
            other => other,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::BAD_REQUEST,
            ApiError::Application { status, .. } => *status,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::PermissionDenied(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `applicationError` object, also used per item in bulk results.
    pub fn application_error(&self) -> Value {
        match self {
            ApiError::Validation(v) => json!({
                "code": "INVALID_ARGUMENT",
                "description": self.to_string(),
                "data": {"fieldViolations": v},
            }),
            ApiError::Application {
                code,
                description,
                data,
                ..
            } => json!({"code": code, "description": description, "data": data}),
            other => json!({"code": other.code(), "description": other.to_string(), "data": {}}),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "INVALID_ARGUMENT",
            ApiError::Application { code, .. } => code,
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::PermissionDenied(_) => "PERMISSION_DENIED",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::Unavailable(_) => "UNAVAILABLE",
            ApiError::Internal(_) => "INTERNAL_ERROR",
        }
    }

    /// The Wix error body.
    pub fn body(&self) -> Value {
        match self {
            ApiError::Validation(v) => json!({
                "message": self.to_string(),
                "details": {"validationError": {"fieldViolations": v}},
            }),
            _ => json!({
                "message": self.to_string(),
                "details": {"applicationError": self.application_error()},
            }),
        }
    }
}

/// Carried in response extensions so the logging middleware can log the cause
/// of a 500 once, next to the request id, without sending it to the client.
#[derive(Clone)]
pub struct InternalCause(pub std::sync::Arc<String>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let ApiError::Unavailable(_) = &self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(RETRY_AFTER_SECS),
            );
        }
        if let ApiError::Internal(cause) = &self {
            response
                .extensions_mut()
                .insert(InternalCause(std::sync::Arc::new(format!("{cause:#}"))));
        }
        response
    }
}

//! The HTTP surface: every resource's router merged, with the layers every
//! response goes through (request id, the request log, body limit, panics).

mod checkouts;
mod control;
mod emulator;
mod extract;
mod gate;
mod respond;
mod templates;
mod views;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::{ApiError, InternalCause};
use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-wix-request-id";

/// The request's id, as its `x-wix-request-id` will say.
#[derive(Debug, Clone)]
pub struct RequestId(pub std::sync::Arc<str>);

/// The whole application.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    // Wix's operations pass the gate (fault rules, the journal) once routed.
    let wix = Router::new()
        .merge(templates::router())
        .merge(checkouts::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), gate::gate));
    Router::new()
        .merge(wix)
        .merge(emulator::router())
        .merge(control::router())
        .merge(crate::console::router())
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async {
            ApiError::application(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "this endpoint does not accept that HTTP method",
            )
        })
        .layer(middleware::from_fn_with_state(body_limit, announced_size))
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(middleware::from_fn(request_context))
}

/// A client that sent `Expect: 100-continue` with a body over the limit is
/// told 413 before it is invited to send the body. (Without the expectation
/// the body is read up to the limit first, so a client still sending sees
/// the answer rather than a reset connection.)
async fn announced_size(
    axum::extract::State(limit): axum::extract::State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let expects_continue = request
        .headers()
        .get(axum::http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if !expects_continue {
        return next.run(request).await;
    }
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(length) if length > limit as u64 => ApiError::PayloadTooLarge(limit).into_response(),
        _ => next.run(request).await,
    }
}

/// Gives every response its `x-wix-request-id`, logs each request at `info`
/// (method, path, status, milliseconds, request id), and logs a 500's cause
/// once, next to that id, while the client gets only the id.
async fn request_context(mut request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let request_id: std::sync::Arc<str> = uuid::Uuid::new_v4().to_string().into();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let mut response = next.run(request).await;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>().cloned() {
        tracing::error!(%request_id, %method, %path, %cause, "request failed");
        let status = response.status();
        response = (
            status,
            Json(json!({
                "message": format!("internal error (request id {request_id})"),
                "details": {"applicationError": {
                    "code": "INTERNAL_ERROR",
                    "description": "the emulator failed to handle this request; its log has the cause under this request id",
                    "data": {"requestId": &*request_id},
                }},
            })),
        )
            .into_response();
    } else if response.status().is_client_error() && is_plain_text(&response) {
        response = wix_format(response).await;
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    // No response, JSON or page, may be sniffed into another type.
    response.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        ms = format_args!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        %request_id,
        "request"
    );
    response
}

fn is_plain_text(response: &Response) -> bool {
    response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"))
}

/// axum's own rejections (a path segment that is not UTF-8, say) answer in
/// plain text; clients of this API parse the Wix error format, so they get that.
async fn wix_format(response: Response) -> Response {
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    ApiError::application(status, "INVALID_ARGUMENT", text).into_response()
}

//! Extractors whose every rejection is an [`ApiError`], so bad bodies, bad
//! credentials and bad paths answer in the same Wix format as everything else.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, FieldViolation};
use crate::state::AppState;

/// A JSON request body. An empty body reads as `{}`, as the REST gateway treats it.
pub struct JsonBody(pub Value);

impl FromRequest<Arc<AppState>> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        // One deadline for the whole body: a client that sends less than it
        // announced, or trickles it, is not waited for without end.
        let limit = state.limits.body_read_timeout;
        let read = tokio::time::timeout(limit, Bytes::from_request(req, state))
            .await
            .map_err(|_| {
                ApiError::application(
                    StatusCode::REQUEST_TIMEOUT,
                    "REQUEST_TIMEOUT",
                    format!(
                        "the request body did not arrive within {} s",
                        limit.as_secs_f64()
                    ),
                )
            })?;
        let bytes = read.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(state.limits.max_body_bytes)
            } else {
                ApiError::Validation(vec![FieldViolation::new(
                    "body",
                    "FORMAT",
                    rejection.body_text(),
                )])
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Object(Default::default())));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(JsonBody(v)),
            Ok(_) => Err(ApiError::validation(
                "body",
                "FORMAT",
                "the request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::validation(
                "body",
                "FORMAT",
                format!("the request body is not valid JSON: {e}"),
            )),
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        // The gate (see `gate`) may have authenticated the request already.
        if let Some(caller) = parts.extensions.remove::<Caller>() {
            return Ok(caller);
        }
        authenticate(&parts.headers, state).await
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| ApiError::Unauthenticated(format!("the {name} header is not valid text"))),
    }
}

/// The caller the request's key and `wix-site-id` make; a key this instance
/// does not know is looked up among the sites made on demand.
pub async fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
    let site = header(headers, "wix-site-id")?;
    let token = token(headers)?;
    match state.tenancy.authenticate(token, site) {
        Err(ApiError::Unauthenticated(why)) => {
            if crate::control::sites::learn_key(state, token).await? {
                state.tenancy.authenticate(token, site)
            } else {
                Err(ApiError::Unauthenticated(why))
            }
        }
        known => known,
    }
}

/// As [`authenticate`], for a site named by the path rather than the header.
pub async fn authenticate_for(
    headers: &HeaderMap,
    state: &AppState,
    site_id: &str,
) -> Result<Caller, ApiError> {
    let token = token(headers)?;
    if state.tenancy.key(token).is_none() {
        crate::control::sites::learn_key(state, token).await?;
    }
    state.tenancy.authenticate(token, Some(site_id))
}

/// The API key the request carries (`Bearer ` or not).
fn token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let raw = header(headers, "authorization")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated("missing Authorization header: send your API key".into())
        })?;
    Ok(match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => raw,
    })
}

//! Extractors whose every rejection is an [`ApiError`], so bad bodies, bad
//! credentials and bad paths answer in the same Wix format as everything else.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::config::Role;
use crate::error::{ApiError, FieldViolation};
use crate::state::{AppState, Site};

/// A JSON request body. An empty body reads as `{}`, as the REST gateway treats it.
pub struct Body(pub Value);

impl FromRequest<Arc<AppState>> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(state.max_body_bytes)
            } else {
                ApiError::Validation(vec![FieldViolation::new(
                    "body",
                    "FORMAT",
                    rejection.body_text(),
                )])
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Value::Object(Default::default())));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(Body(v)),
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

/// An authenticated caller, bound to one site.
pub struct Caller {
    pub site: Arc<Site>,
    pub role: Role,
}

impl Caller {
    /// Everything but creating checkouts and reading them needs an admin key.
    pub fn admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Visitor => Err(ApiError::PermissionDenied(
                "this API key has the visitor role, which may only create checkouts from templates and read checkouts"
                    .into(),
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
        authenticate(&parts.headers, state)
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

pub fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
    let raw = header(headers, "authorization")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated("missing Authorization header: send your API key".into())
        })?;
    let token = match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => raw,
    };
    let key = state
        .tenancy
        .keys
        .get(token)
        .ok_or_else(|| ApiError::Unauthenticated("the API key is not valid".into()))?;
    let site_id = match header(headers, "wix-site-id")? {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => match key.site_ids.as_slice() {
            [only] => only.clone(),
            _ => {
                return Err(ApiError::PermissionDenied(
                    "missing wix-site-id header: this API key is bound to several sites".into(),
                ))
            }
        },
    };
    if !key.site_ids.contains(&site_id) {
        return Err(ApiError::PermissionDenied(format!(
            "this API key is not authorized for site {site_id}"
        )));
    }
    let site = state
        .tenancy
        .sites
        .get(&site_id)
        .cloned()
        .ok_or_else(|| ApiError::PermissionDenied(format!("site {site_id} is not known")))?;
    Ok(Caller {
        site,
        role: key.role,
    })
}

//! Every Wix operation passes here after routing: a fault rule of its site
//! may answer instead (after its delay, with its error, or by dropping the
//! connection), and the request goes into the site's journal. With no rules
//! this reads only memory.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::RequestId;
use crate::faults::{DropConnection, Operation, Rule};
use crate::journal::Entry;
use crate::site::Site;
use crate::state::AppState;

pub async fn gate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let op = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|route| Operation::of_route(request.method(), route.as_str()));
    let Some(op) = op else {
        return next.run(request).await;
    };
    // A request that names no site it may call gets the operation's own
    // answer (401, 403, a redirect to nowhere): no site, no journal.
    let site_id = if op.is_public() {
        let site = public_site(&state, request.uri().query()).await;
        site.map(|site| {
            let site_id = site.id.clone();
            request.extensions_mut().insert(ShareLinkSite(site));
            site_id
        })
    } else {
        match super::extract::authenticate(request.headers(), &state).await {
            Ok(caller) => {
                let site_id = caller.site.id.clone();
                // The handler takes the caller from here rather than again.
                request.extensions_mut().insert(caller);
                Some(site_id)
            }
            Err(_) => None,
        }
    };
    let Some(site_id) = site_id else {
        return next.run(request).await;
    };
    let started = Instant::now();
    let at = state.clock.site_now(&site_id);
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let (response, fault_id) = match crate::control::faults::firing(&state, &site_id, op).await {
        Ok(Some(rule)) => (apply(&rule, request, next).await, Some(rule.id.clone())),
        Ok(None) => (next.run(request).await, None),
        Err(e) => (e.into_response(), None),
    };
    let dropped = response.extensions().get::<DropConnection>().is_some();
    state.journal.record(Entry {
        site_id,
        at,
        method,
        path,
        operation: op,
        status: if dropped {
            0
        } else {
            response.status().as_u16()
        },
        duration_micros: started.elapsed().as_micros() as u64,
        request_id,
        fault_id,
    });
    response
}

/// The site a share link's `siteId` names, as the gate found it.
#[derive(Clone)]
pub struct ShareLinkSite(pub Arc<Site>);

/// The site the public share link's `siteId` names, if it is one.
async fn public_site(state: &AppState, query: Option<&str>) -> Option<Arc<Site>> {
    let params: HashMap<String, String> = serde_urlencoded::from_str(query.unwrap_or("")).ok()?;
    crate::control::sites::find(state, params.get("siteId")?)
        .await
        .ok()?
}

/// What a rule does to the request: after its delay, drop the connection,
/// answer its error, or (a delay alone) let the operation run.
async fn apply(rule: &Rule, request: Request, next: Next) -> Response {
    let spec = &rule.spec;
    if let Some(ms) = spec.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if spec.drop_connection {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    let Some(status) = spec.status.and_then(|s| StatusCode::from_u16(s).ok()) else {
        return next.run(request).await;
    };
    let code = spec
        .application_error_code
        .clone()
        .unwrap_or_else(|| default_code(status).to_string());
    let description = format!("injected by fault rule {}", rule.id);
    let mut response = (
        status,
        Json(json!({
            "message": format!("{code}: {description}"),
            "details": {"applicationError": {
                "code": code,
                "description": description,
                "data": {"faultRuleId": rule.id},
            }},
        })),
    )
        .into_response();
    if let Some(secs) = spec.retry_after_seconds {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// The code Wix's gateway gives a status, for a rule that names none.
fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 | 428 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "INJECTED_FAULT",
    }
}

//! `/_emulator/…`: the emulator's own endpoints, never colliding with Wix paths.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::views;
use crate::auth::Caller;
use crate::error::{ApiError, Result};
use crate::model::events::Slug;
use crate::state::AppState;
use crate::store::{DeliveryState, LogFilter};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/openapi.json", get(openapi))
        .route("/_emulator/ready", get(ready))
        .route("/_emulator/apps/{app_id}/public-key", get(public_key))
        .route("/_emulator/webhook-deliveries", get(deliveries))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/webhook-deliveries/{id}/replay", post(replay))
}

/// The OpenAPI 3.1 document of every endpoint; the test suite holds every
/// response it sees to it.
async fn openapi() -> Response {
    (
        [(CONTENT_TYPE, "application/json")],
        include_str!("../../openapi/openapi.json"),
    )
        .into_response()
}

/// The PEM subscribers verify webhook JWTs with. Public, like any public key.
async fn public_key(
    State(state): State<Arc<AppState>>,
    Path(app_id): Path<String>,
) -> Result<Response> {
    let app = state
        .apps
        .get(&app_id)
        .ok_or_else(|| ApiError::NotFound(format!("app {app_id} is not configured")))?;
    Ok((
        [(CONTENT_TYPE, "application/x-pem-file")],
        app.public_pem().await.map_err(ApiError::Internal)?,
    )
        .into_response())
}

/// The delivery log of the caller's site, newest first, with every attempt.
async fn deliveries(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>> {
    caller.admin()?;
    let limit = match params.get("limit") {
        None => 100,
        Some(l) => match l.parse::<i64>() {
            Ok(l) if (1..=1000).contains(&l) => l,
            Ok(l) if l < 1 => {
                return Err(ApiError::validation("limit", "MIN", "must be at least 1"))
            }
            Ok(_) => return Err(ApiError::validation("limit", "MAX", "must be at most 1000")),
            Err(_) => {
                return Err(ApiError::validation(
                    "limit",
                    "FORMAT",
                    "must be an integer from 1 to 1000",
                ))
            }
        },
    };
    let text = |name: &str| -> Result<Option<String>> {
        match params.get(name) {
            Some(v) if v.contains('\0') => Err(ApiError::validation(
                name,
                "FORMAT",
                "must not contain the NUL character (\\u0000)",
            )),
            v => Ok(v.cloned()),
        }
    };
    let state_filter = match params.get("state") {
        None => None,
        Some(s) => Some(DeliveryState::parse(s).ok_or_else(|| {
            ApiError::validation(
                "state",
                "INVALID_ENUM_VALUE",
                "must be pending, delivered or failed",
            )
        })?),
    };
    let slug = match params.get("slug") {
        None => None,
        Some(s) => Some(Slug::parse(s).ok_or_else(|| {
            ApiError::validation(
                "slug",
                "INVALID_ENUM_VALUE",
                "must be created, updated, deleted or used",
            )
        })?),
    };
    let filter = LogFilter {
        site_id: Some(caller.site.id.clone()),
        app_id: text("appId")?,
        state: state_filter,
        event_id: text("eventId")?,
        entity_id: text("entityId")?,
        slug,
        before: None,
        min_attempts: min_attempts(&params)?,
        limit,
    };
    let deliveries = match wait_for(&params)? {
        Some((wanted, timeout)) => {
            // Counted up to `wanted`, answered up to `limit`.
            let counting = LogFilter {
                limit: limit.max(wanted as i64),
                ..filter
            };
            let mut found =
                crate::control::waiting::deliveries(&state, &counting, wanted, timeout).await?;
            found.truncate(limit as usize);
            found
        }
        None => state.store.list_deliveries(&filter).await?,
    };
    let deliveries: Vec<Value> = deliveries.iter().map(views::delivery).collect();
    Ok(Json(json!({"deliveries": deliveries})))
}

/// `minAttempts=N` (1 to 100): only deliveries with N attempts recorded, so
/// a test can wait for a failure before moving the clock past its resend.
fn min_attempts(params: &HashMap<String, String>) -> Result<Option<i64>> {
    match params.get("minAttempts").map(|n| n.parse::<i64>()) {
        None => Ok(None),
        Some(Ok(n)) if (1..=100).contains(&n) => Ok(Some(n)),
        Some(_) => Err(ApiError::validation(
            "minAttempts",
            "FORMAT",
            "must be a whole number from 1 to 100",
        )),
    }
}

/// `waitFor=N` (1 to 1000) and `timeoutMs=T` (default 10 s, at most 60 s;
/// nothing without `waitFor`): how many deliveries to wait for, and for how long.
fn wait_for(params: &HashMap<String, String>) -> Result<Option<(usize, std::time::Duration)>> {
    let most = crate::control::waiting::MAX_WAIT.as_millis() as u64;
    let timeout = match params.get("timeoutMs").map(|t| t.parse::<u64>()) {
        None => 10_000,
        Some(Ok(t)) if t <= most => t,
        Some(_) => {
            return Err(ApiError::validation(
                "timeoutMs",
                "FORMAT",
                format!("must be a whole number of milliseconds from 0 to {most}"),
            ))
        }
    };
    let Some(wanted) = params.get("waitFor") else {
        return Ok(None);
    };
    let wanted = match wanted.parse::<usize>() {
        Ok(n) if (1..=1000).contains(&n) => n,
        _ => {
            return Err(ApiError::validation(
                "waitFor",
                "FORMAT",
                "must be a whole number from 1 to 1000",
            ))
        }
    };
    Ok(Some((wanted, std::time::Duration::from_millis(timeout))))
}

/// Sends one delivery again, as soon as the dispatcher can.
async fn replay(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    caller.admin()?;
    let not_found = || ApiError::NotFound(format!("webhook delivery {id} was not found"));
    let number: i64 = id.parse().map_err(|_| not_found())?;
    if state
        .store
        .replay_delivery(
            &caller.site.id,
            number,
            state.clock.site_now(&caller.site.id),
        )
        .await?
    {
        Ok(Json(json!({"id": number.to_string(), "state": "pending"})))
    } else {
        Err(not_found())
    }
}

/// Empties the caller's site (see [`crate::control::reset`]).
async fn reset(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Value>> {
    caller.admin()?;
    let removed = crate::control::reset(&state, &caller.site).await?;
    Ok(Json(views::removed(&removed)))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Ready when the database answers within a second.
async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let answered = tokio::time::timeout(std::time::Duration::from_secs(1), state.store.ping());
    if answered.await.unwrap_or(false) {
        Json(json!({"status": "ready"})).into_response()
    } else {
        ApiError::Unavailable("the database is not reachable".into()).into_response()
    }
}

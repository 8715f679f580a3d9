//! `/_emulator/…` test control: sites on demand, the site's clock, fault
//! rules, snapshots, test events and the request journal. Every endpoint
//! needs an admin key and acts on the site of `wix-site-id` (or of the key),
//! but making a site, which makes one, and deleting one, which names it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::extract::{authenticate_for, JsonBody};
use super::respond::raw_json;
use super::views;
use crate::auth::Caller;
use crate::clock::rfc3339;
use crate::control::{self, clock::Change};
use crate::error::{ApiError, Result};
use crate::faults::Operation;
use crate::journal::Wanted;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/sites", post(create_site))
        .route("/_emulator/sites/{site_id}", delete(delete_site))
        .route("/_emulator/clock", get(clock).post(move_clock))
        .route(
            "/_emulator/faults",
            get(list_faults).post(create_fault).delete(clear_faults),
        )
        .route("/_emulator/faults/{id}", delete(delete_fault))
        .route("/_emulator/snapshot", get(snapshot).put(restore))
        .route("/_emulator/apps/{app_id}/test-events", post(test_event))
        .route("/_emulator/requests", get(requests))
}

async fn create_site(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    caller.admin()?;
    let made = control::sites::create(&state, &body).await?;
    Ok(Json(json!({
        "site": {"id": made.site.id, "url": made.site.url, "currency": made.site.currency},
        "keys": {"admin": made.admin_key, "visitor": made.visitor_key},
    })))
}

async fn delete_site(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(site_id): Path<String>,
) -> Result<Json<Value>> {
    if !crate::validate::is_guid(&site_id) {
        return Err(ApiError::validation("siteId", "FORMAT", "must be a GUID"));
    }
    authenticate_for(&headers, &state, &site_id)
        .await?
        .admin()?;
    control::sites::delete(&state, &site_id).await?;
    Ok(Json(json!({})))
}

async fn clock(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Value>> {
    caller.admin()?;
    let now = control::clock::now(&state, &caller.site).await?;
    Ok(Json(json!({"now": rfc3339(now)})))
}

async fn move_clock(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    caller.admin()?;
    let change = Change::parse(&body)?;
    let now = control::clock::change(&state, &caller.site, change).await?;
    Ok(Json(json!({"now": rfc3339(now)})))
}

async fn create_fault(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    caller.admin()?;
    let row = control::faults::create(&state, &caller.site, &body).await?;
    Ok(Json(json!({"fault": views::fault(&row)})))
}

async fn list_faults(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Value>> {
    caller.admin()?;
    let rows = control::faults::list(&state, &caller.site).await?;
    let faults: Vec<Value> = rows.iter().map(views::fault).collect();
    Ok(Json(json!({"faults": faults})))
}

async fn clear_faults(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Value>> {
    caller.admin()?;
    let deleted = control::faults::delete(&state, &caller.site, None).await?;
    Ok(Json(json!({"deleted": deleted})))
}

async fn delete_fault(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    caller.admin()?;
    let deleted = control::faults::delete(&state, &caller.site, Some(&id)).await?;
    Ok(Json(json!({"deleted": deleted})))
}

async fn snapshot(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Response> {
    caller.admin()?;
    Ok(raw_json(
        control::snapshot::take(&state, &caller.site).await?,
    ))
}

async fn restore(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    caller.admin()?;
    let restored = control::snapshot::restore(&state, &caller.site, &body).await?;
    Ok(Json(json!({"restored": {
        "checkoutTemplates": restored.templates,
        "checkouts": restored.checkouts,
    }})))
}

async fn test_event(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(app_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    caller.admin()?;
    let sent = control::test_events::send(&state, &caller.site, &app_id, &body).await?;
    Ok(Json(json!({
        "event": {"id": sent.event_id, "slug": sent.slug.as_str(), "entityId": sent.entity_id},
        "delivery": {"id": sent.delivery_id.to_string(), "state": "pending"},
    })))
}

/// The journal: the site's recent API requests, newest first.
async fn requests(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response> {
    caller.admin()?;
    let most = state.journal.capacity().max(1);
    let limit = match params.get("limit") {
        None => 100.min(most),
        Some(l) => match l.parse::<usize>() {
            Ok(l) if (1..=most).contains(&l) => l,
            _ => {
                return Err(ApiError::validation(
                    "limit",
                    "FORMAT",
                    format!("must be a whole number from 1 to {most}"),
                ))
            }
        },
    };
    let operation = match params.get("operation") {
        None => None,
        Some(name) => Some(
            Operation::parse(name)
                .filter(|op| *op != Operation::Webhook)
                .ok_or_else(|| {
                    ApiError::validation(
                        "operation",
                        "INVALID_ENUM_VALUE",
                        "must be the name of an API operation, such as createCheckoutTemplate",
                    )
                })?,
        ),
    };
    let status = match params.get("status") {
        None => None,
        Some(s) => Some(s.parse::<u16>().ok().filter(|s| *s <= 599).ok_or_else(|| {
            ApiError::validation("status", "FORMAT", "must be an HTTP status code")
        })?),
    };
    let entries = state.journal.list(&Wanted {
        site_id: &caller.site.id,
        operation,
        status,
        limit,
    });
    let requests: Vec<Value> = entries.iter().map(views::journal_entry).collect();
    Ok(Json(json!({"requests": requests})).into_response())
}

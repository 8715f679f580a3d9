//! `/_emulator/…`: the emulator's own endpoints, never colliding with Wix paths.
//! Also the pages a default site's URLs point at, so share-link redirects land
//! somewhere a person can see.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::extract::Caller;
use crate::error::{ApiError, Result};
use crate::state::AppState;
use crate::store::{now_micros, LogFilter};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/openapi.json", get(openapi))
        .route("/_emulator/ready", get(ready))
        .route("/_emulator/sites/{site_id}", get(site_page))
        .route("/_emulator/sites/{site_id}/checkout", get(checkout_page))
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
    let filter = LogFilter {
        site_id: Some(caller.site.id.clone()),
        app_id: params.get("appId").cloned(),
        state: params.get("state").cloned(),
        event_id: params.get("eventId").cloned(),
        entity_id: params.get("entityId").cloned(),
        slug: params.get("slug").cloned(),
        limit,
    };
    let deliveries = state.store.list_deliveries(&filter).await?;
    Ok(Json(json!({"deliveries": deliveries})))
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
        .replay_delivery(&caller.site.id, number, now_micros())
        .await?
    {
        Ok(Json(json!({"id": number.to_string(), "state": "pending"})))
    } else {
        Err(not_found())
    }
}

/// Removes the caller's site's templates, checkouts, events and deliveries, so a
/// test run can start from nothing without a new database. Other sites keep theirs.
async fn reset(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Value>> {
    caller.admin()?;
    let removed = state.store.reset_site(&caller.site.id).await?;
    Ok(Json(json!({
        "removed": {
            "checkoutTemplates": removed.templates,
            "checkouts": removed.checkouts,
            "events": removed.events,
        }
    })))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if state.store.ping().await {
        Json(json!({"status": "ready"})).into_response()
    } else {
        let mut response =
            ApiError::Internal(anyhow::anyhow!("database is not reachable")).into_response();
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        response
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}\
         table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}}</style>\
         </head><body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    ))
}

async fn site_page(
    State(state): State<Arc<AppState>>,
    Path(site_id): Path<String>,
) -> Result<Html<String>> {
    let site = state
        .tenancy
        .sites
        .get(&site_id)
        .ok_or_else(|| ApiError::NotFound(format!("site {site_id} is not known")))?;
    Ok(page(
        "Emulated site",
        &format!("<p>Site <code>{}</code>. This is where customers land when a checkout template cannot be used.</p>", escape(&site.id)),
    ))
}

async fn checkout_page(
    State(state): State<Arc<AppState>>,
    Path(site_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let checkout_id = params.get("checkoutId").cloned().unwrap_or_default();
    let json = state
        .store
        .get_checkout(&site_id, &checkout_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("checkout {checkout_id} was not found")))?;
    let checkout: Value = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    let mut rows = String::new();
    for item in checkout["lineItems"].as_array().into_iter().flatten() {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(item["productName"]["original"].as_str().unwrap_or("(item)")),
            item["quantity"],
            escape(
                item["lineItemPrice"]["formattedAmount"]
                    .as_str()
                    .unwrap_or("")
            ),
        ));
    }
    let summary = &checkout["priceSummary"];
    let text = |v: &Value| escape(v["formattedAmount"].as_str().unwrap_or(""));
    Ok(page(
        "Checkout",
        &format!(
            "<p>Checkout <code>{id}</code></p><table><tr><th>Item</th><th>Qty</th><th>Price</th></tr>{rows}</table>\
             <p>Subtotal {sub} · Discount {disc} · <strong>Total {total}</strong></p>",
            id = escape(&checkout_id),
            sub = text(&summary["subtotal"]),
            disc = text(&summary["discount"]),
            total = text(&summary["total"]),
        ),
    ))
}

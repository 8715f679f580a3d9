//! `/ecom/v1/checkout-templates`: thin handlers over [`crate::service`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header::LOCATION, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::{Json, Router};
use serde_json::json;

use super::extract::JsonBody;
use super::gate::ShareLinkSite;
use super::respond::{raw_json, wrap_raw};
use crate::auth::Caller;
use crate::error::{ApiError, Result};
use crate::service;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/ecom/v1/checkout-templates", post(create))
        .route("/ecom/v1/bulk/checkout-templates/create", post(bulk_create))
        // Where @wix/sdk sends bulk create: its URL mapping only rewrites paths
        // under /v1/checkout-templates, so this one keeps its bare form.
        .route("/v1/bulk/checkout-templates/create", post(bulk_create))
        .route("/ecom/v1/checkout-templates/query", post(query))
        .route(
            "/ecom/v1/checkout-templates/{id}",
            get(fetch).patch(update).delete(remove),
        )
        .route(
            "/ecom/v1/checkout-templates/{id}/create-checkout-from-template",
            post(create_checkout),
        )
        .route(
            "/ecom/v1/checkout-templates/{id}/create-and-redirect-to-checkout",
            get(create_and_redirect),
        )
}

async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    caller.admin()?;
    let template = service::create_template(&state, &caller.site, &body).await?;
    Ok(wrap_raw("checkoutTemplate", &template))
}

async fn bulk_create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    caller.admin()?;
    Ok(Json(service::bulk_create(&state, &caller.site, &body).await?).into_response())
}

/// The SDK also sends the id as `?checkoutTemplateId=`; the path is authoritative.
async fn fetch(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    caller.admin()?;
    let template = service::get_template(&state, &caller.site, &id).await?;
    Ok(wrap_raw("checkoutTemplate", &template))
}

async fn update(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    caller.admin()?;
    let template = service::update_template(&state, &caller.site, &id, &body).await?;
    Ok(wrap_raw("checkoutTemplate", &template))
}

async fn remove(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    caller.admin()?;
    service::delete_template(&state, &caller.site, &id).await?;
    Ok(Json(json!({})).into_response())
}

async fn query(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    caller.admin()?;
    let (rows, paging) = service::query_templates(&state, &caller.site, &body).await?;
    let mut out = String::with_capacity(64 + rows.iter().map(|r| r.body.len() + 1).sum::<usize>());
    out.push_str(r#"{"checkoutTemplates":["#);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&row.body);
    }
    out.push_str(r#"],"pagingMetadata":"#);
    out.push_str(&paging.to_string());
    out.push('}');
    Ok(raw_json(out))
}

async fn create_checkout(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let created = service::create_checkout(&state, &caller.site, &id, &body).await?;
    Ok(Json(json!({
        "checkoutId": created.checkout_id,
        "checkoutUrl": created.checkout_url,
        "purchaseFlowId": created.purchase_flow_id,
    }))
    .into_response())
}

/// The public share link. No key: the site comes from `siteId`, and only URLs
/// built for that site are redirected to.
async fn create_and_redirect(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    gated: Option<Extension<ShareLinkSite>>,
) -> Result<Response> {
    let site = match gated {
        // The gate found the site already.
        Some(Extension(ShareLinkSite(site))) => site,
        None => {
            let site_id = params
                .get("siteId")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ApiError::validation("siteId", "REQUIRED_FIELD", "is required"))?;
            crate::control::sites::find(&state, site_id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("site {site_id} is not known")))?
        }
    };
    let location = service::click(&state, &site, &id).await?;
    // 302, as Wix answers; axum's Redirect offers only 303/307/308.
    Ok((StatusCode::FOUND, [(LOCATION, location)]).into_response())
}

//! The site the emulator hosts for a site with no URL of its own (the
//! default site is one): its page, where a share link lands when its template
//! cannot be used, and its checkout page, where a share link lands otherwise.
//! Public, as a shop's pages are: no session, no key.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use super::checkout_view::CheckoutView;
use super::page::ok;
use crate::error::{ApiError, Result};
use crate::model::ids::{CheckoutId, TemplateId};
use crate::site::Site;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/sites/{site_id}", get(site_page))
        .route("/_emulator/sites/{site_id}/checkout", get(checkout_page))
}

async fn site_of(state: &AppState, site_id: &str) -> Result<Arc<Site>> {
    crate::control::sites::find(state, site_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("site {site_id} is not known")))
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    site_id: String,
}

async fn site_page(
    State(state): State<Arc<AppState>>,
    Path(site_id): Path<String>,
) -> Result<Response> {
    let site = site_of(&state, &site_id).await?;
    Ok(ok(&SitePage {
        site_id: site.id.clone(),
    }))
}

/// The checkout id a checkout URL carries, in Wix's documented form only:
/// `appSectionParams={"checkoutId": …}` (URL-encoded JSON). A link an app
/// built another way would not open a checkout on Wix either.
pub fn checkout_id_of(params: &HashMap<String, String>) -> Option<CheckoutId> {
    let id = params
        .get(crate::site::CHECKOUT_PARAMS)
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .and_then(|v| v["checkoutId"].as_str().map(str::to_string))?;
    CheckoutId::parse(&id)
}

#[derive(Template)]
#[template(path = "hosted_checkout.html")]
struct HostedCheckout {
    checkout: CheckoutView,
    /// Where "Continue shopping" goes.
    site_url: String,
}

async fn checkout_page(
    State(state): State<Arc<AppState>>,
    Path(site_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response> {
    let site = site_of(&state, &site_id).await?;
    let not_found = || ApiError::NotFound("this checkout was not found".into());
    let id = checkout_id_of(&params).ok_or_else(not_found)?;
    let row = state
        .store
        .get_checkout_row(&site.id, &id)
        .await?
        .ok_or_else(not_found)?;
    let json: Value = serde_json::from_str(&row.body).map_err(anyhow::Error::from)?;
    let mut checkout = CheckoutView::of(&json);
    // A checkout's customSettings have no "Continue shopping" switch: the
    // template's customization says it.
    if json["customSettings"]["disabledContinueShoppingButton"].is_null() {
        checkout.settings.no_continue_shopping =
            continue_shopping_disabled(&state, &site, &row.template_id).await?;
    }
    Ok(ok(&HostedCheckout {
        checkout,
        site_url: site.url.clone(),
    })
    .into_response())
}

async fn continue_shopping_disabled(
    state: &AppState,
    site: &Site,
    template_id: &str,
) -> Result<bool> {
    let Some(id) = TemplateId::parse(template_id) else {
        return Ok(false);
    };
    let Some(json) = state.store.get_template(&site.id, &id).await? else {
        return Ok(false);
    };
    let template: Value = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    Ok(
        template["customization"]["webClient"]["disabledContinueShoppingButton"]
            .as_bool()
            .unwrap_or(false),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_wixs_checkout_url_form_is_read() {
        let id = "0193a1b2-0000-7000-8000-000000000001";
        let params = |k: &str, v: &str| HashMap::from([(k.to_string(), v.to_string())]);
        let section = params("appSectionParams", &format!("{{\"checkoutId\":\"{id}\"}}"));
        assert_eq!(checkout_id_of(&section).unwrap().as_str(), id);
        assert!(checkout_id_of(&params("checkoutId", id)).is_none());
        assert!(checkout_id_of(&params("checkoutId", "nope")).is_none());
        assert!(checkout_id_of(&params("appSectionParams", "{")).is_none());
    }
}

//! The pages people see: for now, the emulated site a default site's URLs
//! point at, so share-link redirects land somewhere a person can read.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::model::ids::CheckoutId;
use crate::site::CHECKOUT_PARAMS;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/sites/{site_id}", get(site_page))
        .route("/_emulator/sites/{site_id}/checkout", get(checkout_page))
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
    // `appSectionParams` holds `{"checkoutId": …}` as JSON, as Wix's checkout URLs do.
    let checkout_id = params
        .get(CHECKOUT_PARAMS)
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .and_then(|p| p["checkoutId"].as_str().map(str::to_string))
        .unwrap_or_default();
    let not_found = || ApiError::NotFound(format!("checkout {checkout_id} was not found"));
    let id = CheckoutId::parse(&checkout_id).ok_or_else(not_found)?;
    let json = state
        .store
        .get_checkout(&site_id, &id)
        .await?
        .ok_or_else(not_found)?;
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

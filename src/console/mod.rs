//! The pages people see. The console (`/_emulator/ui/`): sign in with an API
//! key, then templates, checkouts and webhook deliveries of a site, every
//! action through the same service functions as the API. And the emulated
//! site a share link lands on, with its checkout page, for sites without a
//! URL of their own.
//!
//! Pages are rendered on the server from askama templates (`pages/`),
//! escaped by default; every page works without JavaScript, and the one
//! small script (the copy button) is a file of its own, so the
//! Content-Security-Policy allows no inline script.

mod assets;
mod checkout_view;
mod checkouts;
mod control;
mod form;
mod page;
mod session;
mod site;
mod templates;
mod webhooks;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// Where the console lives.
pub const UI: &str = "/_emulator/ui";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/_emulator/ui/") }))
        .route(UI, get(|| async { Redirect::to("/_emulator/ui/") }))
        .merge(session::router())
        .merge(templates::router())
        .merge(checkouts::router())
        .merge(webhooks::router())
        .merge(control::router())
        .merge(assets::router())
        .merge(site::router())
        .layer(middleware::from_fn(security_headers))
}

/// What every page of the console and of the hosted site sends: no inline
/// script, no framing, no referrer (a one-click sign-in URL carries a token),
/// and no caching of pages that show a site's data.
async fn security_headers(request: Request, next: Next) -> Response {
    let asset = request.uri().path().starts_with(assets::PREFIX);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

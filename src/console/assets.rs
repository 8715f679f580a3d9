//! The console's stylesheet and its one small script, built into the binary:
//! the console needs no network and no files beside the binary.

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub const PREFIX: &str = "/_emulator/ui/assets/";

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/_emulator/ui/assets/console.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/_emulator/ui/assets/console.js",
            get(|| async { asset("text/javascript; charset=utf-8", JS) }),
        )
}

/// Revalidated on every use: a new build may bring a new file at the same path.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

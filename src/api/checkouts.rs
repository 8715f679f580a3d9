//! `/ecom/v1/checkouts`: reading the checkouts templates created.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::respond::wrap_raw;
use crate::auth::Caller;
use crate::error::Result;
use crate::service;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/ecom/v1/checkouts/{id}", get(fetch))
}

async fn fetch(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let checkout = service::get_checkout(&state, &caller.site, &id).await?;
    Ok(wrap_raw("checkout", &checkout))
}

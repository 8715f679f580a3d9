//! checkout-templates: a stateful emulator of the Wix eCommerce Checkout
//! Templates REST API. [`router`] is the whole application; [`serve`] runs it.

pub mod api;
pub mod config;
pub mod error;
pub mod model;
pub mod query;
pub mod service;
pub mod state;
pub mod store;
pub mod validate;
pub mod webhooks;

pub use api::router;

use std::future::Future;
use std::sync::Arc;

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight
/// requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<state::AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

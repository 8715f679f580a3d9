//! checkout-templates: a stateful emulator of the Wix eCommerce Checkout
//! Templates REST API. [`router`] is the whole application; [`serve`] runs it.

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod console;
pub mod control;
pub mod error;
pub mod faults;
pub mod journal;
pub mod limits;
pub mod model;
pub mod query;
pub mod service;
pub mod serving;
pub mod sessions;
pub mod site;
pub mod startup;
pub mod state;
pub mod store;
pub mod tls;
pub mod units;
pub mod validate;
pub mod webhooks;

pub use api::router;

use std::future::Future;
use std::sync::Arc;

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight
/// requests finish. `listener` is a TCP listener or a [`tls::TlsListener`].
pub async fn serve<L>(
    listener: L,
    state: Arc<state::AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let limits = state.limits.clone();
    serving::serve(listener, router(state), limits, shutdown).await
}

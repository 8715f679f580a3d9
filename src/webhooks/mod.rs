//! Webhooks exactly as Wix sends them: RS256 JWTs built from the transactional
//! outbox, delivered at least once with retries, every attempt logged.

pub mod apps;
pub mod dispatcher;
mod envelope;
mod http;
pub mod retry;
pub mod settings;
mod signing_threads;

pub use apps::{AppConfig, AppSigner};
pub use dispatcher::{Dispatcher, SignOn};
pub use settings::DispatchSettings;

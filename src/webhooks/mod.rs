//! Webhooks exactly as Wix sends them: RS256 JWTs built from the transactional
//! outbox, delivered at least once with retries, every attempt logged.

pub mod dispatcher;
mod http;
pub mod retry;
pub mod signer;
pub mod signing;

pub use dispatcher::{DispatchSettings, Dispatcher, SignOn};
pub use signer::AppSigner;

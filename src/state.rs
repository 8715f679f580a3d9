//! Everything a request needs, built once at start-up (see [`crate::startup`]).

use std::collections::HashMap;
use std::sync::Arc;

use crate::auth::Tenancy;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::limits::Limits;
use crate::model::pricing::Pricing;
use crate::query::cursor::CursorKey;
use crate::sessions::Sessions;
use crate::store::Store;
use crate::webhooks::{AppSigner, DispatchSettings};

pub struct AppState {
    pub store: Store,
    /// Apps by id: their signing keys and webhook URLs.
    pub apps: HashMap<String, Arc<AppSigner>>,
    /// The app an API-key call acts as: the first declared app, or the
    /// default one. A checkout such a call makes is `createdBy.appId` it.
    pub api_app_id: String,
    pub dispatch: DispatchSettings,
    pub tenancy: Tenancy,
    pub pricing: Pricing,
    pub cursor_key: CursorKey,
    /// What a client may send, and how slowly.
    pub limits: Limits,
    /// The one clock every time stamp is read from.
    pub clock: Clock,
    /// The base URL the emulator is reached at (share links are built on it).
    pub public_url: String,
    /// Who is signed in to the console.
    pub sessions: Sessions,
    /// Test control's fault rules, mirrored from the database.
    pub faults: Arc<Faults>,
    /// Each site's recent API requests.
    pub journal: Journal,
    /// Held while test control's state is changed or reloaded, so a reload
    /// never puts back what a change just removed, or drops what it added.
    pub control_lock: tokio::sync::Mutex<()>,
}

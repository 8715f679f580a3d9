//! Test control: what an emulator lets a test do that Wix never would. Each
//! operation acts on one site, and only under `/_emulator/`.

use crate::error::Result;
use crate::site::Site;
use crate::state::AppState;
use crate::store::Removed;

/// Removes the site's templates, checkouts, events and deliveries, so a test
/// run can start from nothing without a new database. Other sites keep theirs.
pub async fn reset(state: &AppState, site: &Site) -> Result<Removed> {
    state.store.reset_site(&site.id).await
}

//! Test control: what an emulator lets a test do that Wix never would — make
//! and delete sites, move a site's clock, inject faults, take and restore
//! snapshots, send test events, wait for deliveries. Each operation acts on
//! one site, only under `/_emulator/`, and is kept in the database so every
//! instance on it agrees (see [`sync`]).

pub mod clock;
pub mod faults;
pub mod sites;
pub mod snapshot;
pub mod sync;
pub mod test_events;
pub mod waiting;

use crate::error::Result;
use crate::site::Site;
use crate::state::AppState;
use crate::store::Removed;

/// Removes the site's templates, checkouts, events and deliveries, its fault
/// rules, and puts its clock back on the machine's time, so a test run can
/// start from nothing without a new database. Other sites keep theirs.
pub async fn reset(state: &AppState, site: &Site) -> Result<Removed> {
    let _changing = state.control_lock.lock().await;
    let removed = state.store.reset_site(&site.id).await?;
    state.faults.remove(&site.id, None);
    state.clock.set_offset(&site.id, 0);
    state.store.announce_control_change().await?;
    Ok(removed)
}

//! Waiting instead of sleeping: `GET /_emulator/webhook-deliveries?waitFor=N`
//! holds the request until N deliveries match, woken whenever deliveries
//! change in this instance (new events, attempts recorded, replays) rather
//! than by polling. Another instance's dispatcher does not wake it, so the
//! log is also read again each second.

use std::time::Duration;

use tokio::time::Instant;

use crate::error::Result;
use crate::state::AppState;
use crate::store::{DeliveryRecord, LogFilter};

/// How often the log is read again when nothing here woke the wait.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The longest a request may wait.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// The deliveries matching `filter` once at least `wanted` do, or what
/// matches when `timeout` has passed.
pub async fn deliveries(
    state: &AppState,
    filter: &LogFilter,
    wanted: usize,
    timeout: Duration,
) -> Result<Vec<DeliveryRecord>> {
    let deadline = Instant::now() + timeout.min(MAX_WAIT);
    let changed = state.store.deliveries_changed_handle();
    loop {
        // Listening before reading, so a change in between is not missed.
        let notified = changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let found = state.store.list_deliveries(filter).await?;
        if found.len() >= wanted || Instant::now() >= deadline {
            return Ok(found);
        }
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(deadline) => {}
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}

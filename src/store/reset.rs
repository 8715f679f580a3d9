//! Emptying one site: what `POST /_emulator/reset` does, and the first half
//! of deleting a site or restoring a snapshot.

use sqlx::{AnyConnection, Connection as _};

use super::Store;
use crate::error::Result;

/// Rows removed by a reset.
pub struct Removed {
    pub templates: u64,
    pub checkouts: u64,
    pub events: u64,
    pub fault_rules: u64,
}

impl Store {
    /// Deletes everything one site has (its fault rules and clock too), in
    /// one transaction.
    pub async fn reset_site(&self, site_id: &str) -> Result<Removed> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let removed = empty_site(&mut tx, site_id, true).await?;
        tx.commit().await?;
        self.deliveries_changed();
        Ok(removed)
    }
}

/// Deletes the site's templates, checkouts, and events with their
/// deliveries and attempts, in the caller's transaction; `with_control`,
/// its fault rules and clock too.
pub(super) async fn empty_site(
    conn: &mut AnyConnection,
    site_id: &str,
    with_control: bool,
) -> sqlx::Result<Removed> {
    let of_site = "SELECT seq FROM outbox_events WHERE site_id = $1";
    sqlx::query(&format!(
        "DELETE FROM webhook_attempts WHERE delivery_id IN \
         (SELECT id FROM webhook_deliveries WHERE event_seq IN ({of_site}))"
    ))
    .bind(site_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "DELETE FROM webhook_deliveries WHERE event_seq IN ({of_site})"
    ))
    .bind(site_id)
    .execute(&mut *conn)
    .await?;
    let mut counts = [0u64; 5];
    let tables = [
        "outbox_events",
        "checkouts",
        "checkout_templates",
        "fault_rules",
        "site_clocks",
    ];
    let tables = if with_control {
        &tables[..]
    } else {
        &tables[..3]
    };
    for (i, table) in tables.iter().enumerate() {
        counts[i] = sqlx::query(&format!("DELETE FROM {table} WHERE site_id = $1"))
            .bind(site_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(Removed {
        events: counts[0],
        checkouts: counts[1],
        templates: counts[2],
        fault_rules: counts[3],
    })
}

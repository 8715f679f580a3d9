//! Emptying one site: what `POST /_emulator/reset` does.

use sqlx::Connection as _;

use super::Store;
use crate::error::Result;

/// Rows removed by a reset.
pub struct Removed {
    pub templates: u64,
    pub checkouts: u64,
    pub events: u64,
}

impl Store {
    /// Deletes everything one site has, in one transaction.
    pub async fn reset_site(&self, site_id: &str) -> Result<Removed> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let of_site = "SELECT seq FROM outbox_events WHERE site_id = $1";
        sqlx::query(&format!(
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE event_seq IN ({of_site}))"
        ))
        .bind(site_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM webhook_deliveries WHERE event_seq IN ({of_site})"
        ))
        .bind(site_id)
        .execute(&mut *tx)
        .await?;
        let mut counts = [0u64; 3];
        for (i, table) in ["outbox_events", "checkouts", "checkout_templates"]
            .iter()
            .enumerate()
        {
            counts[i] = sqlx::query(&format!("DELETE FROM {table} WHERE site_id = $1"))
                .bind(site_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(Removed {
            events: counts[0],
            checkouts: counts[1],
            templates: counts[2],
        })
    }
}

use sqlx::Connection as _;
use tracing::instrument;

use super::clicks::{CachedTemplate, ClickWrite};
use super::{now_micros, Store};
use crate::error::Result;

pub enum CheckoutOutcome {
    Created,
    Inactive,
    NotFound,
}

impl Store {
    /// Creates a checkout from a template: the checkout row and the template's
    /// `used` event commit together. `build` turns the template into the
    /// checkout's JSON, whose id is `checkout_id`.
    ///
    /// The template comes from memory when it can; the write only lands if the
    /// template still has that version, else it is read afresh and built again.
    #[instrument(skip_all)]
    pub async fn create_checkout(
        &self,
        site_id: &str,
        template_id: &str,
        checkout_id: &str,
        build: impl Fn(&CachedTemplate) -> Result<String>,
    ) -> Result<CheckoutOutcome> {
        let mut fresh = false;
        loop {
            let Some(template) = self.template_for_click(site_id, template_id, fresh).await? else {
                return Ok(CheckoutOutcome::NotFound);
            };
            if !template.active {
                if fresh {
                    return Ok(CheckoutOutcome::Inactive);
                }
                // Only the database may say a template is inactive.
                fresh = true;
                continue;
            }
            let checkout_json = build(&template)?;
            // Spliced rather than re-serialised: both halves are already JSON.
            let used = format!(
                r#"{{"checkoutTemplate":{},"checkout":{checkout_json}}}"#,
                template.json
            );
            let written = self
                .write_click(ClickWrite {
                    site_id: site_id.to_string(),
                    template_id: template_id.to_string(),
                    version: template.version,
                    checkout_id: checkout_id.to_string(),
                    checkout_json,
                    event_id: crate::model::new_id(),
                    used_json: used,
                    time: now_micros(),
                })
                .await?;
            if written {
                return Ok(CheckoutOutcome::Created);
            }
            // Changed, deactivated or deleted since it was read: read it again.
            self.templates.forget(site_id, template_id);
            fresh = true;
        }
    }

    #[instrument(skip_all)]
    pub async fn get_checkout(&self, site_id: &str, id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT body FROM checkouts WHERE site_id = $1 AND id = $2")
                .bind(site_id)
                .bind(id)
                .fetch_optional(&mut *self.read.acquire().await?)
                .await?,
        )
    }

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

    /// Counts of rows per table, for the emulator's own endpoints and tests.
    pub async fn count(&self, table: Table) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", table.name());
        Ok(sqlx::query_scalar(&sql)
            .fetch_one(&mut *self.read.acquire().await?)
            .await?)
    }
}

/// Rows removed by a reset.
pub struct Removed {
    pub templates: u64,
    pub checkouts: u64,
    pub events: u64,
}

#[derive(Debug, Clone, Copy)]
pub enum Table {
    Templates,
    Checkouts,
    Events,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Templates => "checkout_templates",
            Table::Checkouts => "checkouts",
            Table::Events => "outbox_events",
        }
    }
}

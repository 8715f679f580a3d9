use tracing::instrument;

use super::outbox::NewEvent;
use super::{now_micros, Store};
use crate::error::Result;
use crate::model::template::{status_of, Doc};

pub enum CheckoutOutcome {
    /// `checkout` is the stored checkout JSON.
    Created {
        checkout: Doc,
    },
    Inactive,
    NotFound,
}

impl Store {
    /// Creates a checkout from a template: the checkout row and the template's
    /// `used` event commit together. `build` turns the template into the checkout.
    #[instrument(skip_all)]
    pub async fn create_checkout(
        &self,
        site_id: &str,
        template_id: &str,
        build: impl FnOnce(&Doc) -> Result<Doc>,
    ) -> Result<CheckoutOutcome> {
        let Some(template_json) = self.get_template(site_id, template_id).await? else {
            return Ok(CheckoutOutcome::NotFound);
        };
        let template: Doc = serde_json::from_str(&template_json).map_err(anyhow::Error::from)?;
        if status_of(&template) != "ACTIVE" {
            return Ok(CheckoutOutcome::Inactive);
        }
        let checkout = build(&template)?;
        let checkout_json = serde_json::to_string(&checkout).map_err(anyhow::Error::from)?;
        let checkout_id = checkout["id"].as_str().expect("checkouts have an id");
        // Spliced rather than re-serialised: both halves are already JSON.
        let used = format!(r#"{{"checkoutTemplate":{template_json},"checkout":{checkout_json}}}"#);
        let now = now_micros();

        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO checkouts (site_id, id, template_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(site_id)
        .bind(checkout_id)
        .bind(template_id)
        .bind(&checkout_json)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit_with_event(
            tx,
            NewEvent {
                site_id,
                entity_id: template_id,
                slug: "used",
                body: &used,
                time: now,
            },
        )
        .await?;
        Ok(CheckoutOutcome::Created { checkout })
    }

    #[instrument(skip_all)]
    pub async fn get_checkout(&self, site_id: &str, id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT body FROM checkouts WHERE site_id = $1 AND id = $2")
                .bind(site_id)
                .bind(id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// Deletes everything one site has, in one transaction.
    pub async fn reset_site(&self, site_id: &str) -> Result<Removed> {
        let mut tx = self.write.begin().await?;
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
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.read).await?)
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

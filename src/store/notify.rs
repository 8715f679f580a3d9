//! Telling the other instances on a PostgreSQL database that test control
//! changed (a site made or deleted, a clock moved, a fault rule set), so they
//! reload it at once rather than at their next periodic look. SQLite has no
//! such channel: instances on one file look periodically.

use super::{Dialect, Store};
use crate::error::Result;

/// The PostgreSQL channel test-control changes are announced on.
pub const CONTROL_CHANNEL: &str = "checkout_templates_control";

impl Store {
    /// Announces a change of test control to every instance listening.
    pub async fn announce_control_change(&self) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_notify($1, '')")
                .bind(CONTROL_CHANNEL)
                .execute(&mut *self.write.acquire().await?)
                .await?;
        }
        Ok(())
    }

    /// A listener on [`CONTROL_CHANNEL`], on PostgreSQL.
    pub async fn control_listener(&self) -> Option<sqlx::Result<sqlx::postgres::PgListener>> {
        let url = self.url.as_deref()?;
        Some(
            async {
                let mut listener = sqlx::postgres::PgListener::connect(url).await?;
                listener.listen(CONTROL_CHANNEL).await?;
                Ok(listener)
            }
            .await,
        )
    }
}

//! Telling the other instances on a database that test control changed (a
//! site made or deleted, a clock moved, a fault rule set), so they reload it.
//! PostgreSQL announces it on a channel; SQLite, which has none, counts
//! changes in a setting that other processes on the file look at.

use super::{Dialect, Store};
use crate::error::Result;

/// The PostgreSQL channel test-control changes are announced on.
pub const CONTROL_CHANNEL: &str = "checkout_templates_control";

impl Store {
    /// Announces a change of test control to every instance.
    pub async fn announce_control_change(&self) -> Result<()> {
        let sql = match self.dialect {
            Dialect::Postgres => "SELECT pg_notify($1, '')",
            Dialect::Sqlite => {
                "INSERT INTO settings (name, value) VALUES ($1, '1') \
                 ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)"
            }
        };
        sqlx::query(sql)
            .bind(CONTROL_CHANNEL)
            .execute(&mut *self.write.acquire().await?)
            .await?;
        Ok(())
    }

    /// How many changes of test control were announced on SQLite.
    pub async fn control_changes(&self) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(CONTROL_CHANNEL)
                .fetch_optional(&mut *self.read.acquire().await?)
                .await?,
        )
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

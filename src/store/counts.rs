//! Rows per table, for tests and benchmarks that check what was written.

use super::Store;
use crate::error::Result;

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

impl Store {
    /// How many rows `table` has, across all sites.
    pub async fn count(&self, table: Table) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", table.name());
        Ok(sqlx::query_scalar(&sql)
            .fetch_one(&mut *self.read.acquire().await?)
            .await?)
    }
}

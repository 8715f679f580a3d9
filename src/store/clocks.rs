//! Each site's clock offset (see [`crate::clock`]), kept so every instance
//! on the database agrees on a site's time.

use std::collections::HashMap;

use super::Store;
use crate::error::Result;

impl Store {
    /// Every site's offset from the machine's time, in microseconds.
    pub async fn site_offsets(&self) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT site_id, offset_micros FROM site_clocks")
                .fetch_all(&mut *self.read.acquire().await?)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// One site's offset (0 when it follows the machine).
    pub async fn site_offset(&self, site_id: &str) -> Result<i64> {
        let offset: Option<i64> =
            sqlx::query_scalar("SELECT offset_micros FROM site_clocks WHERE site_id = $1")
                .bind(site_id)
                .fetch_optional(&mut *self.write.acquire().await?)
                .await?;
        Ok(offset.unwrap_or(0))
    }

    /// Moves a site's offset by `by`, atomically; returns the new offset.
    pub async fn advance_site_offset(&self, site_id: &str, by: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO site_clocks (site_id, offset_micros) VALUES ($1, $2) \
             ON CONFLICT (site_id) DO UPDATE SET offset_micros = site_clocks.offset_micros + excluded.offset_micros \
             RETURNING offset_micros",
        )
        .bind(site_id)
        .bind(by)
        .fetch_one(&mut *self.write.acquire().await?)
        .await?)
    }

    /// Sets a site's offset.
    pub async fn set_site_offset(&self, site_id: &str, offset: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO site_clocks (site_id, offset_micros) VALUES ($1, $2) \
             ON CONFLICT (site_id) DO UPDATE SET offset_micros = excluded.offset_micros",
        )
        .bind(site_id)
        .bind(offset)
        .execute(&mut *self.write.acquire().await?)
        .await?;
        Ok(())
    }

    /// The newest time stamp among the site's templates and checkouts: its
    /// clock may not be set back before it.
    pub async fn newest_time(&self, site_id: &str) -> Result<Option<i64>> {
        let mut conn = self.read.acquire().await?;
        let templates: Option<i64> =
            sqlx::query_scalar("SELECT MAX(updated_at) FROM checkout_templates WHERE site_id = $1")
                .bind(site_id)
                .fetch_one(&mut *conn)
                .await?;
        let checkouts: Option<i64> =
            sqlx::query_scalar("SELECT MAX(created_at) FROM checkouts WHERE site_id = $1")
                .bind(site_id)
                .fetch_one(&mut *conn)
                .await?;
        Ok(templates.max(checkouts))
    }
}

//! Sites made on demand (`POST /_emulator/sites`) and their API keys, kept so
//! every instance on the database serves them.

use sqlx::{Connection as _, Row as _};

use super::reset::empty_site;
use super::Store;
use crate::error::Result;

/// A site made on demand, as stored.
#[derive(Debug, Clone)]
pub struct SiteRow {
    pub id: String,
    pub url: String,
    pub currency: String,
}

/// One of its keys; `role` is `admin` or `visitor`.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub key: String,
    pub site_id: String,
    pub role: String,
}

impl Store {
    /// Stores a new site and its keys together.
    pub async fn insert_site(&self, site: &SiteRow, keys: &[KeyRow], now: i64) -> Result<()> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query(
            "INSERT INTO emulator_sites (id, url, currency, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&site.id)
        .bind(&site.url)
        .bind(&site.currency)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for key in keys {
            sqlx::query("INSERT INTO emulator_keys (key, site_id, role) VALUES ($1, $2, $3)")
                .bind(&key.key)
                .bind(&key.site_id)
                .bind(&key.role)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every site made on demand, and every key of theirs.
    pub async fn made_sites(&self) -> Result<(Vec<SiteRow>, Vec<KeyRow>)> {
        let mut conn = self.read.acquire().await?;
        let sites = sqlx::query("SELECT id, url, currency FROM emulator_sites")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(site_row)
            .collect::<sqlx::Result<Vec<_>>>()?;
        let keys = sqlx::query("SELECT key, site_id, role FROM emulator_keys")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(key_row)
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok((sites, keys))
    }

    /// The site made on demand that `key` belongs to, with all its keys.
    pub async fn site_of_key(&self, key: &str) -> Result<Option<(SiteRow, Vec<KeyRow>)>> {
        let site_id: Option<String> =
            sqlx::query_scalar("SELECT site_id FROM emulator_keys WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *self.read.acquire().await?)
                .await?;
        match site_id {
            Some(id) => self.made_site(&id).await,
            None => Ok(None),
        }
    }

    /// A site made on demand, with all its keys.
    pub async fn made_site(&self, id: &str) -> Result<Option<(SiteRow, Vec<KeyRow>)>> {
        let mut conn = self.read.acquire().await?;
        let site = sqlx::query("SELECT id, url, currency FROM emulator_sites WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(site) = site else { return Ok(None) };
        let keys = sqlx::query("SELECT key, site_id, role FROM emulator_keys WHERE site_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(key_row)
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(Some((site_row(&site)?, keys)))
    }

    /// Deletes a site made on demand with everything it has, in one
    /// transaction; `false` if there is no such site.
    pub async fn delete_site(&self, id: &str) -> Result<bool> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        empty_site(&mut tx, id, true).await?;
        sqlx::query("DELETE FROM emulator_keys WHERE site_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM emulator_sites WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        self.deliveries_changed();
        Ok(deleted == 1)
    }
}

fn site_row(r: &sqlx::any::AnyRow) -> sqlx::Result<SiteRow> {
    Ok(SiteRow {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        currency: r.try_get(2)?,
    })
}

fn key_row(r: &sqlx::any::AnyRow) -> sqlx::Result<KeyRow> {
    Ok(KeyRow {
        key: r.try_get(0)?,
        site_id: r.try_get(1)?,
        role: r.try_get(2)?,
    })
}

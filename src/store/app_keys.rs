//! Each app's webhook signing key pair, kept so every instance on the
//! database signs with the same key and restarts keep it.

use sqlx::Row as _;

use super::Store;
use crate::error::Result;

impl Store {
    /// The app's stored key pair as (private PEM, public PEM).
    pub async fn app_key(&self, app_id: &str) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT private_pem, public_pem FROM app_keys WHERE app_id = $1")
            .bind(app_id)
            .fetch_optional(&mut *self.write.acquire().await?)
            .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    /// Stores a key pair unless the app has one; the first instance to store wins,
    /// so every instance signs with the same key.
    pub async fn insert_app_key(
        &self,
        app_id: &str,
        private_pem: &str,
        public_pem: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO app_keys (app_id, private_pem, public_pem) VALUES ($1, $2, $3) ON CONFLICT (app_id) DO NOTHING")
            .bind(app_id)
            .bind(private_pem)
            .bind(public_pem)
            .execute(&mut *self.write.acquire().await?)
            .await?;
        Ok(())
    }
}

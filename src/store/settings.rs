//! Values the emulator makes up once and keeps: the default site and key, the
//! cursor secret. Shared by every instance on the same database.

use super::Store;

impl Store {
    /// Returns the stored value, storing `make()` first if there is none. Safe
    /// when several instances start at once: the first insert wins.
    pub async fn setting_or_insert(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> sqlx::Result<String> {
        let mut conn = self.write.acquire().await?;
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(make())
        .execute(&mut *conn)
        .await?;
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *conn)
            .await
    }
}

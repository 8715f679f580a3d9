//! The migrations embedded by `build.rs`, read as sqlx reads a migrations
//! folder: `<version>_<description>.sql`, checksummed by sqlx, so databases
//! migrated before keep matching.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::Dialect;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// The migrator of `dialect`'s folder.
pub(super) async fn migrator(dialect: Dialect) -> Result<Migrator, sqlx::migrate::MigrateError> {
    let files = match dialect {
        Dialect::Sqlite => embedded::SQLITE,
        Dialect::Postgres => embedded::POSTGRES,
    };
    Migrator::new(Embedded(files)).await
}

#[derive(Debug)]
struct Embedded(&'static [(&'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            self.0
                .iter()
                .map(|(file, sql)| migration(file, sql))
                .collect()
        })
    }
}

fn migration(file: &str, sql: &'static str) -> Result<Migration, BoxDynError> {
    let (version, rest) = file
        .split_once('_')
        .ok_or_else(|| format!("migration {file:?} is not named <version>_<description>.sql"))?;
    let version: i64 = version
        .parse()
        .map_err(|_| format!("migration {file:?} does not start with a version number"))?;
    let kind = MigrationType::from_filename(rest);
    let description = rest.trim_end_matches(kind.suffix()).replace('_', " ");
    let no_tx = sql.starts_with("-- no-transaction");
    Ok(Migration::new(
        version,
        Cow::Owned(description),
        kind,
        Cow::Borrowed(sql),
        no_tx,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection as _, Executor as _};

    /// A SQLite database written before event ids lost their unique index
    /// keeps every event, delivery and attempt, their numbering and links.
    #[tokio::test]
    async fn sqlite_events_lose_their_unique_index_and_nothing_else() {
        let path =
            std::env::temp_dir().join(format!("ct-mig-{}.db", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
        let before: Vec<_> = embedded::SQLITE
            .iter()
            .take_while(|(f, _)| f < &"0008")
            .copied()
            .collect();
        let leaked: &'static [(&'static str, &'static str)] = Box::leak(before.into_boxed_slice());
        Migrator::new(Embedded(leaked))
            .await
            .unwrap()
            .run(&mut conn)
            .await
            .unwrap();
        conn.execute(
            "INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time) VALUES \
               ('e1', 's', 't', 'created', '{}', 1), ('e2', 's', 't', 'updated', '{}', 2), ('e3', 's', 't', 'deleted', '{}', 3); \
             DELETE FROM outbox_events WHERE seq = 3; \
             INSERT INTO webhook_deliveries (event_seq, app_id, next_attempt_at, created_at) VALUES (1, 'a', 1, 1), (2, 'a', 2, 2); \
             INSERT INTO webhook_attempts (delivery_id, attempt, status_code, latency_ms, attempted_at, fault) VALUES (2, 1, 500, 3, 4, '{\"id\":\"r\"}');",
        )
        .await
        .unwrap();
        let migrator = Migrator::new(Embedded(embedded::SQLITE)).await.unwrap();
        migrator.run(&mut conn).await.unwrap();
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, id FROM outbox_events ORDER BY seq")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(rows, [(1, "e1".to_string()), (2, "e2".to_string())]);
        let joined: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT d.id, e.id, a.fault FROM webhook_deliveries d JOIN outbox_events e ON e.seq = d.event_seq \
             LEFT JOIN webhook_attempts a ON a.delivery_id = d.id ORDER BY d.id",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            joined[1],
            (2, "e2".to_string(), Some("{\"id\":\"r\"}".to_string()))
        );
        // Numbering goes on from the highest ever made, and event ids may repeat.
        sqlx::query("INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time) VALUES ('e1', 's', 't', 'used', '{}', 5)")
            .execute(&mut conn)
            .await
            .unwrap();
        let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM outbox_events")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(last, 4);
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        sqlx::query("INSERT INTO webhook_deliveries (event_seq, app_id, next_attempt_at, created_at) VALUES (99, 'a', 1, 1)")
            .execute(&mut conn)
            .await
            .expect_err("deliveries still refer to events");
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[tokio::test]
    async fn every_file_is_a_migration_in_order() {
        for (dialect, files) in [
            (Dialect::Sqlite, embedded::SQLITE),
            (Dialect::Postgres, embedded::POSTGRES),
        ] {
            let migrator = migrator(dialect).await.unwrap();
            let versions: Vec<i64> = migrator.iter().map(|m| m.version).collect();
            assert_eq!(versions.len(), files.len());
            assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
            assert_eq!(migrator.iter().next().unwrap().description, "init");
        }
    }
}

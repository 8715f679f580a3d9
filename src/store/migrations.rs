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

    /// A new SQLite file migrated up to (not including) `version`.
    async fn sqlite_before(version: &str) -> (sqlx::SqliteConnection, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("ct-mig-{}.db", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
        let before: Vec<_> = embedded::SQLITE
            .iter()
            .take_while(|(f, _)| *f < version)
            .copied()
            .collect();
        let leaked: &'static [(&'static str, &'static str)] = Box::leak(before.into_boxed_slice());
        Migrator::new(Embedded(leaked))
            .await
            .unwrap()
            .run(&mut conn)
            .await
            .unwrap();
        (conn, path)
    }

    fn remove(path: &std::path::Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    /// A SQLite database written before event ids lost their unique index
    /// keeps every event, delivery and attempt, their numbering and links.
    #[tokio::test]
    async fn sqlite_events_lose_their_unique_index_and_nothing_else() {
        let (mut conn, path) = sqlite_before("0008").await;
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
        remove(&path);
    }

    /// Templates kept clustered by id move to the order they were made,
    /// every column intact, still one per id; the console's checkout lists
    /// read an index in their order instead of sorting.
    #[tokio::test]
    async fn sqlite_templates_move_to_the_order_they_were_made() {
        const EVERY_TEMPLATE: &str =
            "SELECT site_id, id, status, body, created_at, updated_at, version \
             FROM checkout_templates ORDER BY site_id, id";
        let (mut conn, path) = sqlite_before("0009").await;
        conn.execute(
            "INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at, version) VALUES \
               ('s', 'c', 'ACTIVE', '{\"n\":1}', 10, 11, 1), ('s', 'a', 'INACTIVE', '{\"n\":2}', 20, 25, 3), \
               ('s', 'b', 'ACTIVE', '{\"n\":3}', 30, 30, 1), ('t', 'a', 'ACTIVE', '{\"n\":4}', 5, 5, 2); \
             INSERT INTO checkouts (site_id, id, template_id, body, created_at) VALUES \
               ('s', 'k2', 'c', '{}', 200), ('s', 'k1', 'c', '{}', 100);",
        )
        .await
        .unwrap();
        let before: Vec<(String, String, String, String, i64, i64, i64)> =
            sqlx::query_as(EVERY_TEMPLATE)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        Migrator::new(Embedded(embedded::SQLITE))
            .await
            .unwrap()
            .run(&mut conn)
            .await
            .unwrap();
        let after: Vec<(String, String, String, String, i64, i64, i64)> =
            sqlx::query_as(EVERY_TEMPLATE)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(after, before);
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT site_id || '/' || id FROM checkout_templates ORDER BY rowid",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(stored, ["t/a", "s/c", "s/a", "s/b"]);
        sqlx::query("INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at) VALUES ('s', 'a', 'ACTIVE', '{}', 1, 1)")
            .execute(&mut conn)
            .await
            .expect_err("one template per id and site");
        for sql in [
            "SELECT id FROM checkouts WHERE site_id = 's' AND template_id = 'c' ORDER BY created_at DESC, id DESC LIMIT 51",
            "SELECT id FROM checkouts WHERE site_id = 's' ORDER BY created_at DESC, id DESC LIMIT 51",
            "SELECT id FROM checkout_templates WHERE site_id = 's' ORDER BY id LIMIT 51",
            "SELECT id FROM checkout_templates WHERE site_id = 's' AND status = 'ACTIVE' ORDER BY id LIMIT 51",
        ] {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let plan: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
            assert!(
                plan.iter().any(|step| step.contains("USING INDEX") || step.contains("USING COVERING INDEX"))
                    && !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                "{sql}: {plan:?}"
            );
        }
        drop(conn);
        remove(&path);
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

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
    use crate::query::Plan;
    use crate::store::browse::facts_sql;
    use crate::store::clicks::{active_versions_sql, CLICK_TEMPLATE};
    use crate::store::templates::{TemplateRow, DELETE, GET_BODY, STATUSES, UPDATE};
    use sqlx::{Connection as _, Executor as _};

    /// A new SQLite file migrated up to (not including) `version`.
    async fn sqlite_before(version: &str) -> (sqlx::SqliteConnection, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("ct-mig-{}.db", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
        migrate_before(&mut conn, version).await;
        (conn, path)
    }

    /// Runs the SQLite migrations before `version` ("~" for every one).
    async fn migrate_before(conn: &mut sqlx::SqliteConnection, version: &str) {
        let before: Vec<_> = embedded::SQLITE
            .iter()
            .take_while(|(f, _)| *f < version)
            .copied()
            .collect();
        let leaked: &'static [(&'static str, &'static str)] = Box::leak(before.into_boxed_slice());
        Migrator::new(Embedded(leaked))
            .await
            .unwrap()
            .run(conn)
            .await
            .unwrap();
    }

    /// The steps of `sql`'s query plan.
    async fn plan_of(conn: &mut sqlx::SqliteConnection, sql: &str) -> Vec<String> {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(conn)
                .await
                .unwrap();
        plan.into_iter().map(|r| r.3).collect()
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
        migrate_before(&mut conn, "0010").await;
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
            let plan = plan_of(&mut conn, sql).await;
            assert!(
                plan.iter().any(|step| step.contains("USING INDEX") || step.contains("USING COVERING INDEX"))
                    && !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                "{sql}: {plan:?}"
            );
        }
        drop(conn);
        remove(&path);
    }

    /// Templates lose their index on (site_id, id), each keeping every column
    /// and its place; a status other than the two is refused; and every
    /// statement that finds templates by id, or reads a query page in any
    /// sort, searches the one index left without sorting.
    #[tokio::test]
    async fn sqlite_templates_are_found_through_their_status_index_alone() {
        const EVERY_TEMPLATE: &str =
            "SELECT rowid, site_id, id, status, body, created_at, updated_at, version \
             FROM checkout_templates ORDER BY rowid";
        let (mut conn, path) = sqlite_before("0010").await;
        conn.execute(
            "INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at, version) VALUES \
               ('s', 'c', 'ACTIVE', '{\"n\":1}', 10, 11, 1), ('s', 'a', 'INACTIVE', '{\"n\":2}', 20, 25, 3), \
               ('t', 'a', 'ACTIVE', '{\"n\":4}', 5, 5, 2); \
             DELETE FROM checkout_templates WHERE id = 'c'; \
             INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at) VALUES \
               ('s', 'b', 'ACTIVE', '{\"n\":3}', 30, 30);",
        )
        .await
        .unwrap();
        type Stored = (i64, String, String, String, String, i64, i64, i64);
        let before: Vec<Stored> = sqlx::query_as(EVERY_TEMPLATE)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        migrate_before(&mut conn, "~").await;
        let after: Vec<Stored> = sqlx::query_as(EVERY_TEMPLATE)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        // Rows are copied in order, so a deleted row's gap closes.
        let ids = |rows: &[Stored]| -> Vec<String> {
            rows.iter().map(|r| format!("{}/{}", r.1, r.2)).collect()
        };
        assert_eq!(ids(&after), ids(&before));
        let columns = |rows: &[Stored]| -> Vec<Stored> {
            rows.iter()
                .map(|r| {
                    (
                        0,
                        r.1.clone(),
                        r.2.clone(),
                        r.3.clone(),
                        r.4.clone(),
                        r.5,
                        r.6,
                        r.7,
                    )
                })
                .collect()
        };
        assert_eq!(columns(&after), columns(&before));
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'checkout_templates'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(indexes, ["checkout_templates_by_status"]);
        sqlx::query("INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at) VALUES ('s', 'd', 'UNKNOWN_STATUS', '{}', 1, 1)")
            .execute(&mut conn)
            .await
            .expect_err("a template is ACTIVE or INACTIVE");

        let key = crate::query::cursor::CursorKey::new(b"k");
        // The second page of `query`, through the cursor its first page gives.
        let page = |query: &str| {
            let query: serde_json::Value = serde_json::from_str(query).unwrap();
            let first = Plan::from_request(Some(&query), "s", &key).unwrap();
            let rows = (0..=50)
                .map(|i| TemplateRow {
                    id: format!("{i:03}"),
                    status: "ACTIVE".into(),
                    body: "{}".into(),
                })
                .collect();
            let (_, paging) = first.page(rows, "s", &key);
            let cursor = &paging["cursors"]["next"];
            assert!(cursor.is_string(), "{paging}");
            let next: serde_json::Value =
                serde_json::from_str(&format!(r#"{{"cursorPaging": {{"cursor": {cursor}}}}}"#))
                    .unwrap();
            Plan::from_request(Some(&next), "s", &key)
                .unwrap()
                .to_sql(Some(STATUSES))
                .text
        };
        for sql in [
            GET_BODY.to_string(),
            UPDATE.to_string(),
            DELETE.to_string(),
            CLICK_TEMPLATE.to_string(),
            active_versions_sql(3),
            facts_sql(3),
            page("{}"),
            page(r#"{"sort": [{"fieldName": "status", "order": "DESC"}]}"#),
            page(
                r#"{"sort": [{"fieldName": "id", "order": "DESC"}], "filter": {"id": {"$lt": "x"}}}"#,
            ),
            page(r#"{"filter": {"status": {"$ne": "ACTIVE"}}}"#),
        ] {
            let plan = plan_of(&mut conn, &sql).await;
            let reads: Vec<&String> = plan
                .iter()
                .filter(|step| step.contains("checkout_templates"))
                .collect();
            assert!(
                !reads.is_empty()
                    && reads.iter().all(|step| step.starts_with("SEARCH")
                        && step.contains(
                            "INDEX checkout_templates_by_status (site_id=? AND status=?"
                        ))
                    && !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                "{sql}: {plan:?}"
            );
            // A later page starts at the cursor, in whichever sort.
            assert!(
                !sql.contains("UNION ALL")
                    || reads
                        .iter()
                        .any(|step| step.contains("AND id>?") || step.contains("AND id<?")),
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

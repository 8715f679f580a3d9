//! A site's state as a snapshot holds it, read in one consistent view and
//! put back in one transaction (no events: restored entities raise no webhooks).

use sqlx::{Connection as _, Row as _};

use super::outbox::{text_rows, ROWS_PER_STATEMENT};
use super::reset::empty_site;
use super::{Dialect, Store};
use crate::error::Result;

/// A template as a snapshot holds it; times are the site's, in microseconds.
#[derive(Debug, Clone)]
pub struct StoredTemplate {
    pub id: String,
    pub status: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A checkout as a snapshot holds it.
#[derive(Debug, Clone)]
pub struct StoredCheckout {
    pub id: String,
    pub template_id: String,
    pub body: String,
    pub created_at: i64,
}

/// Everything a snapshot holds of a site.
#[derive(Debug, Clone, Default)]
pub struct SiteState {
    pub templates: Vec<StoredTemplate>,
    pub checkouts: Vec<StoredCheckout>,
    /// The highest event sequence number the site's events reached: after a
    /// restore, new events number on from above it, so each template's
    /// `entityEventSequence` keeps increasing.
    pub last_event_seq: i64,
}

impl Store {
    /// Whether the site has a template or a checkout.
    pub async fn site_has_data(&self, site_id: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 WHERE EXISTS (SELECT 1 FROM checkout_templates WHERE site_id = $1) \
             OR EXISTS (SELECT 1 FROM checkouts WHERE site_id = $1)",
        )
        .bind(site_id)
        .fetch_optional(&mut *self.read.acquire().await?)
        .await?;
        Ok(found.is_some())
    }

    /// The site's templates and checkouts in id order, from one snapshot.
    pub async fn site_state(&self, site_id: &str) -> Result<SiteState> {
        let mut conn = self.read.acquire().await?;
        let mut tx = conn.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let templates = sqlx::query(
            "SELECT id, status, body, created_at, updated_at FROM checkout_templates WHERE site_id = $1 ORDER BY id",
        )
        .bind(site_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok(StoredTemplate {
                id: r.try_get(0)?,
                status: r.try_get(1)?,
                body: r.try_get(2)?,
                created_at: r.try_get(3)?,
                updated_at: r.try_get(4)?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
        let checkouts = sqlx::query(
            "SELECT id, template_id, body, created_at FROM checkouts WHERE site_id = $1 ORDER BY id",
        )
        .bind(site_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok(StoredCheckout {
                id: r.try_get(0)?,
                template_id: r.try_get(1)?,
                body: r.try_get(2)?,
                created_at: r.try_get(3)?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
        let last_event_seq: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM outbox_events WHERE site_id = $1")
                .bind(site_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(SiteState {
            templates,
            checkouts,
            last_event_seq: last_event_seq.unwrap_or(0),
        })
    }

    /// Replaces the site's templates and checkouts with `state`, in one
    /// transaction: its events and deliveries go, no event is written, and
    /// its fault rules and clock stay. Restored templates get a version no copy held in memory can
    /// have, so no stale copy makes a checkout.
    pub async fn replace_site_state(
        &self,
        site_id: &str,
        state: &SiteState,
        version: i64,
    ) -> Result<()> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        empty_site(&mut tx, site_id, false).await?;
        for chunk in state.templates.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at, version) VALUES {}",
                text_rows(self.dialect, chunk.len(), 7)
            );
            let mut insert = sqlx::query(&sql);
            for t in chunk {
                insert = insert
                    .bind(site_id)
                    .bind(t.id.as_str())
                    .bind(t.status.as_str())
                    .bind(t.body.as_str())
                    .bind(t.created_at)
                    .bind(t.updated_at)
                    .bind(version);
            }
            insert.execute(&mut *tx).await?;
        }
        for chunk in state.checkouts.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO checkouts (site_id, id, template_id, body, created_at) VALUES {}",
                text_rows(self.dialect, chunk.len(), 5)
            );
            let mut insert = sqlx::query(&sql);
            for c in chunk {
                insert = insert
                    .bind(site_id)
                    .bind(c.id.as_str())
                    .bind(c.template_id.as_str())
                    .bind(c.body.as_str())
                    .bind(c.created_at);
            }
            insert.execute(&mut *tx).await?;
        }
        raise_event_sequence(&mut tx, self.dialect, state.last_event_seq).await?;
        tx.commit().await?;
        self.deliveries_changed();
        Ok(())
    }
}

/// Makes the next event's sequence number higher than `at_least`.
async fn raise_event_sequence(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    at_least: i64,
) -> sqlx::Result<()> {
    if at_least < 1 {
        return Ok(());
    }
    match dialect {
        Dialect::Postgres => {
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('outbox_events', 'seq'), \
                 GREATEST($1, COALESCE(pg_sequence_last_value(pg_get_serial_sequence('outbox_events', 'seq')::regclass), 1)))",
            )
            .bind(at_least)
            .execute(&mut *conn)
            .await?;
        }
        Dialect::Sqlite => {
            // AUTOINCREMENT keeps its high mark in sqlite_sequence.
            sqlx::query(
                "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'outbox_events'",
            )
            .bind(at_least)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_events', ? \
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox_events')",
            )
            .bind(at_least)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

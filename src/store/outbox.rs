//! Writes domain events into the outbox inside the caller's transaction, so a
//! change and its event commit or roll back together — and with them one delivery
//! row per subscribing app, so no committed event can miss its webhooks.

use std::fmt::Write as _;

use sqlx::{Any, AnyConnection, Transaction};

use super::{Dialect, Store};
use crate::model::events::Slug;
use crate::model::ids::EventId;

/// One event to record; `body` is the JSON the event carries (the entity, or the
/// action's body).
pub struct NewEvent<'a> {
    pub site_id: &'a str,
    pub entity_id: &'a str,
    pub slug: Slug,
    pub body: &'a str,
    pub time: i64,
}

pub async fn enqueue(
    conn: &mut AnyConnection,
    dialect: Dialect,
    subscribers: &[String],
    event: NewEvent<'_>,
) -> sqlx::Result<()> {
    let id = EventId::new().to_string();
    enqueue_many(conn, dialect, subscribers, &[(&id, event)]).await
}

/// Rows per statement when a batch is written row by row in SQL: well under
/// SQLite's 32,766 bound variables, and big enough that a batch is a few
/// statements. On SQLite every statement is a round trip to its worker thread,
/// which costs more than inserting the rows.
pub(super) const ROWS_PER_STATEMENT: usize = 200;

/// As [`enqueue`] for many events, each with the id chosen by the caller: one
/// statement for the events and one for their deliveries (per
/// [`ROWS_PER_STATEMENT`]). Events are numbered in the order given.
pub(super) async fn enqueue_many(
    conn: &mut AnyConnection,
    dialect: Dialect,
    subscribers: &[String],
    events: &[(&str, NewEvent<'_>)],
) -> sqlx::Result<()> {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time) VALUES {} \
             RETURNING seq, event_time",
            text_rows(dialect, chunk.len(), 6)
        );
        let mut insert = sqlx::query_as::<_, (i64, i64)>(&sql);
        for (id, e) in chunk {
            insert = insert
                .bind(*id)
                .bind(e.site_id)
                .bind(e.entity_id)
                .bind(e.slug.as_str())
                .bind(e.body)
                .bind(e.time);
        }
        let recorded = insert.fetch_all(&mut *conn).await?;
        let deliveries: Vec<(i64, &str, i64)> = recorded
            .iter()
            .flat_map(|(seq, time)| {
                subscribers
                    .iter()
                    .map(move |app| (*seq, app.as_str(), *time))
            })
            .collect();
        for part in deliveries.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO webhook_deliveries (event_seq, app_id, next_attempt_at, created_at) VALUES {}",
                text_rows(dialect, part.len(), 4)
            );
            let mut insert = sqlx::query(&sql);
            for (seq, app, time) in part {
                insert = insert.bind(*seq).bind(*app).bind(*time).bind(*time);
            }
            insert.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

impl Store {
    /// Records one event for one app only (a test event), with its delivery;
    /// returns the delivery's id.
    pub async fn enqueue_for_app(
        &self,
        app_id: &str,
        event_id: &str,
        event: NewEvent<'_>,
    ) -> crate::error::Result<i64> {
        let mut conn = self.write.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time)              VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
        )
        .bind(event_id)
        .bind(event.site_id)
        .bind(event.entity_id)
        .bind(event.slug.as_str())
        .bind(event.body)
        .bind(event.time)
        .fetch_one(&mut *tx)
        .await?;
        let delivery: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (event_seq, app_id, next_attempt_at, created_at)              VALUES ($1, $2, $3, $3) RETURNING id",
        )
        .bind(seq)
        .bind(app_id)
        .bind(event.time)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.wake.notify_one();
        self.deliveries_changed();
        Ok(delivery)
    }

    /// Records `event` in `tx` and commits: the change and its event land together,
    /// then the dispatcher is woken.
    pub(super) async fn commit_with_event(
        &self,
        mut tx: Transaction<'_, Any>,
        event: NewEvent<'_>,
    ) -> sqlx::Result<()> {
        enqueue(&mut tx, self.dialect, &self.subscribers, event).await?;
        tx.commit().await?;
        self.events_committed();
        Ok(())
    }
}

/// `VALUES` rows of placeholders for `rows` rows, each cast as `casts` says
/// (`""` for text), numbered from `$1`: PostgreSQL needs the casts to type
/// a multi-row `VALUES` list.
pub(super) fn values(rows: usize, casts: &[&str]) -> String {
    let mut out = String::with_capacity(rows * casts.len() * 10);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for (c, cast) in casts.iter().enumerate() {
            if c > 0 {
                out.push_str(", ");
            }
            // Written in place: a batch of attempts has hundreds of these.
            let _ = write!(out, "${}{cast}", r * casts.len() + c + 1);
        }
        out.push(')');
    }
    out
}

/// `rows` rows of `columns` plain `?` placeholders, `(?, ?), (?, ?)`, for
/// SQLite: it finds a named parameter (`$n`) by scanning every name in the
/// statement, so binding hundreds of named ones takes time that grows with
/// the square of their number.
pub(super) fn placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

/// `rows` rows of `columns` uncast placeholders in the dialect's best form.
pub(super) fn text_rows(dialect: Dialect, rows: usize, columns: usize) -> String {
    match dialect {
        Dialect::Postgres => values(rows, &vec![""; columns]),
        Dialect::Sqlite => placeholders(rows, columns),
    }
}

/// Common table expressions `e` and `d` for one PostgreSQL statement: they
/// record one event per row of `source` (which has `i`, `event_id`, `site_id`,
/// `entity_id`, `body` and `t` columns), numbered in `i` order, and a
/// delivery per subscribing app; `apps` is the placeholder holding the
/// subscribers as a JSON array.
pub(super) fn events_cte(source: &str, slug: Slug, apps: &str) -> String {
    format!(
        "e AS (INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time) \
               SELECT event_id, site_id, entity_id, '{slug}', body, t FROM {source} ORDER BY i \
               RETURNING seq, event_time), \
         d AS (INSERT INTO webhook_deliveries (event_seq, app_id, next_attempt_at, created_at) \
               SELECT e.seq, a.app_id, e.event_time, e.event_time FROM e \
               CROSS JOIN jsonb_array_elements_text({apps}::jsonb) AS a(app_id))"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_make_rows_of_plain_parameters() {
        assert_eq!(super::placeholders(2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(super::placeholders(1, 1), "(?)");
    }

    #[test]
    fn values_lists_are_numbered_row_by_row() {
        assert_eq!(
            super::values(2, &["::int", ""]),
            "($1::int, $2), ($3::int, $4)"
        );
    }
}

//! Writes domain events into the outbox inside the caller's transaction, so a
//! change and its event commit or roll back together — and with them one delivery
//! row per subscribing app, so no committed event can miss its webhooks.

use sqlx::{Any, AnyConnection, Transaction};

use super::Store;

/// One event to record; `body` is the JSON the event carries (the entity, or the
/// action's body).
pub struct NewEvent<'a> {
    pub site_id: &'a str,
    pub entity_id: &'a str,
    pub slug: &'a str,
    pub body: &'a str,
    pub time: i64,
}

pub async fn enqueue(
    conn: &mut AnyConnection,
    subscribers: &[String],
    event: NewEvent<'_>,
) -> sqlx::Result<()> {
    let id = uuid::Uuid::new_v4().to_string();
    enqueue_with_id(conn, subscribers, &id, event).await
}

/// As [`enqueue`], with the event id chosen by the caller.
pub async fn enqueue_with_id(
    conn: &mut AnyConnection,
    subscribers: &[String],
    id: &str,
    event: NewEvent<'_>,
) -> sqlx::Result<()> {
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
    )
    .bind(id)
    .bind(event.site_id)
    .bind(event.entity_id)
    .bind(event.slug)
    .bind(event.body)
    .bind(event.time)
    .fetch_one(&mut *conn)
    .await?;
    for app_id in subscribers {
        sqlx::query(
            "INSERT INTO webhook_deliveries (event_seq, app_id, next_attempt_at, created_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(seq)
        .bind(app_id.as_str())
        .bind(event.time)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Records `event` in `tx` and commits: the change and its event land together,
    /// then the dispatcher is woken.
    pub(super) async fn commit_with_event(
        &self,
        mut tx: Transaction<'static, Any>,
        event: NewEvent<'_>,
    ) -> sqlx::Result<()> {
        enqueue(&mut tx, &self.subscribers, event).await?;
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
            out.push_str(&format!("${}{cast}", r * casts.len() + c + 1));
        }
        out.push(')');
    }
    out
}

/// Common table expressions `e` and `d` for one PostgreSQL statement: they
/// record one event per row of `source` (which has `i`, `event_id`, `site_id`,
/// `entity_id`, `body` and `t` columns), numbered in `i` order, and a
/// delivery per subscribing app; `apps` is the placeholder holding the
/// subscribers as a JSON array.
pub(super) fn events_cte(source: &str, slug: &str, apps: &str) -> String {
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
    fn values_lists_are_numbered_row_by_row() {
        assert_eq!(
            super::values(2, &["::int", ""]),
            "($1::int, $2), ($3::int, $4)"
        );
    }
}

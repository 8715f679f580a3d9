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

//! Writes domain events into the outbox inside the caller's transaction, so a
//! change and its event commit or roll back together.

use sqlx::AnyConnection;

/// One event to record; `body` is the JSON the event carries (the entity, or the
/// action's body).
pub struct NewEvent<'a> {
    pub site_id: &'a str,
    pub entity_id: &'a str,
    pub slug: &'a str,
    pub body: &'a str,
    pub time: i64,
}

pub async fn enqueue(conn: &mut AnyConnection, event: NewEvent<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(event.site_id)
    .bind(event.entity_id)
    .bind(event.slug)
    .bind(event.body)
    .bind(event.time)
    .execute(conn)
    .await?;
    Ok(())
}

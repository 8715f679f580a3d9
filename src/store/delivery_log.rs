//! The webhook delivery log: each delivery with its event and every attempt,
//! as rows; the API renders them.

use sqlx::Row as _;

use super::deliveries::{slug_at, DeliveryState};
use super::Store;
use crate::error::Result;
use crate::model::events::Slug;

/// Filters of the delivery log.
#[derive(Debug, Default, Clone)]
pub struct LogFilter {
    pub site_id: Option<String>,
    pub app_id: Option<String>,
    pub state: Option<DeliveryState>,
    pub event_id: Option<String>,
    pub entity_id: Option<String>,
    pub slug: Option<Slug>,
    /// Only deliveries older than this one (a page boundary).
    pub before: Option<i64>,
    /// Only deliveries with at least this many attempts recorded.
    pub min_attempts: Option<i64>,
    pub limit: i64,
}

/// One delivery of one event to one app. Times are microseconds.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub id: i64,
    pub app_id: String,
    /// As stored: `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempt_count: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub event_id: String,
    pub event_seq: i64,
    pub site_id: String,
    pub entity_id: String,
    pub slug: Slug,
    pub attempts: Vec<AttemptRecord>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub attempted_at: i64,
    /// The fault rule that shaped the attempt, as JSON, if one did.
    pub fault: Option<String>,
}

impl Store {
    /// Deliveries newest first, each with its event and every attempt. One
    /// statement, so a delivery and its attempts come from the same snapshot.
    pub async fn list_deliveries(&self, filter: &LogFilter) -> Result<Vec<DeliveryRecord>> {
        let mut wanted = String::from(
            "SELECT d.id FROM webhook_deliveries d JOIN outbox_events e ON e.seq = d.event_seq WHERE 1=1",
        );
        let mut params: Vec<&str> = Vec::new();
        for (column, value) in [
            ("e.site_id", filter.site_id.as_deref()),
            ("d.app_id", filter.app_id.as_deref()),
            ("d.state", filter.state.map(DeliveryState::as_str)),
            ("e.id", filter.event_id.as_deref()),
            ("e.entity_id", filter.entity_id.as_deref()),
            ("e.slug", filter.slug.map(Slug::as_str)),
        ] {
            if let Some(v) = value {
                params.push(v);
                wanted.push_str(&format!(" AND {column} = ${}", params.len()));
            }
        }
        if let Some(before) = filter.before {
            wanted.push_str(&format!(" AND d.id < {before}"));
        }
        if let Some(n) = filter.min_attempts {
            // Claimed attempts are counted in `d.attempts` before they end;
            // recorded ones have their row.
            wanted.push_str(&format!(
                " AND d.attempts >= {n} AND (SELECT COUNT(*) FROM webhook_attempts a WHERE a.delivery_id = d.id) >= {n}"
            ));
        }
        wanted.push_str(&format!(
            " ORDER BY d.id DESC LIMIT {}",
            filter.limit.clamp(1, 1000)
        ));
        let sql = format!(
            "SELECT d.id, d.app_id, d.state, d.attempts, d.next_attempt_at, d.created_at, d.delivered_at, \
                    e.id, e.seq, e.site_id, e.entity_id, e.slug, \
                    a.attempt, a.status_code, a.error, a.latency_ms, a.response_body, a.attempted_at, a.fault \
             FROM webhook_deliveries d \
             JOIN outbox_events e ON e.seq = d.event_seq \
             LEFT JOIN webhook_attempts a ON a.delivery_id = d.id \
             WHERE d.id IN ({wanted}) \
             ORDER BY d.id DESC, a.id"
        );
        let mut query = sqlx::query(&sql);
        for p in params {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&mut *self.read.acquire().await?).await?;
        let mut out: Vec<DeliveryRecord> = Vec::new();
        for r in rows {
            let id: i64 = r.try_get(0)?;
            if out.last().is_none_or(|d| d.id != id) {
                out.push(DeliveryRecord {
                    id,
                    app_id: r.try_get(1)?,
                    state: r.try_get(2)?,
                    attempt_count: r.try_get(3)?,
                    next_attempt_at: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                    delivered_at: r.try_get(6)?,
                    event_id: r.try_get(7)?,
                    event_seq: r.try_get(8)?,
                    site_id: r.try_get(9)?,
                    entity_id: r.try_get(10)?,
                    slug: slug_at(&r, 11)?,
                    attempts: Vec::new(),
                });
            }
            if let Some(attempt) = r.try_get::<Option<i64>, _>(12)? {
                let delivery = out.last_mut().expect("a delivery was pushed");
                delivery.attempts.push(AttemptRecord {
                    attempt,
                    status_code: r.try_get(13)?,
                    error: r.try_get(14)?,
                    latency_ms: r.try_get(15)?,
                    response_body: r.try_get(16)?,
                    attempted_at: r.try_get(17)?,
                    fault: r.try_get(18)?,
                });
            }
        }
        Ok(out)
    }
}

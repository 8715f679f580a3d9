//! Webhook deliveries: claimed under a lease so cooperating dispatchers (many
//! instances on one PostgreSQL) never send the same attempt at the same time.

use sqlx::{AnyConnection, Row as _};
use tracing::instrument;

use super::db::Kept;
use super::group::GroupWrite;
use super::outbox::{placeholders, values};
use super::{Dialect, Store};
use crate::error::Result;
use crate::model::events::Slug;

/// An outbox event as the dispatcher needs it.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    pub site_id: String,
    pub entity_id: String,
    pub slug: Slug,
    pub body: String,
    pub event_time: i64,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    Delivered,
    /// No attempts are left.
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 3] = [
        DeliveryState::Pending,
        DeliveryState::Delivered,
        DeliveryState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A delivery this dispatcher now owns until its lease ends.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub app_id: String,
    /// The number of this attempt, from 1.
    pub attempt: i64,
    pub created_at: i64,
    /// The claim is this dispatcher's until then.
    pub lease_until: i64,
    pub event: EventRow,
}

/// What one attempt gave.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub at: i64,
    /// The fault rule that shaped the attempt, as JSON, if one did.
    pub fault: Option<String>,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Delivered,
    RetryAt(i64),
    GiveUp,
}

/// Leases up to `$3` deliveries due at `$2` until `$1`; `lock` is how the
/// candidate rows are locked (PostgreSQL skips rows another dispatcher holds).
///
/// A delivery's `next_attempt_at` is on its site's clock. With `offsets`,
/// some site's clock is moved: a delivery is due once its time is reached
/// on its site's clock (the machine's time `$2` plus the site's offset), and
/// `$4` (`$2` plus the largest offset) bounds the index range searched.
fn claim_sql(lock: &str, offsets: bool) -> String {
    let candidates = if offsets {
        format!(
            "SELECT d.id FROM webhook_deliveries d \
             JOIN outbox_events e ON e.seq = d.event_seq \
             LEFT JOIN site_clocks k ON k.site_id = e.site_id \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $4 AND d.locked_until <= $2 \
             AND d.next_attempt_at <= $2 + COALESCE(k.offset_micros, 0) \
             ORDER BY d.next_attempt_at LIMIT $3{}",
            if lock.is_empty() {
                ""
            } else {
                " FOR UPDATE OF d SKIP LOCKED"
            }
        )
    } else {
        format!(
            "SELECT id FROM webhook_deliveries \
             WHERE state = 'pending' AND next_attempt_at <= $2 AND locked_until <= $2 \
             ORDER BY next_attempt_at LIMIT $3{lock}"
        )
    };
    format!(
        "UPDATE webhook_deliveries SET locked_until = $1, attempts = attempts + 1 \
         WHERE id IN ({candidates}) \
         RETURNING id, app_id, attempts, created_at, event_seq"
    )
}

/// A claimed delivery from a row of: id, app, attempts, created, then the event.
fn claimed_at(r: &sqlx::any::AnyRow, lease_until: i64) -> Result<Claimed> {
    Ok(Claimed {
        id: r.try_get(0)?,
        app_id: r.try_get(1)?,
        attempt: r.try_get(2)?,
        created_at: r.try_get(3)?,
        lease_until,
        event: event_at(r, 4)?,
    })
}

/// The event whose columns start at `first`: seq, id, site, entity, slug, body, time.
fn event_at(r: &sqlx::any::AnyRow, first: usize) -> Result<EventRow> {
    Ok(EventRow {
        seq: r.try_get(first)?,
        id: r.try_get(first + 1)?,
        site_id: r.try_get(first + 2)?,
        entity_id: r.try_get(first + 3)?,
        slug: slug_at(r, first + 4)?,
        body: r.try_get(first + 5)?,
        event_time: r.try_get(first + 6)?,
    })
}

/// The slug stored in column `at`.
pub(super) fn slug_at(r: &sqlx::any::AnyRow, at: usize) -> Result<Slug> {
    let slug: String = r.try_get(at)?;
    Ok(Slug::parse(&slug).ok_or_else(|| anyhow::anyhow!("unknown event slug {slug:?} stored"))?)
}

/// One finished attempt, ready to record.
pub(super) struct Finished {
    delivery_id: i64,
    attempt_number: i64,
    attempt: Attempt,
    after: After,
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl Finished {
    /// Binds the `webhook_attempts` row: delivery, attempt, status, error,
    /// latency, response body, time, fault.
    fn bind_attempt<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query
            .bind(self.delivery_id)
            .bind(self.attempt_number)
            .bind(self.attempt.status_code)
            .bind(self.attempt.error.as_deref())
            .bind(self.attempt.latency_ms)
            .bind(self.attempt.response_body.as_deref())
            .bind(self.attempt.at)
            .bind(self.attempt.fault.as_deref())
    }

    /// The delivery's state, next attempt time and delivery time after it.
    fn outcome(&self) -> (&'static str, i64, Option<i64>) {
        let (state, next, delivered) = match self.after {
            After::Delivered => (
                DeliveryState::Delivered,
                self.attempt.at,
                Some(self.attempt.at),
            ),
            After::RetryAt(at) => (DeliveryState::Pending, at, None),
            After::GiveUp => (DeliveryState::Failed, self.attempt.at, None),
        };
        (state.as_str(), next, delivered)
    }
}

/// Finished attempts, recorded in groups.
pub(super) struct Attempts(pub(super) Store);

impl GroupWrite for Attempts {
    type Item = Finished;
    type Output = ();

    async fn write(&self, conn: &mut AnyConnection, finished: &[Finished]) -> Result<Vec<()>> {
        self.0.write_attempts(conn, finished).await?;
        Ok(vec![(); finished.len()])
    }
}

/// Claims deliveries on a connection kept between claims where that holds up
/// no one.
pub struct Claimer {
    store: Store,
    conn: Kept,
}

impl Claimer {
    /// Claims up to `limit` due deliveries, leasing them until `lease_until`;
    /// `max_offset` is the largest clock offset of any site, if any site's
    /// clock is moved.
    pub async fn claim(
        &mut self,
        now: i64,
        lease_until: i64,
        limit: i64,
        max_offset: Option<i64>,
    ) -> Result<Vec<Claimed>> {
        let store = &self.store;
        self.conn
            .run(async |conn| {
                store
                    .claim_deliveries(conn, now, lease_until, limit, max_offset)
                    .await
            })
            .await
    }
}

impl Store {
    /// What the dispatcher claims deliveries with, batch after batch.
    pub fn claimer(&self) -> Claimer {
        Claimer {
            store: self.clone(),
            conn: Kept::new(self.write.clone()),
        }
    }

    /// Claims up to `limit` due deliveries, leasing them until `lease_until`.
    #[instrument(skip_all)]
    async fn claim_deliveries(
        &self,
        conn: &mut AnyConnection,
        now: i64,
        lease_until: i64,
        limit: i64,
        max_offset: Option<i64>,
    ) -> Result<Vec<Claimed>> {
        let offsets = max_offset.is_some();
        let due_by = now + max_offset.unwrap_or(0).max(0);
        let claimed = match self.dialect {
            // One round trip: the claim and its events.
            Dialect::Postgres => {
                let sql = format!(
                    "WITH c AS ({}) \
                     SELECT c.id, c.app_id, c.attempts, c.created_at, \
                            e.seq, e.id, e.site_id, e.entity_id, e.slug, e.body, e.event_time \
                     FROM c JOIN outbox_events e ON e.seq = c.event_seq",
                    claim_sql(" FOR UPDATE SKIP LOCKED", offsets)
                );
                let mut query = sqlx::query(&sql).bind(lease_until).bind(now).bind(limit);
                if offsets {
                    query = query.bind(due_by);
                }
                let rows = query.fetch_all(conn).await?;
                rows.iter()
                    .map(|r| claimed_at(r, lease_until))
                    .collect::<Result<Vec<_>>>()?
            }
            Dialect::Sqlite => {
                Self::claim_sqlite(conn, now, lease_until, limit, offsets.then_some(due_by)).await?
            }
        };
        Ok(claimed)
    }

    /// SQLite cannot read from an `UPDATE … RETURNING`, but its RETURNING may
    /// hold subqueries: the claim and its events are one statement, so one
    /// trip to SQLite's worker thread.
    async fn claim_sqlite(
        conn: &mut AnyConnection,
        now: i64,
        lease_until: i64,
        limit: i64,
        due_by: Option<i64>,
    ) -> Result<Vec<Claimed>> {
        let event = ["id", "site_id", "entity_id", "slug", "body", "event_time"]
            .map(|column| {
                format!("(SELECT {column} FROM outbox_events e WHERE e.seq = webhook_deliveries.event_seq)")
            })
            .join(", ");
        let sql = format!("{}, {event}", claim_sql("", due_by.is_some()));
        let mut query = sqlx::query(&sql).bind(lease_until).bind(now).bind(limit);
        if let Some(due_by) = due_by {
            query = query.bind(due_by);
        }
        let rows = query.fetch_all(conn).await?;
        rows.iter().map(|r| claimed_at(r, lease_until)).collect()
    }

    /// Logs the attempt and moves the delivery on, in one transaction (shared
    /// with other attempts under group commit). Only the holder of the latest
    /// claim moves it on: a claim that outlived its lease (and was claimed
    /// again elsewhere) is only logged.
    #[instrument(skip_all)]
    pub async fn finish_attempt(
        &self,
        delivery: &Claimed,
        attempt: Attempt,
        after: After,
    ) -> Result<()> {
        let finished = Finished {
            delivery_id: delivery.id,
            attempt_number: delivery.attempt,
            attempt,
            after,
        };
        match &self.groups {
            Some(groups) => groups.attempts.submit(finished).await,
            None => {
                let mut conn = self.write.acquire().await?;
                self.write_attempts(&mut conn, std::slice::from_ref(&finished))
                    .await
            }
        }
    }

    /// One statement for the whole batch on PostgreSQL; on SQLite, which has
    /// no writable CTEs, one transaction of two statements sent as one query,
    /// so one trip to its worker thread. The rows are bound as values, not
    /// passed as JSON: SQLite re-parsed a row's JSON for every column it read.
    async fn write_attempts(&self, conn: &mut AnyConnection, finished: &[Finished]) -> Result<()> {
        const ATTEMPTS: &str = "INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, latency_ms, response_body, attempted_at, fault)";
        const MOVE_ON: &str = "UPDATE webhook_deliveries SET state = input.state, next_attempt_at = input.next_at, \
             delivered_at = input.delivered_at, locked_until = 0 \
             FROM input WHERE webhook_deliveries.id = input.delivery_id AND webhook_deliveries.attempts = input.attempt";
        let query = match self.dialect {
            Dialect::Postgres => {
                const CASTS: [&str; 11] = [
                    "::bigint", "::int", "::int", "", "::bigint", "", "::bigint", "", "",
                    "::bigint", "::bigint",
                ];
                let sql = format!(
                    "WITH input (delivery_id, attempt, status_code, error, latency_ms, response_body, at, fault, state, next_at, delivered_at) \
                          AS (VALUES {}), \
                     a AS ({ATTEMPTS} SELECT delivery_id, attempt, status_code, error, latency_ms, response_body, at, fault FROM input) \
                     {MOVE_ON}",
                    values(finished.len(), &CASTS)
                );
                let mut query = sqlx::query(&sql);
                for f in finished {
                    let (state, next, delivered_at) = f.outcome();
                    query = f
                        .bind_attempt(query)
                        .bind(state)
                        .bind(next)
                        .bind(delivered_at);
                }
                query.execute(&mut *conn).await
            }
            Dialect::Sqlite => {
                // Plain `?` placeholders (see `placeholders`), so each row is
                // bound once per statement.
                let sql = format!(
                    "BEGIN; {ATTEMPTS} VALUES {}; \
                     WITH input (delivery_id, attempt, state, next_at, delivered_at) AS (VALUES {}) {MOVE_ON}; \
                     COMMIT",
                    placeholders(finished.len(), 8),
                    placeholders(finished.len(), 5)
                );
                let mut query = sqlx::query(&sql);
                for f in finished {
                    query = f.bind_attempt(query);
                }
                for f in finished {
                    let (state, next, delivered_at) = f.outcome();
                    query = query
                        .bind(f.delivery_id)
                        .bind(f.attempt_number)
                        .bind(state)
                        .bind(next)
                        .bind(delivered_at);
                }
                let written = query.execute(&mut *conn).await;
                if written.is_err() {
                    // A statement after BEGIN failed: the transaction is still open.
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                }
                written
            }
        };
        query?;
        self.deliveries_changed();
        Ok(())
    }

    /// Makes one of the site's deliveries due again now, whatever its state;
    /// `false` if the site has no such delivery.
    pub async fn replay_delivery(&self, site_id: &str, id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $2, locked_until = 0, delivered_at = NULL \
             WHERE id = $1 AND event_seq IN (SELECT seq FROM outbox_events WHERE site_id = $3)",
        )
        .bind(id)
        .bind(now)
        .bind(site_id)
        .execute(&mut *self.write.acquire().await?)
        .await?;
        if done.rows_affected() == 1 {
            self.wake.notify_one();
            self.deliveries_changed();
        }
        Ok(done.rows_affected() == 1)
    }
}

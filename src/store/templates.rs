use sqlx::{AnyConnection, Connection as _, Row as _};
use tracing::instrument;

use super::group::GroupWrite;
use super::outbox::{enqueue_many, events_cte, placeholders, values, NewEvent, ROWS_PER_STATEMENT};
use super::{Dialect, Store};
use crate::error::Result;
use crate::model::events::Slug;
use crate::model::ids::{EventId, TemplateId};
use crate::model::template::{status_of, Doc};
use crate::query::filter::Column;
use crate::query::{Plan, Row};

/// A template as stored: `body` is its JSON, ready to send.
#[derive(Debug)]
pub struct TemplateRow {
    pub id: String,
    pub status: String,
    pub body: String,
}

impl Row for TemplateRow {
    fn key(&self, column: Column) -> &str {
        match column {
            Column::Id => &self.id,
            Column::Status => &self.status,
        }
    }
}

/// Both statuses a template can have. SQLite keeps one index on templates,
/// `(site_id, status, id)`, so that a create writes one index page at a random
/// place rather than two; naming both statuses finds a template by id in two
/// probes of it. PostgreSQL reads its primary key. A CHECK on both engines
/// keeps every template in one of the two. (Macros, so that the statements
/// built from them are literals, made once.)
macro_rules! any_status {
    () => {
        "status IN ('ACTIVE', 'INACTIVE')"
    };
}
pub(super) use any_status;

/// A template by its key, `$1` the site and `$2` the id.
macro_rules! by_key {
    () => {
        concat!(
            "site_id = $1 AND ",
            $crate::store::templates::any_status!(),
            " AND id = $2"
        )
    };
}
pub(super) use by_key;

/// A template's JSON.
pub(super) const GET_BODY: &str = concat!("SELECT body FROM checkout_templates WHERE ", by_key!());
/// A template's new status and JSON, `$3` and `$4`, at `$5`.
pub(super) const UPDATE: &str = concat!(
    "UPDATE checkout_templates SET status = $3, body = $4, updated_at = $5, version = version + 1 WHERE ",
    by_key!()
);
/// A template gone, with its JSON.
pub(super) const DELETE: &str = concat!(
    "DELETE FROM checkout_templates WHERE ",
    by_key!(),
    " RETURNING body"
);

/// Every status a template can have: a query page on SQLite reads each one's
/// part of the index in order and merges them (see [`Plan::to_sql`]).
pub(super) const STATUSES: &[&str] = &["ACTIVE", "INACTIVE"];

/// The templates one create request makes, ready to write.
pub(super) struct NewTemplates {
    site_id: String,
    rows: Vec<NewTemplate>,
    time: i64,
}

struct NewTemplate {
    id: String,
    status: String,
    body: String,
    event_id: String,
}

/// Creates, committed in groups.
pub(super) struct Creates(pub(super) Store);

impl GroupWrite for Creates {
    type Item = NewTemplates;
    type Output = ();

    async fn write(&self, conn: &mut AnyConnection, creates: &[NewTemplates]) -> Result<Vec<()>> {
        self.0.write_creates(conn, creates).await?;
        Ok(vec![(); creates.len()])
    }
}

/// Consecutive parts of `items` of at most `limit` rows each (an item with more
/// rows than that is a part of its own).
fn split_by_rows<T>(items: &[T], rows_of: impl Fn(&T) -> usize, limit: usize) -> Vec<&[T]> {
    let mut parts = Vec::new();
    let (mut start, mut rows) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        if rows + rows_of(item) > limit && i > start {
            parts.push(&items[start..i]);
            (start, rows) = (i, 0);
        }
        rows += rows_of(item);
    }
    parts.push(&items[start..]);
    parts
}

fn to_json(doc: &Doc) -> String {
    serde_json::to_string(doc).expect("JSON maps serialize")
}

impl Store {
    /// Inserts templates and their `created` events in one transaction
    /// (shared with concurrent creates under group commit); returns their JSON.
    #[instrument(skip_all, fields(count = docs.len()))]
    pub async fn insert_templates(
        &self,
        site_id: &str,
        docs: &[Doc],
        now: i64,
    ) -> Result<Vec<String>> {
        // No statement for nothing: PostgreSQL refuses a VALUES list of no rows.
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let time = now;
        let rows = docs
            .iter()
            .map(|doc| NewTemplate {
                id: doc["id"]
                    .as_str()
                    .expect("new templates have an id")
                    .to_string(),
                status: status_of(doc).to_string(),
                body: to_json(doc),
                event_id: EventId::new().to_string(),
            })
            .collect();
        let creates = NewTemplates {
            site_id: site_id.to_string(),
            rows,
            time,
        };
        let bodies = creates.rows.iter().map(|r| r.body.clone()).collect();
        match &self.groups {
            Some(groups) => groups.creates.submit(creates).await?,
            None => {
                let mut conn = self.write.acquire().await?;
                self.write_creates(&mut conn, std::slice::from_ref(&creates))
                    .await?
            }
        };
        Ok(bodies)
    }

    /// Writes every create in one transaction.
    async fn write_creates(
        &self,
        conn: &mut AnyConnection,
        creates: &[NewTemplates],
    ) -> Result<()> {
        match self.dialect {
            Dialect::Postgres => self.write_creates_postgres(conn, creates).await?,
            Dialect::Sqlite => self.write_creates_sqlite(conn, creates).await?,
        }
        self.events_committed();
        Ok(())
    }

    /// One statement (templates, `created` events and deliveries), or one per
    /// few thousand templates in a transaction: a statement takes at most 65,535
    /// parameters.
    async fn write_creates_postgres(
        &self,
        conn: &mut AnyConnection,
        creates: &[NewTemplates],
    ) -> Result<()> {
        let parts = split_by_rows(creates, |c| c.rows.len(), 5000);
        if let [one] = parts[..] {
            return self.insert_creates_postgres(conn, one).await;
        }
        let mut tx = conn.begin().await?;
        for part in parts {
            self.insert_creates_postgres(&mut *tx, part).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn insert_creates_postgres<'c>(
        &self,
        db: impl sqlx::Executor<'c, Database = sqlx::Any>,
        creates: &[NewTemplates],
    ) -> Result<()> {
        const CASTS: [&str; 7] = ["::int", "", "", "", "", "", "::bigint"];
        let count: usize = creates.iter().map(|c| c.rows.len()).sum();
        let apps = format!("${}", count * CASTS.len() + 1);
        let sql = format!(
            "WITH input (i, site_id, entity_id, status, body, event_id, t) AS (VALUES {}), \
             t AS (INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at) \
                   SELECT site_id, entity_id, status, body, t, t FROM input), \
             {} \
             SELECT count(*) FROM input",
            values(count, &CASTS),
            events_cte("input", Slug::Created, &apps),
        );
        let mut query = sqlx::query(&sql);
        let rows = creates
            .iter()
            .flat_map(|c| c.rows.iter().map(move |r| (c, r)));
        for (i, (c, r)) in rows.enumerate() {
            query = query
                .bind(i as i32)
                .bind(c.site_id.as_str())
                .bind(r.id.as_str())
                .bind(r.status.as_str())
                .bind(r.body.as_str())
                .bind(r.event_id.as_str())
                .bind(c.time);
        }
        query.bind(&*self.subscribers_json).execute(db).await?;
        Ok(())
    }

    /// A few statements for the whole batch: each is a round trip to SQLite's
    /// worker thread.
    async fn write_creates_sqlite(
        &self,
        conn: &mut AnyConnection,
        creates: &[NewTemplates],
    ) -> Result<()> {
        let rows: Vec<(&NewTemplates, &NewTemplate)> = creates
            .iter()
            .flat_map(|c| c.rows.iter().map(move |r| (c, r)))
            .collect();
        let mut tx = conn.begin().await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at) VALUES {}",
                placeholders(chunk.len(), 6)
            );
            let mut insert = sqlx::query(&sql);
            for (c, r) in chunk {
                insert = insert
                    .bind(c.site_id.as_str())
                    .bind(r.id.as_str())
                    .bind(r.status.as_str())
                    .bind(r.body.as_str())
                    .bind(c.time)
                    .bind(c.time);
            }
            insert.execute(&mut *tx).await?;
        }
        let events: Vec<(&str, NewEvent)> = rows
            .iter()
            .map(|(c, r)| {
                (
                    r.event_id.as_str(),
                    NewEvent {
                        site_id: &c.site_id,
                        entity_id: &r.id,
                        slug: Slug::Created,
                        body: &r.body,
                        time: c.time,
                    },
                )
            })
            .collect();
        enqueue_many(&mut tx, self.dialect, &self.subscribers, &events).await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    pub async fn get_template(&self, site_id: &str, id: &TemplateId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(GET_BODY)
            .bind(site_id)
            .bind(id.as_str())
            .fetch_optional(&mut *self.read.acquire().await?)
            .await?)
    }

    /// Read-modify-write under a row lock, at `now`; `change` sees the stored
    /// document and returns the new one (or an error, which changes nothing).
    #[instrument(skip_all)]
    pub async fn update_template(
        &self,
        site_id: &str,
        id: &TemplateId,
        now: i64,
        change: impl FnOnce(&Doc) -> Result<Doc>,
    ) -> Result<Option<String>> {
        let id = id.as_str();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let select = format!("{GET_BODY}{}", self.dialect.for_update());
        let current: Option<String> = sqlx::query_scalar(&select)
            .bind(site_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = current else {
            return Ok(None);
        };
        let current: Doc = serde_json::from_str(&current).map_err(anyhow::Error::from)?;
        let next = change(&current)?;
        let body = to_json(&next);
        sqlx::query(UPDATE)
            .bind(site_id)
            .bind(id)
            .bind(status_of(&next))
            .bind(&body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        self.commit_with_event(
            tx,
            NewEvent {
                site_id,
                entity_id: id,
                slug: Slug::Updated,
                body: &body,
                time: now,
            },
        )
        .await?;
        self.templates.forget(site_id, id);
        Ok(Some(body))
    }

    /// Deletes a template and records a `deleted` event carrying it at `now`;
    /// `false` if absent.
    #[instrument(skip_all)]
    pub async fn delete_template(&self, site_id: &str, id: &TemplateId, now: i64) -> Result<bool> {
        let id = id.as_str();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let deleted: Option<String> = sqlx::query_scalar(DELETE)
            .bind(site_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(body) = deleted else {
            return Ok(false);
        };
        self.templates.forget(site_id, id);
        self.commit_with_event(
            tx,
            NewEvent {
                site_id,
                entity_id: id,
                slug: Slug::Deleted,
                body: &body,
                time: now,
            },
        )
        .await?;
        Ok(true)
    }

    /// Runs a compiled query page; `$1` is bound to the site.
    #[instrument(skip_all)]
    pub async fn query_templates(&self, site_id: &str, plan: &Plan) -> Result<Vec<TemplateRow>> {
        let sql = plan.to_sql(match self.dialect {
            Dialect::Sqlite => Some(STATUSES),
            Dialect::Postgres => None,
        });
        let mut query = sqlx::query(&sql.text).bind(site_id);
        for p in &sql.params {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&mut *self.read.acquire().await?).await?;
        rows.into_iter()
            .map(|r| {
                Ok(TemplateRow {
                    id: r.try_get(0)?,
                    status: r.try_get(1)?,
                    body: r.try_get(2)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn splits_by_rows_without_breaking_an_item() {
        let split = super::split_by_rows(&[3, 2, 4, 6, 1], |n| *n, 5);
        assert_eq!(split, vec![&[3, 2][..], &[4][..], &[6][..], &[1][..]]);
        let one = super::split_by_rows(&[1, 1], |n| *n, 5);
        assert_eq!(one, vec![&[1, 1][..]]);
    }
}

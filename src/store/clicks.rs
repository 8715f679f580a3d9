//! The hot path: a checkout made from a template (a share-link click, or the
//! create-checkout call). Templates are read from memory; the checkout, its
//! `used` event and the event's deliveries are written by one statement on
//! PostgreSQL, guarded by the template's version so a stale copy writes
//! nothing. Concurrent clicks are committed together (group commit): each one
//! is answered only after the transaction holding it has committed.

use std::sync::Arc;

use sqlx::{AnyConnection, Connection as _, Row as _};

use super::group::GroupWrite;
use super::outbox::{enqueue_many, placeholders, values, NewEvent, ROWS_PER_STATEMENT};
use super::template_cache::CachedTemplate;
use super::templates::by_key;
use super::{Dialect, Store};
use crate::error::Result;
use crate::model::events::Slug;
use crate::model::ids::TemplateId;
use crate::model::template::Doc;

/// What a click reads of its template when it is not in memory.
pub(super) const CLICK_TEMPLATE: &str = concat!(
    "SELECT body, version, status FROM checkout_templates WHERE ",
    by_key!()
);

/// One click's rows, ready to write.
pub struct ClickWrite {
    pub site_id: String,
    pub template_id: String,
    /// The template version the checkout was built from.
    pub version: i64,
    pub checkout_id: String,
    pub checkout_json: String,
    pub event_id: String,
    pub used_json: String,
    pub time: i64,
}

impl Store {
    /// The template to build a checkout from: from memory, or read and kept.
    /// `fresh` skips memory, for when a cached copy turned out stale.
    pub async fn template_for_click(
        &self,
        site_id: &str,
        id: &TemplateId,
        fresh: bool,
    ) -> Result<Option<Arc<CachedTemplate>>> {
        let id = id.as_str();
        if !fresh {
            if let Some(hit) = self.templates.get(site_id, id) {
                return Ok(Some(hit));
            }
        }
        let row = sqlx::query(CLICK_TEMPLATE)
            .bind(site_id)
            .bind(id)
            .fetch_optional(&mut *self.read.acquire().await?)
            .await?;
        let Some(row) = row else {
            self.templates.forget(site_id, id);
            return Ok(None);
        };
        let json: String = row.try_get(0)?;
        let doc: Doc = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
        let template = Arc::new(CachedTemplate::new(
            row.try_get(1)?,
            row.try_get::<String, _>(2)? == "ACTIVE",
            json,
            doc,
            self.templates.bytes(),
        ));
        self.templates.put(site_id, id, template.clone());
        Ok(Some(template))
    }

    /// Writes one click; `false` if its template changed since it was read
    /// (nothing is written then).
    pub async fn write_click(&self, write: ClickWrite) -> Result<bool> {
        match &self.groups {
            Some(groups) => groups.clicks.submit(write).await,
            None => {
                let mut conn = self.write.acquire().await?;
                Ok(self
                    .write_clicks(&mut conn, std::slice::from_ref(&write))
                    .await?[0])
            }
        }
    }

    /// Writes a batch of clicks in one transaction; per click, whether it was
    /// written (its template still had the version it was built from).
    pub(super) async fn write_clicks(
        &self,
        conn: &mut AnyConnection,
        clicks: &[ClickWrite],
    ) -> Result<Vec<bool>> {
        let written = match self.dialect {
            Dialect::Postgres => self.write_clicks_postgres(conn, clicks).await?,
            Dialect::Sqlite => self.write_clicks_sqlite(conn, clicks).await?,
        };
        if written.iter().any(|w| *w) {
            self.events_committed();
        }
        Ok(written)
    }

    /// One statement, so one round trip and one commit for the whole batch.
    async fn write_clicks_postgres(
        &self,
        conn: &mut AnyConnection,
        clicks: &[ClickWrite],
    ) -> Result<Vec<bool>> {
        const CASTS: [&str; 9] = ["::int", "", "", "::bigint", "", "", "", "", "::bigint"];
        let apps = format!("${}", clicks.len() * CASTS.len() + 1);
        let sql = format!(
            "WITH input (i, site_id, template_id, version, checkout_id, checkout, event_id, body, t) AS (VALUES {}), \
             ok AS (SELECT input.*, input.template_id AS entity_id FROM input JOIN checkout_templates ct \
                    ON ct.site_id = input.site_id AND ct.id = input.template_id \
                    AND ct.version = input.version AND ct.status = 'ACTIVE'), \
             c AS (INSERT INTO checkouts (site_id, id, template_id, body, created_at) \
                   SELECT site_id, checkout_id, template_id, checkout, t FROM ok), \
             {} \
             SELECT i FROM ok",
            values(clicks.len(), &CASTS),
            super::outbox::events_cte("ok", Slug::Used, &apps),
        );
        let mut query = sqlx::query(&sql);
        for (i, c) in clicks.iter().enumerate() {
            query = query
                .bind(i as i32)
                .bind(c.site_id.as_str())
                .bind(c.template_id.as_str())
                .bind(c.version)
                .bind(c.checkout_id.as_str())
                .bind(c.checkout_json.as_str())
                .bind(c.event_id.as_str())
                .bind(c.used_json.as_str())
                .bind(c.time);
        }
        let done = query.bind(&*self.subscribers_json).fetch_all(conn).await?;
        let mut written = vec![false; clicks.len()];
        for row in done {
            written[row.try_get::<i32, _>(0)? as usize] = true;
        }
        Ok(written)
    }

    /// SQLite has no writing CTEs; its one writer runs the batch as one
    /// transaction of a few statements (each a round trip to its worker thread).
    async fn write_clicks_sqlite(
        &self,
        conn: &mut AnyConnection,
        clicks: &[ClickWrite],
    ) -> Result<Vec<bool>> {
        let mut tx = conn.begin().await?;
        let mut templates: Vec<(&str, &str)> = clicks
            .iter()
            .map(|c| (c.site_id.as_str(), c.template_id.as_str()))
            .collect();
        templates.sort_unstable();
        templates.dedup();
        // The active version of each template, beside its key in `templates`.
        let mut current: Vec<Option<i64>> = vec![None; templates.len()];
        for chunk in templates.chunks(ROWS_PER_STATEMENT) {
            let sql = active_versions_sql(chunk.len());
            let mut select = sqlx::query_as::<_, (String, String, i64)>(&sql);
            for (site, id) in chunk {
                select = select.bind(*site).bind(*id);
            }
            for (site, id, version) in select.fetch_all(&mut *tx).await? {
                if let Ok(at) = templates.binary_search(&(site.as_str(), id.as_str())) {
                    current[at] = Some(version);
                }
            }
        }
        let written: Vec<bool> = clicks
            .iter()
            .map(|c| {
                let at = templates
                    .binary_search(&(c.site_id.as_str(), c.template_id.as_str()))
                    .expect("every click's template is in the list");
                current[at] == Some(c.version)
            })
            .collect();
        let ok: Vec<&ClickWrite> = clicks
            .iter()
            .zip(&written)
            .filter_map(|(c, w)| w.then_some(c))
            .collect();
        for chunk in ok.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO checkouts (site_id, id, template_id, body, created_at) VALUES {}",
                placeholders(chunk.len(), 5)
            );
            let mut insert = sqlx::query(&sql);
            for c in chunk {
                insert = insert
                    .bind(c.site_id.as_str())
                    .bind(c.checkout_id.as_str())
                    .bind(c.template_id.as_str())
                    .bind(c.checkout_json.as_str())
                    .bind(c.time);
            }
            insert.execute(&mut *tx).await?;
        }
        let events: Vec<(&str, NewEvent)> = ok
            .iter()
            .map(|c| {
                (
                    c.event_id.as_str(),
                    NewEvent {
                        site_id: &c.site_id,
                        entity_id: &c.template_id,
                        slug: Slug::Used,
                        body: &c.used_json,
                        time: c.time,
                    },
                )
            })
            .collect();
        enqueue_many(&mut tx, self.dialect, &self.subscribers, &events).await?;
        tx.commit().await?;
        Ok(written)
    }
}

/// The version of each of `templates` (site, id) pairs that is active, on
/// SQLite: the pairs with `ACTIVE` between them are a prefix of the templates'
/// one index, so each is a probe.
pub(super) fn active_versions_sql(templates: usize) -> String {
    format!(
        "SELECT site_id, id, version FROM checkout_templates \
         WHERE (site_id, status, id) IN (VALUES {})",
        vec!["(?, 'ACTIVE', ?)"; templates].join(", ")
    )
}

/// Clicks, committed in groups.
pub(super) struct Clicks(pub(super) Store);

impl GroupWrite for Clicks {
    type Item = ClickWrite;
    type Output = bool;

    async fn write(&self, conn: &mut AnyConnection, clicks: &[ClickWrite]) -> Result<Vec<bool>> {
        self.0.write_clicks(conn, clicks).await
    }
}

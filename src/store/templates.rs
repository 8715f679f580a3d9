use sqlx::Row as _;
use tracing::instrument;

use super::outbox::{enqueue, NewEvent};
use super::{now_micros, Store};
use crate::error::Result;
use crate::model::template::{status_of, Doc};
use crate::query::filter::{Column, Sql};
use crate::query::Row;

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

fn to_json(doc: &Doc) -> String {
    serde_json::to_string(doc).expect("JSON maps serialize")
}

impl Store {
    /// Inserts templates and their `created` events in one transaction; returns their JSON.
    #[instrument(skip_all, fields(count = docs.len()))]
    pub async fn insert_templates(&self, site_id: &str, docs: &[Doc]) -> Result<Vec<String>> {
        let now = now_micros();
        let mut tx = self.write.begin().await?;
        let mut bodies = Vec::with_capacity(docs.len());
        for doc in docs {
            let id = doc["id"].as_str().expect("new templates have an id");
            let body = to_json(doc);
            sqlx::query(
                "INSERT INTO checkout_templates (site_id, id, status, body, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(site_id)
            .bind(id)
            .bind(status_of(doc))
            .bind(&body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            enqueue(
                &mut tx,
                &self.subscribers,
                NewEvent {
                    site_id,
                    entity_id: id,
                    slug: "created",
                    body: &body,
                    time: now,
                },
            )
            .await?;
            bodies.push(body);
        }
        tx.commit().await?;
        self.events_committed();
        Ok(bodies)
    }

    #[instrument(skip_all)]
    pub async fn get_template(&self, site_id: &str, id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar(
                "SELECT body FROM checkout_templates WHERE site_id = $1 AND id = $2",
            )
            .bind(site_id)
            .bind(id)
            .fetch_optional(&self.read)
            .await?,
        )
    }

    /// Read-modify-write under a row lock; `change` sees the stored document and
    /// returns the new one (or an error, which changes nothing).
    #[instrument(skip_all)]
    pub async fn update_template(
        &self,
        site_id: &str,
        id: &str,
        change: impl FnOnce(&Doc) -> Result<Doc>,
    ) -> Result<Option<String>> {
        let mut tx = self.write.begin().await?;
        let select = format!(
            "SELECT body FROM checkout_templates WHERE site_id = $1 AND id = $2{}",
            self.dialect.for_update()
        );
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
        let now = now_micros();
        sqlx::query("UPDATE checkout_templates SET status = $3, body = $4, updated_at = $5, version = version + 1 WHERE site_id = $1 AND id = $2")
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
                slug: "updated",
                body: &body,
                time: now,
            },
        )
        .await?;
        self.templates.forget(site_id, id);
        Ok(Some(body))
    }

    /// Deletes a template and records a `deleted` event carrying it; `false` if absent.
    #[instrument(skip_all)]
    pub async fn delete_template(&self, site_id: &str, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let deleted: Option<String> = sqlx::query_scalar(
            "DELETE FROM checkout_templates WHERE site_id = $1 AND id = $2 RETURNING body",
        )
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
                slug: "deleted",
                body: &body,
                time: now_micros(),
            },
        )
        .await?;
        Ok(true)
    }

    /// Runs a compiled query page; `$1` is bound to the site.
    #[instrument(skip_all)]
    pub async fn query_templates(&self, site_id: &str, sql: &Sql) -> Result<Vec<TemplateRow>> {
        let mut query = sqlx::query(&sql.text).bind(site_id);
        for p in &sql.params {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&self.read).await?;
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

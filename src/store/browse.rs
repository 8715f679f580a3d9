//! What the console lists beside the API's own reads: when templates changed
//! and how many checkouts each made, and checkouts page by page. Every read
//! is a few index lookups (`checkouts_by_template`, the primary keys), never a
//! scan of a site's rows, so a page costs the same with 10 or 10,000 of them.

use sqlx::Row as _;
use tracing::instrument;

use super::templates::any_status;
use super::Store;
use crate::error::Result;
use crate::model::ids::CheckoutId;

/// A template's facts the console shows beside its JSON.
#[derive(Debug, Clone)]
pub struct TemplateFacts {
    pub id: String,
    /// Microseconds.
    pub updated_at: i64,
    /// Checkouts made from it.
    pub checkouts: i64,
}

/// A stored checkout: `body` is its JSON.
#[derive(Debug, Clone)]
pub struct CheckoutRow {
    pub id: String,
    pub template_id: String,
    /// Microseconds.
    pub created_at: i64,
    pub body: String,
}

/// Which checkouts a page shows, in id order (ids are random, as Wix's, so
/// this is no order of time), of one template or all, after or before a
/// checkout of the page before.
#[derive(Debug, Clone, Default)]
pub struct CheckoutPage {
    pub template_id: Option<String>,
    pub from: Option<Boundary>,
    pub limit: i64,
}

/// A page boundary: the checkouts after this one, or before it.
#[derive(Debug, Clone)]
pub enum Boundary {
    After(CheckoutId),
    Before(CheckoutId),
}

/// The facts of `ids` templates (`$2`…) of the site `$1`; naming both statuses
/// finds each through the templates' one index (see `any_status`).
pub(super) fn facts_sql(ids: usize) -> String {
    let list: Vec<String> = (0..ids).map(|i| format!("${}", i + 2)).collect();
    format!(
        concat!(
            "SELECT t.id, t.updated_at, \
                    (SELECT COUNT(*) FROM checkouts c WHERE c.site_id = t.site_id AND c.template_id = t.id) \
             FROM checkout_templates t WHERE t.site_id = $1 AND t.",
            any_status!(),
            " AND t.id IN ({})"
        ),
        list.join(", ")
    )
}

impl Store {
    /// The facts of each of `ids` that the site has (others are left out).
    #[instrument(skip_all, fields(count = ids.len()))]
    pub async fn template_facts(&self, site_id: &str, ids: &[&str]) -> Result<Vec<TemplateFacts>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = facts_sql(ids.len());
        let mut query = sqlx::query(&sql).bind(site_id);
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&mut *self.read.acquire().await?).await?;
        rows.iter()
            .map(|r| {
                Ok(TemplateFacts {
                    id: r.try_get(0)?,
                    updated_at: r.try_get(1)?,
                    checkouts: r.try_get(2)?,
                })
            })
            .collect()
    }

    /// How many checkouts were made from a template (deleted or not).
    #[instrument(skip_all)]
    pub async fn count_checkouts(&self, site_id: &str, template_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM checkouts WHERE site_id = $1 AND template_id = $2",
        )
        .bind(site_id)
        .bind(template_id)
        .fetch_one(&mut *self.read.acquire().await?)
        .await?)
    }

    /// One page of a site's checkouts, newest first (made later, or at the
    /// same time with a greater id); the page before a boundary comes oldest
    /// first. Reads one more row than `limit` so the caller knows whether
    /// there is another page that way. `checkouts_by_time` and
    /// `checkouts_by_template` hold them in this order.
    #[instrument(skip_all)]
    pub async fn list_checkouts(
        &self,
        site_id: &str,
        page: &CheckoutPage,
    ) -> Result<Vec<CheckoutRow>> {
        let mut sql = String::from(
            "SELECT id, template_id, created_at, body FROM checkouts WHERE site_id = $1",
        );
        let mut params: Vec<&str> = Vec::new();
        if let Some(template_id) = &page.template_id {
            params.push(template_id);
            sql.push_str(&format!(" AND template_id = ${}", params.len() + 1));
        }
        let backwards = matches!(page.from, Some(Boundary::Before(_)));
        if let Some(Boundary::After(id) | Boundary::Before(id)) = &page.from {
            params.push(id.as_str());
            let op = if backwards { ">" } else { "<" };
            sql.push_str(&format!(
                " AND (created_at, id) {op} (SELECT created_at, id FROM checkouts WHERE site_id = $1 AND id = ${})",
                params.len() + 1
            ));
        }
        let order = if backwards { "ASC" } else { "DESC" };
        sql.push_str(&format!(
            " ORDER BY created_at {order}, id {order} LIMIT {}",
            page.limit.clamp(1, 1000) + 1
        ));
        let mut query = sqlx::query(&sql).bind(site_id);
        for p in params {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&mut *self.read.acquire().await?).await?;
        rows.iter().map(checkout_row).collect()
    }

    /// A checkout with the template it was made from.
    #[instrument(skip_all)]
    pub async fn get_checkout_row(
        &self,
        site_id: &str,
        id: &CheckoutId,
    ) -> Result<Option<CheckoutRow>> {
        let row = sqlx::query(
            "SELECT id, template_id, created_at, body FROM checkouts WHERE site_id = $1 AND id = $2",
        )
        .bind(site_id)
        .bind(id.as_str())
        .fetch_optional(&mut *self.read.acquire().await?)
        .await?;
        row.as_ref().map(checkout_row).transpose()
    }
}

fn checkout_row(r: &sqlx::any::AnyRow) -> Result<CheckoutRow> {
    Ok(CheckoutRow {
        id: r.try_get(0)?,
        template_id: r.try_get(1)?,
        created_at: r.try_get(2)?,
        body: r.try_get(3)?,
    })
}

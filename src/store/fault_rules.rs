//! Fault rules as stored, and the counts that decide when they fire: one
//! statement each, so instances on one database agree on a rule that fires
//! a number of times, and number the decisions of a seeded rule as one.

use sqlx::Row as _;

use super::Store;
use crate::error::Result;
use crate::faults::{decide, Rule, Trigger};

/// A rule as stored: `spec` is its JSON as the test sent it.
#[derive(Debug, Clone)]
pub struct FaultRow {
    pub id: String,
    pub site_id: String,
    pub spec: String,
    pub remaining: Option<i64>,
    pub hits: i64,
    pub created_at: i64,
}

impl Store {
    pub async fn insert_fault(&self, row: &FaultRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO fault_rules (id, site_id, spec, remaining, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&row.id)
        .bind(&row.site_id)
        .bind(&row.spec)
        .bind(row.remaining)
        .bind(row.created_at)
        .execute(&mut *self.write.acquire().await?)
        .await?;
        Ok(())
    }

    /// The rules of one site, or of all, in the order they were made.
    pub async fn fault_rows(&self, site_id: Option<&str>) -> Result<Vec<FaultRow>> {
        let sql = match site_id {
            Some(_) => "SELECT id, site_id, spec, remaining, hits, created_at FROM fault_rules WHERE site_id = $1 ORDER BY created_at, id",
            None => "SELECT id, site_id, spec, remaining, hits, created_at FROM fault_rules ORDER BY created_at, id",
        };
        let mut query = sqlx::query(sql);
        if let Some(site) = site_id {
            query = query.bind(site);
        }
        // The writer's connection, so a rule just counted reads its count.
        let rows = query.fetch_all(&mut *self.write.acquire().await?).await?;
        rows.iter()
            .map(|r| {
                Ok(FaultRow {
                    id: r.try_get(0)?,
                    site_id: r.try_get(1)?,
                    spec: r.try_get(2)?,
                    remaining: r.try_get(3)?,
                    hits: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Deletes one rule of the site, or all; how many were deleted.
    pub async fn delete_faults(&self, site_id: &str, id: Option<&str>) -> Result<u64> {
        let mut query = match id {
            Some(_) => sqlx::query("DELETE FROM fault_rules WHERE site_id = $1 AND id = $2"),
            None => sqlx::query("DELETE FROM fault_rules WHERE site_id = $1"),
        }
        .bind(site_id);
        if let Some(id) = id {
            query = query.bind(id);
        }
        Ok(query
            .execute(&mut *self.write.acquire().await?)
            .await?
            .rows_affected())
    }

    /// Uses one of a counted rule's remaining times; `false` when none is left.
    pub async fn use_fault_time(&self, id: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE fault_rules SET remaining = remaining - 1, hits = hits + 1 WHERE id = $1 AND remaining > 0",
        )
        .bind(id)
        .execute(&mut *self.write.acquire().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Numbers the next decision of a rule with a probability (from 1);
    /// `None` if the rule is gone.
    pub async fn next_fault_decision(&self, id: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "UPDATE fault_rules SET evaluations = evaluations + 1 WHERE id = $1 RETURNING evaluations",
        )
        .bind(id)
        .fetch_optional(&mut *self.write.acquire().await?)
        .await?)
    }

    /// Counts a firing; `false` if the rule is gone.
    pub async fn count_fault_hit(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE fault_rules SET hits = hits + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *self.write.acquire().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// The first of `rules` (in the order given) that fires now, counting it
    /// as fired; `None` when none does.
    pub async fn first_firing(
        &self,
        rules: Vec<std::sync::Arc<Rule>>,
    ) -> Result<Option<std::sync::Arc<Rule>>> {
        for rule in rules {
            if self.fires(&rule).await? {
                return Ok(Some(rule));
            }
        }
        Ok(None)
    }

    /// Whether `rule` fires this time; counted in the database, so every
    /// instance on it sees one sequence of decisions.
    async fn fires(&self, rule: &Rule) -> Result<bool> {
        Ok(match rule.spec.trigger() {
            Trigger::Always => self.count_fault_hit(&rule.id).await?,
            Trigger::Times(_) => {
                let fired = self.use_fault_time(&rule.id).await?;
                if !fired {
                    rule.mark_exhausted();
                }
                fired
            }
            Trigger::Probability { p, seed } => match self.next_fault_decision(&rule.id).await? {
                Some(n) if decide(seed, n as u64, p) => self.count_fault_hit(&rule.id).await?,
                _ => false,
            },
        })
    }
}

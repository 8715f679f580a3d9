//! Fault rules by operation (`/_emulator/faults`): a test makes an API
//! operation answer an error, slowly, or not at all, or makes webhooks come
//! twice, late, badly signed or cut off. Rules are kept in the database:
//! every instance on it applies them, and a rule that fires once fires once
//! in all.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::faults::{FaultSpec, Operation, Rule};
use crate::site::Site;
use crate::state::AppState;
use crate::store::FaultRow;

/// Makes a rule on the site from a request body.
pub async fn create(state: &AppState, site: &Site, body: &Value) -> Result<FaultRow> {
    let spec = FaultSpec::parse(body).map_err(ApiError::Validation)?;
    if spec.operation() == Operation::Webhook {
        check_webhook_rule(state, &spec)?;
    }
    let row = FaultRow {
        id: uuid::Uuid::new_v4().to_string(),
        site_id: site.id.clone(),
        spec: serde_json::to_string(&spec).map_err(anyhow::Error::from)?,
        remaining: spec.times.map(i64::from),
        hits: 0,
        created_at: state.clock.now_micros(),
    };
    let _changing = state.control_lock.lock().await;
    state.store.insert_fault(&row).await?;
    state
        .faults
        .add(Rule::new(row.id.clone(), row.site_id.clone(), spec));
    state.store.announce_control_change().await?;
    Ok(row)
}

/// A webhook rule names an app that gets webhooks, and its delay leaves the
/// attempt time to end inside its lease.
fn check_webhook_rule(state: &AppState, spec: &FaultSpec) -> Result<()> {
    if let Some(app_id) = &spec.app_id {
        match state.apps.get(app_id) {
            Some(app) if app.webhook_url.is_some() => {}
            Some(_) => {
                return Err(ApiError::validation(
                    "appId",
                    "OTHER",
                    format!("app {app_id} has no webhook_url, so it gets no webhooks"),
                ))
            }
            None => {
                return Err(ApiError::validation(
                    "appId",
                    "OTHER",
                    format!("no app {app_id} is configured"),
                ))
            }
        }
    }
    let settings = &state.dispatch;
    let longest = settings
        .lease
        .saturating_sub(settings.timeout + Duration::from_secs(1));
    if let Some(delay) = spec.delay_ms {
        if Duration::from_millis(delay) > longest {
            return Err(ApiError::validation(
                "delayMs",
                "MAX",
                format!(
                    "a webhook may be held at most {} ms: the attempt must end within its lease ([webhooks] lease_ms)",
                    longest.as_millis()
                ),
            ));
        }
    }
    Ok(())
}

/// The site's rules with their counts, as the database has them.
pub async fn list(state: &AppState, site: &Site) -> Result<Vec<FaultRow>> {
    state.store.fault_rows(Some(&site.id)).await
}

/// Deletes one of the site's rules, or all of them; how many went.
pub async fn delete(state: &AppState, site: &Site, id: Option<&str>) -> Result<u64> {
    let _changing = state.control_lock.lock().await;
    let deleted = state.store.delete_faults(&site.id, id).await?;
    if let (Some(id), 0) = (id, deleted) {
        return Err(ApiError::NotFound(format!("fault rule {id} was not found")));
    }
    state.faults.remove(&site.id, id);
    state.store.announce_control_change().await?;
    Ok(deleted)
}

/// The rule that fires for this request of `op` on the site, if one does.
/// With no rules on the site this reads nothing but memory.
pub async fn firing(state: &AppState, site_id: &str, op: Operation) -> Result<Option<Arc<Rule>>> {
    let candidates = state.faults.candidates(site_id, op, None);
    if candidates.is_empty() {
        return Ok(None);
    }
    state.store.first_firing(candidates).await
}

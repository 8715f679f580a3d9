//! Sites on demand: `POST /_emulator/sites` makes a site with an admin and a
//! visitor key that see only it, so each test (or CI job) gets a namespace
//! of its own without a restart; `DELETE /_emulator/sites/{id}` removes it
//! with everything it has. Configured apps receive the new site's events,
//! under an instance id of their own on it.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;

use super::sync::{key_of, site_of};
use crate::auth::{new_key, Role};
use crate::error::{ApiError, FieldViolation, Result};
use crate::site::Site;
use crate::state::AppState;
use crate::store::{KeyRow, SiteRow};

/// A site made on demand and its keys.
pub struct MadeSite {
    pub site: Arc<Site>,
    pub admin_key: String,
    pub visitor_key: String,
}

/// What a request for a new site asks for.
struct Wanted {
    url: Option<String>,
    currency: String,
}

fn parse(body: &Value) -> Result<Wanted> {
    let fields = body.as_object().cloned().unwrap_or_default();
    let mut wrong = Vec::new();
    let url = match fields.get("url") {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) if is_site_url(url) => Some(url.trim_end_matches('/').to_string()),
        Some(_) => {
            wrong.push(FieldViolation::new(
                "url",
                "FORMAT",
                "must be an absolute http:// or https:// URL (leave it out to have the emulator host the site)",
            ));
            None
        }
    };
    let currency = match fields.get("currency") {
        None | Some(Value::Null) => "USD".to_string(),
        Some(Value::String(c)) if c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()) => {
            c.clone()
        }
        Some(_) => {
            wrong.push(FieldViolation::new(
                "currency",
                "FORMAT",
                "must be a three-letter ISO 4217 code, such as USD",
            ));
            String::new()
        }
    };
    for name in fields.keys() {
        if name != "url" && name != "currency" {
            wrong.push(FieldViolation::new(
                name.clone(),
                "FIELD_NOT_ALLOWED",
                format!("a new site has no field {name:?} (it takes url and currency)"),
            ));
        }
    }
    if wrong.is_empty() {
        Ok(Wanted { url, currency })
    } else {
        Err(ApiError::Validation(wrong))
    }
}

/// `http://` or `https://` and at least one more printable ASCII character
/// (no spaces), at most 2000 in all: what the OpenAPI document's pattern says.
fn is_site_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    url.len() <= 2000
        && rest.is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| (b'!'..=b'~').contains(&b))
        })
}

/// Makes a site from a request body `{url?, currency?}`.
pub async fn create(state: &AppState, body: &Value) -> Result<MadeSite> {
    let wanted = parse(body)?;
    let id = uuid::Uuid::new_v4().to_string();
    let site = SiteRow {
        url: wanted
            .url
            .unwrap_or_else(|| Site::hosted_url(&state.public_url, &id)),
        id,
        currency: wanted.currency,
    };
    let (admin_key, visitor_key) = (new_key(), new_key());
    let keys =
        [(&admin_key, Role::Admin), (&visitor_key, Role::Visitor)].map(|(key, role)| KeyRow {
            key: key.clone(),
            site_id: site.id.clone(),
            role: role.as_str().into(),
        });
    let _changing = state.control_lock.lock().await;
    state
        .store
        .insert_site(&site, &keys, state.clock.now_micros())
        .await?;
    let made = site_of(site.clone());
    state
        .tenancy
        .add_made(made.clone(), keys.into_iter().filter_map(key_of).collect());
    state.store.announce_control_change().await?;
    Ok(MadeSite {
        site: Arc::new(made),
        admin_key,
        visitor_key,
    })
}

/// Deletes a site made on demand and everything it has: templates,
/// checkouts, events, pending deliveries, fault rules, clock, keys.
pub async fn delete(state: &AppState, site_id: &str) -> Result<()> {
    if state.tenancy.sites.contains_key(site_id) {
        return Err(ApiError::application(
            StatusCode::CONFLICT,
            "SITE_IS_CONFIGURED",
            format!(
                "site {site_id} comes from the configuration (or the first start), so it cannot be deleted; POST /_emulator/reset empties it"
            ),
        ));
    }
    let _changing = state.control_lock.lock().await;
    if !state.store.delete_site(site_id).await? {
        return Err(ApiError::NotFound(format!("site {site_id} was not found")));
    }
    state.tenancy.remove_made(site_id);
    state.clock.set_offset(site_id, 0);
    state.faults.remove(site_id, None);
    state.journal.forget_site(site_id);
    state.store.announce_control_change().await?;
    Ok(())
}

/// Looks a key this instance does not know up in the database (another
/// instance may have made its site a moment ago); `true` if it was found.
pub async fn learn_key(state: &AppState, key: &str) -> Result<bool> {
    match state.store.site_of_key(key).await? {
        Some((site, keys)) => {
            learn(state, site, keys);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// A site, configured or made on demand (looked up in the database when
/// this instance does not know it yet).
pub async fn find(state: &AppState, site_id: &str) -> Result<Option<Arc<Site>>> {
    if let Some(site) = state.tenancy.site(site_id) {
        return Ok(Some(site));
    }
    // Only a site id could have been made: anything else would be a query
    // per request for nothing.
    if !crate::validate::is_guid(site_id) {
        return Ok(None);
    }
    match state.store.made_site(site_id).await? {
        Some((site, keys)) => {
            learn(state, site, keys);
            Ok(state.tenancy.site(site_id))
        }
        None => Ok(None),
    }
}

fn learn(state: &AppState, site: SiteRow, keys: Vec<KeyRow>) {
    state
        .tenancy
        .add_made(site_of(site), keys.into_iter().filter_map(key_of).collect());
}

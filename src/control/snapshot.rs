//! Snapshots of a site (`/_emulator/snapshot`): a versioned JSON document of
//! its templates (with their ids and times), its checkouts, and how far its
//! event sequence numbers went. `PUT` puts one back in a single transaction,
//! replacing what the site had, without webhooks for what it restores;
//! `--seed FILE` loads one into an empty site at start.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::{ApiError, FieldViolation, Result};
use crate::model::template::{checked, status_of, to_store};
use crate::site::Site;
use crate::state::AppState;
use crate::store::{SiteState, StoredCheckout, StoredTemplate};
use crate::validate::is_guid;

/// The format's version; a document of another is refused.
pub const VERSION: u64 = 1;

/// The highest `lastEventSequence` taken: 2^52, so that the 2^52 events
/// after it still number below 2^53, the largest integer every JSON reader
/// keeps exact (a snapshot taken later reports the sequence reached).
const MAX_SEQUENCE: i64 = 1 << 52;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot<'a> {
    version: u64,
    site_id: &'a str,
    taken_at: String,
    last_event_sequence: i64,
    templates: Vec<TemplateEntry>,
    checkouts: Vec<CheckoutEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplateEntry {
    checkout_template: Box<RawValue>,
    created_date: String,
    updated_date: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckoutEntry<'a> {
    checkout_template_id: &'a str,
    checkout: Box<RawValue>,
}

/// The site's snapshot, as JSON text.
pub async fn take(state: &AppState, site: &Site) -> Result<String> {
    let stored = state.store.site_state(&site.id).await?;
    let raw = |json: &str| RawValue::from_string(json.to_string()).map_err(anyhow::Error::from);
    let mut templates = Vec::with_capacity(stored.templates.len());
    for t in &stored.templates {
        templates.push(TemplateEntry {
            checkout_template: raw(&t.body)?,
            created_date: rfc3339(t.created_at),
            updated_date: rfc3339(t.updated_at),
        });
    }
    let mut checkouts = Vec::with_capacity(stored.checkouts.len());
    for c in &stored.checkouts {
        checkouts.push(CheckoutEntry {
            checkout_template_id: &c.template_id,
            checkout: raw(&c.body)?,
        });
    }
    let snapshot = Snapshot {
        version: VERSION,
        site_id: &site.id,
        taken_at: rfc3339(state.clock.site_now(&site.id)),
        last_event_sequence: stored.last_event_seq,
        templates,
        checkouts,
    };
    Ok(serde_json::to_string(&snapshot).map_err(anyhow::Error::from)?)
}

/// What a restore put back.
pub struct Restored {
    pub templates: usize,
    pub checkouts: usize,
}

/// Replaces the site's state with the snapshot `doc`, or, if anything in it
/// is wrong, says all of what and changes nothing.
pub async fn restore(state: &AppState, site: &Site, doc: &Value) -> Result<Restored> {
    let now = state.clock.site_now(&site.id);
    let site_state = read(doc, now).map_err(ApiError::Validation)?;
    // A version no copy of a template held in memory can have.
    let version = state.clock.now_micros();
    state
        .store
        .replace_site_state(&site.id, &site_state, version)
        .await?;
    Ok(Restored {
        templates: site_state.templates.len(),
        checkouts: site_state.checkouts.len(),
    })
}

/// Whether the site has nothing a snapshot would hold (a seed loads only then).
pub async fn is_empty(state: &AppState, site: &Site) -> Result<bool> {
    Ok(!state.store.site_has_data(&site.id).await?)
}

/// The site state a snapshot document describes, or every way it is wrong.
/// Times left out are `now`.
pub fn read(doc: &Value, now: i64) -> Result<SiteState, Vec<FieldViolation>> {
    let mut wrong = Vec::new();
    let Some(fields) = doc.as_object() else {
        return Err(vec![FieldViolation::new(
            "body",
            "FORMAT",
            "a snapshot is a JSON object",
        )]);
    };
    match fields.get("version") {
        Some(v) if crate::validate::whole_number(v) == Some(VERSION) => {}
        None | Some(Value::Null) => wrong.push(FieldViolation::new(
            "version",
            "REQUIRED_FIELD",
            "is required",
        )),
        Some(_) => wrong.push(FieldViolation::new(
            "version",
            "OTHER",
            format!("this emulator reads snapshots of version {VERSION}"),
        )),
    }
    if let Some(id) = fields.get("siteId").filter(|v| !v.is_null()) {
        if !id.as_str().is_some_and(is_guid) {
            wrong.push(FieldViolation::new("siteId", "FORMAT", "must be a GUID"));
        }
    }
    let last_event_seq = match fields.get("lastEventSequence") {
        None | Some(Value::Null) => 0,
        Some(v) => crate::validate::whole_number(v)
            .and_then(|n| i64::try_from(n).ok())
            .filter(|n| (0..=MAX_SEQUENCE).contains(n))
            .unwrap_or_else(|| {
                wrong.push(FieldViolation::new(
                    "lastEventSequence",
                    "FORMAT",
                    format!("must be a whole number from 0 to {MAX_SEQUENCE}"),
                ));
                0
            }),
    };
    let templates = read_templates(fields.get("templates"), now, &mut wrong);
    let checkouts = read_checkouts(fields.get("checkouts"), now, &mut wrong);
    if wrong.is_empty() {
        Ok(SiteState {
            templates,
            checkouts,
            last_event_seq,
        })
    } else {
        Err(wrong)
    }
}

/// The entries of a list field (absent is none).
fn entries<'a>(
    list: Option<&'a Value>,
    name: &str,
    wrong: &mut Vec<FieldViolation>,
) -> &'a [Value] {
    match list {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            wrong.push(FieldViolation::new(name, "FORMAT", "must be an array"));
            &[]
        }
    }
}

/// A time field of an entry: RFC 3339, or `now` when left out.
fn time_of(
    entry: &Value,
    field: &str,
    path: &str,
    now: i64,
    wrong: &mut Vec<FieldViolation>,
) -> i64 {
    match entry.get(field) {
        None | Some(Value::Null) => now,
        Some(v) => v.as_str().and_then(parse_rfc3339).unwrap_or_else(|| {
            wrong.push(FieldViolation::new(
                format!("{path}.{field}"),
                "FORMAT",
                "must be an RFC 3339 time",
            ));
            now
        }),
    }
}

/// An entry's id field: a GUID, not seen before in its list.
fn id_of(
    value: Option<&Value>,
    path: String,
    seen: &mut HashSet<String>,
    wrong: &mut Vec<FieldViolation>,
) -> Option<String> {
    match value.and_then(Value::as_str) {
        Some(id) if is_guid(id) => {
            if seen.insert(id.to_string()) {
                Some(id.to_string())
            } else {
                wrong.push(FieldViolation::new(
                    path,
                    "OTHER",
                    format!("{id} appears twice"),
                ));
                None
            }
        }
        _ => {
            wrong.push(FieldViolation::new(path, "FORMAT", "must be a GUID"));
            None
        }
    }
}

fn read_templates(
    list: Option<&Value>,
    now: i64,
    wrong: &mut Vec<FieldViolation>,
) -> Vec<StoredTemplate> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, entry) in entries(list, "templates", wrong).iter().enumerate() {
        let path = format!("templates[{i}].checkoutTemplate");
        let template = entry.get("checkoutTemplate");
        let id = id_of(
            template.and_then(|t| t.get("id")),
            format!("{path}.id"),
            &mut seen,
            wrong,
        );
        // Checked as a create would check it, the read-only id aside.
        let mut input = template.cloned().unwrap_or(Value::Null);
        if let Some(fields) = input.as_object_mut() {
            fields.shift_remove("id");
        }
        let doc = match checked(Some(&input), &path) {
            Ok(doc) => Some(to_store(doc)),
            Err(ApiError::Validation(v)) => {
                wrong.extend(v);
                None
            }
            Err(e) => {
                wrong.push(FieldViolation::new(path.clone(), "FORMAT", e.to_string()));
                None
            }
        };
        let created_at = time_of(entry, "createdDate", &format!("templates[{i}]"), now, wrong);
        let updated_at = time_of(
            entry,
            "updatedDate",
            &format!("templates[{i}]"),
            created_at,
            wrong,
        );
        if let (Some(id), Some(mut doc)) = (id, doc) {
            doc.insert("id".into(), Value::String(id.clone()));
            out.push(StoredTemplate {
                status: status_of(&doc).to_string(),
                body: serde_json::to_string(&doc).expect("JSON maps serialize"),
                id,
                created_at,
                updated_at,
            });
        }
    }
    out
}

fn read_checkouts(
    list: Option<&Value>,
    now: i64,
    wrong: &mut Vec<FieldViolation>,
) -> Vec<StoredCheckout> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, entry) in entries(list, "checkouts", wrong).iter().enumerate() {
        let path = format!("checkouts[{i}]");
        let template_id = match entry.get("checkoutTemplateId").and_then(Value::as_str) {
            Some(id) if is_guid(id) => Some(id.to_string()),
            _ => {
                wrong.push(FieldViolation::new(
                    format!("{path}.checkoutTemplateId"),
                    "FORMAT",
                    "must be a GUID",
                ));
                None
            }
        };
        let checkout = entry.get("checkout");
        if !checkout.is_some_and(Value::is_object) {
            wrong.push(FieldViolation::new(
                format!("{path}.checkout"),
                "FORMAT",
                "must be a checkout (a JSON object)",
            ));
            continue;
        }
        let checkout = checkout.expect("checked above");
        let id = id_of(
            checkout.get("id"),
            format!("{path}.checkout.id"),
            &mut seen,
            wrong,
        );
        let created_at = time_of(
            checkout,
            "createdDate",
            &format!("{path}.checkout"),
            now,
            wrong,
        );
        if let (Some(id), Some(template_id)) = (id, template_id) {
            out.push(StoredCheckout {
                id,
                template_id,
                body: checkout.to_string(),
                created_at,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: &str = "e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60";
    const C: &str = "f5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f61";

    fn template() -> Value {
        json!({"id": T, "status": "INACTIVE", "customLineItems": [
            {"quantity": 1, "productName": {"original": "Seeded"}, "itemType": {"preset": "PHYSICAL"}}
        ]})
    }

    #[test]
    fn a_document_reads_into_rows_with_its_ids_and_times() {
        let doc = json!({
            "version": 1,
            "lastEventSequence": 41,
            "templates": [{"checkoutTemplate": template(), "createdDate": "2026-01-02T03:04:05.000Z"}],
            "checkouts": [{"checkoutTemplateId": T, "checkout": {"id": C, "createdDate": "2026-01-03T00:00:00Z"}}],
        });
        let state = read(&doc, 7).unwrap();
        assert_eq!(state.last_event_seq, 41);
        let t = &state.templates[0];
        assert_eq!((t.id.as_str(), t.status.as_str()), (T, "INACTIVE"));
        assert_eq!(t.created_at, 1_767_323_045_000_000);
        assert_eq!(t.updated_at, t.created_at);
        let body: Value = serde_json::from_str(&t.body).unwrap();
        assert_eq!(body["id"], T, "the snapshot's id is kept");
        assert_eq!(
            body["customLineItems"][0]["price"], "0",
            "defaults filled as on create"
        );
        assert_eq!(state.checkouts[0].template_id, T);
        assert_eq!(state.checkouts[0].created_at, 1_767_398_400_000_000);
    }

    #[test]
    fn every_fault_of_a_document_is_told() {
        let mut bad = template();
        bad["customLineItems"][0]["quantity"] = json!(0);
        let doc = json!({
            "version": 2,
            "templates": [{"checkoutTemplate": bad}, {"checkoutTemplate": template()}],
            "checkouts": [{"checkoutTemplateId": "x", "checkout": {"id": C}}, {"checkout": 5}],
        });
        let fields: Vec<String> = read(&doc, 0)
            .unwrap_err()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(
            fields,
            [
                "version",
                "templates[0].checkoutTemplate.customLineItems[0].quantity",
                "templates[1].checkoutTemplate.id",
                "checkouts[0].checkoutTemplateId",
                "checkouts[1].checkoutTemplateId",
                "checkouts[1].checkout",
            ]
        );
        assert!(read(&json!([]), 0).is_err());
    }
}

//! How the emulator's own records look on the wire: camelCase JSON, times in
//! RFC 3339, as the rest of the API writes them.

use serde_json::{json, Value};

use crate::clock::rfc3339;
use crate::journal::Entry;
use crate::store::{AttemptRecord, DeliveryRecord, DeliveryState, FaultRow, Removed};

pub fn delivery(d: &DeliveryRecord) -> Value {
    json!({
        "id": d.id.to_string(),
        "appId": d.app_id,
        "state": d.state,
        "attemptCount": d.attempt_count,
        // When it will be sent (again); none once delivered or failed.
        "nextAttemptAt": (d.state == DeliveryState::Pending.as_str()).then(|| rfc3339(d.next_attempt_at)),
        "createdAt": rfc3339(d.created_at),
        "deliveredAt": d.delivered_at.map(rfc3339),
        "event": {
            "id": d.event_id,
            "entityEventSequence": d.event_seq.to_string(),
            "siteId": d.site_id,
            "entityId": d.entity_id,
            "slug": d.slug.as_str(),
        },
        "attempts": d.attempts.iter().map(attempt).collect::<Vec<_>>(),
    })
}

fn attempt(a: &AttemptRecord) -> Value {
    json!({
        "attempt": a.attempt,
        "statusCode": a.status_code,
        "error": a.error,
        "latencyMs": a.latency_ms,
        "responseBody": a.response_body,
        "attemptedAt": rfc3339(a.attempted_at),
        // The fault rule that shaped this attempt: its id and what it did.
        "fault": a.fault.as_deref().and_then(|f| serde_json::from_str::<Value>(f).ok()),
    })
}

pub fn removed(r: &Removed) -> Value {
    json!({
        "removed": {
            "checkoutTemplates": r.templates,
            "checkouts": r.checkouts,
            "events": r.events,
            "faultRules": r.fault_rules,
        }
    })
}

/// A fault rule: what the test sent, its id, how often it fired, and (for
/// a rule that fires a number of times) how many times are left.
pub fn fault(row: &FaultRow) -> Value {
    let mut rule: Value = serde_json::from_str(&row.spec).unwrap_or_else(|_| json!({}));
    rule["id"] = json!(row.id);
    rule["hits"] = json!(row.hits);
    if let Some(remaining) = row.remaining {
        rule["remaining"] = json!(remaining);
    }
    rule
}

/// One request of the journal; a dropped connection has status 0.
pub fn journal_entry(e: &Entry) -> Value {
    json!({
        "time": rfc3339(e.at),
        "method": e.method.as_str(),
        "path": e.path,
        "operation": e.operation.as_str(),
        "status": e.status,
        "durationMs": (e.duration_micros as f64 / 1000.0),
        "requestId": &*e.request_id,
        "faultId": e.fault_id,
    })
}

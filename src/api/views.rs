//! How the emulator's own records look on the wire: camelCase JSON, times in
//! RFC 3339, as the rest of the API writes them.

use serde_json::{json, Value};

use crate::clock::rfc3339;
use crate::store::{AttemptRecord, DeliveryRecord, DeliveryState, Removed};

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
    })
}

pub fn removed(r: &Removed) -> Value {
    json!({
        "removed": {
            "checkoutTemplates": r.templates,
            "checkouts": r.checkouts,
            "events": r.events,
        }
    })
}

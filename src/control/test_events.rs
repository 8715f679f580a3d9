//! Test events (`POST /_emulator/apps/{appId}/test-events`), as the "Test"
//! button of Wix's developer center sends them: a sample event of the asked
//! slug for the caller's site, to one app, signed and shaped exactly like a
//! real one and logged like one. The sample template exists nowhere else.

use serde_json::{json, Value};

use crate::clock::rfc3339;
use crate::error::{ApiError, Result};
use crate::model::checkout::{CheckoutShape, Creator, NewCheckout};
use crate::model::events::{used_body, Slug};
use crate::model::ids::EventId;
use crate::model::template::new_template;
use crate::site::Site;
use crate::state::AppState;
use crate::store::NewEvent;

/// A test event queued for delivery.
pub struct Sent {
    pub event_id: String,
    pub slug: Slug,
    pub entity_id: String,
    pub delivery_id: i64,
}

/// Queues a sample `{"slug": …}` event for `app_id` on the site.
pub async fn send(state: &AppState, site: &Site, app_id: &str, body: &Value) -> Result<Sent> {
    let slug = match body.get("slug") {
        None | Some(Value::Null) => {
            return Err(ApiError::validation(
                "slug",
                "REQUIRED_FIELD",
                "is required",
            ))
        }
        Some(v) => v.as_str().and_then(Slug::parse).ok_or_else(|| {
            ApiError::validation(
                "slug",
                "INVALID_ENUM_VALUE",
                "must be created, updated, deleted or used",
            )
        })?,
    };
    if let Some(other) = body
        .as_object()
        .and_then(|fields| fields.keys().find(|k| *k != "slug"))
    {
        return Err(ApiError::validation(
            other.clone(),
            "FIELD_NOT_ALLOWED",
            "a test event takes only slug",
        ));
    }
    let app = state
        .apps
        .get(app_id)
        .ok_or_else(|| ApiError::NotFound(format!("app {app_id} is not configured")))?;
    if app.webhook_url.is_none() {
        return Err(ApiError::validation(
            "appId",
            "OTHER",
            format!("app {app_id} has no webhook_url, so it gets no webhooks"),
        ));
    }
    let template = new_template(Some(&sample_template()), "checkoutTemplate")?;
    let template_id = template["id"].as_str().unwrap_or_default().to_string();
    let template_json = serde_json::to_string(&template).map_err(anyhow::Error::from)?;
    let now = state.clock.site_now(&site.id);
    let event_body = match slug {
        Slug::Used => {
            let shape = CheckoutShape::of(&template, &state.pricing, &site.currency)?;
            let checkout = shape.fill(&NewCheckout {
                id: &uuid::Uuid::new_v4().to_string(),
                purchase_flow_id: &uuid::Uuid::new_v4().to_string(),
                created_date: &rfc3339(now),
                visitor_id: &uuid::Uuid::new_v4().to_string(),
                created_by: Creator::Visitor,
            });
            used_body(&template_json, &checkout)
        }
        _ => template_json,
    };
    let event_id = EventId::new().to_string();
    let delivery_id = state
        .store
        .enqueue_for_app(
            app_id,
            &event_id,
            NewEvent {
                site_id: &site.id,
                entity_id: &template_id,
                slug,
                body: &event_body,
                time: now,
            },
        )
        .await?;
    Ok(Sent {
        event_id,
        slug,
        entity_id: template_id,
        delivery_id,
    })
}

/// A template such as an app might make: one item with a price.
fn sample_template() -> Value {
    json!({
        "customLineItems": [{
            "quantity": 1,
            "price": "10.00",
            "productName": {"original": "Test item"},
            "itemType": {"preset": "PHYSICAL"},
        }]
    })
}

//! The Wix webhook envelope: the JWT's claims and the `data` claim inside,
//! serialised straight to JSON.

use serde::ser::SerializeMap as _;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::clock::rfc3339;
use crate::model::events::Slug;
use crate::store::EventRow;

#[derive(Serialize)]
pub(super) struct Claims<'a> {
    pub data: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: &'static str,
    pub aud: &'a str,
}

/// The decoded `data` claim: event type, instance, identity and the DomainEvent,
/// the last two as JSON strings, as Wix nests them. Written straight to JSON: the stored body is spliced in as it
/// is, never parsed into a tree and printed again.
pub(super) struct Envelope<'a> {
    pub app_id: &'a str,
    pub instance_id: &'a str,
    pub event: &'a EventRow,
}

impl Serialize for Envelope<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let event = self.event;
        let domain =
            serde_json::to_string(&DomainEvent(event)).map_err(serde::ser::Error::custom)?;
        let identity = match visitor_of(event) {
            // A share-link click: the visitor who made the checkout.
            Some(visitor) => format!(
                r#"{{"identityType":"ANONYMOUS_VISITOR","anonymousVisitorId":{}}}"#,
                Value::from(visitor)
            ),
            None => format!(
                r#"{{"identityType":"APP","appId":{}}}"#,
                Value::from(self.app_id)
            ),
        };
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry(
            "eventType",
            &format_args!("wix.ecom.v1.checkout_template_{}", event.slug),
        )?;
        m.serialize_entry("instanceId", self.instance_id)?;
        m.serialize_entry("identity", &identity)?;
        m.serialize_entry("data", &domain)?;
        m.serialize_entry(
            "accountInfo",
            &AccountInfo {
                site_id: &event.site_id,
            },
        )?;
        m.end()
    }
}

/// The visitor who made a `used` event's checkout, if a visitor did
/// (`checkout.createdBy.visitorId`); everything else is read past, not kept.
fn visitor_of(event: &EventRow) -> Option<String> {
    #[derive(Deserialize)]
    struct Used {
        checkout: Checkout,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Checkout {
        created_by: Option<CreatedBy>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct CreatedBy {
        visitor_id: Option<String>,
    }
    if event.slug != Slug::Used {
        return None;
    }
    let used: Used = serde_json::from_str(&event.body).ok()?;
    used.checkout.created_by?.visitor_id
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountInfo<'a> {
    site_id: &'a str,
}

/// The DomainEvent, with its body in both forms: the object is what @wix/sdk
/// reads, the string what the REST docs show.
struct DomainEvent<'a>(&'a EventRow);

impl Serialize for DomainEvent<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let event = self.0;
        let (key, object, string) = match event.slug {
            Slug::Created => ("createdEvent", "entity", "entityAsJson"),
            Slug::Updated => ("updatedEvent", "currentEntity", "currentEntityAsJson"),
            Slug::Deleted => ("deletedEvent", "deletedEntity", "deletedEntityAsJson"),
            Slug::Used => ("actionEvent", "body", "bodyAsJson"),
        };
        let null = RawValue::NULL;
        let raw: &RawValue = serde_json::from_str(&event.body).unwrap_or(null);
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("id", &event.id)?;
        m.serialize_entry("entityFqdn", "wix.ecom.v1.checkout_template")?;
        m.serialize_entry("slug", event.slug.as_str())?;
        m.serialize_entry("entityId", &event.entity_id)?;
        m.serialize_entry("eventTime", &rfc3339(event.event_time))?;
        m.serialize_entry("triggeredByAnonymizeRequest", &false)?;
        m.serialize_entry("entityEventSequence", &event.seq.to_string())?;
        m.serialize_entry(
            key,
            &EventBody {
                object,
                raw,
                string,
                text: &event.body,
            },
        )?;
        m.end()
    }
}

struct EventBody<'a> {
    object: &'static str,
    raw: &'a RawValue,
    string: &'static str,
    text: &'a str,
}

impl Serialize for EventBody<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(self.object, self.raw)?;
        m.serialize_entry(self.string, self.text)?;
        m.end()
    }
}

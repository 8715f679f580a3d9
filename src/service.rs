//! What each endpoint does, independent of HTTP: validation, business rules and
//! the one storage call that makes it so.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::clock::rfc3339;
use crate::error::{ApiError, FieldViolation, Result};
use crate::model::checkout::{CheckoutShape, Creator, NewCheckout};
use crate::model::events::used_body;
use crate::model::ids::{CheckoutId, TemplateId};
use crate::model::template::{
    checked, has_items, new_template, to_store, without_items, Doc, Patch,
};
use crate::query::Plan;
use crate::site::Site;
use crate::state::AppState;
use crate::store::{CheckoutBodies, FromTemplate, TemplateRow};
use crate::validate::is_guid;

const MAX_BULK: usize = 100;

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("checkout template {id} was not found"))
}

/// The id in `s`, or a FORMAT violation of `field`.
fn parse_id<T>(s: &str, field: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| ApiError::validation(field, "FORMAT", "must be a valid GUID"))
}

pub async fn create_template(state: &AppState, site: &Site, body: &Value) -> Result<String> {
    let doc = new_template(body.get("checkoutTemplate"), "checkoutTemplate")?;
    let now = state.clock.site_now(&site.id);
    let mut stored = state.store.insert_templates(&site.id, &[doc], now).await?;
    Ok(stored.pop().expect("one template inserted"))
}

/// Creates every template or none. Schema rules are checked on the whole
/// request, as Wix checks a request's annotations before it runs: a
/// violation in any template is a 400 listing every violation of every
/// template (`checkoutTemplates[i]…`). Then, if any template has no items,
/// the whole request is 400 `CANNOT_CREATE_CHECKOUT_TEMPLATE_WITHOUT_ITEMS`.
/// Nothing is written and no event is sent unless all are created.
pub async fn bulk_create(state: &AppState, site: &Site, body: &Value) -> Result<Value> {
    let (items, return_entity) = bulk_request(body)?;
    let mut violations = Vec::new();
    let mut docs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match checked(Some(item), &format!("checkoutTemplates[{i}]")) {
            Ok(doc) => docs.push(doc),
            Err(ApiError::Validation(v)) => violations.extend(v),
            Err(e) => return Err(e),
        }
    }
    if !violations.is_empty() {
        return Err(ApiError::Validation(violations));
    }
    if let Some(i) = docs.iter().position(|doc| !has_items(doc)) {
        return Err(without_items(&format!("checkoutTemplates[{i}]")));
    }
    let docs: Vec<Doc> = docs.into_iter().map(to_store).collect();
    let now = state.clock.site_now(&site.id);
    let stored = state.store.insert_templates(&site.id, &docs, now).await?;
    bulk_report(&docs, stored, return_entity)
}

/// The templates of a bulk create and whether to return them, checked.
fn bulk_request(body: &Value) -> Result<(&Vec<Value>, bool)> {
    let items = match body.get("checkoutTemplates") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => {
            return Err(ApiError::validation(
                "checkoutTemplates",
                "REQUIRED_FIELD",
                "is required",
            ))
        }
        Some(_) => {
            return Err(ApiError::validation(
                "checkoutTemplates",
                "FORMAT",
                "must be an array",
            ))
        }
    };
    if items.is_empty() {
        return Err(ApiError::Validation(vec![FieldViolation::new(
            "checkoutTemplates",
            "MIN_SIZE",
            "must contain at least 1 element",
        )
        .with_data(json!({"threshold": 1}))]));
    }
    if items.len() > MAX_BULK {
        return Err(ApiError::Validation(vec![FieldViolation::new(
            "checkoutTemplates",
            "MAX_SIZE",
            format!("must contain at most {MAX_BULK} elements"),
        )
        .with_data(json!({"threshold": MAX_BULK}))]));
    }
    let return_entity = match body.get("returnEntity") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::validation(
                "returnEntity",
                "FORMAT",
                "must be a boolean",
            ))
        }
    };
    Ok((items, return_entity))
}

/// Bulk create's answer: one result per item, in order; `stored` holds the
/// JSON of each, in order.
fn bulk_report(docs: &[Doc], stored: Vec<String>, return_entity: bool) -> Result<Value> {
    let mut results = Vec::with_capacity(docs.len());
    for (index, (doc, json)) in docs.iter().zip(stored).enumerate() {
        let mut r =
            json!({"itemMetadata": {"id": doc["id"], "originalIndex": index, "success": true}});
        if return_entity {
            r["item"] = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
        }
        results.push(r);
    }
    Ok(json!({
        "results": results,
        "bulkActionMetadata": {
            "totalSuccesses": docs.len(),
            "totalFailures": 0,
            "undetailedFailures": 0,
        }
    }))
}

pub async fn get_template(state: &AppState, site: &Site, id: &str) -> Result<String> {
    let id = parse_id(id, "checkoutTemplateId", TemplateId::parse)?;
    state
        .store
        .get_template(&site.id, &id)
        .await?
        .ok_or_else(|| not_found(id.as_str()))
}

pub async fn update_template(
    state: &AppState,
    site: &Site,
    id: &str,
    body: &Value,
) -> Result<String> {
    let id = parse_id(id, "checkoutTemplate.id", TemplateId::parse)?;
    let patch = Patch::parse(id.as_str(), body)?;
    let now = state.clock.site_now(&site.id);
    state
        .store
        .update_template(&site.id, &id, now, |current| patch.apply(current))
        .await?
        .ok_or_else(|| not_found(id.as_str()))
}

pub async fn delete_template(state: &AppState, site: &Site, id: &str) -> Result<()> {
    let id = parse_id(id, "checkoutTemplateId", TemplateId::parse)?;
    let now = state.clock.site_now(&site.id);
    if state.store.delete_template(&site.id, &id, now).await? {
        Ok(())
    } else {
        Err(not_found(id.as_str()))
    }
}

pub async fn query_templates(
    state: &AppState,
    site: &Site,
    body: &Value,
) -> Result<(Vec<TemplateRow>, Value)> {
    let plan = Plan::from_request(body.get("query"), &site.id, &state.cursor_key)?;
    let rows = state.store.query_templates(&site.id, &plan).await?;
    Ok(plan.page(rows, &site.id, &state.cursor_key))
}

/// A checkout made from a template, as Create Checkout From Template answers.
pub struct CreatedCheckout {
    pub checkout_id: String,
    pub checkout_url: String,
    pub purchase_flow_id: String,
}

/// A checkout made from a template by `created_by`, its buyer a visitor of
/// its own.
async fn make_checkout(
    state: &AppState,
    site: &Site,
    template_id: &TemplateId,
    created_by: Creator<'_>,
) -> Result<FromTemplate<CreatedCheckout>> {
    let id = CheckoutId::new();
    let purchase_flow_id = uuid::Uuid::new_v4().to_string();
    let visitor_id = uuid::Uuid::new_v4().to_string();
    let now = state.clock.site_now(&site.id);
    let new = NewCheckout {
        id: id.as_str(),
        purchase_flow_id: &purchase_flow_id,
        created_date: &rfc3339(now),
        visitor_id: &visitor_id,
        created_by,
    };
    let outcome = state
        .store
        .create_checkout(&site.id, template_id, &id, now, |template| {
            let shape = template
                .checkout_shape(|doc| CheckoutShape::of(doc, &state.pricing, &site.currency))?;
            let checkout = shape.fill(&new);
            Ok(CheckoutBodies {
                used_event: used_body(&template.json, &checkout),
                checkout,
            })
        })
        .await?;
    Ok(outcome.map(|()| CreatedCheckout {
        checkout_url: site.checkout_url(id.as_str()),
        checkout_id: id.to_string(),
        purchase_flow_id,
    }))
}

pub async fn create_checkout(
    state: &AppState,
    site: &Site,
    template_id: &str,
    body: &Value,
) -> Result<CreatedCheckout> {
    let template_id = parse_id(template_id, "checkoutTemplateId", TemplateId::parse)?;
    // Wix requires `siteId`; one that is not the caller's site is refused.
    match body.get("siteId") {
        None | Some(Value::Null) => {
            return Err(ApiError::validation(
                "siteId",
                "REQUIRED_FIELD",
                "is required",
            ))
        }
        Some(Value::String(s)) if s.is_empty() => {
            return Err(ApiError::validation(
                "siteId",
                "REQUIRED_FIELD",
                "is required",
            ))
        }
        Some(Value::String(s)) if s == &site.id => {}
        Some(Value::String(s)) if !is_guid(s) => {
            return Err(ApiError::validation(
                "siteId",
                "FORMAT",
                "must be a valid GUID",
            ))
        }
        Some(_) => {
            return Err(ApiError::PermissionDenied(
                "siteId does not match the site this request is authorized for (wix-site-id)"
                    .into(),
            ))
        }
    }
    match make_checkout(state, site, &template_id, Creator::App(&state.api_app_id)).await? {
        FromTemplate::Made(created) => Ok(created),
        FromTemplate::NotFound => Err(not_found(template_id.as_str())),
        FromTemplate::Inactive => Err(ApiError::application(
            StatusCode::PRECONDITION_REQUIRED,
            "CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE",
            format!("checkout template {template_id} is INACTIVE"),
        )
        .with_data(json!({"checkoutTemplateId": template_id.as_str()}))),
    }
}

/// The share link: a checkout's URL, or the site's own URL when the template
/// cannot be used. Only URLs built for `site` are ever returned.
pub async fn click(state: &AppState, site: &Site, template_id: &str) -> Result<String> {
    let Some(template_id) = TemplateId::parse(template_id) else {
        return Ok(site.url.clone());
    };
    Ok(
        match make_checkout(state, site, &template_id, Creator::Visitor).await? {
            FromTemplate::Made(created) => created.checkout_url,
            FromTemplate::Inactive | FromTemplate::NotFound => site.url.clone(),
        },
    )
}

pub async fn get_checkout(state: &AppState, site: &Site, id: &str) -> Result<String> {
    let id = parse_id(id, "id", CheckoutId::parse)?;
    state
        .store
        .get_checkout(&site.id, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("checkout {id} was not found")))
}

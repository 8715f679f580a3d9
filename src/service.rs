//! What each endpoint does, independent of HTTP: validation, business rules and
//! the one storage call that makes it so.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::error::{ApiError, Result};
use crate::model::checkout::{CheckoutShape, NewCheckout};
use crate::model::template::{new_template, Doc, Patch};
use crate::query::Plan;
use crate::state::{AppState, Site};
use crate::store::{now_micros, rfc3339, CheckoutOutcome, TemplateRow};
use crate::validate::is_guid;

const MAX_BULK: usize = 100;

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("checkout template {id} was not found"))
}

fn check_id(id: &str, field: &str) -> Result<()> {
    if is_guid(id) {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            "FORMAT",
            "must be a valid GUID",
        ))
    }
}

pub async fn create_template(state: &AppState, site: &Site, body: &Value) -> Result<String> {
    let doc = new_template(body.get("checkoutTemplate"), "checkoutTemplate")?;
    let mut stored = state.store.insert_templates(&site.id, &[doc]).await?;
    Ok(stored.pop().expect("one template inserted"))
}

/// Creates what it can; each failure is reported at its index. All successes
/// commit together.
pub async fn bulk_create(state: &AppState, site: &Site, body: &Value) -> Result<Value> {
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
        return Err(ApiError::Validation(vec![
            crate::error::FieldViolation::new(
                "checkoutTemplates",
                "MIN_SIZE",
                "must contain at least 1 element",
            )
            .with_data(json!({"threshold": 1})),
        ]));
    }
    if items.len() > MAX_BULK {
        return Err(ApiError::Validation(vec![
            crate::error::FieldViolation::new(
                "checkoutTemplates",
                "MAX_SIZE",
                format!("must contain at most {MAX_BULK} elements"),
            )
            .with_data(json!({"threshold": MAX_BULK})),
        ]));
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

    let outcomes: Vec<Result<Doc>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| new_template(Some(item), &format!("checkoutTemplates[{i}]")))
        .collect();
    let valid: Vec<Doc> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok().cloned())
        .collect();
    let mut stored = state
        .store
        .insert_templates(&site.id, &valid)
        .await?
        .into_iter();

    let mut results = Vec::with_capacity(outcomes.len());
    for (index, outcome) in outcomes.iter().enumerate() {
        let result = match outcome {
            Ok(doc) => {
                let json = stored.next().expect("one stored body per valid template");
                let mut r = json!({"itemMetadata": {"id": doc["id"], "originalIndex": index, "success": true}});
                if return_entity {
                    r["item"] = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
                }
                r
            }
            Err(e) => json!({"itemMetadata": {
                "originalIndex": index, "success": false, "error": e.application_error(),
            }}),
        };
        results.push(result);
    }
    Ok(json!({
        "results": results,
        "bulkActionMetadata": {
            "totalSuccesses": valid.len(),
            "totalFailures": outcomes.len() - valid.len(),
            "undetailedFailures": 0,
        }
    }))
}

pub async fn get_template(state: &AppState, site: &Site, id: &str) -> Result<String> {
    check_id(id, "checkoutTemplateId")?;
    state
        .store
        .get_template(&site.id, id)
        .await?
        .ok_or_else(|| not_found(id))
}

pub async fn update_template(
    state: &AppState,
    site: &Site,
    id: &str,
    body: &Value,
) -> Result<String> {
    let patch = Patch::parse(id, body)?;
    state
        .store
        .update_template(&site.id, id, |current| patch.apply(current))
        .await?
        .ok_or_else(|| not_found(id))
}

pub async fn delete_template(state: &AppState, site: &Site, id: &str) -> Result<()> {
    check_id(id, "checkoutTemplateId")?;
    if state.store.delete_template(&site.id, id).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

pub async fn query_templates(
    state: &AppState,
    site: &Site,
    body: &Value,
) -> Result<(Vec<TemplateRow>, Value)> {
    let plan = Plan::from_request(body.get("query"), &site.id, &state.cursor_key)?;
    let rows = state
        .store
        .query_templates(&site.id, &plan.to_sql())
        .await?;
    Ok(plan.page(rows, &site.id, &state.cursor_key))
}

/// A checkout made from a template, as Create Checkout From Template answers.
pub struct CreatedCheckout {
    pub checkout_id: String,
    pub checkout_url: String,
    pub purchase_flow_id: String,
}

enum Made {
    Checkout(CreatedCheckout),
    Inactive,
    /// Unknown, deleted, or another site's.
    NotFound,
}

async fn make_checkout(state: &AppState, site: &Site, template_id: &str) -> Result<Made> {
    let id = crate::model::new_id();
    let purchase_flow_id = uuid::Uuid::new_v4().to_string();
    let new = NewCheckout {
        id: &id,
        purchase_flow_id: &purchase_flow_id,
        created_date: &rfc3339(now_micros()),
    };
    let outcome = state
        .store
        .create_checkout(&site.id, template_id, &id, |template| {
            let shape = template
                .checkout_shape(|doc| CheckoutShape::of(doc, &state.pricing, &site.currency))?;
            Ok(shape.fill(&new))
        })
        .await?;
    Ok(match outcome {
        CheckoutOutcome::Created => Made::Checkout(CreatedCheckout {
            checkout_url: site.checkout_url(&id),
            checkout_id: id,
            purchase_flow_id,
        }),
        CheckoutOutcome::Inactive => Made::Inactive,
        CheckoutOutcome::NotFound => Made::NotFound,
    })
}

pub async fn create_checkout(
    state: &AppState,
    site: &Site,
    template_id: &str,
    body: &Value,
) -> Result<CreatedCheckout> {
    check_id(template_id, "checkoutTemplateId")?;
    match body.get("siteId") {
        None | Some(Value::Null) => {}
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
    match make_checkout(state, site, template_id).await? {
        Made::Checkout(created) => Ok(created),
        Made::NotFound => Err(not_found(template_id)),
        Made::Inactive => Err(ApiError::application(
            StatusCode::PRECONDITION_REQUIRED,
            "CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE",
            format!("checkout template {template_id} is INACTIVE"),
        )
        .with_data(json!({"checkoutTemplateId": template_id}))),
    }
}

/// The share link: a checkout's URL, or the site's own URL when the template
/// cannot be used. Only URLs built for `site` are ever returned.
pub async fn click(state: &AppState, site: &Site, template_id: &str) -> Result<String> {
    if !is_guid(template_id) {
        return Ok(site.url.clone());
    }
    Ok(match make_checkout(state, site, template_id).await? {
        Made::Checkout(created) => created.checkout_url,
        Made::Inactive | Made::NotFound => site.url.clone(),
    })
}

pub async fn get_checkout(state: &AppState, site: &Site, id: &str) -> Result<String> {
    check_id(id, "id")?;
    state
        .store
        .get_checkout(&site.id, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("checkout {id} was not found")))
}

//! Checkout templates as JSON documents: validated against the REST schema on the
//! way in, stored as sent (minus what Wix drops), and patched field by field.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::schema::CHECKOUT_TEMPLATE;
use crate::error::{ApiError, FieldViolation, Result};
use crate::validate::{check_object, is_guid, Field, Ty};

pub type Doc = Map<String, Value>;

const NO_ITEMS: &str = "CANNOT_CREATE_CHECKOUT_TEMPLATE_WITHOUT_ITEMS";
const NO_FIELDS: &str = "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITHOUT_SPECIFIED_FIELDS";
const UNSUPPORTED_FIELD: &str = "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_UNSUPPORTED_FIELD";
const UNKNOWN_STATUS: &str = "CANNOT_UPDATE_CHECKOUT_UPDATE_TEMPLATE_WITH_UNKNOWN_STATUS";
const EMPTY_ITEMS: &str = "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_EMPTY_ITEMS";

/// Validates a template to create; returns the document to store, with its new
/// `id` first and `status` defaulted to `ACTIVE`.
pub fn new_template(raw: Option<&Value>, path: &str) -> Result<Doc> {
    let input = as_object(raw, path)?;
    let mut violations = Vec::new();
    let mut doc = check_object(input, CHECKOUT_TEMPLATE, path, &mut violations);
    if !violations.is_empty() {
        return Err(ApiError::Validation(violations));
    }
    if item_count(&doc) == 0 {
        return Err(ApiError::application(
            StatusCode::BAD_REQUEST,
            NO_ITEMS,
            "a checkout template needs at least one line item or custom line item",
        ));
    }
    let status = match doc.shift_remove("status") {
        Some(Value::String(s)) if s == "INACTIVE" => s,
        _ => "ACTIVE".to_string(),
    };
    let mut out = Map::with_capacity(doc.len() + 2);
    out.insert("id".into(), Value::String(super::new_id()));
    out.insert("status".into(), Value::String(status));
    out.extend(doc);
    Ok(out)
}

fn as_object<'a>(raw: Option<&'a Value>, path: &str) -> Result<&'a Map<String, Value>> {
    match raw {
        Some(Value::Object(map)) => Ok(map),
        None | Some(Value::Null) => {
            Err(ApiError::validation(path, "REQUIRED_FIELD", "is required"))
        }
        Some(_) => Err(ApiError::validation(path, "FORMAT", "must be an object")),
    }
}

fn item_count(doc: &Doc) -> usize {
    ["lineItems", "customLineItems"]
        .iter()
        .filter_map(|k| doc.get(*k).and_then(Value::as_array))
        .map(Vec::len)
        .sum()
}

/// A validated partial update: which paths change, and their new values.
#[derive(Debug)]
pub struct Patch {
    values: Doc,
    paths: Vec<Vec<String>>,
}

impl Patch {
    /// Validates the body of Update Checkout Template. Without a `fieldMask`, the
    /// fields present in the body are the ones that change, as Wix infers it.
    pub fn parse(path_id: &str, body: &Value) -> Result<Patch> {
        if !is_guid(path_id) {
            return Err(ApiError::validation(
                "checkoutTemplate.id",
                "FORMAT",
                "must be a valid GUID",
            ));
        }
        let input = as_object(body.get("checkoutTemplate"), "checkoutTemplate")?;
        if let Some(id) = input.get("id").filter(|v| !v.is_null()) {
            if id.as_str() != Some(path_id) {
                return Err(ApiError::validation(
                    "checkoutTemplate.id",
                    "FIELD_NOT_ALLOWED",
                    "must match the id in the path",
                ));
            }
        }
        if let Some(status) = input.get("status").filter(|v| !v.is_null()) {
            if !matches!(status.as_str(), Some("ACTIVE" | "INACTIVE")) {
                return Err(ApiError::application(
                    StatusCode::BAD_REQUEST,
                    UNKNOWN_STATUS,
                    "status must be ACTIVE or INACTIVE",
                )
                .with_data(serde_json::json!({"status": status})));
            }
        }
        let mut violations = Vec::new();
        let values = check_object(
            input,
            CHECKOUT_TEMPLATE,
            "checkoutTemplate",
            &mut violations,
        );
        let paths = match body.get("fieldMask") {
            None | Some(Value::Null) => leaf_paths(&values, CHECKOUT_TEMPLATE),
            Some(mask) => parse_field_mask(mask, &mut violations),
        };
        if !violations.is_empty() {
            return Err(ApiError::Validation(violations));
        }
        if paths.is_empty() {
            return Err(ApiError::application(
                StatusCode::BAD_REQUEST,
                NO_FIELDS,
                "the update names no field to change",
            ));
        }
        for path in &paths {
            if path[0] == "id" || !is_known_path(path) {
                return Err(ApiError::application(
                    StatusCode::BAD_REQUEST,
                    UNSUPPORTED_FIELD,
                    format!("field `{}` cannot be updated", path.join(".")),
                )
                .with_data(serde_json::json!({"field": path.join(".")})));
            }
        }
        Ok(Patch { values, paths })
    }

    /// Applies the patch to the stored document.
    pub fn apply(&self, current: &Doc) -> Result<Doc> {
        let mut next = current.clone();
        for path in &self.paths {
            let new_value = lookup(&self.values, path);
            if path[0] == "externalReference" && new_value != lookup(current, path) {
                return Err(ApiError::application(
                    StatusCode::BAD_REQUEST,
                    UNSUPPORTED_FIELD,
                    "externalReference is immutable",
                )
                .with_data(serde_json::json!({"field": path.join(".")})));
            }
            set_path(&mut next, path, new_value.cloned());
        }
        if item_count(&next) == 0 {
            return Err(ApiError::application(
                StatusCode::BAD_REQUEST,
                EMPTY_ITEMS,
                "a checkout template must keep at least one line item or custom line item",
            ));
        }
        Ok(next)
    }
}

fn parse_field_mask(mask: &Value, violations: &mut Vec<FieldViolation>) -> Vec<Vec<String>> {
    let raw: Vec<String> = match mask {
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Value::Object(m) => match m.get("paths") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        },
        _ => {
            violations.push(FieldViolation::new(
                "fieldMask",
                "FORMAT",
                "must be a comma-separated list of paths",
            ));
            Vec::new()
        }
    };
    raw.iter()
        .map(|p| p.trim().trim_start_matches("checkoutTemplate."))
        .filter(|p| !p.is_empty())
        .map(|p| p.split('.').map(str::to_string).collect())
        .collect()
}

/// The paths of every value in a patch body, descending into message fields only:
/// arrays, maps and scalars are replaced whole.
fn leaf_paths(doc: &Doc, fields: &[Field]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (key, value) in doc {
        if key == "id" {
            continue;
        }
        let nested = fields
            .iter()
            .find(|f| f.name == key)
            .and_then(|f| match (&f.ty, value) {
                (Ty::Obj(inner), Value::Object(map)) if !map.is_empty() => {
                    Some(leaf_paths(map, inner))
                }
                _ => None,
            });
        match nested {
            Some(children) => out.extend(children.into_iter().map(|mut p| {
                p.insert(0, key.clone());
                p
            })),
            None => out.push(vec![key.clone()]),
        }
    }
    out
}

fn is_known_path(path: &[String]) -> bool {
    let mut fields = CHECKOUT_TEMPLATE;
    for (i, segment) in path.iter().enumerate() {
        let Some(field) = fields.iter().find(|f| f.name == segment) else {
            return false;
        };
        match &field.ty {
            Ty::Obj(inner) => fields = inner,
            _ => return i == path.len() - 1,
        }
    }
    true
}

fn lookup<'a>(doc: &'a Doc, path: &[String]) -> Option<&'a Value> {
    let (last, parents) = path.split_last()?;
    let mut map = doc;
    for segment in parents {
        map = map.get(segment)?.as_object()?;
    }
    map.get(last)
}

fn set_path(doc: &mut Doc, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut map = doc;
    for segment in parents {
        let entry = map
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        map = entry.as_object_mut().expect("just made an object");
    }
    match value {
        Some(v) => {
            map.insert(last.clone(), v);
        }
        None => {
            map.shift_remove(last);
        }
    }
}

pub fn status_of(doc: &Doc) -> &str {
    doc.get("status")
        .and_then(Value::as_str)
        .unwrap_or("ACTIVE")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored() -> Doc {
        let v = json!({"checkoutTemplate": {
            "customization": {"lockedCoupon": true, "webClient": {"disabledContinueShoppingButton": true}},
            "customLineItems": [{"quantity": 1, "price": "5", "productName": {"original": "A"}}],
            "externalReference": {"appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60"}
        }});
        new_template(v.get("checkoutTemplate"), "checkoutTemplate").unwrap()
    }

    #[test]
    fn inferred_mask_changes_only_the_leaves_sent() {
        let doc = stored();
        let id = doc["id"].as_str().unwrap().to_string();
        let patch = Patch::parse(
            &id,
            &json!({"checkoutTemplate": {"id": id, "customization": {"lockedGiftCard": true}}}),
        )
        .unwrap();
        let next = patch.apply(&doc).unwrap();
        assert_eq!(
            next["customization"],
            json!({"lockedCoupon": true, "webClient": {"disabledContinueShoppingButton": true}, "lockedGiftCard": true})
        );
        assert_eq!(next["status"], "ACTIVE");
    }

    #[test]
    fn explicit_mask_clears_fields_absent_from_the_body() {
        let doc = stored();
        let id = doc["id"].as_str().unwrap().to_string();
        let patch = Patch::parse(
            &id,
            &json!({"checkoutTemplate": {}, "fieldMask": "customization.webClient"}),
        )
        .unwrap();
        let next = patch.apply(&doc).unwrap();
        assert_eq!(next["customization"], json!({"lockedCoupon": true}));
    }

    #[test]
    fn external_reference_is_immutable() {
        let doc = stored();
        let id = doc["id"].as_str().unwrap().to_string();
        let same = Patch::parse(&id, &json!({"checkoutTemplate": {"externalReference": {"appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60"}}})).unwrap();
        assert!(same.apply(&doc).is_ok());
        let other = Patch::parse(
            &id,
            &json!({"checkoutTemplate": {"externalReference": {"resourceId": "x"}}}),
        )
        .unwrap();
        let err = other.apply(&doc).unwrap_err();
        assert_eq!(err.application_error()["code"], UNSUPPORTED_FIELD);
    }

    #[test]
    fn unknown_mask_paths_are_rejected() {
        let id = "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60";
        let err =
            Patch::parse(id, &json!({"checkoutTemplate": {}, "fieldMask": "nope"})).unwrap_err();
        assert_eq!(err.application_error()["code"], UNSUPPORTED_FIELD);
        let err = Patch::parse(id, &json!({"checkoutTemplate": {"id": id}})).unwrap_err();
        assert_eq!(err.application_error()["code"], NO_FIELDS);
    }
}

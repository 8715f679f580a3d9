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
    let doc = checked(raw, path)?;
    if !has_items(&doc) {
        return Err(without_items(path));
    }
    Ok(to_store(doc))
}

/// A template checked against the REST schema (every violation at once), as
/// Wix keeps it; not yet checked for items.
pub fn checked(raw: Option<&Value>, path: &str) -> Result<Doc> {
    let input = as_object(raw, path)?;
    let mut violations = Vec::new();
    let doc = check_object(input, CHECKOUT_TEMPLATE, path, &mut violations);
    if !violations.is_empty() {
        return Err(ApiError::Validation(violations));
    }
    Ok(doc)
}

/// Whether a template has a line item or a custom line item.
pub fn has_items(doc: &Doc) -> bool {
    item_count(doc) > 0
}

/// The error for the template at `path` having no items.
pub fn without_items(path: &str) -> ApiError {
    ApiError::application(
        StatusCode::BAD_REQUEST,
        NO_ITEMS,
        format!("a checkout template needs at least one line item or custom line item ({path} has none)"),
    )
}

/// A checked template as stored: its new `id` first, then `status`.
pub fn to_store(mut doc: Doc) -> Doc {
    let status = match doc.shift_remove("status") {
        Some(Value::String(s)) if s == "INACTIVE" => s,
        _ => "ACTIVE".to_string(),
    };
    let mut out = Map::with_capacity(doc.len() + 5);
    out.insert("id".into(), Value::String(super::new_id()));
    out.insert("status".into(), Value::String(status));
    out.extend(doc);
    fill_defaults(&mut out);
    out
}

/// Fills in what Wix always returns (the SDK's return types mark these
/// fields non-null) with Wix's defaults, leaving every value the caller sent
/// as it is: `lineItems` and `customLineItems` (`[]`), every `customization`
/// flag (`false`), and each custom line item's `price` (`"0"`),
/// `paymentOption` (`FULL_PAYMENT_ONLINE`) and flags (`false`); inside a
/// catalog item's overrides, `physicalProperties.shippable` (`false`) and
/// `paymentOption.value` (`FULL_PAYMENT_ONLINE`) when their object is there.
/// Stored so, every answer and event carries them without work per read.
fn fill_defaults(doc: &mut Doc) {
    for key in ["lineItems", "customLineItems"] {
        or_insert(doc, key, || Value::Array(Vec::new()));
    }
    let customization = object_at(doc, "customization");
    let web_client = object_at(customization, "webClient");
    for flag in [
        "disabledContinueShoppingButton",
        "disabledPolicyAgreementCheckbox",
    ] {
        or_insert(web_client, flag, || Value::Bool(false));
    }
    for flag in ["lockedGiftCard", "lockedCoupon", "disabledManualPayment"] {
        or_insert(customization, flag, || Value::Bool(false));
    }
    for item in objects_in(doc, "lineItems") {
        let Some(Value::Object(overrides)) = item.get_mut("catalogOverrideFields") else {
            continue;
        };
        if let Some(Value::Object(p)) = overrides.get_mut("physicalProperties") {
            or_insert(p, "shippable", || Value::Bool(false));
        }
        if let Some(Value::Object(p)) = overrides.get_mut("paymentOption") {
            or_insert(p, "value", || FULL_PAYMENT_ONLINE.into());
        }
    }
    for item in objects_in(doc, "customLineItems") {
        or_insert(item, "price", || "0".into());
        or_insert(item, "paymentOption", || FULL_PAYMENT_ONLINE.into());
        for flag in [
            "priceUndetermined",
            "fixedQuantity",
            "savePaymentMethod",
            "membersOnly",
        ] {
            or_insert(item, flag, || Value::Bool(false));
        }
    }
}

const FULL_PAYMENT_ONLINE: &str = "FULL_PAYMENT_ONLINE";

fn or_insert(map: &mut Doc, key: &str, value: impl FnOnce() -> Value) {
    if !map.contains_key(key) {
        map.insert(key.to_string(), value());
    }
}

/// The object at `key`, made empty if absent.
fn object_at<'a>(map: &'a mut Doc, key: &str) -> &'a mut Doc {
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("just made an object")
}

/// The objects in the array at `key`.
fn objects_in<'a>(doc: &'a mut Doc, key: &str) -> impl Iterator<Item = &'a mut Doc> {
    doc.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
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
        // An empty mask is no mask, as in Wix's field-mask semantics: the
        // fields sent are the ones that change.
        let masked = match body.get("fieldMask") {
            None | Some(Value::Null) => Vec::new(),
            Some(mask) => parse_field_mask(mask, &mut violations),
        };
        let paths = if masked.is_empty() {
            leaf_paths(&values, CHECKOUT_TEMPLATE)
        } else {
            masked
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
        // Clearing `status` would leave it UNKNOWN_STATUS, which an update may not set.
        if paths.iter().any(|p| p == &["status"]) && !values.contains_key("status") {
            return Err(ApiError::application(
                StatusCode::BAD_REQUEST,
                UNKNOWN_STATUS,
                "status must be ACTIVE or INACTIVE: a field mask naming it needs it in the body",
            )
            .with_data(serde_json::json!({"status": Value::Null})));
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
        fill_defaults(&mut next);
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
        Value::Array(items) => mask_strings(items, "fieldMask", violations),
        Value::Object(m) => match m.get("paths") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => mask_strings(items, "fieldMask.paths", violations),
            Some(_) => {
                violations.push(FieldViolation::new(
                    "fieldMask.paths",
                    "FORMAT",
                    "must be an array of paths",
                ));
                Vec::new()
            }
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

/// The paths of a mask given as a list; anything but a string in it is a
/// violation, not a path silently skipped.
fn mask_strings(items: &[Value], path: &str, violations: &mut Vec<FieldViolation>) -> Vec<String> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) => out.push(s.clone()),
            _ => violations.push(FieldViolation::new(
                format!("{path}[{i}]"),
                "FORMAT",
                "must be a path (a string)",
            )),
        }
    }
    out
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
        map = object_at(map, segment);
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
            "customLineItems": [{"quantity": 1, "price": "5", "productName": {"original": "A"}, "itemType": {"preset": "PHYSICAL"}}],
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
            json!({"lockedCoupon": true, "webClient": {"disabledContinueShoppingButton": true, "disabledPolicyAgreementCheckbox": false},
                   "lockedGiftCard": true, "disabledManualPayment": false})
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
        assert_eq!(
            next["customization"],
            json!({"lockedCoupon": true, "lockedGiftCard": false, "disabledManualPayment": false,
                   "webClient": {"disabledContinueShoppingButton": false, "disabledPolicyAgreementCheckbox": false}}),
            "cleared, then Wix's defaults again"
        );
    }

    /// As text, since key order is part of what is kept: the caller's keys in
    /// its order, then the defaults.
    #[test]
    fn defaults_fill_only_what_was_left_out() {
        let v = json!({
            "customLineItems": [{"quantity": 2, "productName": {"original": "A"}, "itemType": {"custom": "x"}, "fixedQuantity": true}],
            "lineItems": [{"quantity": 1, "catalogReference": {"appId": "a", "catalogItemId": "b"},
                           "catalogOverrideFields": {"physicalProperties": {"sku": "s"}, "paymentOption": {}}}],
            "customization": {"lockedCoupon": true},
        });
        let mut doc = new_template(Some(&v), "checkoutTemplate").unwrap();
        doc.shift_remove("id");
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            r#"{"status":"ACTIVE","customLineItems":[{"quantity":2,"productName":{"original":"A"},"itemType":{"custom":"x"},"fixedQuantity":true,"price":"0","paymentOption":"FULL_PAYMENT_ONLINE","priceUndetermined":false,"savePaymentMethod":false,"membersOnly":false}],"lineItems":[{"quantity":1,"catalogReference":{"appId":"a","catalogItemId":"b"},"catalogOverrideFields":{"physicalProperties":{"sku":"s","shippable":false},"paymentOption":{"value":"FULL_PAYMENT_ONLINE"}}}],"customization":{"lockedCoupon":true,"webClient":{"disabledContinueShoppingButton":false,"disabledPolicyAgreementCheckbox":false},"lockedGiftCard":false,"disabledManualPayment":false}}"#
        );
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

    #[test]
    fn an_empty_mask_is_no_mask() {
        let doc = stored();
        let id = doc["id"].as_str().unwrap().to_string();
        for mask in [
            json!(""),
            json!(" , checkoutTemplate."),
            json!([]),
            json!({}),
            json!({"paths": []}),
        ] {
            let patch = Patch::parse(
                &id,
                &json!({"checkoutTemplate": {"couponCode": "X"}, "fieldMask": mask}),
            )
            .unwrap_or_else(|e| panic!("{mask}: {e}"));
            let next = patch.apply(&doc).unwrap();
            assert_eq!(next["couponCode"], "X", "{mask}");
            assert_eq!(
                next["customization"]["lockedCoupon"], true,
                "{mask}: only what was sent changes"
            );
            let err =
                Patch::parse(&id, &json!({"checkoutTemplate": {}, "fieldMask": mask})).unwrap_err();
            assert_eq!(err.application_error()["code"], NO_FIELDS, "{mask}");
        }
    }

    #[test]
    fn a_mask_holds_only_paths() {
        let id = "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60";
        for (mask, field) in [
            (json!(["couponCode", 5]), "fieldMask[1]"),
            (json!({"paths": [null]}), "fieldMask.paths[0]"),
            (json!({"paths": "couponCode"}), "fieldMask.paths"),
            (json!(true), "fieldMask"),
        ] {
            let Err(ApiError::Validation(v)) = Patch::parse(
                id,
                &json!({"checkoutTemplate": {"couponCode": "X"}, "fieldMask": mask}),
            ) else {
                panic!("{mask} is refused");
            };
            assert_eq!(v[0].field, field, "{mask}");
        }
    }
}

//! The template form: rows of line items and custom line items, a coupon and
//! the customization switches, read from a posted form and turned into the
//! template JSON the API takes. Each input is named by its path in that JSON
//! (`lineItems[0].quantity`), so the validator's violations, which name the
//! same paths, land beside the input they are about.
//!
//! What the form has no input for (a line's options, media, description
//! lines…) rides along in a hidden `_rest` JSON per row, so editing a
//! template in the form keeps it.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::ApiError;

/// The Wix Stores app, the usual catalog of line items.
pub const STORES_APP: &str = "215238eb-22a5-4c36-9e7b-e7c08025e04e";

pub const ITEM_TYPES: &[&str] = &[
    "PHYSICAL",
    "DIGITAL",
    "GIFT_CARD",
    "SERVICE",
    "UNRECOGNISED",
];

/// A line item row, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineRow {
    pub app_id: String,
    pub item_id: String,
    pub quantity: String,
    pub name: String,
    pub price: String,
    /// JSON of what the row holds beyond these.
    pub rest: String,
}

/// A custom line item row, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomRow {
    pub name: String,
    pub quantity: String,
    pub price: String,
    pub item_type: String,
    pub rest: String,
}

/// The customization switches: their path under `customization` and label.
pub const SWITCHES: &[(&str, &str)] = &[
    ("lockedCoupon", "Lock the coupon code"),
    ("lockedGiftCard", "Lock the gift card"),
    ("disabledManualPayment", "No manual payment"),
    (
        "webClient.disabledContinueShoppingButton",
        "No “Continue shopping” button",
    ),
    (
        "webClient.disabledPolicyAgreementCheckbox",
        "No policy agreement checkbox",
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateForm {
    pub lines: Vec<LineRow>,
    pub customs: Vec<CustomRow>,
    pub coupon: String,
    /// One per [`SWITCHES`].
    pub switches: Vec<bool>,
}

impl Default for TemplateForm {
    /// A new template's form: one empty row of each kind.
    fn default() -> TemplateForm {
        TemplateForm {
            lines: vec![LineRow::new()],
            customs: vec![CustomRow::new()],
            coupon: String::new(),
            switches: vec![false; SWITCHES.len()],
        }
    }
}

impl LineRow {
    pub fn new() -> LineRow {
        LineRow {
            app_id: STORES_APP.into(),
            ..LineRow::default()
        }
    }

    fn is_blank(&self) -> bool {
        [
            &self.item_id,
            &self.quantity,
            &self.name,
            &self.price,
            &self.rest,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

impl CustomRow {
    pub fn new() -> CustomRow {
        CustomRow {
            item_type: "PHYSICAL".into(),
            ..CustomRow::default()
        }
    }

    fn is_blank(&self) -> bool {
        [&self.name, &self.quantity, &self.price, &self.rest]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// `v` at a dotted path.
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, key| &v[key])
}

/// Sets a dotted path, making the objects on the way.
fn put(v: &mut Map<String, Value>, path: &str, value: Value) {
    let mut keys = path.split('.').peekable();
    let mut map = v;
    while let Some(key) = keys.next() {
        if keys.peek().is_none() {
            map.insert(key.to_string(), value);
            return;
        }
        let next = map
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        map = next.as_object_mut().expect("made an object");
    }
}

/// Removes a dotted path, and the objects it leaves empty.
fn take(v: &mut Map<String, Value>, path: &str) -> Value {
    match path.split_once('.') {
        None => v.remove(path).unwrap_or(Value::Null),
        Some((head, tail)) => {
            let Some(Value::Object(inner)) = v.get_mut(head) else {
                return Value::Null;
            };
            let taken = take(inner, tail);
            if inner.is_empty() {
                v.remove(head);
            }
            taken
        }
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A typed quantity: a number when it is one; else the text as typed, so the
/// validator says what is wrong with it.
fn quantity(s: &str) -> Option<Value> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Some(
        s.parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(s)),
    )
}

fn rest_of(s: &str, path: &str) -> Result<Map<String, Value>, String> {
    if s.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str(s) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(format!(
            "{path}: the hidden rest of this row is not a JSON object"
        )),
    }
}

fn rest_text(rest: Map<String, Value>) -> String {
    if rest.is_empty() {
        String::new()
    } else {
        Value::Object(rest).to_string()
    }
}

const LINE_FIELDS: [&str; 5] = [
    "catalogReference.appId",
    "catalogReference.catalogItemId",
    "quantity",
    "catalogOverrideFields.productName.original",
    "catalogOverrideFields.price",
];
const CUSTOM_FIELDS: [&str; 4] = [
    "productName.original",
    "quantity",
    "price",
    "itemType.preset",
];

impl TemplateForm {
    /// The form of a stored template (its `lineItems`, `customLineItems`,
    /// `couponCode` and `customization`).
    pub fn of(template: &Value) -> TemplateForm {
        let rows = |key: &str| template[key].as_array().cloned().unwrap_or_default();
        let lines = rows("lineItems")
            .into_iter()
            .map(|item| {
                let mut m = item.as_object().cloned().unwrap_or_default();
                let mut f = LINE_FIELDS.map(|p| as_text(&take(&mut m, p)));
                LineRow {
                    app_id: std::mem::take(&mut f[0]),
                    item_id: std::mem::take(&mut f[1]),
                    quantity: std::mem::take(&mut f[2]),
                    name: std::mem::take(&mut f[3]),
                    price: std::mem::take(&mut f[4]),
                    rest: rest_text(m),
                }
            })
            .collect();
        let customs = rows("customLineItems")
            .into_iter()
            .map(|item| {
                let mut m = item.as_object().cloned().unwrap_or_default();
                let mut f = CUSTOM_FIELDS.map(|p| as_text(&take(&mut m, p)));
                CustomRow {
                    name: std::mem::take(&mut f[0]),
                    quantity: std::mem::take(&mut f[1]),
                    price: std::mem::take(&mut f[2]),
                    item_type: std::mem::take(&mut f[3]),
                    rest: rest_text(m),
                }
            })
            .collect();
        let customization = &template["customization"];
        TemplateForm {
            lines,
            customs,
            coupon: as_text(&template["couponCode"]),
            switches: SWITCHES
                .iter()
                .map(|(path, _)| at(customization, path).as_bool().unwrap_or(false))
                .collect(),
        }
    }

    /// The form as posted: inputs named by path, rows by index.
    pub fn from_fields(fields: &[(String, String)]) -> TemplateForm {
        let mut lines: BTreeMap<usize, LineRow> = BTreeMap::new();
        let mut customs: BTreeMap<usize, CustomRow> = BTreeMap::new();
        let mut form = TemplateForm {
            lines: Vec::new(),
            customs: Vec::new(),
            coupon: String::new(),
            switches: vec![false; SWITCHES.len()],
        };
        for (name, value) in fields {
            if name == "couponCode" {
                form.coupon = value.clone();
            } else if let Some(path) = name.strip_prefix("customization.") {
                if let Some(i) = SWITCHES.iter().position(|(p, _)| *p == path) {
                    form.switches[i] = value == "true";
                }
            } else if let Some((i, field)) = row_field(name, "lineItems") {
                let row = lines.entry(i).or_default();
                let slot = match field {
                    "catalogReference.appId" => &mut row.app_id,
                    "catalogReference.catalogItemId" => &mut row.item_id,
                    "quantity" => &mut row.quantity,
                    "catalogOverrideFields.productName.original" => &mut row.name,
                    "catalogOverrideFields.price" => &mut row.price,
                    "_rest" => &mut row.rest,
                    _ => continue,
                };
                *slot = value.clone();
            } else if let Some((i, field)) = row_field(name, "customLineItems") {
                let row = customs.entry(i).or_default();
                let slot = match field {
                    "productName.original" => &mut row.name,
                    "quantity" => &mut row.quantity,
                    "price" => &mut row.price,
                    "itemType.preset" => &mut row.item_type,
                    "_rest" => &mut row.rest,
                    _ => continue,
                };
                *slot = value.clone();
            }
        }
        form.lines = lines.into_values().collect();
        form.customs = customs.into_values().collect();
        form
    }

    /// The template JSON the form says, its blank rows left out. A row whose
    /// hidden rest is not JSON is an error.
    pub fn to_json(&self) -> Result<Value, String> {
        let mut template = Map::new();
        let mut lines = Vec::new();
        for (i, row) in self.lines.iter().filter(|r| !r.is_blank()).enumerate() {
            let mut m = rest_of(&row.rest, &format!("lineItems[{i}]"))?;
            for (path, value) in LINE_FIELDS.iter().zip([&row.app_id, &row.item_id]) {
                if !value.trim().is_empty() {
                    put(&mut m, path, json!(value.trim()));
                }
            }
            if let Some(q) = quantity(&row.quantity) {
                put(&mut m, "quantity", q);
            }
            if !row.name.trim().is_empty() {
                put(&mut m, LINE_FIELDS[3], json!(row.name.trim()));
            }
            if !row.price.trim().is_empty() {
                put(&mut m, LINE_FIELDS[4], json!(row.price.trim()));
            }
            lines.push(Value::Object(m));
        }
        let mut customs = Vec::new();
        for (i, row) in self.customs.iter().filter(|r| !r.is_blank()).enumerate() {
            let mut m = rest_of(&row.rest, &format!("customLineItems[{i}]"))?;
            if !row.name.trim().is_empty() {
                put(&mut m, CUSTOM_FIELDS[0], json!(row.name.trim()));
            }
            if let Some(q) = quantity(&row.quantity) {
                put(&mut m, "quantity", q);
            }
            if !row.price.trim().is_empty() {
                put(&mut m, "price", json!(row.price.trim()));
            }
            if !row.item_type.trim().is_empty() {
                put(&mut m, CUSTOM_FIELDS[3], json!(row.item_type.trim()));
            }
            customs.push(Value::Object(m));
        }
        template.insert("lineItems".into(), Value::Array(lines));
        template.insert("customLineItems".into(), Value::Array(customs));
        if !self.coupon.trim().is_empty() {
            template.insert("couponCode".into(), json!(self.coupon.trim()));
        }
        let mut customization = Map::new();
        for ((path, _), on) in SWITCHES.iter().zip(&self.switches) {
            put(&mut customization, path, json!(on));
        }
        template.insert("customization".into(), Value::Object(customization));
        Ok(Value::Object(template))
    }

    /// Applies a row button (`add-line`, `remove-custom-2`…); false if `op`
    /// is none of them.
    pub fn apply_op(&mut self, op: &str) -> bool {
        match op {
            "add-line" => self.lines.push(LineRow::new()),
            "add-custom" => self.customs.push(CustomRow::new()),
            _ => {
                if let Some(i) = index_after(op, "remove-line-") {
                    if i < self.lines.len() {
                        self.lines.remove(i);
                    }
                } else if let Some(i) = index_after(op, "remove-custom-") {
                    if i < self.customs.len() {
                        self.customs.remove(i);
                    }
                } else {
                    return false;
                }
            }
        }
        true
    }
}

fn index_after(s: &str, prefix: &str) -> Option<usize> {
    s.strip_prefix(prefix)?.parse().ok()
}

/// `("lineItems[3].quantity", "lineItems")` → `(3, "quantity")`.
fn row_field<'a>(name: &'a str, list: &str) -> Option<(usize, &'a str)> {
    let rest = name.strip_prefix(list)?.strip_prefix('[')?;
    let (index, field) = rest.split_once("].")?;
    Some((index.parse().ok()?, field))
}

/// What the validator said, by the form's paths (`checkoutTemplate.` cut).
#[derive(Debug, Default)]
pub struct Errors {
    by_field: BTreeMap<String, Vec<String>>,
    /// Every message, in order, with the path it is about.
    pub all: Vec<String>,
}

impl Errors {
    pub fn of(error: &ApiError, prefix: &str) -> Errors {
        let mut errors = Errors::default();
        match error {
            ApiError::Validation(violations) => {
                for v in violations {
                    let field = v.field.strip_prefix(prefix).unwrap_or(&v.field);
                    errors
                        .by_field
                        .entry(field.to_string())
                        .or_default()
                        .push(v.description.clone());
                    errors.all.push(format!("{field}: {}", v.description));
                }
            }
            other => errors.all.push(other.to_string()),
        }
        errors
    }

    pub fn message(message: impl Into<String>) -> Errors {
        Errors {
            all: vec![message.into()],
            ..Errors::default()
        }
    }

    pub fn at(&self, field: &str) -> Vec<String> {
        self.by_field.get(field).cloned().unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

/// One input as a page draws it.
pub struct Input {
    pub label: &'static str,
    /// The JSON path it sets: the form field's name.
    pub name: String,
    /// The element id (the name with its brackets and dots as dashes).
    pub id: String,
    pub value: String,
    pub errors: Vec<String>,
    /// Choices, for a select; empty for a text input.
    pub options: &'static [&'static str],
    pub placeholder: &'static str,
}

/// One row of line items as a page draws it.
pub struct RowView {
    pub legend: String,
    pub inputs: Vec<Input>,
    pub rest_name: String,
    pub rest: String,
    /// The op of its Remove button.
    pub remove: String,
}

pub struct Switch {
    pub label: &'static str,
    pub name: String,
    pub id: String,
    pub on: bool,
}

/// The whole form, as a page draws it.
pub struct FormView {
    pub lines: Vec<RowView>,
    pub customs: Vec<RowView>,
    pub coupon: Input,
    pub switches: Vec<Switch>,
}

fn element_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .replace("--", "-")
        .trim_end_matches('-')
        .to_string()
}

fn input(
    label: &'static str,
    name: String,
    value: &str,
    errors: &Errors,
    placeholder: &'static str,
) -> Input {
    Input {
        label,
        id: element_id(&name),
        errors: errors.at(&name),
        value: value.to_string(),
        name,
        options: &[],
        placeholder,
    }
}

impl FormView {
    pub fn of(form: &TemplateForm, errors: &Errors) -> FormView {
        let lines = form
            .lines
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let p = format!("lineItems[{i}]");
                let f = |label, field: &str, value: &str, placeholder| {
                    input(label, format!("{p}.{field}"), value, errors, placeholder)
                };
                RowView {
                    legend: format!("Line item {}", i + 1),
                    inputs: vec![
                        f(
                            "Catalog item id",
                            LINE_FIELDS[1],
                            &row.item_id,
                            "e.g. sneaker",
                        ),
                        f("App id", LINE_FIELDS[0], &row.app_id, ""),
                        f("Quantity", LINE_FIELDS[2], &row.quantity, "1"),
                        f(
                            "Product name",
                            LINE_FIELDS[3],
                            &row.name,
                            "from the catalog",
                        ),
                        f("Price", LINE_FIELDS[4], &row.price, "from the catalog"),
                    ],
                    rest_name: format!("{p}._rest"),
                    rest: row.rest.clone(),
                    remove: format!("remove-line-{i}"),
                }
            })
            .collect();
        let customs = form
            .customs
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let p = format!("customLineItems[{i}]");
                let f = |label, field: &str, value: &str, placeholder| {
                    input(label, format!("{p}.{field}"), value, errors, placeholder)
                };
                let mut item_type = f("Item type", CUSTOM_FIELDS[3], &row.item_type, "");
                item_type.options = ITEM_TYPES;
                RowView {
                    legend: format!("Custom line item {}", i + 1),
                    inputs: vec![
                        f(
                            "Product name",
                            CUSTOM_FIELDS[0],
                            &row.name,
                            "e.g. Gift wrap",
                        ),
                        f("Quantity", CUSTOM_FIELDS[1], &row.quantity, "1"),
                        f("Price", CUSTOM_FIELDS[2], &row.price, "e.g. 4.50"),
                        item_type,
                    ],
                    rest_name: format!("{p}._rest"),
                    rest: row.rest.clone(),
                    remove: format!("remove-custom-{i}"),
                }
            })
            .collect();
        FormView {
            lines,
            customs,
            coupon: input("Coupon code", "couponCode".into(), &form.coupon, errors, ""),
            switches: SWITCHES
                .iter()
                .zip(&form.switches)
                .map(|((path, label), on)| {
                    let name = format!("customization.{path}");
                    Switch {
                        label,
                        id: element_id(&name),
                        name,
                        on: *on,
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_posted_form_becomes_template_json() {
        let form = TemplateForm::from_fields(&fields(&[
            ("lineItems[0].catalogReference.appId", STORES_APP),
            ("lineItems[0].catalogReference.catalogItemId", "sneaker"),
            ("lineItems[0].quantity", "2"),
            ("lineItems[0].catalogOverrideFields.price", "49.90"),
            ("lineItems[1].catalogReference.appId", STORES_APP),
            ("customLineItems[0].productName.original", "Gift wrap"),
            ("customLineItems[0].quantity", "x"),
            ("customLineItems[0].itemType.preset", "PHYSICAL"),
            ("couponCode", " FLASH "),
            ("customization.lockedCoupon", "true"),
        ]));
        assert_eq!(
            form.to_json().unwrap(),
            json!({
                "lineItems": [{"catalogReference": {"appId": STORES_APP, "catalogItemId": "sneaker"},
                               "quantity": 2, "catalogOverrideFields": {"price": "49.90"}}],
                "customLineItems": [{"productName": {"original": "Gift wrap"}, "quantity": "x", "itemType": {"preset": "PHYSICAL"}}],
                "couponCode": "FLASH",
                "customization": {"lockedCoupon": true, "lockedGiftCard": false, "disabledManualPayment": false,
                                  "webClient": {"disabledContinueShoppingButton": false, "disabledPolicyAgreementCheckbox": false}},
            })
        );
    }

    #[test]
    fn a_template_round_trips_through_the_form() {
        let template = json!({
            "lineItems": [{"quantity": 1, "catalogReference": {"appId": "a", "catalogItemId": "b", "options": {"size": "L"}},
                           "catalogOverrideFields": {"productName": {"original": "Shoe"}, "media": "https://x/y.png"}}],
            "customLineItems": [{"quantity": 3, "price": "1", "productName": {"original": "Wrap"}, "itemType": {"preset": "DIGITAL"}, "membersOnly": false}],
            "couponCode": "C",
            "customization": {"lockedGiftCard": true, "lockedCoupon": false, "disabledManualPayment": false,
                              "webClient": {"disabledContinueShoppingButton": true, "disabledPolicyAgreementCheckbox": false}},
        });
        let form = TemplateForm::of(&template);
        assert!(form.lines[0].rest.contains("options"));
        assert_eq!(form.switches, [false, true, false, true, false]);
        let mut posted = Vec::new();
        let view = FormView::of(&form, &Errors::default());
        for row in view.lines.iter().chain(&view.customs) {
            for input in &row.inputs {
                posted.push((input.name.clone(), input.value.clone()));
            }
            posted.push((row.rest_name.clone(), row.rest.clone()));
        }
        posted.push(("couponCode".into(), "C".into()));
        for s in view.switches.iter().filter(|s| s.on) {
            posted.push((s.name.clone(), "true".into()));
        }
        assert_eq!(TemplateForm::from_fields(&posted), form);
        assert_eq!(form.to_json().unwrap(), template);
    }

    #[test]
    fn rows_are_added_and_removed() {
        let mut form = TemplateForm::default();
        assert!(form.apply_op("add-line") && form.lines.len() == 2);
        assert!(form.apply_op("remove-line-0") && form.lines.len() == 1);
        assert!(form.apply_op("remove-custom-0") && form.customs.is_empty());
        assert!(!form.apply_op("save"));
    }

    #[test]
    fn violations_are_found_by_the_inputs_name() {
        let error = ApiError::validation(
            "checkoutTemplate.lineItems[0].quantity",
            "MIN",
            "must be at least 1",
        );
        let errors = Errors::of(&error, "checkoutTemplate.");
        assert_eq!(errors.at("lineItems[0].quantity"), ["must be at least 1"]);
        assert_eq!(errors.all, ["lineItems[0].quantity: must be at least 1"]);
        assert_eq!(element_id("lineItems[0].quantity"), "lineItems-0-quantity");
    }
}

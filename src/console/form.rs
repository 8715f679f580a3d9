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

const ITEM_TYPES: &[&str] = &[
    "PHYSICAL",
    "DIGITAL",
    "GIFT_CARD",
    "SERVICE",
    "UNRECOGNISED",
];

/// One input of a row: the path it sets in the row's JSON, and how it looks.
struct Spec {
    path: &'static str,
    label: &'static str,
    placeholder: &'static str,
    /// What a new row holds; a row holding only defaults is blank.
    default: &'static str,
    /// Choices, for a select.
    options: &'static [&'static str],
    /// A whole number when it reads as one (a quantity).
    number: bool,
}

const fn text(path: &'static str, label: &'static str, placeholder: &'static str) -> Spec {
    Spec {
        path,
        label,
        placeholder,
        default: "",
        options: &[],
        number: false,
    }
}

/// A kind of row: which list of the template it fills, and its inputs.
pub struct Kind {
    list: &'static str,
    title: &'static str,
    hint: &'static str,
    /// "Line item" → legends "Line item 1"…, buttons "Add line item".
    noun: &'static str,
    /// Names its buttons' ops: `add-<op>`, `remove-<op>-<row>`.
    op: &'static str,
    specs: &'static [Spec],
}

/// Line items, then custom line items: `TemplateForm::rows` in this order.
pub const KINDS: [Kind; 2] = [
    Kind {
        list: "lineItems",
        title: "Line items",
        hint: "Catalog items. The price and name come from the catalog unless given here.",
        noun: "line item",
        op: "line",
        specs: &[
            text(
                "catalogReference.catalogItemId",
                "Catalog item id",
                "e.g. sneaker",
            ),
            Spec {
                default: STORES_APP,
                ..text("catalogReference.appId", "App id", "")
            },
            Spec {
                number: true,
                ..text("quantity", "Quantity", "1")
            },
            text(
                "catalogOverrideFields.productName.original",
                "Product name",
                "from the catalog",
            ),
            text("catalogOverrideFields.price", "Price", "from the catalog"),
        ],
    },
    Kind {
        list: "customLineItems",
        title: "Custom line items",
        hint: "Items that are not in a catalog.",
        noun: "custom line item",
        op: "custom",
        specs: &[
            text("productName.original", "Product name", "e.g. Gift wrap"),
            Spec {
                number: true,
                ..text("quantity", "Quantity", "1")
            },
            text("price", "Price", "e.g. 4.50"),
            Spec {
                default: "PHYSICAL",
                options: ITEM_TYPES,
                ..text("itemType.preset", "Item type", "")
            },
        ],
    },
];

/// A row as typed: one value per input of its kind, and the JSON of what the
/// row holds beyond them.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub values: Vec<String>,
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
    /// One list per [`KINDS`].
    pub rows: [Vec<Row>; 2],
    pub coupon: String,
    /// One per [`SWITCHES`].
    pub switches: Vec<bool>,
}

impl Default for TemplateForm {
    /// A new template's form: one empty row of each kind.
    fn default() -> TemplateForm {
        TemplateForm {
            rows: KINDS.map(|kind| vec![Row::new(&kind)]),
            coupon: String::new(),
            switches: vec![false; SWITCHES.len()],
        }
    }
}

impl Row {
    fn new(kind: &Kind) -> Row {
        Row {
            values: kind.specs.iter().map(|s| s.default.to_string()).collect(),
            rest: String::new(),
        }
    }

    fn is_blank(&self, kind: &Kind) -> bool {
        self.rest.trim().is_empty()
            && kind
                .specs
                .iter()
                .zip(&self.values)
                .all(|(spec, v)| v.trim().is_empty() || v == spec.default)
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

/// A typed value for `spec`: a quantity is a number when it reads as one,
/// else the text as typed, so the validator says what is wrong with it.
fn typed(spec: &Spec, s: &str) -> Value {
    match s.parse::<i64>() {
        Ok(n) if spec.number => Value::from(n),
        _ => json!(s),
    }
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

impl TemplateForm {
    /// The form of a stored template (its items, `couponCode` and `customization`).
    pub fn of(template: &Value) -> TemplateForm {
        let rows = KINDS.map(|kind| {
            let items = template[kind.list].as_array().cloned().unwrap_or_default();
            items
                .into_iter()
                .map(|item| {
                    let mut m = item.as_object().cloned().unwrap_or_default();
                    let values = kind
                        .specs
                        .iter()
                        .map(|s| as_text(&take(&mut m, s.path)))
                        .collect();
                    let rest = if m.is_empty() {
                        String::new()
                    } else {
                        Value::Object(m).to_string()
                    };
                    Row { values, rest }
                })
                .collect()
        });
        let customization = &template["customization"];
        TemplateForm {
            rows,
            coupon: as_text(&template["couponCode"]),
            switches: SWITCHES
                .iter()
                .map(|(path, _)| at(customization, path).as_bool().unwrap_or(false))
                .collect(),
        }
    }

    /// The form as posted: inputs named by path, rows by index.
    pub fn from_fields(fields: &[(String, String)]) -> TemplateForm {
        let mut rows: [BTreeMap<usize, Row>; 2] = Default::default();
        let mut form = TemplateForm {
            rows: Default::default(),
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
            }
            for (k, kind) in KINDS.iter().enumerate() {
                let Some((i, field)) = row_field(name, kind.list) else {
                    continue;
                };
                let row = rows[k].entry(i).or_insert_with(|| Row {
                    values: vec![String::new(); kind.specs.len()],
                    rest: String::new(),
                });
                if field == "_rest" {
                    row.rest = value.clone();
                } else if let Some(at) = kind.specs.iter().position(|s| s.path == field) {
                    row.values[at] = value.clone();
                }
            }
        }
        form.rows = rows.map(|r| r.into_values().collect());
        form
    }

    /// The template JSON the form says, its blank rows left out. A row whose
    /// hidden rest is not JSON is an error.
    pub fn to_json(&self) -> Result<Value, String> {
        let mut template = Map::new();
        for (kind, rows) in KINDS.iter().zip(&self.rows) {
            let mut items = Vec::new();
            for (i, row) in rows.iter().filter(|r| !r.is_blank(kind)).enumerate() {
                let mut m = rest_of(&row.rest, &format!("{}[{i}]", kind.list))?;
                for (spec, value) in kind.specs.iter().zip(&row.values) {
                    if !value.trim().is_empty() {
                        put(&mut m, spec.path, typed(spec, value.trim()));
                    }
                }
                items.push(Value::Object(m));
            }
            template.insert(kind.list.into(), Value::Array(items));
        }
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
        for (kind, rows) in KINDS.iter().zip(&mut self.rows) {
            if op.strip_prefix("add-") == Some(kind.op) {
                rows.push(Row::new(kind));
                return true;
            }
            let remove = op
                .strip_prefix("remove-")
                .and_then(|rest| rest.strip_prefix(kind.op))
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|i| i.parse::<usize>().ok());
            if let Some(i) = remove {
                if i < rows.len() {
                    rows.remove(i);
                }
                return true;
            }
        }
        false
    }
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

/// One row as a page draws it.
pub struct RowView {
    pub legend: String,
    pub inputs: Vec<Input>,
    pub rest_name: String,
    pub rest: String,
    /// The op of its Remove button.
    pub remove: String,
}

/// The rows of one kind, with their Add button.
pub struct Section {
    pub title: &'static str,
    pub hint: &'static str,
    pub rows: Vec<RowView>,
    pub add: String,
    pub add_label: String,
}

pub struct Switch {
    pub label: &'static str,
    pub name: String,
    pub id: String,
    pub on: bool,
}

/// The whole form, as a page draws it.
pub struct FormView {
    pub sections: Vec<Section>,
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

fn input(label: &'static str, name: String, value: &str, errors: &Errors) -> Input {
    Input {
        label,
        id: element_id(&name),
        errors: errors.at(&name),
        value: value.to_string(),
        name,
        options: &[],
        placeholder: "",
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl FormView {
    pub fn of(form: &TemplateForm, errors: &Errors) -> FormView {
        let sections = KINDS
            .iter()
            .zip(&form.rows)
            .map(|(kind, rows)| Section {
                title: kind.title,
                hint: kind.hint,
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let prefix = format!("{}[{i}]", kind.list);
                        let inputs = kind
                            .specs
                            .iter()
                            .zip(&row.values)
                            .map(|(spec, value)| Input {
                                options: spec.options,
                                placeholder: spec.placeholder,
                                ..input(
                                    spec.label,
                                    format!("{prefix}.{}", spec.path),
                                    value,
                                    errors,
                                )
                            })
                            .collect();
                        RowView {
                            legend: format!("{} {}", capitalized(kind.noun), i + 1),
                            inputs,
                            rest_name: format!("{prefix}._rest"),
                            rest: row.rest.clone(),
                            remove: format!("remove-{}-{i}", kind.op),
                        }
                    })
                    .collect(),
                add: format!("add-{}", kind.op),
                add_label: format!("Add {}", kind.noun),
            })
            .collect();
        FormView {
            sections,
            coupon: input("Coupon code", "couponCode".into(), &form.coupon, errors),
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
        assert!(form.rows[0][0].rest.contains("options"));
        assert_eq!(form.switches, [false, true, false, true, false]);
        let mut posted = Vec::new();
        let view = FormView::of(&form, &Errors::default());
        for row in view.sections.iter().flat_map(|s| &s.rows) {
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
        assert!(form.apply_op("add-line") && form.rows[0].len() == 2);
        assert!(form.apply_op("remove-line-0") && form.rows[0].len() == 1);
        assert!(form.apply_op("remove-custom-0") && form.rows[1].is_empty());
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

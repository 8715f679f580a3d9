//! Holds real responses to `openapi/openapi.json`, so the document cannot drift
//! from what the server answers: a test that sees an undocumented path, method,
//! status, content type or body shape fails with the reason.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::{json, Value};

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

struct Contract {
    doc: Value,
    /// Keyed by the JSON pointer of a response's schema in the document.
    validators: HashMap<String, Validator>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let text = std::fs::read_to_string(DOC_PATH)
            .unwrap_or_else(|e| panic!("cannot read {DOC_PATH}: {e}"));
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{DOC_PATH} is not JSON: {e}"));
        let mut validators = HashMap::new();
        for (template, method) in operations(&doc) {
            let op = &doc["paths"][template.as_str()][method.as_str()];
            for status in op["responses"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.keys())
            {
                let Some((pointer, schema)) = json_schema(&doc, &template, &method, status) else {
                    continue;
                };
                // Compiled once per schema, up front, so a broken schema fails on first use
                // of the contract rather than on the one response that reaches it.
                let validator = build(&doc, schema)
                    .unwrap_or_else(|e| panic!("{pointer} is not a valid schema: {e}"));
                validators.insert(pointer, validator);
            }
        }
        Contract { doc, validators }
    })
}

/// The schema sits beside a copy of the document's `components`, so that
/// `#/components/schemas/…` refs resolve against it as they do in the document.
/// Formats are asserted, not just annotated: a GUID or timestamp that is not one
/// is drift too.
fn build(doc: &Value, schema: &Value) -> Result<Validator, String> {
    let root = json!({"allOf": [schema], "components": doc["components"]});
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| e.to_string())
}

/// Every `(method, path template)` the document describes, methods upper-case.
// For a route-coverage check; not every build of the suite calls it.
#[allow(dead_code)]
pub fn documented_operations() -> Vec<(String, String)> {
    operations(&contract().doc)
        .into_iter()
        .map(|(template, method)| (method.to_uppercase(), template))
        .collect()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            out.push((template.clone(), method.to_string()));
        }
    }
    out
}

/// Follows a `$ref` into the document (responses may be shared components).
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("non-local $ref {r}"));
            resolve(
                doc,
                doc.pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}")),
            )
        }
        None => value,
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The JSON body schema of one documented response, with its pointer.
fn json_schema<'a>(
    doc: &'a Value,
    template: &str,
    method: &str,
    status: &str,
) -> Option<(String, &'a Value)> {
    let response = resolve(doc, &doc["paths"][template][method]["responses"][status]);
    let (media, entry) = response["content"]
        .as_object()?
        .iter()
        .find(|(media, _)| is_json(media))?;
    let schema = entry.get("schema")?;
    let pointer = format!(
        "/paths/{}/{method}/responses/{status}/content/{}/schema",
        escape(template),
        escape(media)
    );
    Some((pointer, schema))
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// Concrete segments beat `{param}` ones, as in axum's router and the OpenAPI
/// spec: `/checkout-templates/query` is not `/checkout-templates/{id}`.
fn literal_segments(template: &str) -> usize {
    template.split('/').filter(|s| !s.starts_with('{')).count()
}

fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            let param = t.starts_with('{') && t.ends_with('}');
            (param && !p.is_empty()) || t == p
        })
}

/// The one documented path template `path` falls under.
fn find_template<'a>(doc: &'a Value, path: &str) -> Result<&'a str, String> {
    let templates: Vec<&str> = doc["paths"]
        .as_object()
        .expect("the document has paths")
        .keys()
        .map(String::as_str)
        .filter(|t| matches(t, path))
        .collect();
    let most_literal = templates.iter().map(|t| literal_segments(t)).max();
    let best: Vec<&str> = templates
        .into_iter()
        .filter(|t| Some(literal_segments(t)) == most_literal)
        .collect();
    match best.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no documented path matches {path}")),
        many => Err(format!("{path} matches several documented paths: {many:?}")),
    }
}

/// Panics unless the response is one the document declares for this request:
/// a documented path and method, a declared status and content type, and a
/// JSON body valid against the declared schema.
pub fn check(
    method: &reqwest::Method,
    path_and_query: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) {
    let contract = contract();
    let doc = &contract.doc;
    let call = format!("{method} {path_and_query} -> {status}");
    let path = path_and_query.split(['?', '#']).next().unwrap_or_default();

    let template =
        find_template(doc, path).unwrap_or_else(|problem| panic!("contract: {call}: {problem}"));

    let method_key = method.as_str().to_lowercase();
    let Some(operation) = doc["paths"][template].get(&method_key) else {
        panic!("contract: {call}: {template} documents no {method}");
    };
    let status_key = status.to_string();
    let Some(response) = operation["responses"].get(&status_key) else {
        let declared: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
        panic!("contract: {call}: status {status} is not declared for {method} {template} (declared: {declared:?})");
    };
    let response = resolve(doc, response);

    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let Some(content) = response["content"].as_object() else {
        assert!(
            body.is_empty(),
            "contract: {call}: {method} {template} {status} declares no body, got {} bytes ({media:?})",
            body.len()
        );
        return;
    };
    let Some(media) = media.filter(|m| content.contains_key(m)) else {
        let declared: Vec<&String> = content.keys().collect();
        panic!("contract: {call}: content type {content_type:?} is not declared (declared: {declared:?})");
    };
    if !is_json(&media) {
        return;
    }

    let instance: Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "contract: {call}: the body is not JSON ({e}): {}",
            shown(body)
        )
    });
    let (pointer, _) = json_schema(doc, template, &method_key, &status_key)
        .expect("a JSON content entry with a schema");
    let validator = &contract.validators[&pointer];
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("  at `{}`: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "contract: {call}: the body does not match {pointer}:\n{}\nbody: {}",
        errors.join("\n"),
        shown(body)
    );
}

fn shown(body: &[u8]) -> String {
    const MAX: usize = 2000;
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], body.len()),
        None => text.into_owned(),
    }
}

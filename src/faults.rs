//! Fault rules a test sets on a site (`POST /_emulator/faults`): which
//! operation they hit, what they do to it, and when they fire. This module
//! holds the rules as the emulator mirrors them in memory; how many times a
//! rule has fired is counted in the database, so instances on one database
//! agree on a rule that fires once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::FieldViolation;

/// What a fault rule can hit: the SDK's function names, and webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    CreateCheckoutTemplate,
    BulkCreateCheckoutTemplates,
    GetCheckoutTemplate,
    UpdateCheckoutTemplate,
    DeleteCheckoutTemplate,
    QueryCheckoutTemplates,
    CreateCheckoutFromTemplate,
    CreateAndRedirectToCheckout,
    GetCheckout,
    /// A webhook delivery attempt.
    Webhook,
}

impl Operation {
    pub const ALL: [Operation; 10] = [
        Operation::CreateCheckoutTemplate,
        Operation::BulkCreateCheckoutTemplates,
        Operation::GetCheckoutTemplate,
        Operation::UpdateCheckoutTemplate,
        Operation::DeleteCheckoutTemplate,
        Operation::QueryCheckoutTemplates,
        Operation::CreateCheckoutFromTemplate,
        Operation::CreateAndRedirectToCheckout,
        Operation::GetCheckout,
        Operation::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::CreateCheckoutTemplate => "createCheckoutTemplate",
            Operation::BulkCreateCheckoutTemplates => "bulkCreateCheckoutTemplates",
            Operation::GetCheckoutTemplate => "getCheckoutTemplate",
            Operation::UpdateCheckoutTemplate => "updateCheckoutTemplate",
            Operation::DeleteCheckoutTemplate => "deleteCheckoutTemplate",
            Operation::QueryCheckoutTemplates => "queryCheckoutTemplates",
            Operation::CreateCheckoutFromTemplate => "createCheckoutFromTemplate",
            Operation::CreateAndRedirectToCheckout => "createAndRedirectToCheckout",
            Operation::GetCheckout => "getCheckout",
            Operation::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The operation an API request is, by its method and route.
    pub fn of_route(method: &http::Method, route: &str) -> Option<Operation> {
        use http::Method;
        const TEMPLATE: &str = "/ecom/v1/checkout-templates/{id}";
        Some(match (method, route) {
            (&Method::POST, "/ecom/v1/checkout-templates") => Operation::CreateCheckoutTemplate,
            (&Method::POST, "/ecom/v1/bulk/checkout-templates/create")
            | (&Method::POST, "/v1/bulk/checkout-templates/create") => {
                Operation::BulkCreateCheckoutTemplates
            }
            (&Method::GET, TEMPLATE) => Operation::GetCheckoutTemplate,
            (&Method::PATCH, TEMPLATE) => Operation::UpdateCheckoutTemplate,
            (&Method::DELETE, TEMPLATE) => Operation::DeleteCheckoutTemplate,
            (&Method::POST, "/ecom/v1/checkout-templates/query") => {
                Operation::QueryCheckoutTemplates
            }
            (&Method::POST, "/ecom/v1/checkout-templates/{id}/create-checkout-from-template") => {
                Operation::CreateCheckoutFromTemplate
            }
            (&Method::GET, "/ecom/v1/checkout-templates/{id}/create-and-redirect-to-checkout") => {
                Operation::CreateAndRedirectToCheckout
            }
            (&Method::GET, "/ecom/v1/checkouts/{id}") => Operation::GetCheckout,
            _ => return None,
        })
    }

    /// Whether this is the public share link, whose site is in `?siteId=`.
    pub fn is_public(self) -> bool {
        self == Operation::CreateAndRedirectToCheckout
    }
}

/// What a rule does and when, as a test sends it and reads it back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultSpec {
    pub operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "is_false", default)]
    pub drop_connection: bool,
    #[serde(skip_serializing_if = "is_false", default)]
    pub duplicate: bool,
    #[serde(skip_serializing_if = "is_false", default)]
    pub bad_signature: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The longest delay a rule may add, so a forgotten rule cannot hold
/// requests for longer than clients wait.
pub const MAX_DELAY_MS: u64 = 60_000;

/// Fields only API operations take, and fields only webhooks take.
const API_ONLY: [&str; 3] = ["status", "applicationErrorCode", "retryAfterSeconds"];
const WEBHOOK_ONLY: [&str; 3] = ["appId", "duplicate", "badSignature"];

impl FaultSpec {
    /// The rule a request body describes, or every way it is wrong.
    pub fn parse(body: &Value) -> Result<FaultSpec, Vec<FieldViolation>> {
        let Some(fields) = body.as_object() else {
            return Err(vec![FieldViolation::new(
                "body",
                "FORMAT",
                "a fault rule is a JSON object",
            )]);
        };
        let mut spec = FaultSpec::default();
        let mut wrong = Vec::new();
        let operation = match fields.get("operation") {
            None | Some(Value::Null) => {
                wrong.push(FieldViolation::new(
                    "operation",
                    "REQUIRED_FIELD",
                    "is required",
                ));
                None
            }
            Some(Value::String(name)) => match Operation::parse(name) {
                Some(op) => {
                    spec.operation = name.clone();
                    Some(op)
                }
                None => {
                    wrong.push(FieldViolation::new(
                        "operation",
                        "INVALID_ENUM_VALUE",
                        format!(
                            "must be one of {}",
                            Operation::ALL.map(Operation::as_str).join(", ")
                        ),
                    ));
                    None
                }
            },
            Some(_) => {
                wrong.push(FieldViolation::new(
                    "operation",
                    "FORMAT",
                    "must be a string",
                ));
                None
            }
        };
        let mut read = Reader {
            fields,
            wrong: &mut wrong,
        };
        spec.app_id = read.text("appId", 200);
        spec.status = read.number("status", 400, 599).map(|n| n as u16);
        spec.application_error_code = read.text("applicationErrorCode", 100);
        spec.retry_after_seconds = read
            .number("retryAfterSeconds", 0, 86_400)
            .map(|n| n as u32);
        spec.delay_ms = read.number("delayMs", 0, MAX_DELAY_MS);
        spec.drop_connection = read.flag("dropConnection");
        spec.duplicate = read.flag("duplicate");
        spec.bad_signature = read.flag("badSignature");
        spec.times = read.number("times", 1, 1_000_000).map(|n| n as u32);
        spec.probability = read.fraction("probability");
        spec.seed = read.number("seed", 0, u64::MAX >> 11);
        for name in fields.keys() {
            if !KNOWN.contains(&name.as_str()) {
                wrong.push(FieldViolation::new(
                    name.clone(),
                    "FIELD_NOT_ALLOWED",
                    format!("a fault rule has no field {name:?}"),
                ));
            }
        }
        if let Some(op) = operation {
            spec.check_combination(op, fields, &mut wrong);
        }
        if wrong.is_empty() {
            Ok(spec)
        } else {
            Err(wrong)
        }
    }

    /// The rules that hold between fields: each applies to its kind of
    /// operation, a rule does something, and fires one way.
    fn check_combination(
        &self,
        op: Operation,
        fields: &Map<String, Value>,
        wrong: &mut Vec<FieldViolation>,
    ) {
        let given = |name: &str| fields.get(name).is_some_and(|v| !v.is_null());
        let (not_here, kind) = match op {
            Operation::Webhook => (API_ONLY, "webhook"),
            _ => (WEBHOOK_ONLY, "API operation"),
        };
        for name in not_here {
            if given(name) {
                wrong.push(FieldViolation::new(
                    name,
                    "FIELD_NOT_ALLOWED",
                    format!("does not apply to a {kind} fault"),
                ));
            }
        }
        let does_something = match op {
            Operation::Webhook => {
                self.delay_ms.is_some()
                    || self.drop_connection
                    || self.duplicate
                    || self.bad_signature
            }
            _ => self.status.is_some() || self.delay_ms.is_some() || self.drop_connection,
        };
        if !does_something {
            let effects = match op {
                Operation::Webhook => "delayMs, dropConnection, duplicate or badSignature",
                _ => "status, delayMs or dropConnection",
            };
            wrong.push(FieldViolation::new(
                "operation",
                "OTHER",
                format!("a fault must do something: give {effects}"),
            ));
        }
        for name in ["applicationErrorCode", "retryAfterSeconds"] {
            if given(name) && self.status.is_none() {
                wrong.push(FieldViolation::new(
                    name,
                    "OTHER",
                    "needs a status to answer with",
                ));
            }
        }
        if self.drop_connection && self.status.is_some() {
            wrong.push(FieldViolation::new(
                "dropConnection",
                "OTHER",
                "a dropped connection has no status: give one or the other",
            ));
        }
        if self.times.is_some() && self.probability.is_some() {
            wrong.push(FieldViolation::new(
                "probability",
                "OTHER",
                "give times or probability, not both",
            ));
        }
        if given("seed") && self.probability.is_none() {
            wrong.push(FieldViolation::new(
                "seed",
                "OTHER",
                "a seed is for a rule with a probability",
            ));
        }
    }

    pub fn operation(&self) -> Operation {
        Operation::parse(&self.operation).expect("a parsed rule names an operation")
    }

    /// When the rule fires.
    pub fn trigger(&self) -> Trigger {
        match (self.times, self.probability) {
            (Some(times), _) => Trigger::Times(times),
            (None, Some(p)) => Trigger::Probability {
                p,
                seed: self.seed.unwrap_or(0),
            },
            (None, None) => Trigger::Always,
        }
    }
}

const KNOWN: [&str; 12] = [
    "operation",
    "appId",
    "status",
    "applicationErrorCode",
    "retryAfterSeconds",
    "delayMs",
    "dropConnection",
    "duplicate",
    "badSignature",
    "times",
    "probability",
    "seed",
];

/// Reads optional fields of a request object, noting what is wrong.
struct Reader<'a> {
    fields: &'a Map<String, Value>,
    wrong: &'a mut Vec<FieldViolation>,
}

impl Reader<'_> {
    fn number(&mut self, name: &str, min: u64, max: u64) -> Option<u64> {
        let value = self.fields.get(name).filter(|v| !v.is_null())?;
        match crate::validate::whole_number(value) {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) if n < min => {
                self.wrong.push(
                    FieldViolation::new(name, "MIN", format!("must be at least {min}"))
                        .with_data(serde_json::json!({"threshold": min})),
                );
                None
            }
            Some(_) => {
                self.wrong.push(
                    FieldViolation::new(name, "MAX", format!("must be at most {max}"))
                        .with_data(serde_json::json!({"threshold": max})),
                );
                None
            }
            None => {
                let negative = value.as_f64().is_some_and(|f| f < 0.0);
                self.wrong.push(if negative {
                    FieldViolation::new(name, "MIN", format!("must be at least {min}"))
                } else {
                    FieldViolation::new(name, "FORMAT", "must be a whole number")
                });
                None
            }
        }
    }

    fn fraction(&mut self, name: &str) -> Option<f64> {
        let value = self.fields.get(name).filter(|v| !v.is_null())?;
        match value.as_f64() {
            Some(p) if p > 0.0 && p <= 1.0 => Some(p),
            Some(_) => {
                self.wrong.push(FieldViolation::new(
                    name,
                    "OTHER",
                    "must be more than 0 and at most 1",
                ));
                None
            }
            None => {
                self.wrong
                    .push(FieldViolation::new(name, "FORMAT", "must be a number"));
                None
            }
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        match self.fields.get(name) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.wrong
                    .push(FieldViolation::new(name, "FORMAT", "must be a boolean"));
                false
            }
        }
    }

    fn text(&mut self, name: &str, max: usize) -> Option<String> {
        match self.fields.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() || s.contains('\0') || s.len() > max => {
                self.wrong.push(FieldViolation::new(
                    name,
                    "FORMAT",
                    format!("must be 1 to {max} characters, without NUL"),
                ));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.wrong
                    .push(FieldViolation::new(name, "FORMAT", "must be a string"));
                None
            }
        }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// Every time, until the rule is deleted.
    Always,
    /// The next this many times.
    Times(u32),
    /// Each time with this probability, decided by the seed and the number of
    /// times the rule was considered, so the same run fires the same way.
    Probability { p: f64, seed: u64 },
}

/// Whether the `n`th consideration (from 1) of a rule with probability `p`
/// and `seed` fires: the same seed gives the same sequence, on any instance.
pub fn decide(seed: u64, n: u64, p: f64) -> bool {
    // splitmix64 of (seed, n): well spread even for neighbouring inputs.
    let mut z = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
    unit < p
}

/// A rule as the emulator holds it.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub site_id: String,
    pub spec: FaultSpec,
    /// Set once a `times` rule is found used up, so it is not asked again.
    exhausted: AtomicBool,
}

impl Rule {
    pub fn new(id: String, site_id: String, spec: FaultSpec) -> Rule {
        Rule {
            id,
            site_id,
            spec,
            exhausted: AtomicBool::new(false),
        }
    }

    pub fn mark_exhausted(&self) {
        self.exhausted.store(true, Ordering::Relaxed);
    }

    fn applies_to(&self, op: Operation, app_id: Option<&str>) -> bool {
        self.spec.operation() == op
            && !self.exhausted.load(Ordering::Relaxed)
            && match (&self.spec.app_id, app_id) {
                (Some(wanted), Some(app)) => wanted == app,
                _ => true,
            }
    }
}

/// Every site's rules, mirrored from the database, in the order they were made.
#[derive(Debug, Default)]
pub struct Faults {
    /// Whether any site has a rule: with none, a request looks no further.
    any: AtomicBool,
    by_site: RwLock<HashMap<String, Vec<Arc<Rule>>>>,
}

impl Faults {
    /// The site's rules that may hit `op` (for `app_id`, for webhooks).
    pub fn candidates(&self, site_id: &str, op: Operation, app_id: Option<&str>) -> Vec<Arc<Rule>> {
        if !self.any.load(Ordering::Acquire) {
            return Vec::new();
        }
        let by_site = self.by_site.read().expect("fault rules lock");
        by_site
            .get(site_id)
            .map(|rules| {
                rules
                    .iter()
                    .filter(|r| r.applies_to(op, app_id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn add(&self, rule: Rule) {
        let mut by_site = self.by_site.write().expect("fault rules lock");
        by_site
            .entry(rule.site_id.clone())
            .or_default()
            .push(Arc::new(rule));
        self.any.store(true, Ordering::Release);
    }

    /// Forgets one rule of the site, or all of them.
    pub fn remove(&self, site_id: &str, id: Option<&str>) {
        let mut by_site = self.by_site.write().expect("fault rules lock");
        match id {
            Some(id) => {
                if let Some(rules) = by_site.get_mut(site_id) {
                    rules.retain(|r| r.id != id);
                }
            }
            None => {
                by_site.remove(site_id);
            }
        }
        by_site.retain(|_, rules| !rules.is_empty());
        self.any.store(!by_site.is_empty(), Ordering::Release);
    }

    /// Replaces every rule with the ones stored, keeping what is known of
    /// rules that stay (that a `times` rule is used up).
    pub fn replace(&self, rules: Vec<Rule>) {
        let mut by_site = self.by_site.write().expect("fault rules lock");
        let mut fresh: HashMap<String, Vec<Arc<Rule>>> = HashMap::new();
        for rule in rules {
            let kept = by_site
                .get(&rule.site_id)
                .and_then(|old| old.iter().find(|r| r.id == rule.id).cloned());
            let rule = kept.unwrap_or_else(|| Arc::new(rule));
            fresh.entry(rule.site_id.clone()).or_default().push(rule);
        }
        *by_site = fresh;
        self.any.store(!by_site.is_empty(), Ordering::Release);
    }
}

/// Put on a response to have the server close the connection instead of
/// sending it: a fault rule's `dropConnection`.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules_broken(body: Value) -> Vec<String> {
        FaultSpec::parse(&body)
            .unwrap_err()
            .into_iter()
            .map(|v| format!("{} {}", v.field, v.violated_rule))
            .collect()
    }

    #[test]
    fn a_rule_reads_back_as_it_was_sent() {
        let body =
            json!({"operation": "getCheckout", "status": 503, "retryAfterSeconds": 5, "times": 1});
        let spec = FaultSpec::parse(&body).unwrap();
        assert_eq!(spec.trigger(), Trigger::Times(1));
        assert_eq!(serde_json::to_value(&spec).unwrap(), body);
        let hook = FaultSpec::parse(
            &json!({"operation": "webhook", "badSignature": true, "probability": 0.5, "seed": 7}),
        )
        .unwrap();
        assert_eq!(hook.trigger(), Trigger::Probability { p: 0.5, seed: 7 });
    }

    #[test]
    fn wrong_rules_say_every_field_that_is_wrong() {
        assert_eq!(rules_broken(json!({})), ["operation REQUIRED_FIELD"]);
        assert_eq!(
            rules_broken(json!({"operation": "nope", "status": 200, "colour": 1})),
            [
                "operation INVALID_ENUM_VALUE",
                "status MIN",
                "colour FIELD_NOT_ALLOWED"
            ]
        );
        assert_eq!(
            rules_broken(json!({"operation": "getCheckout", "duplicate": true})),
            ["duplicate FIELD_NOT_ALLOWED", "operation OTHER"]
        );
        assert_eq!(
            rules_broken(json!({"operation": "webhook", "status": 500, "delayMs": 10})),
            ["status FIELD_NOT_ALLOWED"]
        );
        assert_eq!(
            rules_broken(
                json!({"operation": "getCheckout", "status": 500, "times": 1, "probability": 0.5})
            ),
            ["probability OTHER"]
        );
        assert_eq!(
            rules_broken(json!({"operation": "getCheckout", "delayMs": 60001, "seed": 1})),
            ["delayMs MAX", "operation OTHER", "seed OTHER"]
        );
        assert_eq!(
            rules_broken(json!({"operation": "getCheckout", "times": -1, "status": "500"})),
            ["status FORMAT", "times MIN", "operation OTHER"]
        );
    }

    #[test]
    fn a_seeded_probability_fires_the_same_way_each_time() {
        let run = |seed| (1..=1000).map(|n| decide(seed, n, 0.3)).collect::<Vec<_>>();
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
        let fired = run(42).iter().filter(|f| **f).count();
        assert!((240..360).contains(&fired), "about 30 % of 1000: {fired}");
        assert!((1..=100).all(|n| decide(9, n, 1.0)));
    }

    #[test]
    fn rules_are_found_by_site_operation_and_app() {
        let faults = Faults::default();
        assert!(faults.candidates("s", Operation::Webhook, None).is_empty());
        let hook =
            FaultSpec::parse(&json!({"operation": "webhook", "duplicate": true, "appId": "a1"}))
                .unwrap();
        faults.add(Rule::new("r1".into(), "s".into(), hook));
        assert_eq!(
            faults.candidates("s", Operation::Webhook, Some("a1")).len(),
            1
        );
        assert!(faults
            .candidates("s", Operation::Webhook, Some("a2"))
            .is_empty());
        assert!(faults
            .candidates("t", Operation::Webhook, Some("a1"))
            .is_empty());
        assert!(faults
            .candidates("s", Operation::GetCheckout, None)
            .is_empty());
        faults.candidates("s", Operation::Webhook, Some("a1"))[0].mark_exhausted();
        assert!(faults
            .candidates("s", Operation::Webhook, Some("a1"))
            .is_empty());
        faults.remove("s", None);
        assert!(!faults.any.load(Ordering::Relaxed));
    }

    #[test]
    fn every_api_route_is_an_operation() {
        use http::Method;
        assert_eq!(
            Operation::of_route(&Method::PATCH, "/ecom/v1/checkout-templates/{id}"),
            Some(Operation::UpdateCheckoutTemplate)
        );
        assert_eq!(Operation::of_route(&Method::GET, "/_emulator/health"), None);
        for op in Operation::ALL {
            assert_eq!(Operation::parse(op.as_str()), Some(op));
        }
    }
}

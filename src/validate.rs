//! A small schema language for the REST types' annotations (`@maxSize`, `@min`,
//! `@maxLength`, `@format GUID`, `@decimalValue`, enums) and one walker that checks
//! a JSON value against it. The walker reports every violation at once and, in the
//! same pass, drops what Wix drops: unknown fields, read-only fields, and nulls.

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::str::FromStr;

use crate::error::FieldViolation;

/// Bounds of a decimal string field (`@decimalValue options {…}`).
#[derive(Debug, Clone, Copy)]
pub struct DecimalRule {
    pub gte: Option<i64>,
    pub gt: Option<i64>,
    pub lte: Option<i64>,
    pub max_scale: Option<u32>,
}

impl DecimalRule {
    pub const ANY: DecimalRule = DecimalRule {
        gte: None,
        gt: None,
        lte: None,
        max_scale: None,
    };
}

#[derive(Debug, Clone, Copy)]
pub enum Format {
    Plain,
    Guid,
    Decimal(DecimalRule),
    Timestamp,
}

#[derive(Debug)]
pub enum Ty {
    Str {
        min: usize,
        max: usize,
        format: Format,
    },
    Bool,
    /// A 32-bit integer; proto JSON also accepts it as a numeric string.
    Int {
        min: i64,
        max: i64,
    },
    /// A double.
    Num,
    Enum(&'static [&'static str]),
    /// `google.protobuf.Struct`: any JSON object, kept as sent.
    Struct,
    Obj(&'static [Field]),
    /// A proto `oneof` as a message: at most one of its fields set; a required
    /// one needs exactly one, so `{}` does not count as present.
    OneOf(&'static [Field]),
    Arr {
        of: &'static Ty,
        min: usize,
        max: usize,
    },
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    /// Read-only fields are silently dropped from input, as Wix does.
    pub read_only: bool,
    pub required: bool,
}

impl Field {
    pub const fn new(name: &'static str, ty: Ty) -> Self {
        Field {
            name,
            ty,
            read_only: false,
            required: false,
        }
    }
    pub const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

pub const fn string() -> Ty {
    Ty::Str {
        min: 0,
        max: usize::MAX,
        format: Format::Plain,
    }
}
pub const fn string_len(min: usize, max: usize) -> Ty {
    Ty::Str {
        min,
        max,
        format: Format::Plain,
    }
}
pub const fn guid() -> Ty {
    Ty::Str {
        min: 0,
        max: usize::MAX,
        format: Format::Guid,
    }
}
pub const fn decimal(rule: DecimalRule) -> Ty {
    Ty::Str {
        min: 0,
        max: usize::MAX,
        format: Format::Decimal(rule),
    }
}
pub const fn timestamp() -> Ty {
    Ty::Str {
        min: 0,
        max: usize::MAX,
        format: Format::Timestamp,
    }
}
pub const fn int(min: i64, max: i64) -> Ty {
    Ty::Int { min, max }
}
pub const INT32: Ty = Ty::Int {
    min: i32::MIN as i64,
    max: i32::MAX as i64,
};

/// Walks `value` against `ty`, appending every violation to `out`, and returns the
/// value as Wix would keep it (`None` when nothing is left of it).
pub fn check(value: &Value, ty: &Ty, path: &str, out: &mut Vec<FieldViolation>) -> Option<Value> {
    match ty {
        Ty::Str { min, max, format } => check_str(value, *min, *max, format, path, out),
        Ty::Bool => match value {
            Value::Bool(_) => Some(value.clone()),
            _ => {
                out.push(type_violation(path, "a boolean"));
                None
            }
        },
        Ty::Int { min, max } => check_int(value, *min, *max, path, out),
        Ty::Num => check_num(value, path, out),
        Ty::Enum(values) => check_enum(value, values, path, out),
        Ty::Struct => match value {
            Value::Object(_) => Some(value.clone()),
            _ => {
                out.push(type_violation(path, "an object"));
                None
            }
        },
        Ty::Obj(fields) => {
            let Value::Object(map) = value else {
                out.push(type_violation(path, "an object"));
                return None;
            };
            Some(Value::Object(check_object(map, fields, path, out)))
        }
        Ty::OneOf(fields) => check_one_of(value, fields, path, out),
        Ty::Arr { of, min, max } => check_array(value, of, *min, *max, path, out),
    }
}

/// A string: its length in characters, then its format; kept as sent.
fn check_str(
    value: &Value,
    min: usize,
    max: usize,
    format: &Format,
    path: &str,
    out: &mut Vec<FieldViolation>,
) -> Option<Value> {
    let Value::String(s) = value else {
        out.push(type_violation(path, "a string"));
        return None;
    };
    let len = s.chars().count();
    if len < min {
        out.push(
            FieldViolation::new(
                path,
                "MIN_LENGTH",
                format!("must be at least {min} character(s) long"),
            )
            .with_data(json!({"threshold": min})),
        );
    } else if len > max {
        out.push(
            FieldViolation::new(
                path,
                "MAX_LENGTH",
                format!("must be at most {max} characters long"),
            )
            .with_data(json!({"threshold": max})),
        );
    }
    match format {
        Format::Plain => {}
        Format::Guid => {
            if !is_guid(s) {
                out.push(
                    FieldViolation::new(path, "FORMAT", "must be a valid GUID")
                        .with_data(json!({"type": "GUID"})),
                );
            }
        }
        Format::Timestamp => {
            if time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .is_err()
            {
                out.push(
                    FieldViolation::new(path, "FORMAT", "must be an RFC 3339 timestamp")
                        .with_data(json!({"type": "DATE_TIME"})),
                );
            }
        }
        Format::Decimal(rule) => check_decimal(s, rule, path, out),
    }
    Some(value.clone())
}

/// A 32-bit integer, kept as a number even when sent as a string.
fn check_int(
    value: &Value,
    min: i64,
    max: i64,
    path: &str,
    out: &mut Vec<FieldViolation>,
) -> Option<Value> {
    let Some(n) = as_integer(value) else {
        out.push(type_violation(path, "an integer"));
        return None;
    };
    if n < min {
        out.push(
            FieldViolation::new(path, "MIN", format!("must be at least {min}"))
                .with_data(json!({"threshold": min})),
        );
    } else if n > max {
        out.push(
            FieldViolation::new(path, "MAX", format!("must be at most {max}"))
                .with_data(json!({"threshold": max})),
        );
    }
    Some(Value::from(n))
}

/// A double, kept as a number even when sent as a string.
fn check_num(value: &Value, path: &str, out: &mut Vec<FieldViolation>) -> Option<Value> {
    match value {
        Value::Number(_) => Some(value.clone()),
        Value::String(s) => match s.parse::<f64>() {
            Ok(n) if n.is_finite() => serde_json::Number::from_f64(n).map(Value::Number),
            _ => {
                out.push(type_violation(path, "a number"));
                None
            }
        },
        _ => {
            out.push(type_violation(path, "a number"));
            None
        }
    }
}

/// One of `values`, as a string.
fn check_enum(
    value: &Value,
    values: &[&str],
    path: &str,
    out: &mut Vec<FieldViolation>,
) -> Option<Value> {
    match value {
        Value::String(s) if values.contains(&s.as_str()) => Some(value.clone()),
        _ => {
            out.push(
                FieldViolation::new(
                    path,
                    "INVALID_ENUM_VALUE",
                    format!("must be one of {}", values.join(", ")),
                )
                .with_data(json!({"supported": values})),
            );
            None
        }
    }
}

/// A oneof: its fields, and no more than one of them set.
fn check_one_of(
    value: &Value,
    fields: &[Field],
    path: &str,
    out: &mut Vec<FieldViolation>,
) -> Option<Value> {
    let Value::Object(map) = value else {
        out.push(type_violation(path, "an object"));
        return None;
    };
    let kept = check_object(map, fields, path, out);
    if members_set(map, fields) > 1 {
        out.push(
            FieldViolation::new(
                path,
                "ONE_OF_ALIGNMENT",
                format!("only one of {} may be set", names(fields)),
            )
            .with_data(json!({"oneOf": fields.iter().map(|f| f.name).collect::<Vec<_>>()})),
        );
    }
    Some(Value::Object(kept))
}

/// How many of a oneof's fields `map` sets.
fn members_set(map: &Map<String, Value>, fields: &[Field]) -> usize {
    fields
        .iter()
        .filter(|f| map.get(f.name).is_some_and(|v| !v.is_null()))
        .count()
}

fn names(fields: &[Field]) -> String {
    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// Whether a required field is missing: absent, null, or a oneof with none
/// of its fields set.
fn is_missing(value: Option<&Value>, ty: &Ty) -> bool {
    match (value, ty) {
        (None | Some(Value::Null), _) => true,
        (Some(Value::Object(map)), Ty::OneOf(fields)) => members_set(map, fields) == 0,
        _ => false,
    }
}

/// An array: its size, then each element, a null or invalid one kept as null so
/// the others keep their places.
fn check_array(
    value: &Value,
    of: &Ty,
    min: usize,
    max: usize,
    path: &str,
    out: &mut Vec<FieldViolation>,
) -> Option<Value> {
    let Value::Array(items) = value else {
        out.push(type_violation(path, "an array"));
        return None;
    };
    if items.len() > max {
        out.push(
            FieldViolation::new(
                path,
                "MAX_SIZE",
                format!("must contain at most {max} elements"),
            )
            .with_data(json!({"threshold": max})),
        );
        // Checking thousands of elements past the limit only buries the real problem.
        return None;
    }
    if items.len() < min {
        out.push(
            FieldViolation::new(
                path,
                "MIN_SIZE",
                format!("must contain at least {min} elements"),
            )
            .with_data(json!({"threshold": min})),
        );
    }
    let kept = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item_path = format!("{path}[{i}]");
            if item.is_null() {
                out.push(type_violation(&item_path, "a value, not null"));
                return Value::Null;
            }
            check(item, of, &item_path, out).unwrap_or(Value::Null)
        })
        .collect();
    Some(Value::Array(kept))
}

/// Checks the fields of one object; keeps the client's key order.
pub fn check_object(
    map: &Map<String, Value>,
    fields: &[Field],
    path: &str,
    out: &mut Vec<FieldViolation>,
) -> Map<String, Value> {
    let mut kept = Map::new();
    for (key, value) in map {
        let Some(field) = fields.iter().find(|f| f.name == key) else {
            continue;
        };
        if field.read_only || value.is_null() {
            continue;
        }
        if let Some(v) = check(value, &field.ty, &join(path, key), out) {
            kept.insert(key.clone(), v);
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        if is_missing(map.get(field.name), &field.ty) {
            let description = match field.ty {
                Ty::OneOf(members) => format!("is required: set one of {}", names(members)),
                _ => "is required".to_string(),
            };
            out.push(FieldViolation::new(
                join(path, field.name),
                "REQUIRED_FIELD",
                description,
            ));
        }
    }
    kept
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_violation(path: &str, expected: &str) -> FieldViolation {
    FieldViolation::new(path, "FORMAT", format!("must be {expected}"))
        .with_data(json!({"expected": expected}))
}

fn as_integer(value: &Value) -> Option<i64> {
    integer_value(value).filter(|n| (i32::MIN as i64..=i32::MAX as i64).contains(n))
}

/// An integer as proto3 JSON reads one: a number with no fraction (`2` or
/// `2.0`), or a string of digits with an optional sign and no spaces (`"2"`,
/// `"+2"`, `"-02"`; not `" 2"`, which Wix's parser refuses too).
pub fn integer_value(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.parse::<i64>().ok(),
        _ => None,
    }
}

/// A whole number as a JSON number, the way proto3 JSON and JSON Schema's
/// `integer` read one: `3` or `3.0`; not `3.5`, `-1` or `"3"`.
pub fn whole_number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    })
}

/// Parses a Wix decimal string: digits with an optional fraction, no symbols or exponent.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let ok = !digits.is_empty()
        && digits.split('.').count() <= 2
        && digits
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return None;
    }
    Decimal::from_str(s).ok()
}

fn check_decimal(s: &str, rule: &DecimalRule, path: &str, out: &mut Vec<FieldViolation>) {
    let Some(d) = parse_decimal(s) else {
        out.push(
            FieldViolation::new(
                path,
                "FORMAT",
                "must be a decimal number without symbols, such as \"10.50\"",
            )
            .with_data(json!({"type": "DECIMAL_VALUE"})),
        );
        return;
    };
    if let Some(gte) = rule.gte {
        if d < Decimal::from(gte) {
            out.push(
                FieldViolation::new(
                    path,
                    "DECIMAL_GTE",
                    format!("must be greater than or equal to {gte}"),
                )
                .with_data(json!({"threshold": gte.to_string()})),
            );
        }
    }
    if let Some(gt) = rule.gt {
        if d <= Decimal::from(gt) {
            out.push(
                FieldViolation::new(path, "DECIMAL_GT", format!("must be greater than {gt}"))
                    .with_data(json!({"threshold": gt.to_string()})),
            );
        }
    }
    if let Some(lte) = rule.lte {
        if d > Decimal::from(lte) {
            out.push(
                FieldViolation::new(
                    path,
                    "DECIMAL_LTE",
                    format!("must be less than or equal to {lte}"),
                )
                .with_data(json!({"threshold": lte.to_string()})),
            );
        }
    }
    if let Some(scale) = rule.max_scale {
        let fraction = s.split_once('.').map_or(0, |(_, f)| f.len());
        if fraction > scale as usize {
            out.push(
                FieldViolation::new(
                    path,
                    "DECIMAL_MAX_SCALE",
                    format!("must have at most {scale} decimal places"),
                )
                .with_data(json!({"threshold": scale})),
            );
        }
    }
}

/// A GUID in 8-4-4-4-12 hex form, either case.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &[Field] = &[
        Field::new("quantity", int(1, 100)).required(),
        Field::new(
            "price",
            decimal(DecimalRule {
                gte: Some(0),
                gt: None,
                lte: Some(1000),
                max_scale: Some(2),
            }),
        ),
        Field::new("id", guid()).read_only(),
    ];
    const ROOT: &[Field] = &[Field::new(
        "items",
        Ty::Arr {
            of: &Ty::Obj(ITEM),
            min: 0,
            max: 2,
        },
    )];

    fn run(v: Value) -> (Value, Vec<FieldViolation>) {
        let mut out = vec![];
        let kept = check_object(v.as_object().unwrap(), ROOT, "t", &mut out);
        (Value::Object(kept), out)
    }

    #[test]
    fn keeps_known_fields_and_drops_unknown_and_read_only() {
        let (kept, out) = run(
            json!({"items": [{"quantity": "3", "price": "1.5", "id": "x", "color": "red"}], "x": 1}),
        );
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(kept, json!({"items": [{"quantity": 3, "price": "1.5"}]}));
    }

    #[test]
    fn reports_every_violation_with_its_path() {
        let (_, out) = run(json!({"items": [{"quantity": 0, "price": "1.234"}, {"price": "-1"}]}));
        let rules: Vec<_> = out
            .iter()
            .map(|v| (v.field.as_str(), v.violated_rule))
            .collect();
        assert_eq!(
            rules,
            vec![
                ("t.items[0].quantity", "MIN"),
                ("t.items[0].price", "DECIMAL_MAX_SCALE"),
                ("t.items[1].price", "DECIMAL_GTE"),
                ("t.items[1].quantity", "REQUIRED_FIELD"),
            ]
        );
    }

    #[test]
    fn decimals_reject_symbols_and_exponents() {
        for bad in ["$1", "1e3", "1.", ".5", "", "1,000", "0x10"] {
            assert!(parse_decimal(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_decimal("10.50").unwrap().to_string(), "10.50");
    }

    #[test]
    fn guids() {
        assert!(is_guid("0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60"));
        assert!(is_guid("0E7D3F5A-3B1C-4A1E-9D1E-1B2C3D4E5F60"));
        assert!(!is_guid("0e7d3f5a3b1c4a1e9d1e1b2c3d4e5f60"));
        assert!(!is_guid("0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f6g"));
    }

    #[test]
    fn oversize_arrays_stop_early() {
        let (_, out) = run(json!({"items": [{}, {}, {}]}));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].violated_rule, "MAX_SIZE");
    }

    const CHILD: &[Field] = &[
        Field::new("name", string()).required(),
        Field::new("tag", string()).read_only(),
        Field::new("size", int(1, 9)),
    ];
    const CHOICE: &[Field] = &[Field::new("a", string()), Field::new("b", string())];
    const EVERY: &[Field] = &[
        Field::new("short", string_len(2, 5)),
        Field::new("long", string_len(0, 3)),
        Field::new("notString", string()),
        Field::new("id", guid()),
        Field::new("goodId", guid()),
        Field::new("at", timestamp()),
        Field::new("goodAt", timestamp()),
        Field::new(
            "price",
            decimal(DecimalRule {
                gte: Some(0),
                gt: Some(0),
                lte: Some(10),
                max_scale: Some(2),
            }),
        ),
        Field::new(
            "bigPrice",
            decimal(DecimalRule {
                gte: None,
                gt: None,
                lte: Some(10),
                max_scale: None,
            }),
        ),
        Field::new("badPrice", decimal(DecimalRule::ANY)),
        Field::new("flag", Ty::Bool),
        Field::new("notFlag", Ty::Bool),
        Field::new("count", int(1, 10)),
        Field::new("big", int(1, 10)),
        Field::new("notInt", INT32),
        Field::new("hugeInt", INT32),
        Field::new("ratio", Ty::Num),
        Field::new("n", Ty::Num),
        Field::new("notNum", Ty::Num),
        Field::new("boolNum", Ty::Num),
        Field::new("kind", Ty::Enum(&["A", "B"])),
        Field::new("badKind", Ty::Enum(&["A", "B"])),
        Field::new("extra", Ty::Struct),
        Field::new("notExtra", Ty::Struct),
        Field::new("child", Ty::Obj(CHILD)),
        Field::new("notChild", Ty::Obj(CHILD)),
        Field::new(
            "list",
            Ty::Arr {
                of: &int(1, 9),
                min: 4,
                max: 5,
            },
        ),
        Field::new(
            "kinds",
            Ty::Arr {
                of: &Ty::Enum(&["A", "B"]),
                min: 0,
                max: 5,
            },
        ),
        Field::new(
            "tooMany",
            Ty::Arr {
                of: &Ty::Obj(CHILD),
                min: 0,
                max: 1,
            },
        ),
        Field::new(
            "notList",
            Ty::Arr {
                of: &Ty::Bool,
                min: 0,
                max: 5,
            },
        ),
        Field::new("pick", Ty::OneOf(CHOICE)),
        Field::new("both", Ty::OneOf(CHOICE)),
        Field::new("notPick", Ty::OneOf(CHOICE)),
        Field::new("mustPick", Ty::OneOf(CHOICE)).required(),
        Field::new("hidden", string()).read_only(),
        Field::new("missing", string()).required(),
    ];

    /// Every arm of `check` at once: the exact violations, in order, and what is kept.
    #[test]
    fn every_type_reports_and_keeps_exactly_this() {
        let value = json!({
            "long": "abcd",
            "short": "a",
            "notString": 5,
            "id": "nope",
            "goodId": "0E7D3F5A-3B1C-4A1E-9D1E-1B2C3D4E5F60",
            "at": "yesterday",
            "goodAt": "2026-01-02T03:04:05Z",
            "price": "-1.234",
            "bigPrice": "11",
            "badPrice": "1e3",
            "flag": true,
            "notFlag": "yes",
            "count": "0",
            "big": 11.0,
            "notInt": 1.5,
            "hugeInt": 3000000000u64,
            "ratio": "2.5",
            "n": 3,
            "notNum": "abc",
            "boolNum": true,
            "kind": "A",
            "badKind": "C",
            "extra": {"z": 1, "a": null},
            "notExtra": [],
            "child": {"size": "12", "name": 1, "tag": "x", "unknown": 1},
            "notChild": "x",
            "list": [null, "4", 0],
            "kinds": ["B", "Z", null, "A"],
            "tooMany": [{}, {}],
            "notList": {},
            "pick": {"b": "y", "c": 1},
            "both": {"a": "x", "b": "y"},
            "notPick": "a",
            "mustPick": {"a": null},
            "hidden": "x",
            "unknown": 1,
            "nothing": null,
        });
        let mut out = vec![];
        let kept = check(&value, &Ty::Obj(EVERY), "t", &mut out);
        // As text, since key order is part of what is kept.
        assert_eq!(
            serde_json::to_string(&kept).unwrap(),
            r#"{"long":"abcd","short":"a","id":"nope","goodId":"0E7D3F5A-3B1C-4A1E-9D1E-1B2C3D4E5F60","at":"yesterday","goodAt":"2026-01-02T03:04:05Z","price":"-1.234","bigPrice":"11","badPrice":"1e3","flag":true,"count":0,"big":11,"ratio":2.5,"n":3,"kind":"A","extra":{"z":1,"a":null},"child":{"size":12},"list":[null,4,0],"kinds":["B",null,null,"A"],"pick":{"b":"y"},"both":{"a":"x","b":"y"},"mustPick":{}}"#
        );
        let got: Vec<String> = out
            .iter()
            .map(|v| {
                let data = v.data.as_ref().map_or("-".to_string(), Value::to_string);
                format!("{} {}: {} {data}", v.field, v.violated_rule, v.description)
            })
            .collect();
        let expected = [
            r#"t.long MAX_LENGTH: must be at most 3 characters long {"threshold":3}"#,
            r#"t.short MIN_LENGTH: must be at least 2 character(s) long {"threshold":2}"#,
            r#"t.notString FORMAT: must be a string {"expected":"a string"}"#,
            r#"t.id FORMAT: must be a valid GUID {"type":"GUID"}"#,
            r#"t.at FORMAT: must be an RFC 3339 timestamp {"type":"DATE_TIME"}"#,
            r#"t.price DECIMAL_GTE: must be greater than or equal to 0 {"threshold":"0"}"#,
            r#"t.price DECIMAL_GT: must be greater than 0 {"threshold":"0"}"#,
            r#"t.price DECIMAL_MAX_SCALE: must have at most 2 decimal places {"threshold":2}"#,
            r#"t.bigPrice DECIMAL_LTE: must be less than or equal to 10 {"threshold":"10"}"#,
            r#"t.badPrice FORMAT: must be a decimal number without symbols, such as "10.50" {"type":"DECIMAL_VALUE"}"#,
            r#"t.notFlag FORMAT: must be a boolean {"expected":"a boolean"}"#,
            r#"t.count MIN: must be at least 1 {"threshold":1}"#,
            r#"t.big MAX: must be at most 10 {"threshold":10}"#,
            r#"t.notInt FORMAT: must be an integer {"expected":"an integer"}"#,
            r#"t.hugeInt FORMAT: must be an integer {"expected":"an integer"}"#,
            r#"t.notNum FORMAT: must be a number {"expected":"a number"}"#,
            r#"t.boolNum FORMAT: must be a number {"expected":"a number"}"#,
            r#"t.badKind INVALID_ENUM_VALUE: must be one of A, B {"supported":["A","B"]}"#,
            r#"t.notExtra FORMAT: must be an object {"expected":"an object"}"#,
            r#"t.child.size MAX: must be at most 9 {"threshold":9}"#,
            r#"t.child.name FORMAT: must be a string {"expected":"a string"}"#,
            r#"t.notChild FORMAT: must be an object {"expected":"an object"}"#,
            r#"t.list MIN_SIZE: must contain at least 4 elements {"threshold":4}"#,
            r#"t.list[0] FORMAT: must be a value, not null {"expected":"a value, not null"}"#,
            r#"t.list[2] MIN: must be at least 1 {"threshold":1}"#,
            r#"t.kinds[1] INVALID_ENUM_VALUE: must be one of A, B {"supported":["A","B"]}"#,
            r#"t.kinds[2] FORMAT: must be a value, not null {"expected":"a value, not null"}"#,
            r#"t.tooMany MAX_SIZE: must contain at most 1 elements {"threshold":1}"#,
            r#"t.notList FORMAT: must be an array {"expected":"an array"}"#,
            r#"t.both ONE_OF_ALIGNMENT: only one of a, b may be set {"oneOf":["a","b"]}"#,
            r#"t.notPick FORMAT: must be an object {"expected":"an object"}"#,
            r#"t.mustPick REQUIRED_FIELD: is required: set one of a, b -"#,
            r#"t.missing REQUIRED_FIELD: is required -"#,
        ];
        assert_eq!(got, expected);
    }
}

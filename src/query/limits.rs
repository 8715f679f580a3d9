//! Bounds on a filter, checked on its JSON before it is parsed or compiled,
//! so no filter can reach a database limit (SQLite's 999 expression depth,
//! 32,766 bound values; PostgreSQL's 65,535) or cost more than linear time,
//! and both engines refuse the same filters. A value holding NUL is refused
//! too: PostgreSQL rejects it in text, SQLite would not, and both must agree.

use serde_json::Value;

use crate::error::{ApiError, FieldViolation};

/// Most filters one `$and` or `$or` combines.
pub const MAX_OPERANDS: usize = 100;
/// Most values one `$in` or `$hasSome` lists.
pub const MAX_VALUES: usize = 1000;
/// Most `$and`/`$or`/`$not` nested inside one another.
pub const MAX_NESTING: usize = 10;

fn too_many(path: &str, rule: &'static str, description: String, threshold: usize) -> ApiError {
    ApiError::Validation(vec![FieldViolation::new(path, rule, description)
        .with_data(serde_json::json!({"threshold": threshold}))])
}

/// Checks `filter` (the object under `query.filter`, at `path`).
pub fn check(filter: &Value, path: &str) -> Result<(), ApiError> {
    walk(filter, path, 0)
}

fn walk(value: &Value, path: &str, nesting: usize) -> Result<(), ApiError> {
    match value {
        Value::String(s) if s.contains('\0') => Err(ApiError::validation(
            path,
            "FORMAT",
            "must not contain the NUL character (\\u0000)",
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), nesting)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            for (key, inner) in map {
                let here = format!("{path}.{key}");
                let nesting = match key.as_str() {
                    "$and" | "$or" | "$not" => nesting + 1,
                    _ => nesting,
                };
                if nesting > MAX_NESTING {
                    return Err(too_many(
                        &here,
                        "MAX",
                        format!("filters may nest $and, $or and $not at most {MAX_NESTING} deep"),
                        MAX_NESTING,
                    ));
                }
                match (key.as_str(), inner) {
                    ("$and" | "$or", Value::Array(items)) if items.len() > MAX_OPERANDS => {
                        return Err(too_many(
                            &here,
                            "MAX_SIZE",
                            format!("{key} combines at most {MAX_OPERANDS} filters"),
                            MAX_OPERANDS,
                        ))
                    }
                    ("$in" | "$hasSome", Value::Array(items)) if items.len() > MAX_VALUES => {
                        return Err(too_many(
                            &here,
                            "MAX_SIZE",
                            format!("{key} lists at most {MAX_VALUES} values"),
                            MAX_VALUES,
                        ))
                    }
                    _ => {}
                }
                walk(inner, &here, nesting)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(depth: usize) -> Value {
        (0..depth).fold(json!({"status": "ACTIVE"}), |f, _| json!({"$not": f}))
    }

    #[test]
    fn the_largest_filters_pass_and_one_more_fails() {
        let values: Vec<String> = (0..MAX_VALUES).map(|i| i.to_string()).collect();
        assert!(check(&json!({"id": {"$in": values}}), "f").is_ok());
        let mut over = values.clone();
        over.push("x".into());
        assert!(check(&json!({"id": {"$hasSome": over}}), "f").is_err());

        let operands: Vec<Value> = (0..MAX_OPERANDS)
            .map(|_| json!({"status": "ACTIVE"}))
            .collect();
        assert!(check(&json!({"$or": operands}), "f").is_ok());
        let mut over = operands.clone();
        over.push(json!({}));
        assert!(check(&json!({"$and": over}), "f").is_err());

        assert!(check(&nested(MAX_NESTING), "f").is_ok());
        assert!(check(&nested(MAX_NESTING + 1), "f").is_err());
    }

    #[test]
    fn nul_is_refused_wherever_it_hides() {
        assert!(check(&json!({"id": {"$in": ["a", "b\u{0}"]}}), "f").is_err());
        assert!(check(&json!({"$or": [{"id": {"$startsWith": "\u{0}"}}]}), "f").is_err());
        assert!(check(&json!({"id": "plain"}), "f").is_ok());
    }
}

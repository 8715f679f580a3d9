//! The Wix API Query Language, restricted to what Query Checkout Templates
//! supports, parsed into a small AST and compiled to parameterised SQL.

use serde_json::{Map, Value};

use crate::error::{ApiError, FieldViolation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Id,
    Status,
}

impl Column {
    pub fn parse(name: &str) -> Option<Column> {
        match name {
            "id" | "_id" => Some(Column::Id),
            "status" => Some(Column::Status),
            _ => None,
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Status => "status",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Status => "status",
        }
    }

    /// Operators each field supports, as the current API reference lists them:
    /// `id` also takes the range operators, `status` does not.
    fn supports(self, op: &str) -> bool {
        match self {
            Column::Id => matches!(
                op,
                "$eq"
                    | "$ne"
                    | "$in"
                    | "$startsWith"
                    | "$exists"
                    | "$hasSome"
                    | "$gt"
                    | "$gte"
                    | "$lt"
                    | "$lte"
            ),
            Column::Status => matches!(op, "$eq" | "$ne" | "$in" | "$exists" | "$hasSome"),
        }
    }
}

/// A comparison of a column with a value, as `$gt`, `$gte`, `$lt`, `$lte` ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Range {
    fn parse(op: &str) -> Option<Range> {
        Some(match op {
            "$gt" => Range::Gt,
            "$gte" => Range::Gte,
            "$lt" => Range::Lt,
            "$lte" => Range::Lte,
            _ => return None,
        })
    }

    fn sql(self) -> &'static str {
        match self {
            Range::Gt => ">",
            Range::Gte => ">=",
            Range::Lt => "<",
            Range::Lte => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Const(bool),
    Eq(Column, String),
    Ne(Column, String),
    In(Column, Vec<String>),
    /// Bytewise, as both engines compare ids.
    Range(Column, Range, String),
    /// Ignores case; the prefix is kept lower-cased (see [`parse_field`]).
    StartsWith(Column, String),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

const PATH: &str = "query.filter";

fn bad(path: &str, description: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldViolation::new(path, "OTHER", description)])
}

/// Parses a filter object: several keys at one level are ANDed. Its
/// [`limits`](super::limits) are checked first, before any work it could make.
pub fn parse(filter: &Value) -> Result<Cond, ApiError> {
    super::limits::check(filter, PATH)?;
    match filter {
        Value::Null => Ok(Cond::Const(true)),
        Value::Object(map) => parse_object(map, PATH),
        // Some clients send the filter as a JSON string.
        Value::String(s) if s.trim().is_empty() => Ok(Cond::Const(true)),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v @ Value::Object(_)) => parse(&v),
            _ => Err(bad(PATH, "must be a JSON object")),
        },
        _ => Err(bad(PATH, "must be an object")),
    }
}

fn parse_object(map: &Map<String, Value>, path: &str) -> Result<Cond, ApiError> {
    let mut parts = Vec::with_capacity(map.len());
    for (key, value) in map {
        let here = format!("{path}.{key}");
        let cond = match key.as_str() {
            "$and" | "$or" => {
                let Value::Array(items) = value else {
                    return Err(bad(&here, format!("{key} takes an array of filters")));
                };
                let inner = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Value::Object(m) => parse_object(m, &format!("{here}[{i}]")),
                        _ => Err(bad(&format!("{here}[{i}]"), "must be a filter object")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if key == "$and" {
                    Cond::And(inner)
                } else {
                    Cond::Or(inner)
                }
            }
            "$not" => match value {
                Value::Object(m) => Cond::Not(Box::new(parse_object(m, &here)?)),
                _ => return Err(bad(&here, "$not takes a filter object")),
            },
            op if op.starts_with('$') => {
                return Err(bad(&here, format!("unsupported operator {op}")))
            }
            field => {
                let column = Column::parse(field).ok_or_else(|| {
                    bad(
                        &here,
                        format!("filtering by `{field}` is not supported; use id or status"),
                    )
                })?;
                parse_field(column, value, &here)?
            }
        };
        parts.push(cond);
    }
    Ok(match parts.len() {
        1 => parts.pop().expect("one part"),
        _ => Cond::And(parts),
    })
}

fn parse_field(column: Column, value: &Value, path: &str) -> Result<Cond, ApiError> {
    let Value::Object(ops) = value else {
        // A bare value means $eq.
        return Ok(Cond::Eq(column, scalar(value, path)?));
    };
    let mut parts = Vec::with_capacity(ops.len());
    for (op, arg) in ops {
        let here = format!("{path}.{op}");
        if !op.starts_with('$') {
            return Err(bad(
                &here,
                format!("`{}` has no nested fields", column.name()),
            ));
        }
        if !column.supports(op) {
            return Err(bad(
                &here,
                format!("operator {op} is not supported on `{}`", column.name()),
            ));
        }
        parts.push(match op.as_str() {
            "$eq" => Cond::Eq(column, scalar(arg, &here)?),
            "$ne" => Cond::Ne(column, scalar(arg, &here)?),
            "$in" | "$hasSome" => Cond::In(column, list(arg, &here)?),
            // Wix's $startsWith ignores case. Every stored id is a lower-case
            // GUID (the emulator makes them), so a case-insensitive prefix of
            // one is exactly its lower-cased prefix, and the index still
            // narrows the scan.
            "$startsWith" => Cond::StartsWith(column, scalar(arg, &here)?.to_lowercase()),
            "$gt" | "$gte" | "$lt" | "$lte" => {
                let range = Range::parse(op).expect("one of the range operators");
                Cond::Range(column, range, scalar(arg, &here)?)
            }
            // id and status are always present on a stored template.
            "$exists" => match arg {
                Value::Bool(b) => Cond::Const(*b),
                _ => return Err(bad(&here, "$exists takes true or false")),
            },
            _ => unreachable!("checked by supports()"),
        });
    }
    match parts.len() {
        0 => Err(bad(path, "an operator object needs at least one operator")),
        1 => Ok(parts.pop().expect("one part")),
        _ => Ok(Cond::And(parts)),
    }
}

fn scalar(value: &Value, path: &str) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(bad(path, "must be a string")),
    }
}

fn list(value: &Value, path: &str) -> Result<Vec<String>, ApiError> {
    let Value::Array(items) = value else {
        return Err(bad(path, "must be an array of strings"));
    };
    items.iter().map(|v| scalar(v, path)).collect()
}

/// SQL text with `$n` placeholders and the values to bind, in order.
#[derive(Debug)]
pub struct Sql {
    pub text: String,
    pub params: Vec<String>,
    /// The number of the first placeholder this fragment uses; earlier ones are the caller's.
    first: usize,
}

impl Sql {
    pub fn new(first: usize) -> Sql {
        Sql {
            text: String::new(),
            params: Vec::new(),
            first,
        }
    }

    pub fn bind(&mut self, value: String) -> String {
        self.params.push(value);
        format!("${}", self.first + self.params.len() - 1)
    }
}

pub fn compile(cond: &Cond, sql: &mut Sql) {
    match cond {
        Cond::Const(true) => sql.text.push_str("1=1"),
        Cond::Const(false) => sql.text.push_str("1=0"),
        Cond::Eq(c, v) => {
            let p = sql.bind(v.clone());
            sql.text.push_str(&format!("{} = {p}", c.sql()));
        }
        Cond::Ne(c, v) => {
            let p = sql.bind(v.clone());
            sql.text.push_str(&format!("{} <> {p}", c.sql()));
        }
        Cond::In(_, values) if values.is_empty() => sql.text.push_str("1=0"),
        Cond::In(c, values) => {
            let placeholders: Vec<String> = values.iter().map(|v| sql.bind(v.clone())).collect();
            sql.text
                .push_str(&format!("{} IN ({})", c.sql(), placeholders.join(", ")));
        }
        Cond::Range(c, range, v) => {
            let p = sql.bind(v.clone());
            sql.text
                .push_str(&format!("{} {} {p}", c.sql(), range.sql()));
        }
        Cond::StartsWith(c, prefix) => {
            // A range on the column lets the index narrow the scan; substr makes it exact.
            let p = sql.bind(prefix.clone());
            sql.text.push_str(&format!(
                "({col} >= {p} AND substr({col}, 1, length({p})) = {p})",
                col = c.sql()
            ));
        }
        Cond::And(parts) | Cond::Or(parts) if parts.is_empty() => {
            sql.text.push_str(if matches!(cond, Cond::And(_)) {
                "1=1"
            } else {
                "1=0"
            })
        }
        Cond::And(parts) | Cond::Or(parts) => {
            let joiner = if matches!(cond, Cond::And(_)) {
                " AND "
            } else {
                " OR "
            };
            sql.text.push('(');
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    sql.text.push_str(joiner);
                }
                compile(part, sql);
            }
            sql.text.push(')');
        }
        Cond::Not(inner) => {
            sql.text.push_str("NOT (");
            compile(inner, sql);
            sql.text.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sql_of(filter: Value) -> (String, Vec<String>) {
        let cond = parse(&filter).unwrap();
        let mut sql = Sql::new(2);
        compile(&cond, &mut sql);
        (sql.text, sql.params)
    }

    #[test]
    fn bare_values_mean_eq_and_keys_are_anded() {
        let (text, params) = sql_of(json!({"status": "ACTIVE", "id": {"$ne": "x"}}));
        assert_eq!(text, "(status = $2 AND id <> $3)");
        assert_eq!(params, vec!["ACTIVE", "x"]);
    }

    #[test]
    fn logical_operators_nest() {
        let (text, _) = sql_of(
            json!({"$or": [{"status": {"$in": ["ACTIVE"]}}, {"$not": {"id": {"$startsWith": "ab"}}}]}),
        );
        assert_eq!(
            text,
            "(status IN ($2) OR NOT ((id >= $3 AND substr(id, 1, length($3)) = $3)))"
        );
    }

    #[test]
    fn id_ranges_compile_to_comparisons() {
        let (text, params) =
            sql_of(json!({"id": {"$gt": "a", "$gte": "b", "$lt": "c", "$lte": "d"}}));
        assert_eq!(text, "(id > $2 AND id >= $3 AND id < $4 AND id <= $5)");
        assert_eq!(params, vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn starts_with_ignores_case() {
        let (_, params) = sql_of(json!({"id": {"$startsWith": "AB-Cd"}}));
        assert_eq!(params, vec!["ab-cd"]);
    }

    #[test]
    fn values_never_reach_the_sql_text() {
        let (text, params) = sql_of(json!({"id": "x' OR '1'='1"}));
        assert_eq!(text, "id = $2");
        assert_eq!(params, vec!["x' OR '1'='1"]);
    }

    #[test]
    fn rejects_unknown_fields_and_operators() {
        for f in [
            json!({"couponCode": "X"}),
            json!({"status": {"$startsWith": "A"}}),
            json!({"status": {"$gt": "A"}}),
            json!({"status": {"$lte": "A"}}),
            json!({"id": {"$gt": 1}}),
            json!({"$nor": []}),
            json!({"status": {"$in": "ACTIVE"}}),
            json!({"status": 5}),
            json!({"status": {}}),
            json!([1]),
        ] {
            assert!(parse(&f).is_err(), "{f}");
        }
    }
}

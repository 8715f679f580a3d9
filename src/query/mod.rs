//! Query Checkout Templates: the request's `query` becomes a [`Plan`]; a plan
//! becomes one keyset-paged SQL statement; the rows become a page with cursors.

pub mod cursor;
pub mod filter;
pub mod limits;

use serde_json::{json, Value};

use crate::error::{ApiError, FieldViolation, Result};
use cursor::{CursorKey, CursorState};
use filter::{Column, Sql};

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

impl Order {
    fn name(self) -> &'static str {
        match self {
            Order::Asc => "ASC",
            Order::Desc => "DESC",
        }
    }
    fn parse(s: &str) -> Option<Order> {
        match s {
            "ASC" => Some(Order::Asc),
            "DESC" => Some(Order::Desc),
            _ => None,
        }
    }
    fn flip(self) -> Order {
        match self {
            Order::Asc => Order::Desc,
            Order::Desc => Order::Asc,
        }
    }
}

/// A query ready to run against one site.
#[derive(Debug)]
pub struct Plan {
    filter_json: Value,
    cond: filter::Cond,
    /// Always ends with `id`, so every row has a unique position.
    sort: Vec<(Column, Order)>,
    limit: usize,
    /// The boundary row's sort keys and which side of it to read.
    position: Option<(Vec<String>, bool)>,
}

fn violation(field: &str, rule: &'static str, description: &str) -> ApiError {
    ApiError::Validation(vec![FieldViolation::new(field, rule, description)])
}

impl Plan {
    /// Reads the request's `query` object (absent means "everything, default order").
    pub fn from_request(query: Option<&Value>, site_id: &str, key: &CursorKey) -> Result<Plan> {
        let empty = serde_json::Map::new();
        let query = match query {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(q)) => q,
            Some(_) => return Err(violation("query", "FORMAT", "must be an object")),
        };
        let paging = match query.get("cursorPaging") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(p)) => p,
            Some(_) => {
                return Err(violation(
                    "query.cursorPaging",
                    "FORMAT",
                    "must be an object",
                ))
            }
        };
        let limit = parse_limit(paging.get("limit"))?;
        let cursor = match paging.get("cursor") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                return Err(violation(
                    "query.cursorPaging.cursor",
                    "FORMAT",
                    "must be a string",
                ))
            }
        };

        if let Some(token) = cursor {
            let has = |k: &str| {
                query
                    .get(k)
                    .is_some_and(|v| !v.is_null() && v != &json!([]) && v != &json!({}))
            };
            if has("filter") || has("sort") {
                return Err(violation(
                    "query.cursorPaging.cursor",
                    "FIELD_NOT_ALLOWED",
                    "a request with a cursor carries only the cursor (and optionally a limit): filter and sort come from the cursor",
                ));
            }
            let state = key.open(site_id, token).ok_or_else(|| {
                violation(
                    "query.cursorPaging.cursor",
                    "FORMAT",
                    "is not a valid cursor",
                )
            })?;
            return Plan::from_cursor(state, limit);
        }

        let filter_json = query.get("filter").cloned().unwrap_or(Value::Null);
        let cond = filter::parse(&filter_json)?;
        let sort = parse_sort(query.get("sort"))?;
        Ok(Plan {
            filter_json,
            cond,
            sort,
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            position: None,
        })
    }

    fn from_cursor(state: CursorState, limit: Option<usize>) -> Result<Plan> {
        let bad = || {
            violation(
                "query.cursorPaging.cursor",
                "FORMAT",
                "is not a valid cursor",
            )
        };
        let cond = filter::parse(&state.filter).map_err(|_| bad())?;
        let sort = state
            .sort
            .iter()
            .map(|(f, o)| Some((Column::parse(f)?, Order::parse(o)?)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        if sort.len() != state.keys.len() || sort.last().map(|s| s.0) != Some(Column::Id) {
            return Err(bad());
        }
        Ok(Plan {
            filter_json: state.filter,
            cond,
            sort,
            limit: limit.unwrap_or(state.limit),
            position: Some((state.keys, state.forward)),
        })
    }

    /// The SELECT for this page; `$1` is the site id. Reads one row past the page to
    /// learn whether there is more. With `per_status`, one SELECT per status,
    /// merged in sort order by UNION ALL: each reads an index on
    /// `(site_id, status, id)` in order, so nothing is sorted whatever the sort
    /// asks, and the merge stops at the page's end.
    pub fn to_sql(&self, per_status: Option<&[&str]>) -> Sql {
        let mut sql = Sql::new(2);
        filter::compile(&self.cond, &mut sql);
        let filter = std::mem::take(&mut sql.text);
        let forward = self.position.as_ref().is_none_or(|(_, f)| *f);
        let order: Vec<(Column, Order)> = self
            .sort
            .iter()
            .map(|(c, o)| (*c, if forward { *o } else { o.flip() }))
            .collect();
        let order_by: Vec<String> = order
            .iter()
            .map(|(c, o)| format!("{} {}", c.sql(), o.name()))
            .collect();
        const SELECT: &str = "SELECT id, status, body FROM checkout_templates WHERE site_id = $1";
        let select = |status: Option<&str>, sql: &mut Sql| {
            let only = status
                .map(|s| format!(" AND status = '{s}'"))
                .unwrap_or_default();
            let after = match &self.position {
                Some((keys, _)) => format!(" AND {}", after_keys(&order, keys, status, sql)),
                None => String::new(),
            };
            format!("{SELECT}{only} AND {filter}{after}")
        };
        let selects: Vec<String> = match per_status {
            None => vec![select(None, &mut sql)],
            Some(statuses) => statuses.iter().map(|s| select(Some(s), &mut sql)).collect(),
        };
        sql.text = format!(
            "{} ORDER BY {} LIMIT {}",
            selects.join(" UNION ALL "),
            order_by.join(", "),
            self.limit + 1
        );
        sql
    }

    /// Trims the extra row, restores page order and builds `pagingMetadata`.
    pub fn page<R: Row>(
        &self,
        mut rows: Vec<R>,
        site_id: &str,
        key: &CursorKey,
    ) -> (Vec<R>, Value) {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        let forward = self.position.as_ref().is_none_or(|(_, f)| *f);
        if !forward {
            rows.reverse();
        }
        let (has_next, has_prev) = match (&self.position, forward) {
            (None, _) => (more, false),
            (Some(_), true) => (more, true),
            (Some(_), false) => (true, more),
        };
        let seal = |row: &R, forward: bool| {
            key.seal(
                site_id,
                &CursorState {
                    filter: self.filter_json.clone(),
                    sort: self
                        .sort
                        .iter()
                        .map(|(c, o)| (c.name().to_string(), o.name().to_string()))
                        .collect(),
                    limit: self.limit,
                    keys: self
                        .sort
                        .iter()
                        .map(|(c, _)| row.key(*c).to_string())
                        .collect(),
                    forward,
                },
            )
        };
        let mut cursors = serde_json::Map::new();
        if let (true, Some(last)) = (has_next, rows.last()) {
            cursors.insert("next".into(), Value::String(seal(last, true)));
        }
        if let (true, Some(first)) = (has_prev, rows.first()) {
            cursors.insert("prev".into(), Value::String(seal(first, false)));
        }
        let metadata = json!({
            "count": rows.len(),
            "cursors": cursors,
            "hasNext": has_next && !rows.is_empty(),
        });
        (rows, metadata)
    }
}

/// A result row as far as paging needs to see it.
pub trait Row {
    fn key(&self, column: Column) -> &str;
}

fn parse_limit(value: Option<&Value>) -> Result<Option<usize>> {
    let n = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => crate::validate::integer_value(v),
    };
    let field = "query.cursorPaging.limit";
    match n {
        None => Err(violation(field, "FORMAT", "must be an integer")),
        Some(n) if n < 0 => Err(violation(field, "MIN", "must be at least 0").with_threshold(0)),
        Some(n) if n as usize > MAX_LIMIT => {
            Err(violation(field, "MAX", "must be at most 100").with_threshold(MAX_LIMIT as i64))
        }
        Some(0) => Ok(None),
        Some(n) => Ok(Some(n as usize)),
    }
}

trait WithThreshold {
    fn with_threshold(self, t: i64) -> Self;
}

impl WithThreshold for ApiError {
    fn with_threshold(self, t: i64) -> Self {
        match self {
            ApiError::Validation(mut v) => {
                for f in &mut v {
                    f.data = Some(json!({"threshold": t}));
                }
                ApiError::Validation(v)
            }
            other => other,
        }
    }
}

/// The rows after `keys` in `order`: `(c0 > k0) OR (c0 = k0 AND c1 > k1) …`
/// (`<` where descending). Within one status's SELECT (`status`), each
/// comparison of the status with its key is decided here, so what is left
/// bounds the id and the index is read from the cursor on rather than from the
/// start of the status's run.
fn after_keys(
    order: &[(Column, Order)],
    keys: &[String],
    status: Option<&str>,
    sql: &mut Sql,
) -> String {
    let mut either = Vec::new();
    'disjunct: for i in 0..order.len() {
        let mut all = Vec::new();
        for (j, (column, dir)) in order.iter().enumerate().take(i + 1) {
            let wanted = if j < i {
                std::cmp::Ordering::Equal
            } else if *dir == Order::Asc {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Less
            };
            if let (Column::Status, Some(status)) = (column, status) {
                // SQLite compares text byte by byte, as str's Ord does.
                if status.cmp(keys[j].as_str()) != wanted {
                    continue 'disjunct;
                }
                continue;
            }
            let op = match wanted {
                std::cmp::Ordering::Equal => "=",
                std::cmp::Ordering::Greater => ">",
                std::cmp::Ordering::Less => "<",
            };
            let p = sql.bind(keys[j].clone());
            all.push(format!("{} {op} {p}", column.sql()));
        }
        either.push(if all.is_empty() {
            "(1=1)".to_string()
        } else {
            format!("({})", all.join(" AND "))
        });
    }
    if either.is_empty() {
        "1=0".to_string()
    } else {
        format!("({})", either.join(" OR "))
    }
}

fn parse_sort(value: Option<&Value>) -> Result<Vec<(Column, Order)>> {
    let items = match value {
        None | Some(Value::Null) => &vec![],
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(violation(
                "query.sort",
                "FORMAT",
                "must be an array of {fieldName, order}",
            ))
        }
    };
    let mut sort: Vec<(Column, Order)> = Vec::with_capacity(items.len() + 1);
    for (i, item) in items.iter().enumerate() {
        let path = format!("query.sort[{i}]");
        let name = item
            .get("fieldName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let column = Column::parse(name).ok_or_else(|| {
            violation(
                &format!("{path}.fieldName"),
                "OTHER",
                &format!("sorting by `{name}` is not supported; use id or status"),
            )
        })?;
        let order = match item.get("order") {
            None | Some(Value::Null) => Order::Asc,
            Some(Value::String(s)) => Order::parse(s).ok_or_else(|| {
                violation(
                    &format!("{path}.order"),
                    "INVALID_ENUM_VALUE",
                    "must be one of ASC, DESC",
                )
            })?,
            Some(_) => {
                return Err(violation(
                    &format!("{path}.order"),
                    "INVALID_ENUM_VALUE",
                    "must be one of ASC, DESC",
                ))
            }
        };
        if sort.iter().any(|(c, _)| *c == column) {
            return Err(violation(
                &path,
                "OTHER",
                &format!("`{name}` appears twice in sort"),
            ));
        }
        sort.push((column, order));
    }
    if !sort.iter().any(|(c, _)| *c == Column::Id) {
        sort.push((Column::Id, Order::Asc));
    }
    // Rows are unique by id, so keys after it never matter.
    let id_at = sort
        .iter()
        .position(|(c, _)| *c == Column::Id)
        .expect("id is in sort");
    sort.truncate(id_at + 1);
    Ok(sort)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_sorts_by_id_and_reads_one_extra_row() {
        let key = CursorKey::new(b"k");
        let plan = Plan::from_request(None, "s", &key).unwrap();
        let sql = plan.to_sql(None);
        assert_eq!(
            sql.text,
            "SELECT id, status, body FROM checkout_templates WHERE site_id = $1 AND 1=1 ORDER BY id ASC LIMIT 51"
        );
    }

    #[test]
    fn a_page_per_status_is_merged_in_sort_order() {
        let key = CursorKey::new(b"k");
        let mut plan = Plan::from_request(
            Some(&json!({"filter": {"id": {"$gt": "a"}}, "sort": [{"fieldName": "status", "order": "DESC"}]})),
            "s",
            &key,
        )
        .unwrap();
        let arm = |s: &str, after: &str| {
            format!("SELECT id, status, body FROM checkout_templates WHERE site_id = $1 AND status = '{s}' AND id > $2 AND {after}")
        };
        // After (INACTIVE, b), status descending: every ACTIVE row, and the
        // INACTIVE rows after b; each status's comparison is decided here.
        plan.position = Some((vec!["INACTIVE".into(), "b".into()], true));
        let sql = plan.to_sql(Some(&["ACTIVE", "INACTIVE"]));
        assert_eq!(
            sql.text,
            format!(
                "{} UNION ALL {} ORDER BY status DESC, id ASC LIMIT 51",
                arm("ACTIVE", "((1=1))"),
                arm("INACTIVE", "((id > $3))")
            )
        );
        assert_eq!(sql.params, ["a", "b"]);
        // Before (INACTIVE, b), read backwards: only INACTIVE rows before b.
        plan.position = Some((vec!["INACTIVE".into(), "b".into()], false));
        let sql = plan.to_sql(Some(&["ACTIVE", "INACTIVE"]));
        assert_eq!(
            sql.text,
            format!(
                "{} UNION ALL {} ORDER BY status ASC, id DESC LIMIT 51",
                arm("ACTIVE", "1=0"),
                arm("INACTIVE", "((id < $3))")
            )
        );
    }

    #[test]
    fn keyset_condition_follows_sort_directions() {
        let key = CursorKey::new(b"k");
        let mut plan = Plan::from_request(
            Some(&json!({"sort": [{"fieldName": "status", "order": "DESC"}], "cursorPaging": {"limit": 2}})),
            "s",
            &key,
        )
        .unwrap();
        plan.position = Some((vec!["INACTIVE".into(), "b".into()], true));
        let sql = plan.to_sql(None);
        assert_eq!(
            sql.text,
            "SELECT id, status, body FROM checkout_templates WHERE site_id = $1 AND 1=1 AND ((status < $2) OR (status = $3 AND id > $4)) ORDER BY status DESC, id ASC LIMIT 3"
        );
        plan.position = Some((vec!["INACTIVE".into(), "b".into()], false));
        assert!(plan
            .to_sql(None)
            .text
            .contains("((status > $2) OR (status = $3 AND id < $4)) ORDER BY status ASC, id DESC"));
    }

    #[test]
    fn limits_are_checked() {
        let key = CursorKey::new(b"k");
        for bad in [json!(101), json!(-1), json!("x"), json!(true)] {
            let q = json!({"cursorPaging": {"limit": bad}});
            assert!(Plan::from_request(Some(&q), "s", &key).is_err(), "{q}");
        }
        let q = json!({"cursorPaging": {"limit": "100"}});
        assert_eq!(Plan::from_request(Some(&q), "s", &key).unwrap().limit, 100);
        // As every integer field reads one: a whole float, not a padded string.
        let q = json!({"cursorPaging": {"limit": 7.0}});
        assert_eq!(Plan::from_request(Some(&q), "s", &key).unwrap().limit, 7);
        let q = json!({"cursorPaging": {"limit": " 7"}});
        assert!(Plan::from_request(Some(&q), "s", &key).is_err());
    }

    #[test]
    fn a_cursor_with_a_filter_is_rejected() {
        let key = CursorKey::new(b"k");
        let q = json!({"filter": {"status": "ACTIVE"}, "cursorPaging": {"cursor": "abc"}});
        assert!(Plan::from_request(Some(&q), "s", &key).is_err());
    }
}

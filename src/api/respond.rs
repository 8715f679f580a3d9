//! Responses made of JSON the database already holds, spliced without re-parsing.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

pub fn raw_json(body: String) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

/// `{"<key>": <json>}`.
pub fn wrap_raw(key: &str, json: &str) -> Response {
    let mut body = String::with_capacity(json.len() + key.len() + 5);
    body.push_str("{\"");
    body.push_str(key);
    body.push_str("\":");
    body.push_str(json);
    body.push('}');
    raw_json(body)
}

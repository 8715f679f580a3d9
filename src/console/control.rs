//! Test control in the console: the site's clock, its fault rules, test
//! events, snapshots, the journal of its recent API requests, and sites made
//! on demand. Every action goes through the same functions as the
//! `/_emulator/…` endpoints.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::page::{self, when, Shell};
use super::session::{Console, Posted};
use crate::control::{self, clock::Change};
use crate::error::ApiError;
use crate::faults::Operation;
use crate::journal::Wanted;
use crate::state::AppState;

const PAGE: &str = "/_emulator/ui/control";
/// Requests of the journal the page shows.
const JOURNAL_LINES: usize = 50;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(PAGE, get(show))
        .route("/_emulator/ui/control/clock", post(move_clock))
        .route("/_emulator/ui/control/faults", post(create_fault))
        .route("/_emulator/ui/control/faults/delete", post(delete_fault))
        .route("/_emulator/ui/control/test-event", post(test_event))
        .route(
            "/_emulator/ui/control/snapshot",
            get(snapshot).post(restore),
        )
        .route("/_emulator/ui/control/sites", post(create_site))
        .route("/_emulator/ui/control/sites/delete", post(delete_site))
}

struct RuleLine {
    id: String,
    operation: String,
    effect: String,
    hits: i64,
    remaining: String,
}

struct RequestLine {
    time: String,
    method: String,
    path: String,
    operation: &'static str,
    status: String,
    ms: String,
    fault: String,
}

/// Keys of a site just made, shown once.
struct NewSite {
    id: String,
    url: String,
    admin: String,
    visitor: String,
}

#[derive(Template)]
#[template(path = "control.html")]
struct ControlPage {
    shell: Shell,
    csrf: String,
    now: String,
    rules: Vec<RuleLine>,
    operations: Vec<&'static str>,
    apps: Vec<String>,
    requests: Vec<RequestLine>,
    made_site: bool,
    notice: Option<String>,
    errors: Vec<String>,
    new_site: Option<NewSite>,
}

#[derive(Deserialize, Default)]
struct Shown {
    done: Option<String>,
}

/// What a finished action says, by the code it redirects with.
fn notice_of(done: &str) -> Option<&'static str> {
    Some(match done {
        "clock" => "The site's clock moved.",
        "fault" => "The fault rule was made.",
        "deleted" => "The fault rule was deleted.",
        "event" => "The test event is queued; the Webhooks page shows its delivery.",
        "restored" => "The snapshot was restored.",
        _ => return None,
    })
}

async fn show(
    State(state): State<Arc<AppState>>,
    console: Console,
    Query(shown): Query<Shown>,
) -> Response {
    let notice = shown
        .done
        .as_deref()
        .and_then(notice_of)
        .map(str::to_string);
    render(&state, &console, StatusCode::OK, notice, Vec::new(), None).await
}

/// The page, with what an action said.
async fn render(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<String>,
    errors: Vec<String>,
    new_site: Option<NewSite>,
) -> Response {
    let site = &console.site;
    let now = match control::clock::now(state, site).await {
        Ok(now) => now,
        Err(e) => return e.into_response(),
    };
    let rules = match control::faults::list(state, site).await {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    let rules = rules
        .iter()
        .map(|row| {
            let spec: Value = serde_json::from_str(&row.spec).unwrap_or_default();
            let mut effect = spec.as_object().cloned().unwrap_or_default();
            let operation = effect
                .remove("operation")
                .and_then(|v| v.as_str().map(str::to_string));
            RuleLine {
                id: row.id.clone(),
                operation: operation.unwrap_or_default(),
                effect: describe(&effect),
                hits: row.hits,
                remaining: row.remaining.map(|r| r.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    let mut apps: Vec<String> = state
        .apps
        .values()
        .filter(|a| a.webhook_url.is_some())
        .map(|a| a.app_id.clone())
        .collect();
    apps.sort();
    let requests = state
        .journal
        .list(&Wanted {
            site_id: &site.id,
            operation: None,
            status: None,
            limit: JOURNAL_LINES,
        })
        .into_iter()
        .map(|e| RequestLine {
            time: when(e.at),
            method: e.method.to_string(),
            path: e.path,
            operation: e.operation.as_str(),
            status: if e.status == 0 {
                "dropped".into()
            } else {
                e.status.to_string()
            },
            ms: format!("{:.1}", e.duration_micros as f64 / 1000.0),
            fault: e.fault_id.unwrap_or_default(),
        })
        .collect();
    page::render(
        status,
        &ControlPage {
            shell: Shell::signed_in("Test control", "control", console),
            csrf: console.session.csrf.clone(),
            now: when(now),
            rules,
            operations: Operation::ALL.map(Operation::as_str).to_vec(),
            apps,
            requests,
            made_site: state.tenancy.is_made(&site.id),
            notice,
            errors,
            new_site,
        },
    )
}

/// A rule's effect and trigger, as `name=value` pairs.
fn describe(fields: &Map<String, Value>) -> String {
    fields
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            v => format!("{k}={v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// After an action: back to the page with its notice, or the page again
/// with what was wrong.
async fn finish(state: &AppState, console: &Console, done: Result<&str, ApiError>) -> Response {
    match done {
        Ok(code) => Redirect::to(&format!("{PAGE}?done={code}")).into_response(),
        Err(ApiError::Validation(violations)) => {
            let errors = violations
                .iter()
                .map(|v| format!("{}: {}", v.field, v.description))
                .collect();
            render(state, console, StatusCode::BAD_REQUEST, None, errors, None).await
        }
        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => e.into_response(),
        Err(e) => {
            let status = e.status();
            render(state, console, status, None, vec![e.to_string()], None).await
        }
    }
}

async fn move_clock(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let body = if posted.field("reset").is_some() {
        json!({"reset": true})
    } else {
        let seconds = posted.field("seconds").unwrap_or_default().trim();
        match seconds.parse::<f64>() {
            Ok(s) => json!({"advanceSeconds": s}),
            Err(_) => json!({"advanceSeconds": seconds}),
        }
    };
    let done = match Change::parse(&body) {
        Ok(change) => control::clock::change(&state, &posted.console.site, change)
            .await
            .map(|_| "clock"),
        Err(e) => Err(e),
    };
    finish(&state, &posted.console, done).await
}

/// The rule the form describes, as the API takes it: empty fields left out.
fn rule_of(posted: &Posted) -> Value {
    let mut rule = Map::new();
    let text = |name: &str| posted.field(name).map(str::trim).filter(|v| !v.is_empty());
    if let Some(op) = text("operation") {
        rule.insert("operation".into(), json!(op));
    }
    for (field, name) in [
        ("status", "status"),
        ("delayMs", "delay_ms"),
        ("times", "times"),
        ("retryAfterSeconds", "retry_after"),
    ] {
        if let Some(v) = text(name) {
            rule.insert(
                field.into(),
                v.parse::<u64>().map_or(json!(v), |n| json!(n)),
            );
        }
    }
    if let Some(v) = text("probability") {
        rule.insert(
            "probability".into(),
            v.parse::<f64>().map_or(json!(v), |p| json!(p)),
        );
    }
    if let Some(v) = text("code") {
        rule.insert("applicationErrorCode".into(), json!(v));
    }
    for (field, name) in [
        ("dropConnection", "drop"),
        ("duplicate", "duplicate"),
        ("badSignature", "bad_signature"),
    ] {
        if posted.field(name).is_some() {
            rule.insert(field.into(), json!(true));
        }
    }
    Value::Object(rule)
}

async fn create_fault(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let rule = rule_of(&posted);
    let done = control::faults::create(&state, &posted.console.site, &rule)
        .await
        .map(|_| "fault");
    finish(&state, &posted.console, done).await
}

async fn delete_fault(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let id = posted.field("id").unwrap_or_default().to_string();
    let done = control::faults::delete(&state, &posted.console.site, Some(&id))
        .await
        .map(|_| "deleted");
    finish(&state, &posted.console, done).await
}

async fn test_event(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let app = posted.field("app").unwrap_or_default().to_string();
    let body = json!({"slug": posted.field("slug").unwrap_or_default()});
    let done = control::test_events::send(&state, &posted.console.site, &app, &body)
        .await
        .map(|_| "event");
    finish(&state, &posted.console, done).await
}

/// The site's snapshot, as a file to keep.
async fn snapshot(State(state): State<Arc<AppState>>, console: Console) -> Response {
    match control::snapshot::take(&state, &console.site).await {
        Ok(json) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"snapshot-{}.json\"", console.site.id),
                ),
            ],
            json,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn restore(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let text = posted.field("snapshot").unwrap_or_default();
    let done = match serde_json::from_str::<Value>(text) {
        Ok(doc) => control::snapshot::restore(&state, &posted.console.site, &doc)
            .await
            .map(|_| "restored"),
        Err(e) => Err(ApiError::validation(
            "snapshot",
            "FORMAT",
            format!("not JSON: {e}"),
        )),
    };
    finish(&state, &posted.console, done).await
}

async fn create_site(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let url = posted.field("url").map(str::trim).filter(|u| !u.is_empty());
    let body = match url {
        Some(url) => json!({"url": url}),
        None => json!({}),
    };
    match control::sites::create(&state, &body).await {
        Ok(made) => {
            let new_site = NewSite {
                id: made.site.id.clone(),
                url: made.site.url.clone(),
                admin: made.admin_key,
                visitor: made.visitor_key,
            };
            render(
                &state,
                &posted.console,
                StatusCode::OK,
                None,
                Vec::new(),
                Some(new_site),
            )
            .await
        }
        Err(e) => finish(&state, &posted.console, Err(e)).await,
    }
}

async fn delete_site(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let site = posted.console.site.id.clone();
    match control::sites::delete(&state, &site).await {
        // The session's key belonged to the site: it is gone with it.
        Ok(()) => Redirect::to(super::session::SIGN_IN).into_response(),
        Err(e) => finish(&state, &posted.console, Err(e)).await,
    }
}

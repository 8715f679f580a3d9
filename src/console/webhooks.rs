//! Webhooks in the console: the apps (webhook URL, public key) and the
//! site's delivery log, newest first, filtered by state, slug and entity, each
//! delivery with every attempt and a Replay button.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::page::{self, ok, when, Shell};
use super::session::{Console, Posted};
use super::templates::{is_template_id, template_url, urlencoding};
use crate::error::ApiError;
use crate::model::events::Slug;
use crate::state::AppState;
use crate::store::{DeliveryRecord, DeliveryState, LogFilter};

const PAGE: i64 = 50;
/// The most of a response body a page shows.
const EXCERPT: usize = 200;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/ui/webhooks", get(log))
        .route("/_emulator/ui/webhooks/{id}/replay", post(replay))
}

struct AppLine {
    id: String,
    webhook_url: String,
    public_key_url: String,
    public_key: String,
}

struct AttemptLine {
    number: i64,
    status: String,
    error: String,
    latency: String,
    response: String,
    time: String,
}

struct DeliveryLine {
    id: i64,
    app_id: String,
    event_type: String,
    slug: &'static str,
    entity_id: String,
    entity_url: Option<String>,
    state: String,
    created: String,
    next_attempt: String,
    attempts: Vec<AttemptLine>,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct LogPage {
    shell: Shell,
    apps: Vec<AppLine>,
    deliveries: Vec<DeliveryLine>,
    state_filter: String,
    slug_filter: String,
    entity_filter: String,
    states: Vec<&'static str>,
    slugs: Vec<&'static str>,
    older: Option<String>,
    csrf: String,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct LogQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    entity: String,
    before: Option<i64>,
    replayed: Option<i64>,
}

fn excerpt(s: &str) -> String {
    match s.char_indices().nth(EXCERPT) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

fn line(d: &DeliveryRecord) -> DeliveryLine {
    DeliveryLine {
        id: d.id,
        app_id: d.app_id.clone(),
        event_type: format!("wix.ecom.v1.checkout_template_{}", d.slug.as_str()),
        slug: d.slug.as_str(),
        entity_url: is_template_id(&d.entity_id).then(|| template_url(&d.entity_id)),
        entity_id: d.entity_id.clone(),
        state: d.state.clone(),
        created: when(d.created_at),
        next_attempt: if d.state == "pending" {
            when(d.next_attempt_at)
        } else {
            String::new()
        },
        attempts: d
            .attempts
            .iter()
            .map(|a| AttemptLine {
                number: a.attempt,
                status: a.status_code.map(|s| s.to_string()).unwrap_or_default(),
                error: a.error.clone().unwrap_or_default(),
                latency: format!("{} ms", a.latency_ms),
                response: excerpt(a.response_body.as_deref().unwrap_or_default()),
                time: when(a.attempted_at),
            })
            .collect(),
    }
}

async fn apps(state: &AppState) -> Result<Vec<AppLine>, ApiError> {
    let mut apps = Vec::new();
    for app in state.apps.values() {
        apps.push(AppLine {
            id: app.app_id.clone(),
            webhook_url: app.webhook_url.clone().unwrap_or_default(),
            public_key_url: format!("/_emulator/apps/{}/public-key", urlencoding(&app.app_id)),
            public_key: app.public_pem().await.map_err(ApiError::Internal)?,
        });
    }
    apps.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(apps)
}

async fn log(
    State(state): State<Arc<AppState>>,
    console: Console,
    Query(query): Query<LogQuery>,
) -> Response {
    let mut page = LogPage {
        shell: Shell::signed_in("Webhooks", "webhooks", &console),
        apps: match apps(&state).await {
            Ok(apps) => apps,
            Err(e) => return e.into_response(),
        },
        deliveries: Vec::new(),
        state_filter: query.state.clone(),
        slug_filter: query.slug.clone(),
        entity_filter: query.entity.clone(),
        states: DeliveryState::ALL.iter().map(|s| s.as_str()).collect(),
        slugs: ["created", "updated", "deleted", "used"].to_vec(),
        older: None,
        csrf: console.session.csrf.clone(),
        notice: query
            .replayed
            .map(|id| format!("Delivery {id} will be sent again.")),
    };
    let entity = query.entity.trim();
    let filter = LogFilter {
        site_id: Some(console.site.id.clone()),
        state: DeliveryState::parse(&query.state),
        slug: Slug::parse(&query.slug),
        entity_id: (!entity.is_empty() && !entity.contains('\0')).then(|| entity.to_string()),
        before: query.before,
        limit: PAGE + 1,
        ..LogFilter::default()
    };
    let mut deliveries = match state.store.list_deliveries(&filter).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let more = deliveries.len() > PAGE as usize;
    deliveries.truncate(PAGE as usize);
    if let (true, Some(last)) = (more, deliveries.last()) {
        page.older = Some(format!(
            "{}&before={}",
            log_url(&query.state, &query.slug, entity),
            last.id
        ));
    }
    page.deliveries = deliveries.iter().map(line).collect();
    ok(&page)
}

/// The log with these filters.
fn log_url(state: &str, slug: &str, entity: &str) -> String {
    format!(
        "/_emulator/ui/webhooks?state={}&slug={}&entity={}",
        urlencoding(state),
        urlencoding(slug),
        urlencoding(entity)
    )
}

async fn replay(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let site = &posted.console.site;
    match state
        .store
        .replay_delivery(&site.id, id, state.clock.site_now(&site.id))
        .await
    {
        Ok(true) => {
            let field = |name| posted.field(name).unwrap_or_default();
            let back = log_url(field("state"), field("slug"), field("entity"));
            Redirect::to(&format!("{back}&replayed={id}")).into_response()
        }
        Ok(false) => page::error(
            ApiError::NotFound(format!("webhook delivery {id} was not found")),
            Shell::signed_in("Not found", "webhooks", &posted.console),
        ),
        Err(e) => e.into_response(),
    }
}

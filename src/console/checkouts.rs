//! Checkouts in the console: a site's checkouts page by page, newest first,
//! of one template or all; and one checkout with its lines, totals and JSON.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use super::checkout_view::CheckoutView;
use super::page::{self, ok, Shell};
use super::session::Console;
use super::templates::{pretty, template_url, urlencoding, CheckoutLine};
use crate::error::ApiError;
use crate::model::ids::CheckoutId;
use crate::state::AppState;
use crate::store::{Boundary, CheckoutPage};

const PAGE: i64 = 50;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/ui/checkouts", get(list))
        .route("/_emulator/ui/checkouts/{id}", get(show))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    template: String,
    after: Option<String>,
    before: Option<String>,
}

#[derive(Template)]
#[template(path = "checkouts.html")]
struct ListPage {
    shell: Shell,
    template: String,
    lines: Vec<CheckoutLine>,
    next: Option<String>,
    prev: Option<String>,
}

fn page_link(template: &str, which: &str, id: &str) -> String {
    let mut link = format!("/_emulator/ui/checkouts?{which}={}", urlencoding(id));
    if !template.is_empty() {
        link.push_str(&format!("&template={}", urlencoding(template)));
    }
    link
}

async fn list(
    State(state): State<Arc<AppState>>,
    console: Console,
    Query(query): Query<ListQuery>,
) -> Response {
    let template = query.template.trim().to_string();
    let boundary = |id: &Option<String>| id.as_deref().and_then(CheckoutId::parse);
    let from = match (boundary(&query.after), boundary(&query.before)) {
        (Some(id), _) => Some(Boundary::After(id)),
        (None, Some(id)) => Some(Boundary::Before(id)),
        _ => None,
    };
    let backwards = matches!(from, Some(Boundary::Before(_)));
    let paged = from.is_some();
    let request = CheckoutPage {
        template_id: (!template.is_empty()).then(|| template.clone()),
        from,
        limit: PAGE,
    };
    let mut rows = match state.store.list_checkouts(&console.site.id, &request).await {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    if backwards {
        rows.reverse();
    }
    // A next page while there are more that way; a previous one once this
    // is not the first.
    let (has_next, has_prev) = if backwards {
        (true, more)
    } else {
        (more, paged)
    };
    let page = ListPage {
        shell: Shell::signed_in("Checkouts", "checkouts", &console),
        next: rows
            .last()
            .filter(|_| has_next)
            .map(|r| page_link(&template, "after", &r.id)),
        prev: rows
            .first()
            .filter(|_| has_prev)
            .map(|r| page_link(&template, "before", &r.id)),
        lines: rows.iter().map(CheckoutLine::of).collect(),
        template,
    };
    ok(&page)
}

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPageView {
    shell: Shell,
    checkout: CheckoutView,
    template_id: String,
    template_url: String,
    json: String,
}

async fn show(
    State(state): State<Arc<AppState>>,
    console: Console,
    Path(id): Path<String>,
) -> Response {
    let not_found = || ApiError::NotFound(format!("checkout {id} was not found"));
    let row = match CheckoutId::parse(&id) {
        None => Err(not_found()),
        Some(checkout_id) => match state
            .store
            .get_checkout_row(&console.site.id, &checkout_id)
            .await
        {
            Ok(Some(row)) => Ok(row),
            Ok(None) => Err(not_found()),
            Err(e) => Err(e),
        },
    };
    let row = match row {
        Ok(row) => row,
        Err(e) => return page::error(e, Shell::signed_in("Not found", "checkouts", &console)),
    };
    let checkout: Value = serde_json::from_str(&row.body).unwrap_or_default();
    ok(&CheckoutPageView {
        shell: Shell::signed_in(format!("Checkout {id}"), "checkouts", &console),
        checkout: CheckoutView::of(&checkout),
        template_url: template_url(&row.template_id),
        template_id: row.template_id,
        json: pretty(&checkout),
    })
}

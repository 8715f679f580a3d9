//! Templates in the console: the paged list (through the API's query
//! engine), the new-template form, a template's page with its share link and
//! checkouts, and its actions — each through the same service function as
//! the API, so each writes the same webhook event.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::form::{Errors, FormView, TemplateForm};
use super::page::{self, ok, render, when, Shell};
use super::session::{Console, Posted};
use crate::error::ApiError;
use crate::model::ids::TemplateId;
use crate::service;
use crate::state::AppState;
use crate::store::{CheckoutPage, CheckoutRow};

/// Rows per page of the list.
const PAGE: u32 = 50;
/// Checkouts listed on a template's page (the newest).
const RECENT_CHECKOUTS: i64 = 10;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/ui/templates", get(list).post(create))
        .route("/_emulator/ui/templates/new", get(new_form))
        .route("/_emulator/ui/templates/{id}", get(show).post(update))
        .route("/_emulator/ui/templates/{id}/edit", get(edit_form))
        .route("/_emulator/ui/templates/{id}/status", post(set_status))
        .route(
            "/_emulator/ui/templates/{id}/delete",
            get(confirm_delete).post(delete),
        )
}

pub fn template_url(id: &str) -> String {
    format!("/_emulator/ui/templates/{}", urlencoding(id))
}

/// Percent-encodes what a path segment or query value cannot hold as is.
pub fn urlencoding(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A row of the list.
struct Line {
    id: String,
    url: String,
    status: String,
    items: usize,
    coupon: String,
    checkouts: i64,
    updated: String,
}

#[derive(Template)]
#[template(path = "templates.html")]
struct ListPage {
    shell: Shell,
    lines: Vec<Line>,
    status: String,
    prefix: String,
    next: Option<String>,
    prev: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    cursor: Option<String>,
    deleted: Option<String>,
}

fn items_of(template: &Value) -> usize {
    ["lineItems", "customLineItems"]
        .iter()
        .map(|k| template[k].as_array().map_or(0, Vec::len))
        .sum()
}

/// The query the list's filters make: the API's query language, so the list
/// is exactly what Query Checkout Templates answers, in its default order (id).
fn list_query(query: &ListQuery) -> Value {
    if let Some(cursor) = query.cursor.as_ref().filter(|c| !c.is_empty()) {
        return json!({"query": {"cursorPaging": {"cursor": cursor, "limit": PAGE}}});
    }
    let mut filters = Vec::new();
    if !query.status.is_empty() {
        filters.push(json!({"status": query.status}));
    }
    if !query.q.trim().is_empty() {
        filters.push(json!({"id": {"$startsWith": query.q.trim()}}));
    }
    let filter = match filters.len() {
        0 => json!({}),
        1 => filters.remove(0),
        _ => json!({"$and": filters}),
    };
    json!({"query": {
        "filter": filter,
        "cursorPaging": {"limit": PAGE},
    }})
}

async fn list(
    State(state): State<Arc<AppState>>,
    console: Console,
    Query(query): Query<ListQuery>,
) -> Response {
    let shell = Shell::signed_in("Templates", "templates", &console);
    let mut page = ListPage {
        shell,
        lines: Vec::new(),
        status: query.status.clone(),
        prefix: query.q.clone(),
        next: None,
        prev: None,
        error: None,
        notice: query
            .deleted
            .as_ref()
            .map(|id| format!("Template {id} was deleted.")),
    };
    let found = service::query_templates(&state, &console.site, &list_query(&query)).await;
    let (rows, paging) = match found {
        Ok(found) => found,
        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => return e.into_response(),
        Err(e) => {
            page.error = Some(e.to_string());
            return render(StatusCode::BAD_REQUEST, &page);
        }
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let facts = match state.store.template_facts(&console.site.id, &ids).await {
        Ok(facts) => facts,
        Err(e) => return e.into_response(),
    };
    for row in &rows {
        let template: Value = serde_json::from_str(&row.body).unwrap_or_default();
        let fact = facts.iter().find(|f| f.id == row.id);
        page.lines.push(Line {
            url: template_url(&row.id),
            id: row.id.clone(),
            status: row.status.clone(),
            items: items_of(&template),
            coupon: template["couponCode"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            checkouts: fact.map_or(0, |f| f.checkouts),
            updated: fact.map(|f| when(f.updated_at)).unwrap_or_default(),
        });
    }
    let cursor = |which: &str| {
        paging["cursors"][which]
            .as_str()
            .map(|c| format!("/_emulator/ui/templates?cursor={}", urlencoding(c)))
    };
    page.next = cursor("next");
    page.prev = cursor("prev");
    ok(&page)
}

#[derive(Template)]
#[template(path = "template_form.html")]
struct FormPage {
    shell: Shell,
    heading: String,
    action: String,
    submit: &'static str,
    json_mode: bool,
    form: FormView,
    json: String,
    errors: Errors,
    csrf: String,
    cancel: String,
}

#[derive(Deserialize, Default)]
struct ModeQuery {
    #[serde(default)]
    mode: String,
}

impl FormPage {
    fn new(console: &Console, editing: Option<&str>) -> FormPage {
        let (heading, action, submit, cancel) = match editing {
            None => (
                "New template".to_string(),
                "/_emulator/ui/templates".to_string(),
                "Create template",
                "/_emulator/ui/templates".to_string(),
            ),
            Some(id) => (
                format!("Edit template {id}"),
                template_url(id),
                "Save changes",
                template_url(id),
            ),
        };
        FormPage {
            shell: Shell::signed_in(heading.clone(), "templates", console),
            heading,
            action,
            submit,
            json_mode: false,
            form: FormView::of(&TemplateForm::default(), &Errors::default()),
            json: String::new(),
            errors: Errors::default(),
            csrf: console.session.csrf.clone(),
            cancel,
        }
    }

    fn with_form(mut self, form: &TemplateForm, errors: Errors) -> FormPage {
        self.json = form.to_json().map(|v| pretty(&v)).unwrap_or_default();
        self.form = FormView::of(form, &errors);
        self.errors = errors;
        self
    }

    fn with_json(mut self, json: String, errors: Errors) -> FormPage {
        self.json_mode = true;
        self.json = json;
        self.errors = errors;
        self
    }
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

async fn new_form(console: Console, Query(mode): Query<ModeQuery>) -> Response {
    let page = FormPage::new(&console, None);
    let form = TemplateForm::default();
    if mode.mode == "json" {
        let json = pretty(&form.to_json().unwrap_or_default());
        return ok(&page.with_json(json, Errors::default()));
    }
    ok(&page.with_form(&form, Errors::default()))
}

async fn edit_form(
    State(state): State<Arc<AppState>>,
    console: Console,
    Path(id): Path<String>,
    Query(mode): Query<ModeQuery>,
) -> Response {
    let template = match service::get_template(&state, &console.site, &id).await {
        Ok(json) => serde_json::from_str::<Value>(&json).unwrap_or_default(),
        Err(e) => return page::error(e, Shell::signed_in("Not found", "templates", &console)),
    };
    let page = FormPage::new(&console, Some(&id));
    if mode.mode == "json" {
        return ok(&page.with_json(pretty(&template), Errors::default()));
    }
    ok(&page.with_form(&TemplateForm::of(&template), Errors::default()))
}

/// What a posted template form asks for: a row added or removed, a switch
/// between form and JSON, or the template itself.
enum Submitted {
    /// Show the form again (a row button, or a mode switch).
    Again(Box<FormPage>),
    Template(Value),
}

fn again(page: FormPage) -> Submitted {
    Submitted::Again(Box::new(page))
}

fn read_submission(posted: &Posted, page: FormPage) -> Submitted {
    let op = posted.field("op").unwrap_or("save");
    if posted.field("mode") == Some("json") {
        let text = posted.field("json").unwrap_or_default().to_string();
        let parsed = serde_json::from_str::<Value>(&text);
        return match (op, parsed) {
            (_, Err(e)) => again(page.with_json(
                text,
                Errors::message(format!("This is not valid JSON: {e}")),
            )),
            ("to-form", Ok(v)) => again(page.with_form(&TemplateForm::of(&v), Errors::default())),
            (_, Ok(v)) => Submitted::Template(v),
        };
    }
    let mut form = TemplateForm::from_fields(&posted.fields);
    if op == "to-json" {
        return match form.to_json() {
            Ok(v) => again(page.with_json(pretty(&v), Errors::default())),
            Err(e) => again(page.with_form(&form, Errors::message(e))),
        };
    }
    if form.apply_op(op) {
        return again(page.with_form(&form, Errors::default()));
    }
    match form.to_json() {
        Ok(v) => Submitted::Template(v),
        Err(e) => again(page.with_form(&form, Errors::message(e))),
    }
}

/// The form again with `error` beside the fields it names.
fn rejected(posted: &Posted, page: FormPage, error: ApiError) -> Response {
    if let ApiError::Internal(_) | ApiError::Unavailable(_) = error {
        return error.into_response();
    }
    let errors = Errors::of(&error, "checkoutTemplate.");
    let page = if posted.field("mode") == Some("json") {
        let text = posted.field("json").unwrap_or_default().to_string();
        page.with_json(text, errors)
    } else {
        page.with_form(&TemplateForm::from_fields(&posted.fields), errors)
    };
    render(StatusCode::BAD_REQUEST, &page)
}

async fn create(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let page = FormPage::new(&posted.console, None);
    let template = match read_submission(&posted, page) {
        Submitted::Again(page) => return ok(&*page),
        Submitted::Template(t) => t,
    };
    let body = json!({ "checkoutTemplate": template });
    match service::create_template(&state, &posted.console.site, &body).await {
        Ok(json) => {
            let id = serde_json::from_str::<Value>(&json).unwrap_or_default()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            Redirect::to(&format!("{}?created=1", template_url(&id))).into_response()
        }
        Err(e) => rejected(&posted, FormPage::new(&posted.console, None), e),
    }
}

/// The top-level fields the form sets: an update names them all, so a field
/// the form left empty (no coupon) is cleared.
const FORM_FIELDS: [&str; 4] = [
    "lineItems",
    "customLineItems",
    "couponCode",
    "customization",
];

async fn update(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let page = FormPage::new(&posted.console, Some(&id));
    let template = match read_submission(&posted, page) {
        Submitted::Again(page) => return ok(&*page),
        Submitted::Template(t) => t,
    };
    let mut mask: Vec<String> = FORM_FIELDS.iter().map(|f| f.to_string()).collect();
    if posted.field("mode") == Some("json") {
        // The JSON is the whole template: what it holds changes, and what it
        // leaves out of what the form edits is cleared.
        for key in template.as_object().into_iter().flat_map(|m| m.keys()) {
            if key != "id" && !mask.contains(key) {
                mask.push(key.clone());
            }
        }
    }
    let body = json!({"checkoutTemplate": template, "fieldMask": mask.join(",")});
    match service::update_template(&state, &posted.console.site, &id, &body).await {
        Ok(_) => Redirect::to(&format!("{}?updated=1", template_url(&id))).into_response(),
        Err(e) => rejected(&posted, FormPage::new(&posted.console, Some(&id)), e),
    }
}

/// A checkout as a row of a list.
pub struct CheckoutLine {
    pub id: String,
    pub url: String,
    pub template_id: String,
    pub template_url: String,
    pub created: String,
    pub items: usize,
    pub total: String,
}

impl CheckoutLine {
    pub fn of(row: &CheckoutRow) -> CheckoutLine {
        let checkout: Value = serde_json::from_str(&row.body).unwrap_or_default();
        CheckoutLine {
            url: format!("/_emulator/ui/checkouts/{}", urlencoding(&row.id)),
            id: row.id.clone(),
            template_url: template_url(&row.template_id),
            template_id: row.template_id.clone(),
            created: when(row.created_at),
            items: checkout["lineItems"].as_array().map_or(0, Vec::len),
            total: super::checkout_view::money(&checkout["priceSummary"]["total"])
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "template.html")]
struct TemplatePage {
    shell: Shell,
    id: String,
    active: bool,
    status: String,
    template: Value,
    json: String,
    share_link: String,
    checkouts: i64,
    recent: Vec<CheckoutLine>,
    all_checkouts: String,
    csrf: String,
    notice: Option<&'static str>,
}

impl TemplatePage {
    fn lines(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for item in self.template["lineItems"].as_array().into_iter().flatten() {
            let reference = &item["catalogReference"];
            let name = item["catalogOverrideFields"]["productName"]["original"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!(
                        "catalog item {}",
                        reference["catalogItemId"].as_str().unwrap_or("?")
                    )
                });
            let price = item["catalogOverrideFields"]["price"]
                .as_str()
                .unwrap_or("catalog price")
                .to_string();
            out.push((name, item["quantity"].to_string(), price));
        }
        for item in self.template["customLineItems"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = item["productName"]["original"]
                .as_str()
                .unwrap_or("(unnamed)")
                .to_string();
            let price = item["price"].as_str().unwrap_or("none").to_string();
            out.push((
                format!("{name} (custom)"),
                item["quantity"].to_string(),
                price,
            ));
        }
        out
    }

    fn switches(&self) -> Vec<(&'static str, bool)> {
        let customization = &self.template["customization"];
        super::form::SWITCHES
            .iter()
            .map(|(path, label)| {
                let on = path
                    .split('.')
                    .fold(customization, |v, k| &v[k])
                    .as_bool()
                    .unwrap_or(false);
                (*label, on)
            })
            .collect()
    }

    fn text(&self, key: &str) -> String {
        match &self.template[key] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    created: Option<String>,
    updated: Option<String>,
}

async fn show(
    State(state): State<Arc<AppState>>,
    console: Console,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let json = match service::get_template(&state, &console.site, &id).await {
        Ok(json) => json,
        Err(e) => {
            return page::error(e, Shell::signed_in("Not found", "templates", &console));
        }
    };
    let template: Value = serde_json::from_str(&json).unwrap_or_default();
    let counted = state.store.count_checkouts(&console.site.id, &id).await;
    let recent = state
        .store
        .list_checkouts(
            &console.site.id,
            &CheckoutPage {
                template_id: Some(id.clone()),
                from: None,
                limit: RECENT_CHECKOUTS,
            },
        )
        .await;
    let (checkouts, mut recent) = match (counted, recent) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    recent.truncate(RECENT_CHECKOUTS as usize);
    let status = template["status"].as_str().unwrap_or("ACTIVE").to_string();
    let page = TemplatePage {
        shell: Shell::signed_in(format!("Template {id}"), "templates", &console),
        share_link: format!(
            "{}/ecom/v1/checkout-templates/{}/create-and-redirect-to-checkout?siteId={}",
            state.public_url,
            urlencoding(&id),
            urlencoding(&console.site.id)
        ),
        active: status == "ACTIVE",
        status,
        json: pretty(&template),
        template,
        checkouts,
        recent: recent.iter().map(CheckoutLine::of).collect(),
        all_checkouts: format!("/_emulator/ui/checkouts?template={}", urlencoding(&id)),
        csrf: console.session.csrf.clone(),
        notice: if query.created.is_some() {
            Some("Template created.")
        } else if query.updated.is_some() {
            Some("Template saved.")
        } else {
            None
        },
        id,
    };
    ok(&page)
}

async fn set_status(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let status = match posted.field("status") {
        Some(s @ ("ACTIVE" | "INACTIVE")) => s,
        _ => return page::forbidden("The status must be ACTIVE or INACTIVE."),
    };
    let body = json!({"checkoutTemplate": {"status": status}});
    match service::update_template(&state, &posted.console.site, &id, &body).await {
        Ok(_) => Redirect::to(&format!("{}?updated=1", template_url(&id))).into_response(),
        Err(e) => page::error(
            e,
            Shell::signed_in("Not saved", "templates", &posted.console),
        ),
    }
}

#[derive(Template)]
#[template(path = "confirm_delete.html")]
struct ConfirmPage {
    shell: Shell,
    id: String,
    back: String,
    action: String,
    csrf: String,
}

async fn confirm_delete(
    State(state): State<Arc<AppState>>,
    console: Console,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = service::get_template(&state, &console.site, &id).await {
        return page::error(e, Shell::signed_in("Not found", "templates", &console));
    }
    ok(&ConfirmPage {
        shell: Shell::signed_in(format!("Delete template {id}?"), "templates", &console),
        back: template_url(&id),
        action: format!("{}/delete", template_url(&id)),
        csrf: console.session.csrf.clone(),
        id,
    })
}

async fn delete(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    match service::delete_template(&state, &posted.console.site, &id).await {
        Ok(()) => Redirect::to(&format!(
            "/_emulator/ui/templates?deleted={}",
            urlencoding(&id)
        ))
        .into_response(),
        Err(e) => page::error(
            e,
            Shell::signed_in("Not deleted", "templates", &posted.console),
        ),
    }
}

/// Whether `id` could be a template's id (the list links only real ones).
pub fn is_template_id(id: &str) -> bool {
    TemplateId::parse(id).is_some()
}

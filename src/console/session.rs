//! Signing in to the console: a form taking an API key, or the one-time link
//! the start-up banner prints; a session cookie (HttpOnly, SameSite=Strict);
//! the CSRF token every state-changing form carries; signing out; switching
//! between a key's sites.

use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::page::{self, Shell};
use crate::auth::Role;
use crate::sessions::{same_secret, token, Session};
use crate::site::Site;
use crate::state::AppState;

const SESSION_COOKIE: &str = "ct_session";
/// The sign-in form's own CSRF token, before there is a session.
const SIGN_IN_COOKIE: &str = "ct_sign_in";
const COOKIE_PATH: &str = "/_emulator/ui";
const HOME: &str = "/_emulator/ui/templates";
pub const SIGN_IN: &str = "/_emulator/ui/sign-in";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_emulator/ui/", get(home))
        .route(SIGN_IN, get(sign_in_page).post(sign_in))
        .route("/_emulator/ui/sign-out", post(sign_out))
        .route("/_emulator/ui/site", post(switch_site))
}

/// A signed-in admin, on the site their session is looking at.
pub struct Console {
    pub session_id: String,
    pub session: Session,
    pub site: Arc<Site>,
    /// Every site their key may see, in the key's order.
    pub sites: Vec<String>,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict"
    ))
    .expect("cookie values are hex")
}

fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
    .expect("a plain cookie")
}

impl Console {
    /// The session the request's cookie names, if it is open and its key is
    /// still an admin key of its site.
    fn of(headers: &HeaderMap, state: &AppState) -> Option<Console> {
        let session_id = cookie(headers, SESSION_COOKIE)?;
        let session = state.sessions.get(session_id)?;
        let caller = state
            .tenancy
            .authenticate(&session.key, Some(&session.site_id))
            .ok()?;
        if caller.role != Role::Admin {
            return None;
        }
        let sites = state.tenancy.key(&session.key)?.site_ids.clone();
        Some(Console {
            session_id: session_id.to_string(),
            session,
            site: caller.site,
            sites,
        })
    }
}

impl FromRequestParts<Arc<AppState>> for Console {
    type Rejection = Response;

    /// Without a session a page shows nothing but the way to sign in; a post
    /// is refused.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        match Console::of(&parts.headers, state) {
            Some(console) => Ok(console),
            None if parts.method == Method::GET || parts.method == Method::HEAD => {
                Err(Redirect::to(SIGN_IN).into_response())
            }
            None => Err(page::forbidden(
                "You are not signed in to the console, so this was not done.",
            )),
        }
    }
}

/// A form posted by a signed-in admin that carries their session's CSRF token.
pub struct Posted {
    pub console: Console,
    pub fields: Vec<(String, String)>,
}

impl Posted {
    /// The first value of field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        field(&self.fields, name)
    }
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The fields of a form body, read within the body deadline.
async fn form_fields(
    req: Request,
    state: &Arc<AppState>,
) -> Result<Vec<(String, String)>, Response> {
    let limit = state.limits.body_read_timeout;
    let bytes = match tokio::time::timeout(limit, Bytes::from_request(req, state)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(rejection)) => return Err(rejection.into_response()),
        Err(_) => return Err(StatusCode::REQUEST_TIMEOUT.into_response()),
    };
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| (StatusCode::BAD_REQUEST, "the form could not be read").into_response())
}

impl FromRequest<Arc<AppState>> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let console = Console::from_request_parts(&mut parts, state).await?;
        let fields = form_fields(Request::from_parts(parts, body), state).await?;
        match field(&fields, "csrf") {
            Some(csrf) if same_secret(csrf, &console.session.csrf) => Ok(Posted { console, fields }),
            _ => Err(page::forbidden(
                "This form did not carry the right CSRF token, so nothing was done. Reload the page and try again.",
            )),
        }
    }
}

async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Redirect {
    match Console::of(&headers, &state) {
        Some(_) => Redirect::to(HOME),
        None => Redirect::to(SIGN_IN),
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    shell: Shell,
    csrf: &'a str,
    error: Option<&'a str>,
}

/// The form, with a fresh token in a cookie and in the form; or, with
/// `?token=`, the one-click sign-in.
async fn sign_in_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<LinkQuery>,
) -> Response {
    if let Some(link) = query.token {
        return match state.sessions.redeem_link(&link) {
            Some(key) => open_session(&state, &key),
            None => sign_in_form(
                StatusCode::FORBIDDEN,
                Some(
                    "This sign-in link was already used or is not valid. Sign in with an API key.",
                ),
            ),
        };
    }
    sign_in_form(StatusCode::OK, None)
}

#[derive(Deserialize)]
struct LinkQuery {
    token: Option<String>,
}

fn sign_in_form(status: StatusCode, error: Option<&str>) -> Response {
    let csrf = token();
    let mut response = page::render(
        status,
        &SignInPage {
            shell: Shell::plain("Sign in"),
            csrf: &csrf,
            error,
        },
    );
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SIGN_IN_COOKIE, &csrf));
    response
}

/// A session for `key` on its first site, and on to the console.
fn open_session(state: &AppState, key: &str) -> Response {
    let Some(site) = state
        .tenancy
        .key(key)
        .and_then(|k| k.site_ids.first().cloned())
    else {
        return sign_in_form(StatusCode::FORBIDDEN, Some("This API key has no site."));
    };
    let id = state.sessions.open(key, &site);
    let mut response = Redirect::to(HOME).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &id));
    headers.append(header::SET_COOKIE, clear_cookie(SIGN_IN_COOKIE));
    response
}

async fn sign_in(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let expected = cookie(req.headers(), SIGN_IN_COOKIE).map(str::to_string);
    let fields = match form_fields(req, &state).await {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let sent = field(&fields, "csrf");
    if !matches!((sent, &expected), (Some(sent), Some(expected)) if same_secret(sent, expected)) {
        return page::forbidden(
            "This sign-in form did not carry the right CSRF token. Open the sign-in page again.",
        );
    }
    let key = field(&fields, "api_key").unwrap_or_default().trim();
    // A key of a site another instance made a moment ago is learnt first.
    if state.tenancy.key(key).is_none() && !key.is_empty() {
        let _ = crate::control::sites::learn_key(&state, key).await;
    }
    match state.tenancy.key(key).map(|k| k.role) {
        Some(Role::Admin) => open_session(&state, key),
        Some(Role::Visitor) => sign_in_form(
            StatusCode::FORBIDDEN,
            Some("This is a visitor key. The console needs an admin key."),
        ),
        None => sign_in_form(StatusCode::UNAUTHORIZED, Some("This API key is not valid.")),
    }
}

async fn sign_out(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    state.sessions.close(&posted.console.session_id);
    let mut response = Redirect::to(SIGN_IN).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE));
    response
}

async fn switch_site(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    match posted.field("site") {
        Some(site) if posted.console.sites.iter().any(|s| s == site) => {
            state.sessions.switch_site(&posted.console.session_id, site);
            Redirect::to(HOME).into_response()
        }
        _ => page::forbidden("This API key may not see that site."),
    }
}

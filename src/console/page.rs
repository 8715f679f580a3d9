//! What every console page shares: the frame around it (title, navigation,
//! site switcher, sign-out), rendering, and error pages.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::session::Console;
use crate::error::ApiError;

/// The frame of a page: its title, and the navigation when signed in.
pub struct Shell {
    pub title: String,
    pub nav: Option<Nav>,
}

/// The navigation bar of a signed-in user.
pub struct Nav {
    /// Which of "templates", "checkouts", "webhooks", "control" is open.
    pub current: &'static str,
    pub site_id: String,
    /// Every site the key may see; a switcher shows when there are several.
    pub sites: Vec<String>,
    pub csrf: String,
}

impl Shell {
    pub fn plain(title: impl Into<String>) -> Shell {
        Shell {
            title: title.into(),
            nav: None,
        }
    }

    pub fn signed_in(title: impl Into<String>, current: &'static str, console: &Console) -> Shell {
        Shell {
            title: title.into(),
            nav: Some(Nav {
                current,
                site_id: console.site.id.clone(),
                sites: console.sites.clone(),
                csrf: console.session.csrf.clone(),
            }),
        }
    }
}

/// A rendered page with `status`.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            ApiError::Internal(anyhow::anyhow!("rendering a console page: {e}")).into_response()
        }
    }
}

pub fn ok(page: &impl Template) -> Response {
    render(StatusCode::OK, page)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    shell: Shell,
    message: &'a str,
}

/// An error as a page: the status and message of `error`; a fault of ours
/// goes on as the API's error (logged with a request id, nothing leaked).
pub fn error(error: ApiError, shell: Shell) -> Response {
    if let ApiError::Internal(_) | ApiError::Unavailable(_) = error {
        return error.into_response();
    }
    let message = error.to_string();
    render(
        error.status(),
        &ErrorPage {
            shell,
            message: &message,
        },
    )
}

/// A refused request (no session, no CSRF token) as a page.
pub fn forbidden(message: &str) -> Response {
    render(
        StatusCode::FORBIDDEN,
        &ErrorPage {
            shell: Shell::plain("Forbidden"),
            message,
        },
    )
}

/// `micros` as a date people read, in UTC.
pub fn when(micros: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(micros as i128 * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.format(&format).unwrap_or_default()
}

//! The console's one layout and its error pages: every page hands a [`Chrome`] (title,
//! navigation, who is signed in, the CSRF token of the sign-out form) to its template, and
//! every failure becomes a [`PageError`], an HTML page carrying the API's stable code.

use super::assets;
use super::nav::{NAV, NavLink};
use crate::auth::session::ConsoleSession;
use crate::error::{Error, FieldError};
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// What the layout around every page needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub css: String,
    /// `None` on the sign-in and setup pages.
    pub user: Option<ChromeUser>,
    pub nav: Vec<NavLink>,
    /// The session's CSRF token, for the sign-out form in the header.
    pub csrf: String,
    /// Scripts the page loads (hrefs of embedded assets); most pages have none.
    pub scripts: Vec<String>,
}

/// The signed-in person, as the header shows them.
#[derive(Debug, Clone)]
pub struct ChromeUser {
    pub name: String,
    pub email: String,
    pub role: &'static str,
}

impl Chrome {
    /// The layout for a signed-in page; `current` is the page's NAV path, marked as current.
    pub fn signed_in(session: &ConsoleSession, title: &str, current: &str) -> Chrome {
        Chrome {
            title: title.to_string(),
            css: assets::css_href(),
            user: Some(ChromeUser {
                name: session.name.clone(),
                email: session.email.clone(),
                role: session.role.as_str(),
            }),
            nav: NAV
                .iter()
                .filter(|entry| session.role >= entry.least)
                .map(|entry| NavLink {
                    href: entry.href,
                    label: entry.label,
                    current: entry.href == current,
                })
                .collect(),
            csrf: session.csrf_token.clone(),
            scripts: Vec::new(),
        }
    }

    /// The same layout loading one of the console's embedded scripts.
    pub fn with_script(mut self, script: &assets::Asset) -> Chrome {
        self.scripts.push(script.href());
        self
    }

    /// The layout for a page nobody is signed in to.
    pub fn signed_out(title: &str) -> Chrome {
        Chrome {
            title: title.to_string(),
            css: assets::css_href(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            scripts: Vec::new(),
        }
    }
}

/// Renders a page template with status 200.
pub fn page<T: Template>(template: &T) -> Response {
    page_with_status(StatusCode::OK, template)
}

/// Renders a page template with a status (a form shown again with its errors is 422).
pub fn page_with_status<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, no_store(), Html(html)).into_response(),
        Err(e) => PageError::from(Error::internal(format!("template: {e}"))).into_response(),
    }
}

/// Console pages show what staff may see; no cache keeps them.
fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// No valid session: go to the sign-in page, then back to `next`.
    SignIn { next: String },
    /// An error page with the API's status and stable code.
    Page {
        status: StatusCode,
        code: &'static str,
        message: String,
        fields: Vec<FieldError>,
    },
}

impl PageError {
    /// An error page.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> PageError {
        PageError::Page {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        let (status, code) = error.status_and_code();
        let message = match &error {
            Error::Internal(cause) => {
                tracing::error!(%cause, "internal error on a console page");
                "Something went wrong on our side; it has been logged.".to_string()
            }
            Error::Unavailable(cause) => {
                tracing::warn!(%cause, "unavailable");
                "The service is unavailable; try again shortly.".to_string()
            }
            Error::Validation(_) => "Some fields are not valid.".to_string(),
            other => sentence(&other.to_string()),
        };
        let fields = match error {
            Error::Validation(fields) => fields,
            _ => Vec::new(),
        };
        PageError::Page {
            status,
            code,
            message,
            fields,
        }
    }
}

/// A moment for staff, in UTC and labelled so: `2026-12-06 14:05 UTC`.
pub fn utc_time(at: time::OffsetDateTime) -> String {
    at.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

/// "the hold has expired" → "The hold has expired."
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    code: &'a str,
    message: &'a str,
    fields: &'a [FieldError],
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn { next } => {
                let target = if next == "/admin/" || !super::session::is_console_path(&next) {
                    "/admin/login".to_string()
                } else {
                    let query: String = form_urlencoded::Serializer::new(String::new())
                        .append_pair("next", &next)
                        .finish();
                    format!("/admin/login?{query}")
                };
                Redirect::to(&target).into_response()
            }
            PageError::Page {
                status,
                code,
                message,
                fields,
            } => {
                let title = status.canonical_reason().unwrap_or("Error");
                let page = ErrorPage {
                    chrome: Chrome::signed_out(title),
                    status: status.as_u16(),
                    code,
                    message: &message,
                    fields: &fields,
                };
                match page.render() {
                    Ok(html) => (status, no_store(), Html(html)).into_response(),
                    // The error page itself failed: plain text still tells the code.
                    Err(_) => (status, format!("{code}: {message}")).into_response(),
                }
            }
        }
    }
}

/// A message at the top of a page: what just happened, or why it did not.
#[derive(Debug, Clone)]
pub struct Notice {
    /// `ok`, `warn` or `bad` (the CSS class; the text says it too, never the colour alone).
    pub tone: &'static str,
    pub text: String,
}

impl Notice {
    /// Something went as asked.
    pub fn ok(text: impl Into<String>) -> Notice {
        Notice {
            tone: "ok",
            text: text.into(),
        }
    }

    /// Something was refused, with the reason.
    pub fn refused(text: impl Into<String>) -> Notice {
        Notice {
            tone: "bad",
            text: text.into(),
        }
    }
}

/// A moment for people, in UTC and labelled as such: `2027-01-10 13:00:05 UTC`.
pub fn utc_time_ms(unix_ms: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// `path` with a query string of the `pairs` that have a value, or the bare path when none
/// has: the links of a list page (its filters, its next and first pages).
pub fn href_with_query(path: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

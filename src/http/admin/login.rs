//! `/admin/login` and `/admin/logout`. Signing in goes through the one login throttle; a
//! customer's account, an unknown email and a wrong password all get the same message.

use super::ConsoleEdge;
use super::csrf::{CsrfForm, OriginCheckedForm};
use super::render::{Chrome, PageError, page, page_with_status};
use super::session::{self, clear_cookie, is_console_path, set_cookie};
use crate::auth::Auth;
use crate::error::{Error, wait_words};
use crate::http::listener::ClientAddr;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    /// Why the last attempt failed, in words.
    problem: Option<String>,
    /// The stable code of that failure, shown small for support.
    code: &'static str,
    /// The first-run setup link, shown only to a browser on this machine.
    setup_link: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_console_path(n))
        .unwrap_or("/admin/")
        .to_string()
}

/// `GET /admin/login`: the sign-in form, or straight on for someone signed in already.
pub async fn show(
    State(auth): State<Auth>,
    client: ClientAddr,
    Query(query): Query<NextQuery>,
    mut parts: Parts,
) -> Result<Response, PageError> {
    let next = safe_next(query.next.as_deref());
    if session::current(&mut parts, &auth).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    // The link is a key to the first admin account: show it only to a browser on this
    // machine (the operator who just started `serve`), never to the LAN.
    let setup_link = if client.is_loopback() {
        auth.pending_first_run_setup()
            .await?
            .map(|token| format!("/admin/setup?token={token}"))
    } else {
        None
    };
    Ok(page(&LoginPage {
        chrome: Chrome::signed_out("Sign in"),
        email: String::new(),
        next,
        problem: None,
        code: "",
        setup_link,
    }))
}

#[derive(Debug, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /admin/login`: signs in and goes on to `next`, or shows the form again saying why
/// not (and how long to wait when throttled).
pub async fn submit(
    State(edge): State<ConsoleEdge>,
    State(auth): State<Auth>,
    client: ClientAddr,
    OriginCheckedForm(form): OriginCheckedForm<Credentials>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    match auth
        .console_login(&form.email, &form.password, client.ip())
        .await
    {
        Ok(started) => {
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                set_cookie(&started.cookie_value, edge.secure_cookies),
            );
            response
        }
        Err(error) => {
            let (status, code) = error.status_and_code();
            let (problem, retry_after) = match &error {
                Error::InvalidCredentials => ("The email or password is wrong.".to_string(), None),
                Error::AccountDisabled => (
                    "This account is disabled. Ask an admin to enable it.".to_string(),
                    None,
                ),
                Error::TooManyAttempts {
                    retry_after_seconds,
                } => (
                    format!(
                        "Too many failed sign-in attempts. Wait {} and try again.",
                        wait_words(*retry_after_seconds)
                    ),
                    Some(*retry_after_seconds),
                ),
                _ => return PageError::from(error).into_response(),
            };
            let mut response = page_with_status(
                status,
                &LoginPage {
                    chrome: Chrome::signed_out("Sign in"),
                    email: form.email.trim().to_string(),
                    next,
                    problem: Some(problem),
                    code,
                    setup_link: None,
                },
            );
            if let Some(seconds) = retry_after
                && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// `POST /admin/logout`: ends the session and clears the cookie.
pub async fn logout(
    State(edge): State<ConsoleEdge>,
    State(auth): State<Auth>,
    parts: Parts,
    CsrfForm { .. }: CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    if let Some(value) = session::cookie_value(&parts) {
        auth.end_console_session(&value).await?;
    }
    let mut response = Redirect::to("/admin/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(edge.secure_cookies));
    Ok(response)
}

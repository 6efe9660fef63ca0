//! `/admin/setup`: the first admin chooses an email and password in the browser, through the
//! one-time link `serve` printed ([`crate::auth::setup`]). Then they are signed in.

use super::ConsoleEdge;
use super::csrf::OriginCheckedForm;
use super::render::{Chrome, PageError, page, page_with_status};
use super::session::set_cookie;
use crate::auth::Auth;
use crate::error::{Error, FieldError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/setup.html")]
struct SetupPage {
    chrome: Chrome,
    token: String,
    email: String,
    name: String,
    errors: Vec<FieldError>,
}

impl SetupPage {
    /// The message for one field, for the template.
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /admin/setup?token=…`.
pub async fn show(
    State(auth): State<Auth>,
    Query(query): Query<TokenQuery>,
) -> Result<Response, PageError> {
    auth.check_first_run_setup(&query.token).await?;
    Ok(page(&SetupPage {
        chrome: Chrome::signed_out("Set up Rezerve"),
        token: query.token,
        email: String::new(),
        name: String::new(),
        errors: Vec::new(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /admin/setup`: creates the first admin and signs them in; bad input shows the form
/// again with every problem and creates nothing.
pub async fn submit(
    State(edge): State<ConsoleEdge>,
    State(auth): State<Auth>,
    OriginCheckedForm(form): OriginCheckedForm<SetupForm>,
) -> Result<Response, PageError> {
    auth.check_first_run_setup(&form.token).await?;
    let outcome = if form.password != form.confirm {
        Err(Error::invalid(
            "confirm",
            "must be the same password as above",
        ))
    } else {
        auth.complete_first_run_setup(&form.token, &form.email, &form.password, &form.name)
            .await
    };
    match outcome {
        Ok(user) => {
            let started = auth.start_console_session(&user.id).await?;
            let mut response = Redirect::to("/admin/").into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                set_cookie(&started.cookie_value, edge.secure_cookies),
            );
            Ok(response)
        }
        Err(Error::Validation(errors)) => Ok(page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                chrome: Chrome::signed_out("Set up Rezerve"),
                token: form.token,
                email: form.email,
                name: form.name,
                errors,
            },
        )),
        Err(other) => Err(other.into()),
    }
}

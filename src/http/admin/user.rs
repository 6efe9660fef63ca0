//! `/admin/users/{id}` (admins): one account, and the changes an admin makes to it through
//! [`Auth::update_user`], the function behind `PATCH /api/v1/users/{id}` (and under
//! `Auth::set_password`): change its role, disable or enable it, reset its password.
//!
//! Each of those changes ends the account's console sessions and API tokens, the admin's
//! own included when it is their account. The domain refuses to demote or disable the last
//! enabled admin (`last_admin`), so the console can never be left without one; the page
//! says so before and after.

use super::csrf::CsrfForm;
use super::render::{Chrome, Notice, PageError, page, page_with_status};
use super::session::AdminSession;
use super::users::{PasswordShownPage, ROLES, field_error};
use crate::auth::account::{User, UserPatch};
use crate::auth::session::ConsoleSession;
use crate::auth::{Auth, Role, password};
use crate::error::{Conflict, Error, FieldError};
use crate::http::extract::{ApiPath, ApiQuery};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// What just happened, from the redirect after a change.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    pub role: String,
}

/// The password form: empty generates one.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub password: String,
}

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

#[derive(Template)]
#[template(path = "admin/user.html")]
pub struct UserPage {
    pub chrome: Chrome,
    pub user: UserView,
    pub roles: [&'static str; 3],
    /// The account is the signed-in admin's own.
    pub is_self: bool,
    pub notice: Option<Notice>,
    pub errors: Vec<FieldError>,
}

impl UserPage {
    /// The message for one field, if it has one.
    pub fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

/// An account as its page shows it.
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub role: &'static str,
    pub disabled: bool,
    pub created: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            created: u
                .created_at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .unwrap_or_default(),
            id: u.id,
            email: u.email,
            name: u.name,
            phone: u.phone.unwrap_or_default(),
            role: u.role.as_str(),
            disabled: u.disabled,
        }
    }
}

fn user_page(session: &ConsoleSession, user: User, notice: Option<Notice>) -> UserPage {
    UserPage {
        chrome: Chrome::signed_in(session, &user.email, "/admin/users"),
        is_self: user.id == session.user_id,
        user: user.into(),
        roles: ROLES,
        notice,
        errors: Vec::new(),
    }
}

fn done_notice(done: &str) -> Option<Notice> {
    let text = match done {
        "created" => "Account created. They can sign in with the password you chose.",
        "role" => {
            "Role changed. Their console sessions and API tokens have ended; they sign in again to get the new role."
        }
        "disabled" => {
            "Account disabled. They are signed out of the console, their API tokens no longer work, and they cannot sign in."
        }
        "enabled" => "Account enabled. They can sign in again.",
        "password" => {
            "Password reset. Their console sessions and API tokens have ended; they sign in with the new password."
        }
        _ => return None,
    };
    Some(Notice::ok(text))
}

/// `GET /admin/users/{id}`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(auth): State<Auth>,
    id: Result<ApiPath<String>, Error>,
    query: Result<ApiQuery<DoneQuery>, Error>,
) -> Result<Response, PageError> {
    let ApiPath(id) = id.map_err(|_| Error::NotFound("user"))?;
    let done = query.ok().and_then(|q| q.0.done);
    let user = auth.get_user(&id).await?;
    Ok(page(&user_page(
        &session,
        user,
        done.as_deref().and_then(done_notice),
    )))
}

/// Applies `patch`; then the account's page saying what happened (`done`), or, when the
/// domain refuses, the page again saying why, with nothing changed.
async fn change(
    auth: &Auth,
    session: &ConsoleSession,
    id: &str,
    patch: UserPatch,
    done: &str,
) -> Result<Response, PageError> {
    match auth.update_user(id, patch).await {
        Ok(user) => {
            Ok(Redirect::to(&format!("/admin/users/{}?done={done}", user.id)).into_response())
        }
        Err(Error::Conflict(refusal)) => {
            let user = auth.get_user(id).await?;
            let text = if refusal == Conflict::LastAdmin {
                "Refused: this is the last enabled admin, and the console must keep one. Make another account an admin first; nothing was changed.".to_string()
            } else {
                format!("Refused: {refusal}. Nothing was changed.")
            };
            Ok(page_with_status(
                StatusCode::CONFLICT,
                &user_page(session, user, Some(Notice::refused(text))),
            ))
        }
        Err(Error::Validation(errors)) => {
            let user = auth.get_user(id).await?;
            let mut shown = user_page(
                session,
                user,
                Some(Notice::refused(
                    "Nothing was changed: the form has a problem.",
                )),
            );
            shown.errors = errors;
            Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shown))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/role`.
pub async fn set_role(
    AdminSession(_): AdminSession,
    State(auth): State<Auth>,
    id: Result<ApiPath<String>, Error>,
    CsrfForm { session, form }: CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    let ApiPath(id) = id.map_err(|_| Error::NotFound("user"))?;
    let Ok(role) = form.role.parse::<Role>() else {
        let user = auth.get_user(&id).await?;
        let mut shown = user_page(
            &session,
            user,
            Some(Notice::refused(
                "Nothing was changed: the form has a problem.",
            )),
        );
        shown.errors = vec![FieldError {
            field: "role".into(),
            message: "choose customer, staff or admin".into(),
        }];
        return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shown));
    };
    let patch = UserPatch {
        role: Some(role),
        ..UserPatch::default()
    };
    change(&auth, &session, &id, patch, "role").await
}

/// `POST /admin/users/{id}/disable`.
pub async fn disable(
    AdminSession(_): AdminSession,
    State(auth): State<Auth>,
    id: Result<ApiPath<String>, Error>,
    CsrfForm { session, .. }: CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    set_disabled(&auth, &session, id, true).await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable(
    AdminSession(_): AdminSession,
    State(auth): State<Auth>,
    id: Result<ApiPath<String>, Error>,
    CsrfForm { session, .. }: CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    set_disabled(&auth, &session, id, false).await
}

/// Disables or enables an account, as the two buttons ask.
async fn set_disabled(
    auth: &Auth,
    session: &ConsoleSession,
    id: Result<ApiPath<String>, Error>,
    disabled: bool,
) -> Result<Response, PageError> {
    let ApiPath(id) = id.map_err(|_| Error::NotFound("user"))?;
    let patch = UserPatch {
        disabled: Some(disabled),
        ..UserPatch::default()
    };
    let what = if disabled { "disabled" } else { "enabled" };
    change(auth, session, &id, patch, what).await
}

/// `POST /admin/users/{id}/password`: sets the typed password, or generates one and shows
/// it on this answer, once.
pub async fn reset_password(
    AdminSession(_): AdminSession,
    State(auth): State<Auth>,
    id: Result<ApiPath<String>, Error>,
    CsrfForm { session, form }: CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let ApiPath(id) = id.map_err(|_| Error::NotFound("user"))?;
    if !form.password.is_empty() {
        let patch = UserPatch {
            password: Some(form.password),
            ..UserPatch::default()
        };
        return change(&auth, &session, &id, patch, "password").await;
    }
    let generated = password::generate();
    let patch = UserPatch {
        password: Some(generated.clone()),
        ..UserPatch::default()
    };
    let user = auth.update_user(&id, patch).await?;
    if user.id == session.user_id {
        // Their own session has just ended: the page cannot be shown to them signed in.
        return Ok(page(&PasswordShownPage {
            chrome: Chrome::signed_out("Password reset"),
            heading: format!("New password for {}", user.email),
            user_id: user.id,
            email: user.email,
            password: generated,
        }));
    }
    Ok(page(&PasswordShownPage {
        chrome: Chrome::signed_in(&session, "Password reset", "/admin/users"),
        heading: format!("New password for {}", user.email),
        user_id: user.id,
        email: user.email,
        password: generated,
    }))
}

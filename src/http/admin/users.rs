//! `/admin/users` (admins): accounts searched by email or name and paged, and a new account
//! of any role through [`Auth::create_user`], the function behind `POST /api/v1/users`.
//! A password left empty is generated and shown once, on the answer to the form; it is
//! never stored readable, so no later page can show it again. One account's page and its
//! changes are in [`super::user`].

use super::csrf::CsrfForm;
use super::render::{Chrome, PageError, page, page_with_status, sentence};
use super::session::AdminSession;
use crate::auth::account::{NewUser, User};
use crate::auth::repo::UserFilter;
use crate::auth::session::ConsoleSession;
use crate::auth::{Auth, Role, password};
use crate::error::{Conflict, Error, FieldError};
use crate::http::extract::ApiQuery;
use crate::pagination::{DEFAULT_LIMIT, PageRequest};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The roles an account can have, lowest first.
pub const ROLES: [&str; 3] = ["customer", "staff", "admin"];

/// The list's search and page. Empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    pub cursor: Option<String>,
}

/// The new-account form.
#[derive(Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub password: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub q: String,
    pub role: String,
    pub roles: [&'static str; 3],
    pub rows: Vec<UserLine>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

/// An account as the list shows it.
pub struct UserLine {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub disabled: bool,
    pub created: String,
}

impl From<User> for UserLine {
    fn from(u: User) -> Self {
        UserLine {
            created: u
                .created_at
                .format(time::macros::format_description!("[year]-[month]-[day]"))
                .unwrap_or_default(),
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.as_str(),
            disabled: u.disabled,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
pub struct NewUserPage {
    pub chrome: Chrome,
    pub roles: [&'static str; 3],
    pub email: String,
    pub name: String,
    pub role: String,
    pub problem: Option<String>,
    pub errors: Vec<FieldError>,
}

impl NewUserPage {
    /// The message for one field, if it has one.
    pub fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

/// The message for `field` among `errors`.
pub fn field_error<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// The page that shows a generated password, once.
#[derive(Template)]
#[template(path = "admin/user_password.html")]
pub struct PasswordShownPage {
    pub chrome: Chrome,
    pub heading: String,
    pub user_id: String,
    pub email: String,
    pub password: String,
}

fn users_href(q: Option<&str>, role: Option<&str>, cursor: Option<&str>) -> String {
    let pairs = [("q", q), ("role", role), ("cursor", cursor)];
    super::render::href_with_query("/admin/users", &pairs)
}

/// `GET /admin/users`.
pub async fn list(
    AdminSession(session): AdminSession,
    State(auth): State<Auth>,
    query: Result<ApiQuery<UsersQuery>, Error>,
) -> Result<Response, PageError> {
    let ApiQuery(query) = query?;
    let clean = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (q, role, cursor) = (clean(query.q), clean(query.role), clean(query.cursor));
    let role_filter = match &role {
        Some(r) => Some(
            r.parse::<Role>()
                .map_err(|e| Error::invalid("role", e.to_string()))?,
        ),
        None => None,
    };
    let request = PageRequest::parse(Some(DEFAULT_LIMIT), cursor.as_deref(), 1)?;
    let filter = UserFilter {
        role: role_filter,
        q: q.clone(),
    };
    let listed = auth.list_users(filter, request).await?;
    Ok(page(&UsersPage {
        chrome: Chrome::signed_in(&session, "Users", "/admin/users"),
        next_href: listed
            .next_cursor
            .as_deref()
            .map(|c| users_href(q.as_deref(), role.as_deref(), Some(c))),
        first_href: cursor.map(|_| users_href(q.as_deref(), role.as_deref(), None)),
        q: q.unwrap_or_default(),
        role: role.unwrap_or_default(),
        roles: ROLES,
        rows: listed.items.into_iter().map(UserLine::from).collect(),
    }))
}

fn new_user_page(session: &ConsoleSession, form: NewUserForm) -> NewUserPage {
    NewUserPage {
        chrome: Chrome::signed_in(session, "New user", "/admin/users"),
        roles: ROLES,
        email: form.email,
        name: form.name,
        role: if form.role.is_empty() {
            "staff".to_string()
        } else {
            form.role
        },
        problem: None,
        errors: Vec::new(),
    }
}

/// `GET /admin/users/new`.
pub async fn new(AdminSession(session): AdminSession) -> Response {
    page(&new_user_page(&session, NewUserForm::default()))
}

/// `POST /admin/users/new`: creates the account. A typed password goes to the account's
/// page; a generated one is shown on this answer, once.
pub async fn create(
    AdminSession(_): AdminSession,
    State(auth): State<Auth>,
    CsrfForm { session, form }: CsrfForm<NewUserForm>,
) -> Result<Response, PageError> {
    let role = match form.role.parse::<Role>() {
        Ok(role) => role,
        Err(_) => {
            let mut shown = new_user_page(&session, form);
            shown.problem = Some("Nothing was created: the form has a problem.".into());
            shown.errors = vec![FieldError {
                field: "role".into(),
                message: "choose customer, staff or admin".into(),
            }];
            return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shown));
        }
    };
    let generated = form.password.is_empty();
    let password = if generated {
        password::generate()
    } else {
        form.password.clone()
    };
    let input = NewUser {
        email: form.email.clone(),
        password: password.clone(),
        name: form.name.clone(),
        phone: None,
        role,
    };
    match auth.create_user(input).await {
        Ok(user) if generated => Ok(page_with_status(
            StatusCode::CREATED,
            &PasswordShownPage {
                chrome: Chrome::signed_in(&session, "User created", "/admin/users"),
                heading: format!("{} is now a {} account", user.email, user.role.as_str()),
                user_id: user.id,
                email: user.email,
                password,
            },
        )),
        Ok(user) => {
            Ok(Redirect::to(&format!("/admin/users/{}?done=created", user.id)).into_response())
        }
        Err(Error::Validation(errors)) => {
            let mut shown = new_user_page(&session, form);
            shown.problem = Some("Nothing was created: the form has problems.".into());
            shown.errors = errors;
            Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shown))
        }
        Err(Error::Conflict(refusal)) => {
            let mut shown = new_user_page(&session, form);
            let field = if refusal == Conflict::PhoneTaken {
                "phone"
            } else {
                "email"
            };
            shown.problem = Some(format!(
                "Nothing was created: {}",
                sentence(&refusal.to_string())
            ));
            shown.errors = vec![FieldError {
                field: field.into(),
                message: "is already used by another account".into(),
            }];
            Ok(page_with_status(StatusCode::CONFLICT, &shown))
        }
        Err(e) => Err(e.into()),
    }
}

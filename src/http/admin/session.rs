//! The console's session cookie and the extractors that turn it into a signed-in person:
//! [`StaffSession`] (staff or admin) and [`AdminSession`] (admin only). A request without a
//! live session is sent to the sign-in page; a role that may not see a page gets a 403 page.

use super::ConsoleEdge;
use super::render::PageError;
use crate::auth::session::ConsoleSession;
use crate::auth::{Auth, Role};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};

/// The cookie's name.
pub const COOKIE: &str = "rezerve_console";

/// The session cookie's value on a request, if it carries one.
pub fn cookie_value(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` header that starts a session. No `Max-Age`: the cookie lives as long as
/// the browser session, the server decides when the session ends.
pub fn set_cookie(value: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/admin; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("rezerve_console=; Path=/admin; Max-Age=0"))
}

/// A `Set-Cookie` header that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "rezerve_console=; Path=/admin; HttpOnly; SameSite=Strict; Secure; Max-Age=0",
        )
    } else {
        HeaderValue::from_static(
            "rezerve_console=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0",
        )
    }
}

/// A path a sign-in may send the browser back to: inside the console, never elsewhere.
pub fn is_console_path(path: &str) -> bool {
    path.starts_with("/admin/") && !path.starts_with("//") && !path.contains(['\\', '\r', '\n'])
}

/// Looks the session up once per request (extractors and `CsrfForm` share the result).
pub async fn current<S>(parts: &mut Parts, state: &S) -> Result<Option<ConsoleSession>, PageError>
where
    Auth: FromRef<S>,
{
    #[derive(Clone)]
    struct Looked(Option<ConsoleSession>);
    if let Some(Looked(found)) = parts.extensions.get::<Looked>() {
        return Ok(found.clone());
    }
    let found = match cookie_value(parts) {
        Some(value) => Auth::from_ref(state).console_session(&value).await?,
        None => None,
    };
    parts.extensions.insert(Looked(found.clone()));
    Ok(found)
}

async fn with_role<S>(
    parts: &mut Parts,
    state: &S,
    least: Role,
) -> Result<ConsoleSession, PageError>
where
    Auth: FromRef<S>,
{
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let session = current(parts, state)
        .await?
        .filter(|s| s.role >= Role::Staff)
        .ok_or(PageError::SignIn { next })?;
    if session.role < least {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your role may not see this page. Ask an admin if you need it.",
        ));
    }
    Ok(session)
}

/// A signed-in staff member or admin.
pub struct StaffSession(pub ConsoleSession);
/// A signed-in admin.
pub struct AdminSession(pub ConsoleSession);

impl<S> FromRequestParts<S> for StaffSession
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        with_role(parts, state, Role::Staff).await.map(StaffSession)
    }
}

impl<S> FromRequestParts<S> for AdminSession
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        with_role(parts, state, Role::Admin).await.map(AdminSession)
    }
}

/// Whether this server's cookies must be `Secure` (it runs TLS).
pub fn secure<S>(state: &S) -> bool
where
    ConsoleEdge: FromRef<S>,
{
    ConsoleEdge::from_ref(state).secure_cookies
}

//! `/api/v1/auth`: sign up, sign in, who am I.

use crate::auth::Auth;
use crate::auth::account::{Registration, User};
use crate::error::Error;
use crate::http::extract::{ApiJson, Authenticated};
use crate::http::json::Json;
use crate::http::listener::ClientAddr;
use crate::http::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A signed-in account and its bearer token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub user: User,
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Login {
    pub email: String,
    pub password: String,
}

/// Sign up as a customer (a `role` in the body is ignored) and get a token.
#[utoipa::path(post, path = "/api/v1/auth/register", operation_id = "register", tag = "auth", request_body = Registration,
    responses((status = 201, body = Session), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn register(
    State(auth): State<Auth>,
    ApiJson(input): ApiJson<Registration>,
) -> Result<(StatusCode, Json<Session>), Error> {
    let (user, issued) = auth.register(input).await?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            user,
            token: issued.token,
            expires_at: issued.expires_at,
        }),
    ))
}

/// Sign in; a wrong password and an unknown email get the same answer. Failed attempts are
/// throttled per account and per client address (shared with the console's sign-in).
#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "login", tag = "auth", request_body = Login,
    responses((status = 200, body = Session), (status = 401, body = Problem),
              (status = 403, body = Problem),
              (status = 429, body = Problem)))]
pub async fn login(
    State(auth): State<Auth>,
    client: ClientAddr,
    ApiJson(input): ApiJson<Login>,
) -> Result<Json<Session>, Error> {
    let (user, issued) = auth
        .login(&input.email, &input.password, client.ip())
        .await?;
    Ok(Json(Session {
        user,
        token: issued.token,
        expires_at: issued.expires_at,
    }))
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/auth/me", operation_id = "get_current_user", tag = "auth", security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = User), (status = 401, body = Problem)))]
pub async fn me(
    State(auth): State<Auth>,
    Authenticated(caller): Authenticated,
) -> Result<Json<User>, Error> {
    Ok(Json(auth.get_user(&caller.user_id).await?))
}

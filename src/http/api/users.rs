//! `/api/v1/users`: the admin's account management.

use crate::auth::Auth;
use crate::auth::account::{NewUser, User, UserPatch};
use crate::auth::repo::UserFilter;
use crate::auth::role::Role;
use crate::error::Error;
use crate::http::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::pagination::{Page, PageRequest};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

/// Filters and paging of the user list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub role: Option<Role>,
    /// Case-insensitive part of an email or name.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub limit: Option<u32>,
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Accounts, oldest first.
#[utoipa::path(get, path = "/api/v1/users", operation_id = "list_users", tag = "users", params(UserQuery), security(("bearer" = ["admin"])),
    responses((status = 200, body = Page<User>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(auth): State<Auth>,
    _admin: AdminOnly,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Json<Page<User>>, Error> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref(), 1)?;
    let filter = UserFilter {
        role: query.role,
        q: query.q.filter(|q| !q.trim().is_empty()),
    };
    Ok(Json(auth.list_users(filter, page).await?))
}

/// Creates an account of any role.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "users", request_body = NewUser, security(("bearer" = ["admin"])),
    responses((status = 201, body = User), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(auth): State<Auth>,
    _admin: AdminOnly,
    ApiJson(input): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), Error> {
    Ok((StatusCode::CREATED, Json(auth.create_user(input).await?)))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", operation_id = "get_user", tag = "users", params(("id" = String, Path)), security(("bearer" = ["admin"])),
    responses((status = 200, body = User), (status = 404, body = Problem)))]
pub async fn get(
    State(auth): State<Auth>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<User>, Error> {
    Ok(Json(auth.get_user(&id).await?))
}

/// Changes name, phone, role, password or disabled; role changes, disabling and new
/// passwords sign the account out everywhere.
#[utoipa::path(patch, path = "/api/v1/users/{id}", operation_id = "update_user", tag = "users", params(("id" = String, Path)),
    request_body = UserPatch, security(("bearer" = ["admin"])),
    responses((status = 200, body = User), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(auth): State<Auth>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<User>, Error> {
    Ok(Json(auth.update_user(&id, patch).await?))
}

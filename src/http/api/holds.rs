//! `/api/v1/events/{id}/holds` and `/api/v1/holds/{id}`: seat selection with a time limit.

use crate::error::Error;
use crate::http::extract::{ApiJson, ApiPath, Authenticated};
use crate::http::idempotency::Idempotent;
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::http::state::Ops;
use crate::inventory::Inventory;
use crate::inventory::hold::{HoldRequest, HoldView};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Holds seats: by label, or by quantity and category (best available, or general
/// admission). All or nothing; the quoted prices hold until `expires_at`. Accepts
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/events/{id}/holds", operation_id = "create_hold", tag = "holds", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "replays the first response to the same request")),
    request_body = HoldRequest, security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 201, body = HoldView),
              (status = 409, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(inventory): State<Inventory>,
    State(ops): State<Ops>,
    Authenticated(caller): Authenticated,
    ApiPath(event_id): ApiPath<String>,
    request: Idempotent<HoldRequest>,
) -> Response {
    if request.key.is_none() {
        // No key to settle, and nothing a dropped request could leave half done: a hold is
        // decided and queued under its event's lock without an await, and once queued it
        // commits and stays live until it expires whether or not anyone waits for the
        // answer. So it runs in the request's own task, not one spawned for it (a task, and
        // a wake-up to hand its answer back, on every hold).
        return match inventory.hold(&caller, &event_id, request.value).await {
            Ok(hold) => (StatusCode::CREATED, Json(hold)).into_response(),
            Err(e) => e.into_response(),
        };
    }
    let (now_ms, owner) = (inventory.clock_ms(), caller.user_id.clone());
    request
        .run_once(&ops.sqlite, &owner, now_ms, |value| async move {
            match inventory.hold(&caller, &event_id, value).await {
                Ok(hold) => (StatusCode::CREATED, Json(hold)).into_response(),
                Err(e) => e.into_response(),
            }
        })
        .await
}

/// A live hold (its holder, or staff); 404 once expired or released.
#[utoipa::path(get, path = "/api/v1/holds/{id}", operation_id = "get_hold", tag = "holds", params(("id" = String, Path)), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = HoldView), (status = 404, body = Problem)))]
pub async fn get(
    State(inventory): State<Inventory>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<HoldView>, Error> {
    Ok(Json(inventory.get(&caller, &id).await?))
}

/// How much longer to hold.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Extend {
    /// Seconds added to the current expiry, capped by `holds.max_lifetime_seconds` in all.
    pub seconds: u64,
}

/// Pushes a hold's expiry further, up to its maximum lifetime.
#[utoipa::path(post, path = "/api/v1/holds/{id}/extend", operation_id = "extend_hold", tag = "holds", params(("id" = String, Path)),
    request_body = Extend, security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = HoldView), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn extend(
    State(inventory): State<Inventory>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Extend>,
) -> Result<Json<HoldView>, Error> {
    Ok(Json(inventory.extend(&caller, &id, body.seconds).await?))
}

/// Releases a hold now; its seats are available at once.
#[utoipa::path(delete, path = "/api/v1/holds/{id}", operation_id = "release_hold", tag = "holds", params(("id" = String, Path)), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn release(
    State(inventory): State<Inventory>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, Error> {
    inventory.release(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

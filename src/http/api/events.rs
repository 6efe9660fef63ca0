//! `/api/v1/events`: the catalog for everyone, and its editing for admins.

use crate::catalog::event_input::{CreateEvent, EventPatch};
use crate::catalog::model::{EventCategory, EventStatus, EventView, SeatsView, second_ms};
use crate::catalog::{Catalog, EventFilter};
use crate::error::{Error, Validator};
use crate::http::api::list_query::query_time;
use crate::http::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::pagination::{Page, PageRequest};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

/// Filters and paging of the event list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    pub category: Option<EventCategory>,
    /// `scheduled` or `cancelled`.
    pub status: Option<EventStatus>,
    /// Events starting (departing) at or after this RFC 3339 time.
    #[param(max_length = 200)]
    pub from: Option<String>,
    /// Events starting (departing) before this RFC 3339 time.
    #[param(max_length = 200)]
    pub to: Option<String>,
    /// Part of the name, venue or a stop.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// A stop the route leaves from (any stop before `destination`).
    #[param(max_length = 200)]
    pub origin: Option<String>,
    /// A stop the route arrives at.
    #[param(max_length = 200)]
    pub destination: Option<String>,
    pub limit: Option<u32>,
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Events by start time, each with availability counts and current prices per category.
#[utoipa::path(get, path = "/api/v1/events", operation_id = "list_events", tag = "events", params(EventQuery),
    responses((status = 200, body = Page<EventView>), (status = 422, body = Problem)))]
pub async fn list(
    State(catalog): State<Catalog>,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Json<Page<EventView>>, Error> {
    let mut v = Validator::new();
    let from_ms = query_time("from", query.from.as_deref(), &mut v).map(second_ms);
    let to_ms = query_time("to", query.to.as_deref(), &mut v).map(second_ms);
    v.finish()?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref(), 2)?;
    let filter = EventFilter {
        category: query.category.map(|c| c.as_str().to_string()),
        status: query.status,
        from_ms,
        to_ms,
        q: non_empty(query.q),
        origin: non_empty(query.origin),
        destination: non_empty(query.destination),
    };
    Ok(Json(catalog.list_events(filter, page).await?))
}

/// One event with current prices and availability.
#[utoipa::path(get, path = "/api/v1/events/{id}", operation_id = "get_event", tag = "events", params(("id" = String, Path)),
    responses((status = 200, body = EventView), (status = 404, body = Problem)))]
pub async fn get(
    State(catalog): State<Catalog>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EventView>, Error> {
    Ok(Json(catalog.get_event(&id).await?))
}

/// Creates an event with its seat map (or a venue's) and base prices per category.
#[utoipa::path(post, path = "/api/v1/events", operation_id = "create_event", tag = "events", request_body = CreateEvent, security(("bearer" = ["admin"])),
    responses((status = 201, body = EventView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(catalog): State<Catalog>,
    AdminOnly(caller): AdminOnly,
    ApiJson(input): ApiJson<CreateEvent>,
) -> Result<(StatusCode, Json<EventView>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(catalog.create_event(&caller, input).await?),
    ))
}

/// Edits an event: name, description, times, base prices, general-admission capacity.
#[utoipa::path(patch, path = "/api/v1/events/{id}", operation_id = "update_event", tag = "events", params(("id" = String, Path)),
    request_body = EventPatch, security(("bearer" = ["admin"])),
    responses((status = 200, body = EventView), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(catalog): State<Catalog>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<EventPatch>,
) -> Result<Json<EventView>, Error> {
    Ok(Json(catalog.update_event(&id, patch).await?))
}

/// Deletes an event while nothing is held or sold (cancel it otherwise).
#[utoipa::path(delete, path = "/api/v1/events/{id}", operation_id = "delete_event", tag = "events", params(("id" = String, Path)),
    security(("bearer" = ["admin"])),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete(
    State(catalog): State<Catalog>,
    AdminOnly(caller): AdminOnly,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, Error> {
    catalog.delete_event(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The segment of a route to show seat statuses for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SegmentQuery {
    /// A stop name (default: the origin).
    #[param(max_length = 200)]
    pub from: Option<String>,
    /// A later stop name (default: the destination).
    #[param(max_length = 200)]
    pub to: Option<String>,
}

/// Every seat with its status and current price.
#[utoipa::path(get, path = "/api/v1/events/{id}/seats", operation_id = "get_seat_map", tag = "events",
    params(("id" = String, Path), SegmentQuery),
    responses((status = 200, body = SeatsView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn seats(
    State(catalog): State<Catalog>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(segment): ApiQuery<SegmentQuery>,
) -> Result<Json<SeatsView>, Error> {
    let mut v = Validator::new();
    v.query_text("from", segment.from.as_deref());
    v.query_text("to", segment.to.as_deref());
    v.finish()?;
    Ok(Json(
        catalog
            .seats(&id, non_empty(segment.from), non_empty(segment.to))
            .await?,
    ))
}

/// Seats to block, and why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BlockSeats {
    pub seats: Vec<String>,
    pub reason: String,
}

/// Seats to unblock.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UnblockSeats {
    pub seats: Vec<String>,
}

/// Takes seats off sale with a reason (broken seat, camera position, house seats).
#[utoipa::path(post, path = "/api/v1/events/{id}/seats/block", operation_id = "block_seats", tag = "events", params(("id" = String, Path)),
    request_body = BlockSeats, security(("bearer" = ["admin"])),
    responses((status = 200, description = "the seats now", body = SeatsView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn block(
    State(catalog): State<Catalog>,
    AdminOnly(caller): AdminOnly,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<BlockSeats>,
) -> Result<Json<SeatsView>, Error> {
    Ok(Json(
        catalog
            .set_blocked(&caller, &id, body.seats, Some(body.reason))
            .await?,
    ))
}

/// Puts blocked seats back on sale.
#[utoipa::path(post, path = "/api/v1/events/{id}/seats/unblock", operation_id = "unblock_seats", tag = "events", params(("id" = String, Path)),
    request_body = UnblockSeats, security(("bearer" = ["admin"])),
    responses((status = 200, description = "the seats now", body = SeatsView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn unblock(
    State(catalog): State<Catalog>,
    AdminOnly(caller): AdminOnly,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UnblockSeats>,
) -> Result<Json<SeatsView>, Error> {
    Ok(Json(
        catalog.set_blocked(&caller, &id, body.seats, None).await?,
    ))
}

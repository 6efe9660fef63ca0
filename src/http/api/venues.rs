//! `/api/v1/venues`: reusable seat maps, for admins.

use crate::catalog::Catalog;
use crate::catalog::venue::{CreateVenue, VenueView};
use crate::error::Error;
use crate::http::api::list_query::PageQuery;
use crate::http::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::pagination::Page;
use axum::extract::State;
use axum::http::StatusCode;

/// Venues, oldest first.
#[utoipa::path(get, path = "/api/v1/venues", operation_id = "list_venues", tag = "venues", params(PageQuery), security(("bearer" = ["admin"])),
    responses((status = 200, body = Page<VenueView>), (status = 403, body = Problem)))]
pub async fn list(
    State(catalog): State<Catalog>,
    _admin: AdminOnly,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<VenueView>>, Error> {
    let page = query.page()?;
    Ok(Json(catalog.list_venues(page).await?))
}

/// Creates a venue with a seat map or general-admission capacity.
#[utoipa::path(post, path = "/api/v1/venues", operation_id = "create_venue", tag = "venues", request_body = CreateVenue, security(("bearer" = ["admin"])),
    responses((status = 201, body = VenueView), (status = 422, body = Problem)))]
pub async fn create(
    State(catalog): State<Catalog>,
    _admin: AdminOnly,
    ApiJson(input): ApiJson<CreateVenue>,
) -> Result<(StatusCode, Json<VenueView>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(catalog.create_venue(input).await?),
    ))
}

/// One venue with its seat map.
#[utoipa::path(get, path = "/api/v1/venues/{id}", operation_id = "get_venue", tag = "venues", params(("id" = String, Path)), security(("bearer" = ["admin"])),
    responses((status = 200, body = VenueView), (status = 404, body = Problem)))]
pub async fn get(
    State(catalog): State<Catalog>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<VenueView>, Error> {
    Ok(Json(catalog.get_venue(&id).await?))
}

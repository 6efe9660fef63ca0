//! `/api/v1/events/{id}/seats/{label}/history`: every status change of a seat (staff).

use crate::catalog::Catalog;
use crate::catalog::history::SeatHistoryEntry;
use crate::error::Error;
use crate::http::api::list_query::PageQuery;
use crate::http::extract::{ApiPath, ApiQuery, StaffOnly};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::pagination::Page;
use axum::extract::State;

/// Every status change of one seat, oldest first: when, from, to, by which hold or booking.
#[utoipa::path(get, path = "/api/v1/events/{id}/seats/{label}/history", operation_id = "get_seat_history", tag = "events",
    params(("id" = String, Path), ("label" = String, Path), PageQuery), security(("bearer" = ["staff", "admin"])),
    responses((status = 200, body = Page<SeatHistoryEntry>), (status = 404, body = Problem)))]
pub async fn history(
    State(catalog): State<Catalog>,
    _staff: StaffOnly,
    ApiPath((event_id, label)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<SeatHistoryEntry>>, Error> {
    let page = query.page()?;
    Ok(Json(catalog.seat_history(&event_id, &label, page).await?))
}

//! `/api/v1/events/{id}/prices` and `/api/v1/pricing/…`: what seats cost, why, and the rules.

use crate::error::{Error, Validator};
use crate::http::api::list_query::PageQuery;
use crate::http::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::pricing::rule::Rule;
use crate::pricing::{CurvePoint, PricesView, Pricing};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Current price per category, the range it moves in (floor, cap), the next step up and
/// at what occupancy it comes, and the price history (newest first).
#[utoipa::path(get, path = "/api/v1/events/{id}/prices", operation_id = "get_event_prices", tag = "pricing", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = PricesView), (status = 404, body = Problem)))]
pub async fn prices(
    State(pricing): State<Pricing>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<PricesView>, Error> {
    let page = query.page()?;
    Ok(Json(pricing.prices(&id, page).await?))
}

/// The rules per event category.
#[utoipa::path(get, path = "/api/v1/pricing/rules", operation_id = "get_pricing_rules", tag = "pricing", security(("bearer" = ["admin"])),
    responses((status = 200, body = BTreeMap<String, Rule>), (status = 403, body = Problem)))]
pub async fn rules(
    State(pricing): State<Pricing>,
    _admin: AdminOnly,
) -> Result<Json<BTreeMap<String, Rule>>, Error> {
    Ok(Json(pricing.rules().await?))
}

/// Replaces the rules of the categories given (`{"concert": {...}}`); affected events are
/// repriced. A cap below the floor, negative factors or unknown categories are 422.
#[utoipa::path(put, path = "/api/v1/pricing/rules", operation_id = "replace_pricing_rules", tag = "pricing", request_body = BTreeMap<String, Rule>, security(("bearer" = ["admin"])),
    responses((status = 200, body = BTreeMap<String, Rule>), (status = 422, body = Problem)))]
pub async fn put_rules(
    State(pricing): State<Pricing>,
    _admin: AdminOnly,
    ApiJson(rules): ApiJson<BTreeMap<String, Rule>>,
) -> Result<Json<BTreeMap<String, Rule>>, Error> {
    Ok(Json(pricing.put_rules(rules).await?))
}

/// Gives one event its own rule.
#[utoipa::path(put, path = "/api/v1/events/{id}/pricing", operation_id = "set_event_pricing_rule", tag = "pricing", params(("id" = String, Path)),
    request_body = Rule, security(("bearer" = ["admin"])),
    responses((status = 200, body = PricesView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_event_rule(
    State(pricing): State<Pricing>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<String>,
    ApiJson(rule): ApiJson<Rule>,
) -> Result<Json<PricesView>, Error> {
    Ok(Json(pricing.put_event_rule(&id, Some(rule)).await?))
}

/// Removes an event's own rule: its category's applies again.
#[utoipa::path(delete, path = "/api/v1/events/{id}/pricing", operation_id = "delete_event_pricing_rule", tag = "pricing", params(("id" = String, Path)),
    security(("bearer" = ["admin"])), responses((status = 200, body = PricesView), (status = 404, body = Problem)))]
pub async fn delete_event_rule(
    State(pricing): State<Pricing>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PricesView>, Error> {
    Ok(Json(pricing.put_event_rule(&id, None).await?))
}

/// Which curve to draw.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// An event category whose rule to draw.
    #[param(max_length = 200)]
    pub category: String,
    /// The base price in minor units.
    pub base_minor: i64,
    /// Seats in the category (matters for fare buckets; default 100).
    pub capacity: Option<u32>,
    /// How many points (2–201, default 21).
    pub points: Option<u32>,
}

/// A rule's curve as points.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub category: String,
    pub rule: Rule,
    pub points: Vec<CurvePoint>,
}

/// A category's rule as points (occupancy → price) for a base price, for drawing.
#[utoipa::path(get, path = "/api/v1/pricing/preview", operation_id = "preview_pricing_rule", tag = "pricing", params(PreviewQuery),
    responses((status = 200, body = Preview), (status = 422, body = Problem)))]
pub async fn preview(
    State(pricing): State<Pricing>,
    ApiQuery(query): ApiQuery<PreviewQuery>,
) -> Result<Json<Preview>, Error> {
    let mut v = Validator::new();
    v.query_text("category", Some(&query.category));
    v.check(
        (0..=crate::money::MAX_PRICE_MINOR).contains(&query.base_minor),
        "base_minor",
        "must be a price",
    );
    v.check(
        query.capacity.is_none_or(|c| (1..=100_000).contains(&c)),
        "capacity",
        "must be between 1 and 100000",
    );
    v.check(
        query.points.is_none_or(|p| (2..=201).contains(&p)),
        "points",
        "must be between 2 and 201",
    );
    let rules = pricing.rules().await?;
    let rule = rules.get(&query.category).cloned();
    v.check(
        rule.is_some(),
        "category",
        "is not an event category (movie, concert, flight, bus, train)",
    );
    v.finish()?;
    let rule = rule.ok_or_else(|| Error::invalid("category", "unknown"))?;
    let points = Pricing::preview(
        &rule,
        query.base_minor,
        query.capacity.unwrap_or(100),
        query.points.unwrap_or(21),
    );
    Ok(Json(Preview {
        category: query.category,
        rule,
        points,
    }))
}

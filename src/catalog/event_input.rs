//! What an admin sends to create or change an event, and the rules it must meet.
//!
//! Validation is pure (no store access) and reports every problem at once, with the JSON
//! path of each offending field. What passes is a [`NewEvent`] ready to insert. The field
//! checks are here; the rules of a whole event (venue or route, categories, seats) are in
//! `event_rules`.

use super::model::EventCategory;
use super::seat_map::{SeatMapInput, SeatSpec, is_category_name};
use crate::error::Validator;
use crate::money::Money;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use time::OffsetDateTime;

/// The most intermediate stops on a route.
pub const MAX_STOPS: usize = 50;
/// The most general-admission places in one category.
pub const MAX_CAPACITY: u32 = 1_000_000;

/// Where a venue event takes place: a reusable venue by id, or just a name.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct VenueRef {
    /// A venue created under `/venues`; its seat map is used unless the event sends one.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// An intermediate stop of a travel event.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StopInput {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub arrives_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub departs_at: OffsetDateTime,
}

/// A new event.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CreateEvent {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub category: EventCategory,
    /// Venue events.
    #[serde(default)]
    pub venue: Option<VenueRef>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    /// Travel events.
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub departs_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub arrives_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub stops: Vec<StopInput>,
    /// Seated events.
    #[serde(default)]
    pub seat_map: Option<SeatMapInput>,
    /// General admission: places per price category.
    #[serde(default)]
    pub capacity: Option<BTreeMap<String, u32>>,
    /// Base price per price category; one currency per event.
    pub prices: BTreeMap<String, Money>,
    /// IANA time zone the event is announced in (default `UTC`).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// An admin's change to an event; absent fields stay as they are. Category, venue, route and
/// seat map cannot change (block seats instead, or create another event).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub departs_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub arrives_at: Option<OffsetDateTime>,
    /// New base prices for existing categories.
    pub prices: Option<BTreeMap<String, Money>>,
    /// New general-admission capacities; never below what is held or sold.
    pub capacity: Option<BTreeMap<String, u32>>,
    pub timezone: Option<String>,
}

/// A stop ready to store; index 0 is the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopSpec {
    pub name: String,
    pub arrives_at_ms: Option<i64>,
    pub departs_at_ms: Option<i64>,
}

/// A price category ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySpec {
    pub category: String,
    pub base_minor: i64,
    pub capacity: Option<u32>,
}

/// A validated event, ready to insert.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub name: String,
    pub description: String,
    pub category: EventCategory,
    pub venue_id: Option<String>,
    pub venue_name: Option<String>,
    pub starts_at_ms: i64,
    pub ends_at_ms: Option<i64>,
    pub timezone: String,
    pub currency: String,
    pub stops: Vec<StopSpec>,
    pub categories: Vec<CategorySpec>,
    pub seats: Vec<SeatSpec>,
}

/// Trims a required text field and bounds its length.
pub fn required_text(field: &str, raw: Option<&str>, max: usize, v: &mut Validator) -> String {
    let text = raw.unwrap_or("").trim().to_string();
    if text.is_empty() {
        v.add(field, "is required and must not be empty");
    } else if raw.unwrap_or("").chars().count() > max {
        // The value as sent, white space included, as the OpenAPI document's maxLength counts.
        v.add(field, format!("must be at most {max} characters"));
    } else if text.chars().any(char::is_control) {
        v.add(field, "must not contain control characters");
    }
    text
}

/// Accepts a zone of the IANA database bundled in the binary, such as `Asia/Kolkata`: an
/// event in a zone nobody can convert would show wrong local times everywhere.
/// One general-admission category of a `capacity` map: a name the catalog takes and a
/// number of places within bounds. Events and venues share it.
pub fn check_capacity(category: &str, places: u32, v: &mut Validator) {
    let field = format!("capacity.{category}");
    v.check(
        is_category_name(category),
        field.clone(),
        "category names are 1 to 32 lower-case letters, digits or '_'",
    );
    v.check(
        (1..=MAX_CAPACITY).contains(&places),
        field,
        format!("must be between 1 and {MAX_CAPACITY}"),
    );
}

pub fn validate_timezone(field: &str, tz: &str, v: &mut Validator) {
    let ok = (1..=64).contains(&tz.len())
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
        && jiff::tz::TimeZone::get(tz).is_ok();
    v.check(
        ok,
        field,
        "must be an IANA time zone such as Asia/Kolkata or UTC",
    );
}

/// Validates prices against the categories used, requiring one currency.
pub fn validate_prices(
    field: &str,
    prices: &BTreeMap<String, Money>,
    v: &mut Validator,
) -> Option<String> {
    let mut currencies = HashSet::new();
    for (category, price) in prices {
        if !is_category_name(category) {
            v.add(
                format!("{field}.{category}"),
                "category names are 1 to 32 lower-case letters, digits or '_'",
            );
        }
        price.validate_price(&format!("{field}.{category}"), v);
        currencies.insert(price.currency.clone());
    }
    if currencies.len() > 1 {
        v.add(field, "all prices of an event must be in one currency");
    }
    currencies.into_iter().next()
}

//! What an admin sends to create or change an event, and the rules it must meet.
//!
//! Validation is pure (no store access) and reports every problem at once, with the JSON
//! path of each offending field. What passes is a [`NewEvent`] ready to insert.

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
    pub arrives_at: Option<i64>,
    pub departs_at: Option<i64>,
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
    pub starts_at: i64,
    pub ends_at: Option<i64>,
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

impl CreateEvent {
    /// Checks every rule; `now` bounds start times (no events in the past).
    pub fn validate(&self, now: OffsetDateTime) -> Result<NewEvent, crate::error::Error> {
        let mut v = Validator::new();
        let name = required_text("name", Some(&self.name), 200, &mut v);
        let description = self.description.clone().unwrap_or_default();
        v.check(
            description.chars().count() <= 5_000,
            "description",
            "must be at most 5000 characters",
        );
        let timezone = self.timezone.clone().unwrap_or_else(|| "UTC".into());
        validate_timezone("timezone", &timezone, &mut v);

        let (venue_id, venue_name, starts_at, ends_at, stops) = if self.category.is_travel() {
            self.validate_travel(now, &mut v)
        } else {
            self.validate_venue(now, &mut v)
        };

        // Seats or capacity, never both.
        let mut seats = Vec::new();
        let mut used: Vec<String> = Vec::new();
        let mut capacities: BTreeMap<String, u32> = BTreeMap::new();
        match (&self.seat_map, &self.capacity) {
            (Some(_), Some(_)) => v.add("capacity", "send either seat_map or capacity, not both"),
            (None, None) => v.add(
                "seat_map",
                "a seat map (or capacity for general admission) is required",
            ),
            (Some(map), None) => {
                seats = map.expand("seat_map", &mut v);
                for seat in &seats {
                    if !used.contains(&seat.category) {
                        used.push(seat.category.clone());
                    }
                }
            }
            (None, Some(capacity)) => {
                if capacity.is_empty() {
                    v.add("capacity", "must name at least one category");
                }
                for (category, places) in capacity {
                    if !is_category_name(category) {
                        v.add(
                            format!("capacity.{category}"),
                            "category names are 1 to 32 lower-case letters, digits or '_'",
                        );
                    }
                    v.check(
                        (1..=MAX_CAPACITY).contains(places),
                        format!("capacity.{category}"),
                        format!("must be between 1 and {MAX_CAPACITY}"),
                    );
                    used.push(category.clone());
                    capacities.insert(category.clone(), *places);
                }
            }
        }

        let currency = validate_prices("prices", &self.prices, &mut v);
        for category in &used {
            v.check(
                self.prices.contains_key(category),
                format!("prices.{category}"),
                "every category used by a seat needs a price",
            );
        }
        for category in self.prices.keys() {
            v.check(
                used.contains(category),
                format!("prices.{category}"),
                "no seat is in this category",
            );
        }
        v.finish()?;

        let categories = used
            .iter()
            .map(|category| CategorySpec {
                category: category.clone(),
                base_minor: self.prices[category].amount_minor,
                capacity: capacities.get(category).copied(),
            })
            .collect();
        Ok(NewEvent {
            name,
            description,
            category: self.category,
            venue_id,
            venue_name,
            starts_at,
            ends_at,
            timezone,
            currency: currency.unwrap_or_default(),
            stops,
            categories,
            seats,
        })
    }

    #[allow(clippy::type_complexity)]
    fn validate_venue(
        &self,
        now: OffsetDateTime,
        v: &mut Validator,
    ) -> (
        Option<String>,
        Option<String>,
        i64,
        Option<i64>,
        Vec<StopSpec>,
    ) {
        for (present, field) in [
            (self.origin.is_some(), "origin"),
            (self.destination.is_some(), "destination"),
            (self.departs_at.is_some(), "departs_at"),
            (self.arrives_at.is_some(), "arrives_at"),
            (!self.stops.is_empty(), "stops"),
        ] {
            v.check(
                !present,
                field,
                "only travel events (flight, bus, train) have a route",
            );
        }
        let venue_name = match &self.venue {
            None => {
                v.add("venue", "is required for movies and concerts");
                None
            }
            Some(venue) => Some(required_text("venue.name", venue.name.as_deref(), 200, v)),
        };
        let starts_at = match self.starts_at {
            None => {
                v.add("starts_at", "is required for movies and concerts");
                0
            }
            Some(t) => {
                v.check(t > now, "starts_at", "must be in the future");
                t.unix_timestamp()
            }
        };
        let ends_at = self.ends_at.map(|t| {
            v.check(
                self.starts_at.is_none_or(|s| t > s),
                "ends_at",
                "must be after starts_at",
            );
            t.unix_timestamp()
        });
        let venue_id = self.venue.as_ref().and_then(|venue| venue.id.clone());
        (venue_id, venue_name, starts_at, ends_at, Vec::new())
    }

    #[allow(clippy::type_complexity)]
    fn validate_travel(
        &self,
        now: OffsetDateTime,
        v: &mut Validator,
    ) -> (
        Option<String>,
        Option<String>,
        i64,
        Option<i64>,
        Vec<StopSpec>,
    ) {
        for (present, field) in [
            (self.venue.is_some(), "venue"),
            (self.starts_at.is_some(), "starts_at"),
            (self.ends_at.is_some(), "ends_at"),
        ] {
            v.check(
                !present,
                field,
                "travel events use origin, destination, departs_at and arrives_at",
            );
        }
        let origin = required_text("origin", self.origin.as_deref(), 100, v);
        let destination = required_text("destination", self.destination.as_deref(), 100, v);
        let (Some(departs), Some(arrives)) = (self.departs_at, self.arrives_at) else {
            v.check(
                self.departs_at.is_some(),
                "departs_at",
                "is required for travel events",
            );
            v.check(
                self.arrives_at.is_some(),
                "arrives_at",
                "is required for travel events",
            );
            return (None, None, 0, None, Vec::new());
        };
        v.check(departs > now, "departs_at", "must be in the future");
        v.check(
            self.stops.len() <= MAX_STOPS,
            "stops",
            format!("at most {MAX_STOPS} stops"),
        );

        let mut route = vec![StopSpec {
            name: origin,
            arrives_at: None,
            departs_at: Some(departs.unix_timestamp()),
        }];
        let mut last = departs;
        let mut last_field = "departs_at".to_string();
        for (i, stop) in self.stops.iter().enumerate() {
            let sf = format!("stops[{i}]");
            let name = required_text(&format!("{sf}.name"), Some(&stop.name), 100, v);
            v.check(
                stop.arrives_at > last,
                format!("{sf}.arrives_at"),
                format!("must be after {last_field}"),
            );
            v.check(
                stop.departs_at >= stop.arrives_at,
                format!("{sf}.departs_at"),
                "must not be before its arrives_at",
            );
            last = stop.departs_at;
            last_field = format!("{sf}.departs_at");
            route.push(StopSpec {
                name,
                arrives_at: Some(stop.arrives_at.unix_timestamp()),
                departs_at: Some(stop.departs_at.unix_timestamp()),
            });
        }
        v.check(
            arrives > last,
            "arrives_at",
            format!("must be after {last_field}"),
        );
        route.push(StopSpec {
            name: destination,
            arrives_at: Some(arrives.unix_timestamp()),
            departs_at: None,
        });
        let mut seen = HashSet::new();
        for stop in &route {
            if !stop.name.is_empty() && !seen.insert(stop.name.to_lowercase()) {
                v.add(
                    "stops",
                    format!("`{}` appears twice on the route", stop.name),
                );
            }
        }
        (
            None,
            None,
            departs.unix_timestamp(),
            Some(arrives.unix_timestamp()),
            route,
        )
    }
}

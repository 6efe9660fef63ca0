//! The rules a new event must meet as a whole: a venue event has a place and seats or
//! general-admission categories, a travel event a route of stops in time order; every
//! category is priced in one currency. Pure: no store access.

use super::event_input::*;
use super::model::second_ms;
use crate::error::Validator;
use std::collections::{BTreeMap, HashSet};
use time::OffsetDateTime;

/// Where and when a new event happens: a venue (by id or name) and its times, or a
/// travel event's route of stops (no venue) from its departure to its arrival.
#[derive(Default)]
struct Place {
    venue_id: Option<String>,
    venue_name: Option<String>,
    starts_at_ms: i64,
    ends_at_ms: Option<i64>,
    stops: Vec<StopSpec>,
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

        let Place {
            venue_id,
            venue_name,
            starts_at_ms,
            ends_at_ms,
            stops,
        } = if self.category.is_travel() {
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
                    check_capacity(category, *places, &mut v);
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
            starts_at_ms,
            ends_at_ms,
            timezone,
            currency: currency.unwrap_or_default(),
            stops,
            categories,
            seats,
        })
    }

    fn validate_venue(&self, now: OffsetDateTime, v: &mut Validator) -> Place {
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
        let starts_at_ms = match self.starts_at {
            None => {
                v.add("starts_at", "is required for movies and concerts");
                0
            }
            Some(t) => {
                v.check(t > now, "starts_at", "must be in the future");
                second_ms(t)
            }
        };
        // Compared as stored, to the second: an end within the start's second is the start.
        let ends_at_ms = self.ends_at.map(|t| {
            v.check(
                self.starts_at.is_none_or(|s| second_ms(t) > second_ms(s)),
                "ends_at",
                "must be after starts_at",
            );
            second_ms(t)
        });
        let venue_id = self.venue.as_ref().and_then(|venue| venue.id.clone());
        Place {
            venue_id,
            venue_name,
            starts_at_ms,
            ends_at_ms,
            stops: Vec::new(),
        }
    }

    fn validate_travel(&self, now: OffsetDateTime, v: &mut Validator) -> Place {
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
            return Place::default();
        };
        v.check(departs > now, "departs_at", "must be in the future");
        v.check(
            self.stops.len() <= MAX_STOPS,
            "stops",
            format!("at most {MAX_STOPS} stops"),
        );

        let mut route = vec![StopSpec {
            name: origin,
            arrives_at_ms: None,
            departs_at_ms: Some(second_ms(departs)),
        }];
        let mut last = departs;
        let mut last_field = "departs_at".to_string();
        for (i, stop) in self.stops.iter().enumerate() {
            let sf = format!("stops[{i}]");
            let name = required_text(&format!("{sf}.name"), Some(&stop.name), 100, v);
            // Compared as stored, to the second.
            v.check(
                second_ms(stop.arrives_at) > second_ms(last),
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
                arrives_at_ms: Some(second_ms(stop.arrives_at)),
                departs_at_ms: Some(second_ms(stop.departs_at)),
            });
        }
        v.check(
            second_ms(arrives) > second_ms(last),
            "arrives_at",
            format!("must be after {last_field}"),
        );
        route.push(StopSpec {
            name: destination,
            arrives_at_ms: Some(second_ms(arrives)),
            departs_at_ms: None,
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
        Place {
            starts_at_ms: second_ms(departs),
            ends_at_ms: Some(second_ms(arrives)),
            stops: route,
            ..Place::default()
        }
    }
}

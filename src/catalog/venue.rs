//! Venues: a place with a reusable seat map (or general-admission capacity) that events are
//! created at.

use super::event_input::{check_capacity, required_text, validate_timezone};
use super::repo::VenueRow;
use super::seat_map::SeatMapInput;
use crate::error::{Error, Validator};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A new venue.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CreateVenue {
    pub name: String,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// IANA time zone (default `UTC`).
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub seat_map: Option<SeatMapInput>,
    /// General admission places per category, for venues without seats.
    #[serde(default)]
    pub capacity: Option<BTreeMap<String, u32>>,
}

/// A venue as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VenueView {
    pub id: String,
    pub name: String,
    pub city: Option<String>,
    pub address: Option<String>,
    pub timezone: String,
    /// Seats in the map (0 for general admission).
    pub seat_count: u64,
    pub seat_map: Option<SeatMapInput>,
    pub capacity: Option<BTreeMap<String, u32>>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl CreateVenue {
    /// Validates the venue; returns a row ready to insert.
    pub fn validate(&self, id: String, now_ms: i64) -> Result<VenueRow, Error> {
        let mut v = Validator::new();
        let name = required_text("name", Some(&self.name), 200, &mut v);
        let timezone = self.timezone.clone().unwrap_or_else(|| "UTC".into());
        validate_timezone("timezone", &timezone, &mut v);
        let optional = |field: &str, s: &Option<String>, v: &mut Validator| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    v.check(
                        s.chars().count() <= 200,
                        field,
                        "must be at most 200 characters",
                    );
                    s.to_string()
                })
        };
        let city = optional("city", &self.city, &mut v);
        let address = optional("address", &self.address, &mut v);
        let (seat_map, capacity) = match (&self.seat_map, &self.capacity) {
            (Some(map), None) => {
                map.expand("seat_map", &mut v);
                (
                    Some(serde_json::to_string(map).map_err(Error::internal)?),
                    None,
                )
            }
            (None, Some(capacity)) => {
                v.check(
                    !capacity.is_empty(),
                    "capacity",
                    "must name at least one category",
                );
                // The same rules as an event's, so every venue can host an event.
                for (category, places) in capacity {
                    check_capacity(category, *places, &mut v);
                }
                (
                    None,
                    Some(serde_json::to_string(capacity).map_err(Error::internal)?),
                )
            }
            (Some(_), Some(_)) => {
                v.add("capacity", "send either seat_map or capacity, not both");
                (None, None)
            }
            (None, None) => {
                v.add(
                    "seat_map",
                    "a seat map (or capacity for general admission) is required",
                );
                (None, None)
            }
        };
        v.finish()?;
        Ok(VenueRow {
            id,
            name,
            city,
            address,
            timezone,
            seat_map,
            capacity,
            created_at_ms: now_ms,
        })
    }
}

impl VenueView {
    /// The API view of a stored venue.
    pub fn from_row(row: VenueRow) -> Result<VenueView, Error> {
        let seat_map: Option<SeatMapInput> = row
            .seat_map
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(Error::internal)?;
        let capacity: Option<BTreeMap<String, u32>> = row
            .capacity
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(Error::internal)?;
        let seat_count = seat_map
            .as_ref()
            .map(|m| m.expand("seat_map", &mut Validator::new()).len() as u64)
            .unwrap_or(0);
        Ok(VenueView {
            id: row.id,
            name: row.name,
            city: row.city,
            address: row.address,
            timezone: row.timezone,
            seat_count,
            seat_map,
            capacity,
            created_at: super::model::at(row.created_at_ms),
        })
    }
}

//! The catalog's vocabulary: event categories, seat flags, and the views the API returns.
//! (Seat counts by state live in `counts`, re-exported here.)

pub use super::counts::{Availability, SectionCounts, count_in_section};
use crate::money::Money;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What kind of thing is sold. Movies and concerts happen at a venue; flights, buses and
/// trains run from an origin to a destination, possibly through stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventCategory {
    Movie,
    Concert,
    Flight,
    Bus,
    Train,
}

impl EventCategory {
    /// Every category, in display order.
    pub const ALL: [EventCategory; 5] = [
        EventCategory::Movie,
        EventCategory::Concert,
        EventCategory::Flight,
        EventCategory::Bus,
        EventCategory::Train,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventCategory::Movie => "movie",
            EventCategory::Concert => "concert",
            EventCategory::Flight => "flight",
            EventCategory::Bus => "bus",
            EventCategory::Train => "train",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<EventCategory> {
        EventCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Travel events have an origin, a destination and optional stops; the rest a venue.
    pub fn is_travel(self) -> bool {
        matches!(
            self,
            EventCategory::Flight | EventCategory::Bus | EventCategory::Train
        )
    }

    /// What the seats face, as a seat map labels it: a cinema's screen, a concert's stage,
    /// the front of a vehicle.
    pub fn front_label(self) -> &'static str {
        match self {
            EventCategory::Movie => "Screen",
            EventCategory::Concert => "Stage",
            EventCategory::Flight | EventCategory::Bus | EventCategory::Train => "Front",
        }
    }
}

crate::store::text_enum::text_enum! {
    /// Whether an event still sells.
    // utoipa does not read the macro's per-variant renames; the names are the lowercase
    // variant names, which this says in a form it reads (serde agrees).
    #[derive(utoipa::ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum EventStatus {
        Scheduled = "scheduled",
        Cancelled = "cancelled",
    }
}

/// A property of one seat that matters to whoever sits there.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SeatFlag {
    WheelchairSpace,
    Companion,
    RestrictedView,
    Aisle,
    Window,
}

impl SeatFlag {
    /// Every flag.
    pub const ALL: [SeatFlag; 5] = [
        SeatFlag::WheelchairSpace,
        SeatFlag::Companion,
        SeatFlag::RestrictedView,
        SeatFlag::Aisle,
        SeatFlag::Window,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SeatFlag::WheelchairSpace => "wheelchair_space",
            SeatFlag::Companion => "companion",
            SeatFlag::RestrictedView => "restricted_view",
            SeatFlag::Aisle => "aisle",
            SeatFlag::Window => "window",
        }
    }

    /// Flags stored as a comma-separated list; unknown names are skipped.
    pub fn parse_list(s: &str) -> Vec<SeatFlag> {
        s.split(',')
            .filter_map(|name| SeatFlag::ALL.into_iter().find(|f| f.as_str() == name))
            .collect()
    }

    /// The stored form of a list of flags.
    pub fn join(flags: &[SeatFlag]) -> String {
        flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A seat's state for sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeatStatus {
    Available,
    Held,
    Sold,
    Blocked,
}

/// One price category of an event: its price and how many of its seats are in each state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub category: String,
    /// The current price of a seat in this category.
    pub price: Money,
    /// The price set by the admin, before any dynamic pricing.
    pub base_price: Money,
    #[serde(flatten)]
    pub availability: Availability,
}

/// The venue an event takes place at.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VenueSummary {
    /// The reusable venue it was created from, if any.
    pub id: Option<String>,
    pub name: String,
}

/// A stop on a travel event's route; index 0 is the origin, the last the destination.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StopView {
    pub index: u32,
    pub name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub arrives_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub departs_at: Option<OffsetDateTime>,
}

/// An event as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: EventCategory,
    pub status: EventStatus,
    /// Venue events only.
    pub venue: Option<VenueSummary>,
    /// Venue events: when the show starts. Travel events: the departure from the origin.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    /// Travel events only.
    pub origin: Option<String>,
    pub destination: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub departs_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub arrives_at: Option<OffsetDateTime>,
    /// Every stop from origin to destination (travel events; empty otherwise).
    pub stops: Vec<StopView>,
    /// IANA time zone the event is announced in.
    pub timezone: String,
    /// Sold by quantity per category, without seat labels.
    pub general_admission: bool,
    pub currency: String,
    /// Current price per price category.
    pub prices: std::collections::BTreeMap<String, Money>,
    pub categories: Vec<CategoryView>,
    /// Counts over every category.
    pub availability: Availability,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One seat of an event, with its state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeatView {
    pub label: String,
    pub section: String,
    pub row: String,
    pub number: u32,
    pub category: String,
    pub flags: Vec<SeatFlag>,
    pub status: SeatStatus,
    pub price: Money,
    /// Why an admin blocked it, when blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
}

/// Every seat of an event, for one segment on travel events with stops.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeatsView {
    pub event_id: String,
    /// The segment the statuses are for (travel events with stops).
    pub from: Option<String>,
    pub to: Option<String>,
    pub seats: Vec<SeatView>,
}

/// A stored catalog time (Unix milliseconds) as the API shows it: to the whole second, which
/// is all an event's schedule holds and all its views have ever shown of the others (stored
/// values are always in range).
pub fn at(ms: i64) -> OffsetDateTime {
    crate::clock::at_second(ms)
}

/// An event's schedule time as stored: Unix milliseconds of the whole second (a start, an
/// arrival or a bound compared with them is kept to the second, as the API shows it).
pub fn second_ms(t: OffsetDateTime) -> i64 {
    t.unix_timestamp() * 1000
}

/// A time in Unix milliseconds cut to its whole second, to compare with schedule times.
pub fn floor_second_ms(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

/// The stop indices `from`..`to` name on a route (case-insensitive; either end defaults to
/// the origin or the destination), or `None` when neither is given. The one place that
/// decides what a segment is, for the catalog's seat view and the inventory's holds.
pub fn find_segment<S: AsRef<str>>(
    stops: &[S],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<(usize, usize)>, crate::error::Error> {
    use crate::error::Error;
    if from.is_none() && to.is_none() {
        return Ok(None);
    }
    if stops.len() < 2 {
        return Err(Error::invalid(
            "from",
            "only travel events have stops to choose a segment from",
        ));
    }
    let find = |field: &str, name: Option<&str>, default: usize| -> Result<usize, Error> {
        match name {
            None => Ok(default),
            Some(n) => stops
                .iter()
                .position(|s| s.as_ref().eq_ignore_ascii_case(n.trim()))
                .ok_or_else(|| Error::invalid(field, format!("`{n}` is not a stop of this event"))),
        }
    };
    let from_idx = find("from", from, 0)?;
    let to_idx = find("to", to, stops.len() - 1)?;
    if from_idx >= to_idx {
        return Err(Error::invalid("to", "must be a stop after `from`"));
    }
    Ok(Some((from_idx, to_idx)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_event_status_reads_back_as_written() {
        crate::store::text_enum::assert_reads_back(super::EventStatus::ALL);
    }
}

//! The catalog's vocabulary: event categories, seat flags, and the views the API returns.

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
}

/// Whether an event still sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Scheduled,
    Cancelled,
}

impl EventStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Scheduled => "scheduled",
            EventStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> EventStatus {
        if s == "cancelled" {
            EventStatus::Cancelled
        } else {
            EventStatus::Scheduled
        }
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

/// Seat counts by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Availability {
    pub total: u64,
    pub available: u64,
    pub held: u64,
    pub sold: u64,
    pub blocked: u64,
}

impl Availability {
    /// Adds another count into this one.
    pub fn add(&mut self, other: &Availability) {
        self.total += other.total;
        self.available += other.available;
        self.held += other.held;
        self.sold += other.sold;
        self.blocked += other.blocked;
    }
}

/// One section's seats by state over a segment, for the console's overview of a big event:
/// counted in the live index, with no per-seat view built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionCounts {
    pub name: String,
    pub total: u64,
    pub available: u64,
    pub held: u64,
    /// Sold and not checked in.
    pub sold: u64,
    /// Sold and checked in.
    pub checked_in: u64,
    pub blocked: u64,
}

impl SectionCounts {
    /// An empty count for a section.
    pub fn named(name: &str) -> SectionCounts {
        SectionCounts {
            name: name.to_string(),
            ..SectionCounts::default()
        }
    }

    /// Counts one seat of `status`; `checked_in` says whether a sold seat was admitted.
    pub fn count(&mut self, status: SeatStatus, checked_in: bool) {
        self.total += 1;
        match status {
            SeatStatus::Available => self.available += 1,
            SeatStatus::Held => self.held += 1,
            SeatStatus::Sold if checked_in => self.checked_in += 1,
            SeatStatus::Sold => self.sold += 1,
            SeatStatus::Blocked => self.blocked += 1,
        }
    }

    /// Adds another section's counts into this one.
    pub fn add(&mut self, other: &SectionCounts) {
        self.total += other.total;
        self.available += other.available;
        self.held += other.held;
        self.sold += other.sold;
        self.checked_in += other.checked_in;
        self.blocked += other.blocked;
    }

    /// Share of seats taken (held, sold or checked in), 0–100.
    pub fn fill_pct(&self) -> u64 {
        ((self.held + self.sold + self.checked_in) * 100)
            .checked_div(self.total)
            .unwrap_or(0)
    }

    /// Width of the taken part on a 0–1000 scale, for the overview's bars.
    pub fn taken_w(&self) -> u64 {
        ((self.held + self.sold + self.checked_in) * 1000)
            .checked_div(self.total)
            .unwrap_or(0)
    }
}

/// Adds a seat to the counts of its section; seats of a section are contiguous in seat
/// order, so the last section is checked first.
pub fn count_in_section(
    sections: &mut Vec<SectionCounts>,
    section: &str,
    status: SeatStatus,
    checked_in: bool,
) {
    let at = match sections.iter().rposition(|c| c.name == section) {
        Some(at) => at,
        None => {
            sections.push(SectionCounts::named(section));
            sections.len() - 1
        }
    };
    sections[at].count(status, checked_in);
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

/// Converts stored Unix seconds to a timestamp (stored values are always in range).
pub fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
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
    use super::*;

    #[test]
    fn section_counts_tally_each_status_per_section_in_seat_order() {
        let mut sections = Vec::new();
        for (section, status, admitted) in [
            ("Stalls", SeatStatus::Available, false),
            ("Stalls", SeatStatus::Sold, false),
            ("Stalls", SeatStatus::Held, false),
            ("Circle", SeatStatus::Blocked, false),
            ("Circle", SeatStatus::Sold, true),
        ] {
            count_in_section(&mut sections, section, status, admitted);
        }
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].name, "Stalls");
        assert_eq!(
            (
                sections[0].total,
                sections[0].available,
                sections[0].held,
                sections[0].sold
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(sections[0].fill_pct(), 66);
        assert_eq!(sections[0].taken_w(), 666);
        assert_eq!((sections[1].blocked, sections[1].checked_in), (1, 1));
        let mut all = SectionCounts::named("All seats");
        sections.iter().for_each(|s| all.add(s));
        assert_eq!((all.total, all.sold, all.checked_in), (5, 1, 1));
        assert_eq!(SectionCounts::named("Empty").fill_pct(), 0);
    }
}

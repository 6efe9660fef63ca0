//! What the hold store keeps: a hold's record and the seat changes of its outbox. Stored
//! by `hold_codec`; changed only through the store's committer (`hold_store`).

use serde::{Deserialize, Serialize};

/// A hold's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HoldState {
    Live,
    Released,
    Expired,
    Booked,
}

/// One quoted price line of a hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// The seat, for seated events.
    pub seat: Option<String>,
    pub category: String,
    /// Places, for general admission (1 for a seat).
    pub quantity: u32,
    /// Price of one seat or place, in minor units.
    pub unit_minor: i64,
}

impl QuoteLine {
    /// The line's amount: its unit price times its quantity, in minor units.
    pub fn amount_minor(&self) -> i64 {
        self.unit_minor * i64::from(self.quantity)
    }
}

/// Everything durable about a hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRecord {
    pub id: String,
    pub event_id: String,
    pub owner: String,
    pub seats: Vec<String>,
    pub from_leg: u16,
    pub to_leg: u16,
    pub lines: Vec<QuoteLine>,
    pub currency: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub max_expires_at_ms: i64,
    pub state: HoldState,
    pub ended_at_ms: Option<i64>,
}

impl HoldRecord {
    /// Seats or places held.
    pub fn quantity(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// What the hold costs, in minor units of its currency.
    pub fn total_minor(&self) -> i64 {
        self.lines.iter().map(QuoteLine::amount_minor).sum()
    }

    /// The name of the stop that starts (`leg` = `from_leg`) or ends (`to_leg`) its
    /// segment, given the event's `stops`: only on travel events with intermediate stops.
    pub fn segment_stop<'a>(&self, stops: &'a [String], leg: u16) -> Option<&'a str> {
        if stops.len() > 2 {
            stops.get(usize::from(leg)).map(String::as_str)
        } else {
            None
        }
    }
}

/// A change to an event's seats, for the seat history and the seats-changed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatChange {
    pub event_id: String,
    pub event_seq: u64,
    /// `held`, `released`, `expired` or `booked`.
    pub kind: String,
    pub hold_id: String,
    pub seats: Vec<String>,
    /// General admission places per category.
    pub places: Vec<(String, u32)>,
    pub at_ms: i64,
    pub actor: Option<String>,
}

/// A record for tests: one seat, ids made now.
#[cfg(test)]
pub(super) fn hold(state: HoldState, ended_at_ms: Option<i64>) -> HoldRecord {
    HoldRecord {
        id: crate::ids::new_id("hld"),
        event_id: crate::ids::new_id("evt"),
        owner: crate::ids::new_id("usr"),
        seats: vec!["A-1".into()],
        from_leg: 0,
        to_leg: 1,
        lines: Vec::new(),
        currency: "EUR".into(),
        created_at_ms: 0,
        expires_at_ms: 600_000,
        max_expires_at_ms: 1_800_000,
        state,
        ended_at_ms,
    }
}

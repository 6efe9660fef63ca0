//! What a client asks to hold, and the hold it gets back.

use super::hold_store::{HoldRecord, QuoteLine};
use crate::error::{Error, Validator};
use crate::money::Money;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The most seats or places one hold may take (a config-level ceiling: `[holds]` cannot
/// raise it).
pub use crate::config::MAX_HOLD_SEATS;

/// A hold request: seats by label, or a quantity (general admission, or best available).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// Seats by label, e.g. `["A-1", "A-2"]`.
    #[serde(default)]
    pub seats: Option<Vec<String>>,
    /// How many seats or places.
    #[serde(default)]
    pub quantity: Option<u32>,
    /// The price category of a quantity hold.
    #[serde(default)]
    pub category: Option<String>,
    /// How many of a quantity hold's seats must be wheelchair spaces.
    #[serde(default)]
    pub accessible: Option<u32>,
    /// Travel events with stops: where the journey starts (default: the origin).
    #[serde(default)]
    pub from: Option<String>,
    /// Travel events with stops: where it ends (default: the destination).
    #[serde(default)]
    pub to: Option<String>,
}

/// A validated request, borrowed from it (a hold reads it once, under its event's lock).
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    Seats(&'a [String]),
    Quantity {
        quantity: u32,
        category: Option<&'a str>,
        accessible: u32,
    },
}

impl HoldRequest {
    /// Checks the shape of the request (the event's own rules come later).
    pub fn selection(&self) -> Result<Selection<'_>, Error> {
        let mut v = Validator::new();
        let selection = match (&self.seats, self.quantity) {
            (Some(_), Some(_)) => {
                v.add("quantity", "send either seats or quantity, not both");
                None
            }
            (None, None) => {
                v.add("seats", "name the seats to hold, or send a quantity");
                None
            }
            (Some(seats), None) => {
                v.check(!seats.is_empty(), "seats", "name at least one seat");
                v.check(
                    seats.len() <= MAX_HOLD_SEATS,
                    "seats",
                    format!("at most {MAX_HOLD_SEATS} seats per hold"),
                );
                let mut sorted: Vec<&str> = seats.iter().map(String::as_str).collect();
                sorted.sort_unstable();
                let mut duplicates: Vec<&str> = sorted
                    .windows(2)
                    .filter(|w| w[0] == w[1])
                    .map(|w| w[0])
                    .collect();
                duplicates.dedup();
                v.check(
                    duplicates.is_empty(),
                    "seats",
                    format!("seats named twice: {}", duplicates.join(", ")),
                );
                v.check(
                    self.accessible.is_none(),
                    "accessible",
                    "only with quantity",
                );
                v.check(self.category.is_none(), "category", "only with quantity");
                Some(Selection::Seats(seats))
            }
            (None, Some(quantity)) => {
                v.check(
                    (1..=MAX_HOLD_SEATS as u32).contains(&quantity),
                    "quantity",
                    format!("must be between 1 and {MAX_HOLD_SEATS}"),
                );
                let accessible = self.accessible.unwrap_or(0);
                v.check(
                    accessible <= quantity,
                    "accessible",
                    "cannot exceed quantity",
                );
                Some(Selection::Quantity {
                    quantity,
                    category: self.category.as_deref(),
                    accessible,
                })
            }
        };
        v.finish()?;
        selection
            .ok_or_else(|| Error::invalid("seats", "name the seats to hold, or send a quantity"))
    }
}

/// A price line of a hold.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriceLine {
    /// The seat, on seated events.
    pub seat: Option<String>,
    pub category: String,
    pub quantity: u32,
    /// Price of one seat or place, locked until the hold expires.
    pub unit_price: Money,
    pub amount: Money,
}

/// A hold as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HoldView {
    pub id: String,
    pub event_id: String,
    /// Held seats (empty for general admission).
    pub seats: Vec<String>,
    /// Seats or places held.
    pub quantity: u32,
    pub prices: Vec<PriceLine>,
    pub total: Money,
    /// The segment, on travel events with stops.
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The latest `expires_at` extensions can reach.
    #[serde(with = "time::serde::rfc3339")]
    pub max_expires_at: OffsetDateTime,
}

pub use crate::clock::at_ms;

impl HoldView {
    /// The view of a record; `stops` names the segment's ends on travel events.
    pub fn from_record(record: &HoldRecord, stops: &[String]) -> HoldView {
        let money = |minor: i64| Money::new(minor, &record.currency);
        let prices: Vec<PriceLine> = record
            .lines
            .iter()
            .map(|l: &QuoteLine| PriceLine {
                seat: l.seat.clone(),
                category: l.category.clone(),
                quantity: l.quantity,
                unit_price: money(l.unit_minor),
                amount: money(l.unit_minor * i64::from(l.quantity)),
            })
            .collect();
        let total = record
            .lines
            .iter()
            .map(|l| l.unit_minor * i64::from(l.quantity))
            .sum();
        let segment = stops.len() > 2;
        HoldView {
            id: record.id.clone(),
            event_id: record.event_id.clone(),
            seats: record.seats.clone(),
            quantity: record.lines.iter().map(|l| l.quantity).sum(),
            prices,
            total: money(total),
            from: segment
                .then(|| stops.get(record.from_leg as usize).cloned())
                .flatten(),
            to: segment
                .then(|| stops.get(record.to_leg as usize).cloned())
                .flatten(),
            created_at: at_ms(record.created_at_ms),
            expires_at: at_ms(record.expires_at_ms),
            max_expires_at: at_ms(record.max_expires_at_ms),
        }
    }
}


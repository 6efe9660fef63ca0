//! What a client asks to hold, and the hold it gets back.

use super::hold_store::{HoldRecord, QuoteLine};
use crate::error::{Error, Validator};
use crate::money::Money;
use serde::{Deserialize, Serialize, Serializer};
use std::sync::Arc;
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
                amount: money(l.amount_minor()),
            })
            .collect();
        let stop = |leg| record.segment_stop(stops, leg).map(str::to_string);
        HoldView {
            id: record.id.clone(),
            event_id: record.event_id.clone(),
            seats: record.seats.clone(),
            quantity: record.quantity(),
            prices,
            total: money(record.total_minor()),
            from: stop(record.from_leg),
            to: stop(record.to_leg),
            created_at: at_ms(record.created_at_ms),
            expires_at: at_ms(record.expires_at_ms),
            max_expires_at: at_ms(record.max_expires_at_ms),
        }
    }
}

/// A hold just taken, answered as its [`HoldView`]: the same JSON, written from the record
/// itself. A view copies every string of the record (its ids, each seat, each line's seat,
/// category and two currencies, and the total's): a dozen allocations for a hold of two
/// seats, made and freed on every hold.
#[derive(Debug, Clone)]
pub struct Held {
    record: Arc<HoldRecord>,
    /// The event's stops, only on travel events with intermediate stops.
    stops: Vec<String>,
}

impl Held {
    /// The hold of `record`; `stops` names the segment's ends on travel events.
    pub fn new(record: Arc<HoldRecord>, stops: Vec<String>) -> Held {
        Held { record, stops }
    }

    /// The hold's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The hold as a [`HoldView`].
    pub fn view(&self) -> HoldView {
        HoldView::from_record(&self.record, &self.stops)
    }
}

/// [`HoldView`]'s fields, in its order, borrowed from the record.
#[derive(Serialize)]
struct HoldOut<'a> {
    id: &'a str,
    event_id: &'a str,
    seats: &'a [String],
    quantity: u32,
    prices: PricesOut<'a>,
    total: MoneyOut<'a>,
    from: Option<&'a str>,
    to: Option<&'a str>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    max_expires_at: OffsetDateTime,
}

/// [`PriceLine`]'s fields, in its order.
#[derive(Serialize)]
struct PriceOut<'a> {
    seat: Option<&'a str>,
    category: &'a str,
    quantity: u32,
    unit_price: MoneyOut<'a>,
    amount: MoneyOut<'a>,
}

/// [`Money`]'s fields, in its order.
#[derive(Serialize)]
struct MoneyOut<'a> {
    amount_minor: i64,
    currency: &'a str,
}

/// A hold's price lines, as [`PriceOut`]s.
struct PricesOut<'a> {
    lines: &'a [QuoteLine],
    currency: &'a str,
}

impl Serialize for PricesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let money = |amount_minor: i64| MoneyOut {
            amount_minor,
            currency: self.currency,
        };
        serializer.collect_seq(self.lines.iter().map(|l| PriceOut {
            seat: l.seat.as_deref(),
            category: &l.category,
            quantity: l.quantity,
            unit_price: money(l.unit_minor),
            amount: money(l.amount_minor()),
        }))
    }
}

impl Serialize for Held {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (record, stops) = (&*self.record, &self.stops);
        HoldOut {
            id: &record.id,
            event_id: &record.event_id,
            seats: &record.seats,
            quantity: record.quantity(),
            prices: PricesOut {
                lines: &record.lines,
                currency: &record.currency,
            },
            total: MoneyOut {
                amount_minor: record.total_minor(),
                currency: &record.currency,
            },
            from: record.segment_stop(stops, record.from_leg),
            to: record.segment_stop(stops, record.to_leg),
            created_at: at_ms(record.created_at_ms),
            expires_at: at_ms(record.expires_at_ms),
            max_expires_at: at_ms(record.max_expires_at_ms),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::hold_record::hold;
    use crate::inventory::hold_store::HoldState;

    /// A hold just taken is answered with exactly the JSON of its view, for seats, places,
    /// segments of a route with stops, and a route without intermediate ones.
    #[test]
    fn a_held_hold_writes_the_json_of_its_view() {
        let mut seated = hold(HoldState::Live, None);
        seated.seats = vec!["A-1".into(), "A-2".into()];
        seated.lines = ["A-1", "A-2"]
            .iter()
            .map(|seat| QuoteLine {
                seat: Some((*seat).into()),
                category: "stalls \"front\"".into(),
                quantity: 1,
                unit_minor: 4_250,
            })
            .collect();
        seated.created_at_ms = 1_800_000_000_123;
        seated.expires_at_ms = seated.created_at_ms + 600_000;
        seated.max_expires_at_ms = seated.created_at_ms + 1_800_000;
        let mut places = seated.clone();
        places.seats = Vec::new();
        places.lines = vec![QuoteLine {
            seat: None,
            category: "standing".into(),
            quantity: 3,
            unit_minor: 1_999,
        }];
        let mut travel = seated.clone();
        (travel.from_leg, travel.to_leg) = (1, 3);
        let stops: Vec<String> = ["Oslo", "Hamar", "Lillehammer", "Otta"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let two_stops = vec!["Oslo".to_string(), "Bergen".to_string()];
        for (record, stops) in [
            (seated, Vec::new()),
            (places, Vec::new()),
            (travel.clone(), stops),
            (travel, two_stops),
        ] {
            let held = Held::new(Arc::new(record), stops);
            let written = serde_json::to_string(&held).unwrap();
            assert_eq!(written, serde_json::to_string(&held.view()).unwrap());
        }
    }
}

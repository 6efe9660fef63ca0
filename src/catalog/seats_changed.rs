//! The `seats-changed` message: an event's seats were held, released, sold, refunded or
//! repriced at the base, so its prices may move. One type for every producer (the inventory
//! relay, a refund, a base-price edit) and the consumer (pricing), which recounts from the
//! live index and reads only the event and the reason; the rest is for whoever reads the
//! job (the console, tests). Payloads stored before this type existed read as it: the
//! relay's carried no reason (it means [`Reason::Seats`]), the others no sequence.

use super::counts::Availability;
use crate::jobs::{JobKind, message::Message};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The payload of a `seats-changed` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatsChanged {
    pub event_id: String,
    /// Why the prices may move; recorded as the cause of a price change.
    #[serde(default, skip_serializing_if = "Reason::is_seats")]
    pub reason: Reason,
    /// The refunded booking, for [`Reason::Refund`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
    /// The event's change sequence, from the relay: a consumer ignores a payload older than
    /// one it has seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Counts per category at `seq`, from the relay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<BTreeMap<String, Availability>>,
    /// When the relay counted them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<i64>,
}

/// What changed an event's seats or their base.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// A sold booking was cancelled and refunded: its seats are free again.
    #[serde(rename = "refund")]
    Refund,
    /// An admin changed the base prices.
    #[serde(rename = "base-price")]
    BasePrice,
    /// Seats were held, released, sold or blocked (the relay's changes); also what a reason
    /// of no known name reads as, since pricing recounts from the live index whatever the
    /// payload says.
    #[default]
    #[serde(rename = "seats-changed", other)]
    Seats,
}

impl Reason {
    /// The stored name, also the cause of the price change it leads to.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Seats => "seats-changed",
            Reason::Refund => "refund",
            Reason::BasePrice => "base-price",
        }
    }

    fn is_seats(&self) -> bool {
        *self == Reason::Seats
    }
}

impl Message for SeatsChanged {
    const KIND: JobKind = JobKind::SeatsChanged;
}

impl SeatsChanged {
    /// The relay's message: the event's counts per category at its change sequence `seq`.
    pub fn counted(
        event_id: &str,
        seq: u64,
        categories: BTreeMap<String, Availability>,
        at_ms: i64,
    ) -> SeatsChanged {
        SeatsChanged {
            seq: Some(seq),
            categories: Some(categories),
            at_ms: Some(at_ms),
            ..SeatsChanged::new(event_id, Reason::Seats)
        }
    }

    /// A refund's message: `booking_id`'s seats are free again.
    pub fn refund(event_id: &str, booking_id: &str) -> SeatsChanged {
        SeatsChanged {
            booking_id: Some(booking_id.to_string()),
            ..SeatsChanged::new(event_id, Reason::Refund)
        }
    }

    /// A base-price edit's message.
    pub fn base_price(event_id: &str) -> SeatsChanged {
        SeatsChanged::new(event_id, Reason::BasePrice)
    }

    fn new(event_id: &str, reason: Reason) -> SeatsChanged {
        SeatsChanged {
            event_id: event_id.to_string(),
            reason,
            booking_id: None,
            seq: None,
            categories: None,
            at_ms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Availability, Reason, SeatsChanged};
    use std::collections::BTreeMap;

    fn read(stored: &str) -> SeatsChanged {
        serde_json::from_str(stored).expect("reads")
    }

    #[test]
    fn what_each_producer_writes_pricing_reads() {
        let counts = Availability {
            total: 20,
            available: 18,
            held: 2,
            ..Availability::default()
        };
        for message in [
            SeatsChanged::counted("evt_1", 7, BTreeMap::from([("standard".into(), counts)]), 5),
            SeatsChanged::refund("evt_1", "bkg_2"),
            SeatsChanged::base_price("evt_1"),
        ] {
            let stored = serde_json::to_string(&message).expect("writes");
            assert_eq!(read(&stored), message, "{stored}");
        }
    }

    /// The three producers wrote two shapes before the type; rows of both may wait in a
    /// data dir across an upgrade, and what they write now is the JSON they wrote then.
    #[test]
    fn payloads_stored_before_the_type_still_read() {
        let relay = r#"{"event_id":"evt_1","seq":7,"categories":{"standard":{"total":20,"available":18,"held":2,"sold":0,"blocked":0}},"at_ms":5}"#;
        let refund = r#"{"booking_id":"bkg_2","event_id":"evt_1","reason":"refund"}"#;
        let base = r#"{"event_id":"evt_1","reason":"base-price"}"#;
        let read_relay = read(relay);
        assert_eq!(read_relay.reason, Reason::Seats);
        assert_eq!(read_relay.seq, Some(7));
        assert_eq!(read(refund).reason, Reason::Refund);
        assert_eq!(read(refund).booking_id.as_deref(), Some("bkg_2"));
        assert_eq!(read(base).reason, Reason::BasePrice);
        assert_eq!(serde_json::to_string(&read(relay)).expect("writes"), relay);
        for stored in [relay, refund, base] {
            let json = |s: &str| serde_json::from_str::<serde_json::Value>(s).expect("json");
            let written = serde_json::to_string(&read(stored)).expect("writes");
            assert_eq!(json(&written), json(stored));
        }
        assert_eq!(Reason::Seats.as_str(), "seats-changed");
        let forged = read(r#"{"event_id":"evt_1","seq":1,"reason":"forged"}"#);
        assert_eq!(forged.reason, Reason::Seats);
    }
}

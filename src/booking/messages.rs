//! The messages a booking's life sends through the job queue: one type per kind, written by
//! the saga, expiry and cancellation in the transaction that changes the booking and read by
//! the notifier (and, for `cancel-event`, by the cancellation itself). Field names and
//! shapes are the JSON these jobs always carried, so rows queued before an upgrade still read.

use super::repo::{BookingRow, ItemRow, TicketRow};
use crate::jobs::{JobKind, message::Message};
use serde::{Deserialize, Serialize};

/// The booking a follow-up is about: what every booking email shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRef {
    pub booking_id: String,
    pub event_id: String,
    /// `None` for a walk-in who gave no email: nobody to write to.
    pub customer_email: Option<String>,
    /// The labels of its reserved seats (none for general admission).
    pub seats: Vec<String>,
}

impl BookingRef {
    /// The booking with its items' seats.
    pub fn of(b: &BookingRow, items: &[ItemRow]) -> BookingRef {
        BookingRef {
            booking_id: b.id.clone(),
            event_id: b.event_id.clone(),
            customer_email: b.customer_email.clone(),
            seats: items.iter().filter_map(|i| i.seat_label.clone()).collect(),
        }
    }
}

/// `payment-succeeded`: the booking is paid and confirmed; its tickets go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSucceeded {
    #[serde(flatten)]
    pub booking: BookingRef,
    pub total_minor: i64,
    pub currency: String,
    pub payment_id: String,
    /// The tickets, when the message carries them: a resend's, and every job queued before
    /// the saga stopped writing them. `None`: the notifier reads the booking's tickets, as
    /// the confirmation issued them, in the trip that reads its event. Their codes were
    /// about 800 bytes of a job row written three times (queued, claimed, done) in a flows
    /// rush, while the same codes sit in the tickets the same commit wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickets: Option<Vec<TicketLine>>,
}

/// One ticket of a confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketLine {
    pub id: String,
    pub seat: Option<String>,
    pub category: String,
    /// What the door scans.
    pub code: String,
}

impl TicketLine {
    /// A ticket as a confirmation lists it.
    pub fn of(t: &TicketRow) -> TicketLine {
        TicketLine {
            id: t.id.clone(),
            seat: t.seat_label.clone(),
            category: t.category.clone(),
            code: t.code.clone(),
        }
    }
}

impl PaymentSucceeded {
    /// The confirmation of a paid booking, with its live (not void) tickets.
    pub fn of(
        b: &BookingRow,
        items: &[ItemRow],
        payment_id: &str,
        tickets: &[TicketRow],
    ) -> PaymentSucceeded {
        PaymentSucceeded {
            tickets: Some(
                tickets
                    .iter()
                    .filter(|t| !t.void)
                    .map(TicketLine::of)
                    .collect(),
            ),
            ..PaymentSucceeded::announcing(b, items, payment_id)
        }
    }

    /// The confirmation the saga enqueues as it issues the tickets: without them, for the
    /// notifier to read from the store.
    pub fn announcing(b: &BookingRow, items: &[ItemRow], payment_id: &str) -> PaymentSucceeded {
        PaymentSucceeded {
            booking: BookingRef::of(b, items),
            total_minor: b.total_minor,
            currency: b.currency.clone(),
            payment_id: payment_id.to_string(),
            tickets: None,
        }
    }
}

/// The reason code of a payment that came too late: its seats were sold on or its booking
/// cancelled meanwhile, so it was refunded.
pub const SEATS_UNAVAILABLE: &str = "seats_unavailable";

/// `payment-failed`: a payment did not go through, or came too late and was refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFailed {
    #[serde(flatten)]
    pub booking: BookingRef,
    pub total_minor: i64,
    pub currency: String,
    /// A reason code (`card_declined`, `provider_timeout`, `gateway_no_answer`,
    /// [`SEATS_UNAVAILABLE`]) or a gateway's own words; the email decides how to tell it.
    pub reason: String,
    /// The payment went through after all and was refunded.
    pub refunded: bool,
    /// What was refunded, when `refunded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_minor: Option<i64>,
}

impl PaymentFailed {
    /// A failed payment of `b`: nothing was charged, or so far as we know.
    pub fn failed(b: &BookingRow, items: &[ItemRow], reason: &str) -> PaymentFailed {
        PaymentFailed {
            booking: BookingRef::of(b, items),
            total_minor: b.total_minor,
            currency: b.currency.clone(),
            reason: reason.to_string(),
            refunded: false,
            refund_minor: None,
        }
    }

    /// A payment that came too late and was refunded `refund_minor`.
    pub fn refunded(
        b: &BookingRow,
        items: &[ItemRow],
        reason: &str,
        refund_minor: i64,
    ) -> PaymentFailed {
        PaymentFailed {
            refunded: true,
            refund_minor: Some(refund_minor),
            ..PaymentFailed::failed(b, items, reason)
        }
    }
}

/// `booking-expired`: a pending booking was not paid in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingExpired {
    #[serde(flatten)]
    pub booking: BookingRef,
}

/// `booking-cancelled`: a booking was cancelled, and refunded if it was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingCancelled {
    #[serde(flatten)]
    pub booking: BookingRef,
    /// `None` for a booking that was never paid.
    pub refund_minor: Option<i64>,
    pub currency: String,
    pub reason: String,
}

/// `cancel-event`: an event's cancellation, to be finished by a worker if its request is
/// cut off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelEvent {
    pub event_id: String,
    /// The admin's user id, or `recovery` for one found unfinished at start-up.
    pub by: String,
}

/// `event-cancelled`: tell everyone who booked or held seats of a cancelled event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCancelled {
    pub event_id: String,
    pub name: String,
    /// Unix milliseconds.
    pub starts_at: i64,
    pub holders: Vec<Holder>,
}

/// Whom an event's cancellation tells: a booking's customer (with its refund), or a
/// customer who only held seats (no booking, no refund).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub booking_id: Option<String>,
    pub customer_email: String,
    pub refund_minor: Option<i64>,
    pub currency: Option<String>,
}

impl Message for PaymentSucceeded {
    const KIND: JobKind = JobKind::PaymentSucceeded;
}
impl Message for PaymentFailed {
    const KIND: JobKind = JobKind::PaymentFailed;
}
impl Message for BookingExpired {
    const KIND: JobKind = JobKind::BookingExpired;
}
impl Message for BookingCancelled {
    const KIND: JobKind = JobKind::BookingCancelled;
}
impl Message for CancelEvent {
    const KIND: JobKind = JobKind::CancelEvent;
}
impl Message for EventCancelled {
    const KIND: JobKind = JobKind::EventCancelled;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::message::reads_back;
    use serde_json::{Value, json};

    fn booking() -> BookingRef {
        BookingRef {
            booking_id: "bkg_1".into(),
            event_id: "evt_1".into(),
            customer_email: Some("alice@example.com".into()),
            seats: vec!["A-1".into(), "A-2".into()],
        }
    }

    fn booking_json() -> Value {
        json!({"booking_id": "bkg_1", "event_id": "evt_1",
               "customer_email": "alice@example.com", "seats": ["A-1", "A-2"]})
    }

    fn with(mut base: Value, more: Value) -> Value {
        for (k, v) in more.as_object().expect("object") {
            base[k] = v.clone();
        }
        base
    }

    #[test]
    fn what_the_saga_writes_the_notifier_reads_and_old_rows_still_read() {
        reads_back(
            PaymentSucceeded {
                booking: booking(),
                total_minor: 150_000,
                currency: "INR".into(),
                payment_id: "pay_1".into(),
                tickets: Some(vec![TicketLine {
                    id: "tkt_1".into(),
                    seat: None,
                    category: "standard".into(),
                    code: "RZ1.x.y".into(),
                }]),
            },
            with(
                booking_json(),
                json!({"total_minor": 150_000, "currency": "INR", "payment_id": "pay_1",
                       "tickets": [{"id": "tkt_1", "seat": null, "category": "standard", "code": "RZ1.x.y"}]}),
            ),
        );
        // What the saga writes now: no tickets, for the notifier to read.
        reads_back(
            PaymentSucceeded {
                booking: booking(),
                total_minor: 150_000,
                currency: "INR".into(),
                payment_id: "pay_1".into(),
                tickets: None,
            },
            with(
                booking_json(),
                json!({"total_minor": 150_000, "currency": "INR", "payment_id": "pay_1"}),
            ),
        );
        let failed = PaymentFailed {
            booking: booking(),
            total_minor: 150_000,
            currency: "INR".into(),
            reason: "card_declined".into(),
            refunded: false,
            refund_minor: None,
        };
        reads_back(
            failed.clone(),
            with(
                booking_json(),
                json!({"total_minor": 150_000, "currency": "INR", "reason": "card_declined", "refunded": false}),
            ),
        );
        reads_back(
            PaymentFailed {
                refunded: true,
                refund_minor: Some(150_000),
                ..failed
            },
            with(
                booking_json(),
                json!({"total_minor": 150_000, "currency": "INR", "reason": "card_declined",
                       "refunded": true, "refund_minor": 150_000}),
            ),
        );
        reads_back(BookingExpired { booking: booking() }, booking_json());
        reads_back(
            BookingCancelled {
                booking: booking(),
                refund_minor: None,
                currency: "INR".into(),
                reason: "cancelled by the customer".into(),
            },
            with(
                booking_json(),
                json!({"refund_minor": null, "currency": "INR", "reason": "cancelled by the customer"}),
            ),
        );
        reads_back(
            CancelEvent {
                event_id: "evt_1".into(),
                by: "recovery".into(),
            },
            json!({"event_id": "evt_1", "by": "recovery"}),
        );
        reads_back(
            EventCancelled {
                event_id: "evt_1".into(),
                name: "Concert".into(),
                starts_at: 1_799_586_000,
                holders: vec![
                    Holder {
                        booking_id: Some("bkg_1".into()),
                        customer_email: "alice@example.com".into(),
                        refund_minor: Some(150_000),
                        currency: Some("INR".into()),
                    },
                    Holder {
                        booking_id: None,
                        customer_email: "bob@example.com".into(),
                        refund_minor: None,
                        currency: None,
                    },
                ],
            },
            json!({"event_id": "evt_1", "name": "Concert", "starts_at": 1_799_586_000, "holders": [
                {"booking_id": "bkg_1", "customer_email": "alice@example.com", "refund_minor": 150_000, "currency": "INR"},
                {"booking_id": null, "customer_email": "bob@example.com", "refund_minor": null, "currency": null},
            ]}),
        );
    }
}

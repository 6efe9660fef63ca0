//! A booking and its tickets as the API shows them: rows turned into views (money with its
//! currency, times as RFC 3339, a ticket's status from its void and check-in marks).

use super::repo::{BookingRow, ItemRow, TicketRow};
use super::state::BookingStatus;
use crate::inventory::hold::{PriceLine, at_ms};
use crate::money::Money;
use serde::Serialize;
use time::OffsetDateTime;

/// A booking as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BookingView {
    pub id: String,
    pub event_id: String,
    pub hold_id: String,
    pub status: BookingStatus,
    /// Why it is in this status, when that is not obvious (e.g. `payment_declined`).
    pub status_reason: Option<String>,
    /// Where the tickets and emails go; `null` for a walk-in sold at the box office who
    /// gave no email.
    pub customer_email: Option<String>,
    /// Seats booked (empty for general admission).
    pub seats: Vec<String>,
    /// The price snapshot from the hold.
    pub items: Vec<PriceLine>,
    pub total: Money,
    /// Stop indices of the segment (0 and 1 on venue events).
    pub from_stop: u16,
    pub to_stop: u16,
    /// The stop the segment starts at, on travel events with stops (as in holds).
    pub from: Option<String>,
    /// The stop the segment ends at, on travel events with stops.
    pub to: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

crate::store::text_enum::text_enum! {
    /// A ticket's state at the door, from its void and check-in marks (not stored as text).
    pub enum TicketStatus {
        /// Not used yet: it admits one entry.
        Valid = "valid",
        /// Used: it admitted its holder once.
        CheckedIn = "checked_in",
        /// Its booking was cancelled or refunded.
        Void = "void",
    }
}

/// A ticket as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketView {
    pub id: String,
    pub booking_id: String,
    pub event_id: String,
    pub seat: Option<String>,
    pub category: String,
    /// The signed code to render as a QR code.
    pub code: String,
    /// `valid`, `checked_in` or `void`.
    #[schema(value_type = String)]
    pub status: TicketStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_in_at: Option<OffsetDateTime>,
    /// The stop the ticket's segment starts at, on travel events with stops.
    pub from: Option<String>,
    /// The stop the ticket's segment ends at, on travel events with stops.
    pub to: Option<String>,
    #[serde(skip)]
    pub legs: (u16, u16),
}

impl From<TicketRow> for TicketView {
    fn from(t: TicketRow) -> Self {
        let status = if t.void {
            TicketStatus::Void
        } else if t.checked_in_at_ms.is_some() {
            TicketStatus::CheckedIn
        } else {
            TicketStatus::Valid
        };
        TicketView {
            status,
            checked_in_at: t.checked_in_at_ms.map(at_ms),
            from: None,
            to: None,
            legs: (t.from_leg, t.to_leg),
            id: t.id,
            booking_id: t.booking_id,
            event_id: t.event_id,
            seat: t.seat_label,
            category: t.category,
            code: t.code,
        }
    }
}

/// The view of a booking row and its items.
pub fn view(b: &BookingRow, items: &[ItemRow]) -> BookingView {
    let money = |minor: i64| Money::new(minor, &b.currency);
    BookingView {
        id: b.id.clone(),
        event_id: b.event_id.clone(),
        hold_id: b.hold_id.clone(),
        status: b.status,
        status_reason: b.status_reason.clone(),
        customer_email: b.customer_email.clone(),
        seats: items.iter().filter_map(|i| i.seat_label.clone()).collect(),
        items: items
            .iter()
            .map(|i| PriceLine {
                seat: i.seat_label.clone(),
                category: i.category.clone(),
                quantity: i.quantity,
                unit_price: money(i.unit_minor),
                amount: money(i.unit_minor * i64::from(i.quantity)),
            })
            .collect(),
        total: money(b.total_minor),
        from_stop: b.from_leg,
        to_stop: b.to_leg,
        from: None,
        to: None,
        expires_at: at_ms(b.expires_at_ms),
        created_at: at_ms(b.created_at_ms),
        updated_at: at_ms(b.updated_at_ms),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_ticket_status_reads_back_as_written() {
        crate::store::text_enum::assert_reads_back(super::TicketStatus::ALL);
    }
}

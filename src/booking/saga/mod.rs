//! Paying: hold → book → pay → confirm, with compensation.
//!
//! Order of a confirmation: the inventory first turns the hold into sold seats (redb,
//! durable), then one SQLite transaction confirms the booking, issues its tickets and
//! enqueues the follow-up jobs. A crash between the two leaves seats that the restarted
//! index (rebuilt from tickets) sees as free and a booking still pending, which expires —
//! never a confirmation that was acknowledged and then lost, never a seat sold twice (the
//! unique index on live ticket-legs refuses that even if the code were wrong).

mod late_refund;
mod pay;
mod settle;
mod webhook_intake;

use super::BookingView;
use super::repo::BookingRow;
use super::state::BookingStatus;
use crate::error::Error;
use crate::jobs::Cause;
use crate::jobs::message::{self, Message};
use crate::payment::repo::PaymentRow;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// A payment request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// `test` (card simulator), `cash` (staff only) or `webhook` (a real gateway).
    pub method: String,
    /// Must equal the booking's total.
    pub amount_minor: i64,
    /// Defaults to the booking's currency; must equal it.
    #[serde(default)]
    pub currency: Option<String>,
    /// `test` only: 4242424242424242 succeeds, 4000000000000002 is declined,
    /// 4000000000009995 never answers.
    #[serde(default)]
    pub card_number: Option<String>,
}

/// A payment and the booking it moved.
#[derive(Debug, Clone)]
pub struct PaymentOutcome {
    pub payment: PaymentRow,
    pub booking: BookingView,
}

/// What paying did; the HTTP layer answers 201 for one and 202 for the other.
#[derive(Debug, Clone)]
pub enum Paid {
    /// The payment went through: the booking is confirmed and its tickets issued.
    Confirmed(PaymentOutcome),
    /// A gateway took the payment and will call back; the booking waits for it.
    Pending(PaymentOutcome),
}

/// A gateway's callback body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct WebhookCallback {
    /// The gateway's id for this callback: the same id twice is applied once.
    pub event_id: String,
    pub payment_id: String,
    /// `succeeded` or `declined`.
    #[schema(value_type = String)]
    pub status: crate::payment::webhook::CallbackStatus,
    #[serde(default)]
    pub reason: Option<String>,
}

crate::store::text_enum::text_enum! {
    /// What a callback did to its payment.
    pub enum WebhookOutcome {
        /// The payment was settled as the callback says.
        Applied = "applied",
        /// This callback was seen before; nothing changed.
        Duplicate = "duplicate",
        /// The payment had been settled; nothing changed.
        AlreadySettled = "already_settled",
    }
}

/// What a callback did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookResult {
    /// `applied`, `duplicate` or `already_settled`.
    #[schema(value_type = String)]
    pub result: WebhookOutcome,
    pub booking_status: Option<BookingStatus>,
}

/// Enqueues a follow-up job in the caller's transaction, once per (kind, booking, tag).
pub(super) fn follow_up<M: Message>(
    conn: &Connection,
    b: &BookingRow,
    tag: &str,
    message: &M,
    now_ms: i64,
) -> Result<(), Error> {
    message::enqueue(
        conn,
        message,
        Some(format!("{}:{}:{tag}", M::KIND.as_str(), b.id)),
        Cause::Booking(b.id.clone()).to_string(),
        now_ms,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_webhook_outcome_reads_back_as_written() {
        crate::store::text_enum::assert_reads_back(super::WebhookOutcome::ALL);
    }
}

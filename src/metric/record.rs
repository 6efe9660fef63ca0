//! Typed recording functions: what the domains call, one line at each call site, once the
//! change they report has committed (never from inside a transaction that may still roll
//! back). Label values come from closed sets here, so a caller cannot mint new series.

use super::names::*;
use crate::error::{Conflict, Error};
use metrics::{counter, histogram};
use std::time::Duration;

/// How a booking ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingOutcome {
    Confirmed,
    Failed,
    Expired,
    Cancelled,
    Refunded,
}

impl BookingOutcome {
    /// Every outcome, so each series exists (at 0) before the first booking ends.
    pub const ALL: [BookingOutcome; 5] = [
        BookingOutcome::Confirmed,
        BookingOutcome::Failed,
        BookingOutcome::Expired,
        BookingOutcome::Cancelled,
        BookingOutcome::Refunded,
    ];

    fn label(self) -> &'static str {
        match self {
            BookingOutcome::Confirmed => "confirmed",
            BookingOutcome::Failed => "failed",
            BookingOutcome::Expired => "expired",
            BookingOutcome::Cancelled => "cancelled",
            BookingOutcome::Refunded => "refunded",
        }
    }
}

/// `n` bookings ended this way.
pub fn bookings_ended(outcome: BookingOutcome, n: usize) {
    counter!(BOOKING_OUTCOMES_TOTAL, "outcome" => outcome.label()).increment(n as u64);
}

/// A booking was confirmed: `seats` sold, `flow` after its hold was taken (unknown when it
/// was paid after the hold had gone).
pub fn booking_confirmed(seats: u64, flow: Option<Duration>) {
    bookings_ended(BookingOutcome::Confirmed, 1);
    counter!(BOOKING_SEATS_SOLD_TOTAL).increment(seats);
    if let Some(flow) = flow {
        histogram!(BOOKING_FLOW_SECONDS).record(flow.as_secs_f64());
    }
}

/// A payment's outcome as the metrics see it. The payment domain implements it for its
/// status, so this leaf module names no domain type.
pub trait PaymentOutcome {
    /// The `outcome` label: `succeeded`, `declined` or `failed`.
    fn label(&self) -> &'static str;
    /// Whether the money was taken (it then counts as revenue).
    fn took_the_money(&self) -> bool;
}

/// A payment settled as `outcome` (succeeded, declined or failed); a succeeded one adds its
/// amount to the revenue.
pub fn payment_settled(
    method: &str,
    outcome: impl PaymentOutcome,
    amount_minor: i64,
    currency: &str,
) {
    counter!(PAYMENT_OUTCOMES_TOTAL,
        "method" => payment_method(method), "outcome" => outcome.label())
    .increment(1);
    if outcome.took_the_money() {
        counter!(PAYMENT_REVENUE_MINOR_TOTAL, "currency" => currency_label(currency))
            .increment(amount_minor.max(0) as u64);
    }
}

/// Money went back to a customer.
pub fn refunded(amount_minor: i64, currency: &str) {
    counter!(PAYMENT_REFUNDS_MINOR_TOTAL, "currency" => currency_label(currency))
        .increment(amount_minor.max(0) as u64);
}

/// A gateway callback was answered: `Ok` with the saga's result, or the error it got.
/// `outcome` names what an answered callback did (`applied`, `duplicate`, `already_settled`:
/// the saga's closed set).
pub fn webhook<T>(result: &Result<T, Error>, outcome: impl Fn(&T) -> &'static str) {
    let outcome = match result {
        Ok(answer) => outcome(answer),
        Err(Error::InvalidSignature) => "bad_signature",
        Err(Error::Validation(_)) => "invalid",
        Err(Error::NotFound(_)) => "unknown_payment",
        Err(_) => "error",
    };
    counter!(PAYMENT_WEBHOOKS_TOTAL, "outcome" => outcome).increment(1);
}

/// A door scan was answered.
pub fn check_in<T>(result: &Result<T, Error>) {
    let reason = match result {
        Ok(_) => {
            counter!(CHECKIN_ADMITTED_TOTAL).increment(1);
            return;
        }
        Err(Error::TicketInvalid) => "invalid_code",
        Err(Error::Conflict(Conflict::WrongEvent)) => "wrong_event",
        Err(Error::Conflict(Conflict::TicketVoid)) => "ticket_void",
        Err(Error::Conflict(Conflict::AlreadyCheckedIn { .. } | Conflict::CheckedInMeanwhile)) => {
            "already_checked_in"
        }
        Err(_) => "error",
    };
    counter!(CHECKIN_REFUSED_TOTAL, "reason" => reason).increment(1);
}

/// `n` category prices moved.
pub fn prices_changed(n: usize) {
    if n > 0 {
        counter!(PRICING_CHANGES_TOTAL).increment(n as u64);
    }
}

/// One email delivery attempt: `outcome` is what the log now says (`sent`, `failed`,
/// `dead`); `kind` is the email's kind as a label (`EmailKind::label`).
pub fn email_attempt(kind: &'static str, outcome: &'static str) {
    counter!(NOTIFY_EMAILS_TOTAL, "kind" => kind, "outcome" => outcome).increment(1);
}

/// A worker ran a job of `kind` (a label: `JobKind::label`) for `took`; it is now `status`.
pub fn job_ran(kind: &'static str, status: &'static str, took: Duration) {
    counter!(JOBS_RUN_TOTAL, "kind" => kind, "status" => status).increment(1);
    histogram!(JOBS_RUN_SECONDS, "kind" => kind).record(took.as_secs_f64());
}

/// Makes the outcome series exist at 0, so `rate()` and alerts see them from the first
/// scrape rather than from the first booking.
pub fn register_zeros() {
    for outcome in BookingOutcome::ALL {
        bookings_ended(outcome, 0);
    }
    counter!(BOOKING_SEATS_SOLD_TOTAL).increment(0);
    counter!(CHECKIN_ADMITTED_TOTAL).increment(0);
    counter!(PRICING_CHANGES_TOTAL).increment(0);
}

/// Methods are the built-in providers' names; anything else is folded so a label cannot
/// grow.
fn payment_method(method: &str) -> &'static str {
    match method {
        "test" => "test",
        "cash" => "cash",
        "webhook" => "webhook",
        _ => "other",
    }
}

/// Currencies are validated ISO 4217 codes when events are created; this keeps the label
/// bounded even if one were not.
fn currency_label(currency: &str) -> String {
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        currency.to_string()
    } else {
        "other".to_string()
    }
}

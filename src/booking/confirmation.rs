//! What the booking-confirmed email is made from: the payload of the `payment-succeeded`
//! job the saga enqueues when a booking is paid (without its tickets: the notifier reads
//! them from the store), and the same payload rebuilt from the stored booking, tickets
//! included, when staff resend the confirmation on purpose.

use super::messages::PaymentSucceeded;
use super::repo;
use super::state::BookingStatus;
use crate::error::{Conflict, Error};
use rusqlite::Connection;

/// The payload again, for a confirmed booking only (the tickets of any other are void or
/// were never issued).
pub fn rebuild(conn: &Connection, booking_id: &str) -> Result<PaymentSucceeded, Error> {
    let b = repo::by_id(conn, booking_id)?.ok_or(Error::NotFound("booking"))?;
    if b.status != BookingStatus::Confirmed {
        return Err(Conflict::BookingNotConfirmed {
            status: b.status.as_str().replace('_', " "),
        }
        .into());
    }
    if b.customer_email.is_none() {
        return Err(Conflict::BookingHasNoEmail.into());
    }
    let items = repo::items(conn, booking_id)?;
    let tickets = repo::tickets(conn, booking_id)?;
    let payment = crate::payment::repo::succeeded_of(conn, booking_id)?
        .map(|p| p.id)
        .unwrap_or_default();
    Ok(PaymentSucceeded::of(&b, &items, &payment, &tickets))
}

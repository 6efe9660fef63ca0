//! Ending bookings early: cancellation (refunding what was paid), and recovery after a
//! crash. Running out of time is `expiry`. An admin's event cancellation, which cancels
//! many bookings through [`cancel_in`], is `event_cancel`.

use super::messages::{BookingCancelled, BookingRef, CancelEvent};
use super::repo::{self, BookingRow, ItemRow};
use super::saga::follow_up;
use super::state::BookingStatus;
use super::{BookingView, Bookings, lot, view};
use crate::auth::{Caller, Role};
use crate::catalog::history_repo::{self, NewSeatChange};
use crate::catalog::model::SeatStatus;
use crate::catalog::seats_changed::SeatsChanged;
use crate::error::{Conflict, Error};
use crate::jobs::{Cause, message};
use crate::metric::record::{self, BookingOutcome};
use crate::payment::PaymentStatus;
use crate::payment::repo::{insert_refund, succeeded_of};
use rusqlite::Connection;

/// What one booking's cancellation did, inside the transaction.
pub(super) struct Cancelled {
    pub(super) booking: BookingRow,
    pub(super) items: Vec<ItemRow>,
    pub(super) refund_minor: Option<i64>,
    /// Seats were sold (confirmed) and must be given back to the index.
    pub(super) was_sold: bool,
}

/// Cancels one booking in the caller's transaction: pending → cancelled; confirmed → its
/// payment refunded, tickets void, seats back on sale → refunded.
pub(super) fn cancel_in(
    conn: &Connection,
    b: &BookingRow,
    reason: &str,
    now_ms: i64,
) -> Result<Cancelled, Error> {
    let items = repo::items(conn, &b.id)?;
    match b.status {
        BookingStatus::PendingPayment => {
            if !repo::set_status(
                conn,
                &b.id,
                b.status,
                BookingStatus::Cancelled,
                Some(reason),
                now_ms,
            )? {
                return Err(Conflict::BookingChanged.into());
            }
            Ok(Cancelled {
                booking: b.clone(),
                items,
                refund_minor: None,
                was_sold: false,
            })
        }
        BookingStatus::Confirmed => {
            let refund = match succeeded_of(conn, &b.id)? {
                Some(payment) if payment.refund.is_none() => {
                    Some(insert_refund(conn, &payment, reason, now_ms)?.amount_minor)
                }
                _ => None,
            };
            if !repo::set_status(
                conn,
                &b.id,
                b.status,
                BookingStatus::Refunded,
                Some(reason),
                now_ms,
            )? {
                return Err(Conflict::BookingChanged.into());
            }
            repo::void_tickets(conn, &b.id)?;
            let seats: Vec<String> = items.iter().filter_map(|i| i.seat_label.clone()).collect();
            history_repo::record(
                conn,
                &NewSeatChange {
                    event_id: &b.event_id,
                    seats: &seats,
                    at_ms: now_ms,
                    from: SeatStatus::Sold,
                    to: SeatStatus::Available,
                    cause: &Cause::Booking(b.id.clone()).to_string(),
                    actor: None,
                    note: Some(reason),
                    source_key: None,
                },
            )?;
            // Pricing recounts from the live index when it handles this.
            message::enqueue(
                conn,
                &SeatsChanged::refund(&b.event_id, &b.id),
                Some(format!("seats-changed:{}:refund:{}", b.event_id, b.id)),
                Cause::Event(b.event_id.clone()).to_string(),
                now_ms,
            )?;
            Ok(Cancelled {
                booking: b.clone(),
                items,
                refund_minor: refund,
                was_sold: true,
            })
        }
        other => Err(Conflict::BookingNotCancellable {
            status: other.as_str(),
        }
        .into()),
    }
}

/// What cancelling an event would do right now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CancellationPreview {
    /// Confirmed bookings: each is cancelled and its payment refunded.
    pub paid_bookings: u64,
    /// Seats or places those bookings bought.
    pub places_sold: u64,
    /// What would be refunded, per currency: (currency, minor units).
    pub refunds: Vec<(String, i64)>,
    /// Bookings waiting for payment: each is cancelled, nothing to refund.
    pub unpaid_bookings: u64,
    /// Seats or places held right now (by carts and unpaid bookings); all are released.
    pub places_held: u64,
}

impl Cancelled {
    /// Counts the booking's end and its refund, once committed.
    pub(super) fn record(&self) {
        let outcome = if self.was_sold {
            BookingOutcome::Refunded
        } else {
            BookingOutcome::Cancelled
        };
        record::bookings_ended(outcome, 1);
        if let Some(minor) = self.refund_minor {
            record::refunded(minor, &self.booking.currency);
        }
    }
}

fn cancelled_message(c: &Cancelled, reason: &str) -> BookingCancelled {
    BookingCancelled {
        booking: BookingRef::of(&c.booking, &c.items),
        refund_minor: c.refund_minor,
        currency: c.booking.currency.clone(),
        reason: reason.to_string(),
    }
}

impl Bookings {
    /// Cancels a booking (its owner, or an admin). A paid booking is refunded and its seats
    /// go back on sale; an unpaid one releases its hold.
    pub async fn cancel(&self, caller: &Caller, id: &str) -> Result<BookingView, Error> {
        let (b, _) = self.load(id).await?;
        let owner = b.owner_id == caller.user_id;
        if !owner && caller.role != Role::Admin {
            return Err(if caller.may_see_all() {
                Error::Forbidden
            } else {
                Error::NotFound("booking")
            });
        }
        let now_ms = self.now_ms();
        let reason = if owner {
            "cancelled by the customer"
        } else {
            "cancelled by the box office"
        };
        let booking_id = b.id.clone();
        let done = self
            .db
            .write(move |conn| {
                let current = repo::by_id(conn, &booking_id)?.ok_or(Error::NotFound("booking"))?;
                let c = cancel_in(conn, &current, reason, now_ms)?;
                follow_up(
                    conn,
                    &c.booking,
                    "cancelled",
                    &cancelled_message(&c, reason),
                    now_ms,
                )?;
                let updated = repo::by_id(conn, &booking_id)?.ok_or(Error::NotFound("booking"))?;
                Ok((c, updated))
            })
            .await?;
        let (c, updated) = done;
        c.record();
        self.give_back(&c).await?;
        tracing::info!(booking_id = %updated.id, status = updated.status.as_str(), "booking cancelled");
        Ok(self.named(view(&updated, &c.items)))
    }

    pub(super) async fn give_back(&self, c: &Cancelled) -> Result<(), Error> {
        if c.was_sold {
            self.inventory.unsell(&lot(&c.booking, &c.items));
        } else {
            self.inventory
                .release_for_booking(&c.booking.hold_id)
                .await?;
        }
        Ok(())
    }

    /// What cancelling an event would do, for a person to confirm first: the paid bookings
    /// it would refund (and how much), the unpaid ones it would cancel, the seats held now.
    pub async fn cancellation_preview(&self, event_id: &str) -> Result<CancellationPreview, Error> {
        if !crate::ids::looks_like("evt", event_id) {
            return Err(Error::NotFound("event"));
        }
        let id = event_id.to_string();
        let rows = self
            .db
            .read(move |conn| super::summary_repo::live_bookings_of_event(conn, &id))
            .await?;
        let mut preview = CancellationPreview::default();
        for row in rows {
            if row.status == BookingStatus::Confirmed {
                preview.paid_bookings += row.bookings as u64;
                preview.places_sold += row.places as u64;
                preview.refunds.push((row.currency, row.total_minor));
            } else {
                preview.unpaid_bookings += row.bookings as u64;
            }
        }
        preview.places_held = self
            .inventory
            .availability(event_id)
            .unwrap_or_default()
            .iter()
            .map(|(_, a)| a.held)
            .sum();
        Ok(preview)
    }

    /// At start-up: synchronous payments a crash interrupted are failed (nothing was
    /// charged: the charge and its record commit together) and counted as failed payments,
    /// idempotency keys of requests it interrupted are freed for their retries, holds of
    /// confirmed bookings that outlived their confirmation are ended, and cancelled events
    /// that still have live bookings get a job that finishes their cancellation.
    pub async fn recover(&self) -> Result<(), Error> {
        let now_ms = self.now_ms();
        let failed = self
            .db
            .write(move |conn| {
                let mut failed = Vec::new();
                for p in crate::payment::repo::interrupted(conn)? {
                    let reason = Some("interrupted by a restart");
                    if crate::payment::repo::settle(
                        conn,
                        &p.id,
                        PaymentStatus::Failed,
                        reason,
                        now_ms,
                    )? {
                        failed.push(p);
                    }
                }
                crate::idempotency::abandon_unfinished(conn)?;
                Ok(failed)
            })
            .await?;
        for p in &failed {
            record::payment_settled(
                &p.method,
                PaymentStatus::Failed,
                p.amount_minor,
                &p.currency,
            );
        }
        let failed = failed.len();
        let confirmed = self.db.read(repo::confirmed_holds).await?;
        let settled = self.inventory.settle_booked_holds(&confirmed).await?;
        // A cancelled event with live bookings finishes its cancellation as a job.
        let resumed = self
            .db
            .write(move |conn| {
                let events = repo::half_cancelled_events(conn)?;
                for id in &events {
                    message::enqueue(
                        conn,
                        &CancelEvent {
                            event_id: id.clone(),
                            by: "recovery".into(),
                        },
                        None,
                        Cause::Event(id.clone()).to_string(),
                        now_ms,
                    )?;
                }
                Ok(events.len())
            })
            .await?;
        if failed + settled + resumed > 0 {
            tracing::warn!(
                interrupted_payments = failed,
                settled_holds = settled,
                resumed_event_cancellations = resumed,
                "recovered after a crash"
            );
        }
        Ok(())
    }
}

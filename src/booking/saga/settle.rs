//! Settling a payment: the money is in, so sell the seats and confirm (tickets, follow-up
//! jobs) in one write, or the payment failed, so fail the booking and free its seats. A
//! confirmation the store refuses turns into a late refund.

use super::{PaymentOutcome, follow_up};
use crate::booking::messages::{PaymentFailed, PaymentSucceeded};
use crate::booking::repo::{self, BookingRow, ItemRow, TicketRow};
use crate::booking::state::BookingStatus;
use crate::booking::tickets::TicketClaims;
use crate::booking::{Bookings, lot};
use crate::error::{Conflict, Error};
use crate::metric::record::{self, BookingOutcome};
use crate::payment::PaymentStatus;
use crate::payment::repo::{PaymentRow, fill_provider_ref, settle};

impl Bookings {
    /// The money is in: sell the seats and confirm — or, if the seats are gone, refund.
    pub(crate) async fn settle_success(
        &self,
        payment_id: &str,
        provider_ref: Option<String>,
    ) -> Result<(), Error> {
        let (payment, b, items) = self.payment_and_booking(payment_id).await?;
        self.settle_success_of(payment, b, items, provider_ref)
            .await
            .map(drop)
    }

    /// [`Self::settle_success`] for a payment whose rows the caller has just read or written
    /// (paying reads the booking and inserts the payment moments before): saves reading them
    /// back, twice per paid flow. The rows may be stale; the confirming write checks the
    /// booking's status again in its own transaction, and the payment settles only from
    /// `pending`. Returns the payment and booking as the confirmation committed them, or
    /// `None` when the money went back instead.
    pub(super) async fn settle_success_of(
        &self,
        payment: PaymentRow,
        b: BookingRow,
        items: Vec<ItemRow>,
        provider_ref: Option<String>,
    ) -> Result<Option<PaymentOutcome>, Error> {
        // Read before the sale ends the hold: the flow is timed from when it was taken.
        let held_at_ms = self
            .inventory
            .live_hold(&b.hold_id)
            .map(|h| h.created_at_ms);
        let now_ms = self.now_ms();
        let sold = match b.status {
            BookingStatus::PendingPayment if b.expires_at_ms > now_ms => {
                match self.inventory.sell_hold(&b.hold_id, &b.id).await {
                    Ok(()) => Ok(None),
                    Err(Error::HoldExpired) => self.take_back(&b, &items).await,
                    Err(e) => Err(e),
                }
            }
            // Paid after expiry: the same seats at the quoted prices, if still free.
            BookingStatus::PendingPayment | BookingStatus::Expired => {
                self.take_back(&b, &items).await
            }
            // Cancelled, failed, refunded or paid twice: the money goes back.
            _ => Err(Error::SeatUnavailable { seats: Vec::new() }),
        };
        match sold {
            Ok(reason) => {
                let confirmed = self
                    .confirm(&payment, &b, &items, provider_ref.clone(), reason)
                    .await;
                match confirmed {
                    Ok((payment, b)) => {
                        record_confirmed(&payment, &items, held_at_ms, self.now_ms());
                        Ok(Some(self.outcome_of(payment, &b, &items)))
                    }
                    Err(e) => {
                        // The booking changed under us (cancelled meanwhile) or the ticket
                        // index refused a seat: give the seats back and the money too.
                        tracing::warn!(booking_id = %b.id, error = %e, "confirmation refused; refunding");
                        self.inventory.unsell(&lot(&b, &items));
                        self.refund_late(&payment, &b, &items, provider_ref).await?;
                        Ok(None)
                    }
                }
            }
            Err(_) => {
                self.refund_late(&payment, &b, &items, provider_ref).await?;
                Ok(None)
            }
        }
    }

    /// A late payment takes its seats back if they are free; `Ok(reason)` when it did.
    async fn take_back(
        &self,
        b: &BookingRow,
        items: &[ItemRow],
    ) -> Result<Option<&'static str>, Error> {
        self.inventory.release_for_booking(&b.hold_id).await?;
        self.inventory.sell_if_free(&lot(b, items), &b.id).await?;
        Ok(Some("paid after expiry; the same seats were still free"))
    }

    /// Confirms in one write; returns the payment and booking rows as that write left them.
    async fn confirm(
        &self,
        payment: &PaymentRow,
        b: &BookingRow,
        items: &[ItemRow],
        provider_ref: Option<String>,
        reason: Option<&'static str>,
    ) -> Result<(PaymentRow, BookingRow), Error> {
        let now_ms = self.now_ms();
        let tickets = self.issue_tickets(b, items)?;
        let (mut payment, b, items) = (payment.clone(), b.clone(), items.to_vec());
        let confirmed = self
            .db
            .write(move |conn| {
                let mut current = repo::by_id(conn, &b.id)?.ok_or(Error::NotFound("booking"))?;
                if !settle(conn, &payment.id, PaymentStatus::Succeeded, None, now_ms)? {
                    return Err(Conflict::PaymentSettled.into());
                }
                fill_provider_ref(conn, &payment.id, provider_ref.as_deref())?;
                if !repo::set_status(
                    conn,
                    &b.id,
                    current.status,
                    BookingStatus::Confirmed,
                    reason,
                    now_ms,
                )? {
                    return Err(Conflict::BookingChangedWhilePaid.into());
                }
                for ticket in &tickets {
                    repo::insert_ticket(conn, ticket, now_ms)?;
                }
                let confirmed = PaymentSucceeded::announcing(&b, &items, &payment.id);
                follow_up(conn, &b, "confirmed", &confirmed, now_ms)?;
                // The rows as the statements above left them (the same columns, the same
                // values), so the answer needs no read after the commit.
                payment.status = PaymentStatus::Succeeded;
                payment.failure_reason = None;
                payment.updated_at_ms = now_ms;
                payment.provider_ref = provider_ref.or(payment.provider_ref);
                current.status = BookingStatus::Confirmed;
                current.status_reason = reason.map(str::to_string);
                current.updated_at_ms = now_ms;
                Ok((payment, current))
            })
            .await?;
        tracing::info!(booking_id = %confirmed.1.id, "booking confirmed");
        Ok(confirmed)
    }

    fn issue_tickets(&self, b: &BookingRow, items: &[ItemRow]) -> Result<Vec<TicketRow>, Error> {
        let mut tickets = Vec::new();
        for item in items {
            for _ in 0..item.quantity {
                let id = crate::ids::new_id("tkt");
                let code = self.signer.sign(&TicketClaims {
                    t: id.clone(),
                    e: b.event_id.clone(),
                    s: item.seat_label.clone(),
                    c: item.category.clone(),
                    f: b.from_leg,
                    o: b.to_leg,
                })?;
                tickets.push(TicketRow {
                    id,
                    booking_id: b.id.clone(),
                    event_id: b.event_id.clone(),
                    seat_label: item.seat_label.clone(),
                    category: item.category.clone(),
                    from_leg: b.from_leg,
                    to_leg: b.to_leg,
                    code,
                    void: false,
                    checked_in_at_ms: None,
                    checked_in_by: None,
                });
            }
        }
        Ok(tickets)
    }

    /// A decline or a timeout: the payment fails, the booking fails, the seats go back.
    pub(crate) async fn settle_failure(
        &self,
        payment_id: &str,
        status: PaymentStatus,
        reason: &str,
    ) -> Result<(), Error> {
        let (payment, b, items) = self.payment_and_booking(payment_id).await?;
        let now_ms = self.now_ms();
        let (id, reason_owned, booking) = (payment_id.to_string(), reason.to_string(), b.clone());
        let (settled, failed) = self
            .db
            .write(move |conn| {
                if !settle(conn, &id, status, Some(&reason_owned), now_ms)? {
                    return Ok((false, false));
                }
                let current = repo::by_id(conn, &booking.id)?.ok_or(Error::NotFound("booking"))?;
                if current.status != BookingStatus::PendingPayment {
                    return Ok((true, false));
                }
                repo::set_status(
                    conn,
                    &booking.id,
                    current.status,
                    BookingStatus::Failed,
                    Some(&format!("payment_{status}: {reason_owned}")),
                    now_ms,
                )?;
                let failed = PaymentFailed::failed(&booking, &items, &reason_owned);
                follow_up(conn, &booking, &format!("failed:{id}"), &failed, now_ms)?;
                Ok((true, true))
            })
            .await?;
        if settled {
            record::payment_settled(
                &payment.method,
                status,
                payment.amount_minor,
                &payment.currency,
            );
        }
        if failed {
            record::bookings_ended(BookingOutcome::Failed, 1);
            self.inventory.release_for_booking(&b.hold_id).await?;
            tracing::info!(booking_id = %b.id, reason, "payment failed; booking failed and seats released");
        }
        Ok(())
    }
}

/// A confirmed booking's payment, seats and flow time, once it has committed.
fn record_confirmed(payment: &PaymentRow, items: &[ItemRow], held_at_ms: Option<i64>, now_ms: i64) {
    record::payment_settled(
        &payment.method,
        PaymentStatus::Succeeded,
        payment.amount_minor,
        &payment.currency,
    );
    let seats = items.iter().map(|i| u64::from(i.quantity)).sum();
    let flow = held_at_ms
        .map(|at| std::time::Duration::from_millis(now_ms.saturating_sub(at).max(0) as u64));
    record::booking_confirmed(seats, flow);
}

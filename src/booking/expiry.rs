//! Time running out on a booking: an unpaid booking past its expiry ends `expired` and frees
//! its seats, and a gateway payment still waiting for its callback by then is failed as
//! unanswered (it would otherwise stay `pending` for ever) and the customer told so. A
//! callback that still arrives later is not lost: the saga reopens such a payment and takes
//! the seats back if they are free, or refunds it.

use super::Bookings;
use super::messages::{BookingExpired, BookingRef, PaymentFailed};
use super::repo;
use super::saga::follow_up;
use super::state::BookingStatus;
use crate::error::Error;
use crate::metric::record::{self, BookingOutcome};
use crate::payment::PaymentStatus;
use crate::payment::repo::{GATEWAY_NO_ANSWER, PaymentRow, settle};
use crate::shutdown::CancellationToken;
use std::time::Duration;

impl Bookings {
    /// Expires pending bookings whose time is up and releases their holds; returns how many.
    /// One whose gateway payment is still unanswered is told by
    /// [`Bookings::expire_unanswered_payments`] instead, in one email.
    pub async fn expire_overdue(&self) -> Result<usize, Error> {
        let now_ms = self.now_ms();
        let expired = self
            .db
            .write(move |conn| {
                let due = repo::overdue(conn, now_ms, 200)?;
                let mut expired = Vec::new();
                for b in due {
                    if repo::set_status(
                        conn,
                        &b.id,
                        b.status,
                        BookingStatus::Expired,
                        Some("not paid in time"),
                        now_ms,
                    )? {
                        if !crate::payment::repo::has_pending(conn, &b.id)? {
                            let items = repo::items(conn, &b.id)?;
                            let expired = BookingExpired {
                                booking: BookingRef::of(&b, &items),
                            };
                            follow_up(conn, &b, "expired", &expired, now_ms)?;
                        }
                        expired.push(b.hold_id.clone());
                    }
                }
                Ok(expired)
            })
            .await?;
        record::bookings_ended(BookingOutcome::Expired, expired.len());
        for hold_id in &expired {
            self.inventory.release_for_booking(hold_id).await?;
        }
        Ok(expired.len())
    }

    /// Fails gateway payments still pending once their booking has expired (or otherwise
    /// ended) and its time is up, and tells each customer; returns how many. Each takes the
    /// payment's settling turn, so a callback being applied right now finishes first (and
    /// the payment is then no longer pending).
    pub async fn expire_unanswered_payments(&self) -> Result<usize, Error> {
        let now_ms = self.now_ms();
        let due: Vec<PaymentRow> = self
            .db
            .read(move |conn| crate::payment::repo::unanswered(conn, now_ms, 200))
            .await?;
        let mut failed = 0;
        for p in due {
            let _turn = self.settling.turn(&p.id).await;
            let (id, booking_id, now_ms) = (p.id.clone(), p.booking_id.clone(), self.now_ms());
            let settled = self
                .db
                .write(move |conn| {
                    if !settle(
                        conn,
                        &id,
                        PaymentStatus::Failed,
                        Some(GATEWAY_NO_ANSWER),
                        now_ms,
                    )? {
                        return Ok(false); // settled meanwhile
                    }
                    let b = repo::by_id(conn, &booking_id)?.ok_or(Error::NotFound("booking"))?;
                    let items = repo::items(conn, &b.id)?;
                    let failed = PaymentFailed::failed(&b, &items, GATEWAY_NO_ANSWER);
                    follow_up(conn, &b, &format!("failed:{id}"), &failed, now_ms)?;
                    Ok(true)
                })
                .await?;
            if settled {
                failed += 1;
                record::payment_settled(
                    &p.method,
                    PaymentStatus::Failed,
                    p.amount_minor,
                    &p.currency,
                );
                tracing::warn!(payment_id = %p.id, booking_id = %p.booking_id, "gateway payment never answered; failed at the booking's expiry");
            }
        }
        Ok(failed)
    }
}

/// Expires unpaid bookings and unanswered gateway payments every half second until `stop`.
pub async fn run_expiry(bookings: Bookings, stop: CancellationToken) {
    loop {
        if let Err(e) = bookings.expire_overdue().await {
            tracing::warn!(error = %e, "cannot expire bookings");
        }
        if let Err(e) = bookings.expire_unanswered_payments().await {
            tracing::warn!(error = %e, "cannot expire unanswered gateway payments");
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

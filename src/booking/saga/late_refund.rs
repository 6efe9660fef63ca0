//! The money came in but the seats cannot be had (paid after they were sold on, or the
//! booking was cancelled meanwhile): the payment is settled, refunded at once, the booking
//! failed if it was still waiting, and the customer told — in one write.

use super::follow_up;
use crate::booking::Bookings;
use crate::booking::messages::{PaymentFailed, SEATS_UNAVAILABLE};
use crate::booking::repo::{self, BookingRow, ItemRow};
use crate::booking::state::BookingStatus;
use crate::error::Error;
use crate::metric::record::{self, BookingOutcome};
use crate::payment::PaymentStatus;
use crate::payment::repo::{PaymentRow, fill_provider_ref, insert_refund, settle};

impl Bookings {
    /// The money came in but the seats cannot be had: record it, refund it, tell the customer.
    pub(super) async fn refund_late(
        &self,
        payment: &PaymentRow,
        b: &BookingRow,
        items: &[ItemRow],
        provider_ref: Option<String>,
    ) -> Result<(), Error> {
        let now_ms = self.now_ms();
        let (payment_id, b, items) = (payment.id.clone(), b.clone(), items.to_vec());
        let changed = self
            .db
            .write(move |conn| {
                let settled = settle(conn, &payment_id, PaymentStatus::Succeeded, None, now_ms)?;
                fill_provider_ref(conn, &payment_id, provider_ref.as_deref())?;
                let payment = crate::payment::repo::by_id(conn, &payment_id)?
                    .ok_or(Error::NotFound("payment"))?;
                if payment.refund.is_some() {
                    return Ok(LateRefund {
                        settled,
                        refund_minor: None,
                        failed: false,
                    });
                }
                let refund =
                    insert_refund(conn, &payment, "the seats were no longer available", now_ms)?;
                let current = repo::by_id(conn, &b.id)?.ok_or(Error::NotFound("booking"))?;
                let failed = matches!(
                    current.status,
                    BookingStatus::PendingPayment | BookingStatus::Expired
                );
                if failed {
                    repo::set_status(
                        conn,
                        &b.id,
                        current.status,
                        BookingStatus::Failed,
                        Some("paid too late; refunded"),
                        now_ms,
                    )?;
                }
                let told =
                    PaymentFailed::refunded(&b, &items, SEATS_UNAVAILABLE, refund.amount_minor);
                follow_up(conn, &b, &format!("refund:{payment_id}"), &told, now_ms)?;
                Ok(LateRefund {
                    settled,
                    refund_minor: Some(refund.amount_minor),
                    failed,
                })
            })
            .await?;
        changed.record(payment);
        tracing::warn!(payment_id = %payment.id, "payment refunded: seats no longer available");
        Ok(())
    }
}

/// What a late refund changed, for the metrics once it has committed.
struct LateRefund {
    /// The payment was settled as succeeded by this write (not before it).
    settled: bool,
    refund_minor: Option<i64>,
    /// The booking failed by this write.
    failed: bool,
}

impl LateRefund {
    fn record(&self, payment: &PaymentRow) {
        if self.settled {
            record::payment_settled(
                &payment.method,
                PaymentStatus::Succeeded,
                payment.amount_minor,
                &payment.currency,
            );
        }
        if let Some(minor) = self.refund_minor {
            record::refunded(minor, &payment.currency);
        }
        if self.failed {
            record::bookings_ended(BookingOutcome::Failed, 1);
        }
    }
}

//! Booking states and the transitions between them. Every change of status goes through
//! [`BookingStatus::to`], so an impossible move (a refunded booking confirmed, say) is an
//! error in one place rather than a forgotten `if` in many.

use crate::error::{Conflict, Error};

crate::store::text_enum::text_enum! {
    /// Where a booking stands.
    // utoipa does not read the macro's per-variant renames; serde's rename_all says the
    // same names in a form it reads.
    #[derive(utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum BookingStatus {
        /// Made from a live hold; waiting for its payment until `expires_at`.
        PendingPayment = "pending_payment",
        /// Paid; tickets issued.
        Confirmed = "confirmed",
        /// Not paid in time; seats released.
        Expired = "expired",
        /// The payment was declined or timed out, or came too late for the seats; seats released.
        Failed = "failed",
        /// Cancelled before it was paid.
        Cancelled = "cancelled",
        /// Cancelled after it was paid, and the payment refunded.
        Refunded = "refunded",
    }
}

impl BookingStatus {
    /// The allowed moves: pending → confirmed | failed | expired | cancelled;
    /// expired → confirmed (a late payment that got its seats back) | failed (refunded);
    /// confirmed → refunded. Everything else is final.
    pub fn to(self, next: BookingStatus) -> Result<BookingStatus, Error> {
        use BookingStatus::*;
        let allowed = matches!(
            (self, next),
            (PendingPayment, Confirmed | Failed | Expired | Cancelled)
                | (Expired, Confirmed | Failed)
                | (Confirmed, Refunded)
        );
        if allowed {
            Ok(next)
        } else {
            Err(Conflict::BookingTransition {
                from: self.as_str(),
                to: next.as_str(),
            }
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BookingStatus::*;

    #[test]
    fn only_the_saga_moves_are_allowed() {
        assert!(PendingPayment.to(Confirmed).is_ok());
        assert!(Expired.to(Confirmed).is_ok());
        assert!(Confirmed.to(Refunded).is_ok());
        assert!(Confirmed.to(PendingPayment).is_err());
        assert!(Refunded.to(Confirmed).is_err());
        assert!(Cancelled.to(Confirmed).is_err());
        assert!(Failed.to(Confirmed).is_err());
        assert!(Confirmed.to(Cancelled).is_err());
    }

    #[test]
    fn every_booking_status_reads_back_as_written() {
        crate::store::text_enum::assert_reads_back(super::BookingStatus::ALL);
    }
}

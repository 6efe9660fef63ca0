//! Booking states and the transitions between them. Every change of status goes through
//! [`BookingStatus::to`], so an impossible move (a refunded booking confirmed, say) is an
//! error in one place rather than a forgotten `if` in many.

use crate::error::{Conflict, Error};
use serde::{Deserialize, Serialize};

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Made from a live hold; waiting for its payment until `expires_at`.
    PendingPayment,
    /// Paid; tickets issued.
    Confirmed,
    /// Not paid in time; seats released.
    Expired,
    /// The payment was declined or timed out, or came too late for the seats; seats released.
    Failed,
    /// Cancelled before it was paid.
    Cancelled,
    /// Cancelled after it was paid, and the payment refunded.
    Refunded,
}

impl BookingStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::PendingPayment => "pending_payment",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Expired => "expired",
            BookingStatus::Failed => "failed",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Refunded => "refunded",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<BookingStatus> {
        [
            BookingStatus::PendingPayment,
            BookingStatus::Confirmed,
            BookingStatus::Expired,
            BookingStatus::Failed,
            BookingStatus::Cancelled,
            BookingStatus::Refunded,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }

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
}

//! The job kinds: what the original system's Kafka topics became.

/// A kind of job, named as it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// An account was created: send the welcome email.
    UserCreated,
    /// Seats of an event were held, released, sold or blocked: recompute prices.
    SeatsChanged,
    /// A payment went through: confirm the booking, send tickets.
    PaymentSucceeded,
    /// A payment was declined: tell the customer.
    PaymentFailed,
    /// A pending booking ran out of time.
    BookingExpired,
    /// A booking was cancelled (and refunded).
    BookingCancelled,
    /// An admin cancelled an event: cancel and refund its bookings, release its holds, then
    /// tell everyone (event-cancelled). Runs until it has finished, across restarts.
    CancelEvent,
    /// An event was cancelled: tell every ticket holder.
    EventCancelled,
    /// Deliver one rendered email.
    SendEmail,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 9] = [
        JobKind::UserCreated,
        JobKind::SeatsChanged,
        JobKind::PaymentSucceeded,
        JobKind::PaymentFailed,
        JobKind::BookingExpired,
        JobKind::BookingCancelled,
        JobKind::CancelEvent,
        JobKind::EventCancelled,
        JobKind::SendEmail,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::UserCreated => "user-created",
            JobKind::SeatsChanged => "seats-changed",
            JobKind::PaymentSucceeded => "payment-succeeded",
            JobKind::PaymentFailed => "payment-failed",
            JobKind::BookingExpired => "booking-expired",
            JobKind::BookingCancelled => "booking-cancelled",
            JobKind::CancelEvent => "cancel-event",
            JobKind::EventCancelled => "event-cancelled",
            JobKind::SendEmail => "send-email",
        }
    }

    /// A stored kind as a metric label: one of [`JobKind::ALL`], or `other`.
    pub fn label(stored: &str) -> &'static str {
        JobKind::ALL
            .iter()
            .find(|k| k.as_str() == stored)
            .map_or("other", |k| k.as_str())
    }
}

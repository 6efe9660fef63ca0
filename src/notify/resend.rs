//! Sending an email again on purpose: staff resend a booking's confirmation (the customer
//! lost it, or gave a wrong address that was fixed). Normal sends are deduplicated per
//! (kind, cause, recipient), so a resend is a new cause, `booking:<id>:resend:<click>`: each
//! click of the console's button carries its own `click` key, so every click sends once and a
//! double-submitted form (the same key twice) sends once.

use super::Notifier;
use super::compose::Trigger;
use crate::error::{Error, Validator};
use crate::jobs::Jobs;

/// What a resend did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resent {
    /// A new email was queued.
    Queued,
    /// This click was seen before; its email is queued or sent already.
    AlreadyQueued,
}

/// Whether a click key is one a form could carry: 16–64 URL-safe characters.
pub fn valid_click(key: &str) -> bool {
    (16..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Notifier {
    /// Queues the booking-confirmed email of a confirmed booking again, with its tickets,
    /// once per `click`.
    pub async fn resend_booking_confirmed(
        &self,
        jobs: &Jobs,
        booking_id: &str,
        click: &str,
    ) -> Result<Resent, Error> {
        let mut v = Validator::new();
        v.check(
            valid_click(click),
            "key",
            "is missing or not a key this page handed out; reload the page and try again",
        );
        v.finish()?;
        if !crate::ids::looks_like("bkg", booking_id) {
            return Err(Error::NotFound("booking"));
        }
        let id = booking_id.to_string();
        let confirmed = self
            .db
            .read(move |conn| crate::booking::confirmation::rebuild(conn, &id))
            .await?;
        let mut outgoing = self.compose(&Trigger::PaymentSucceeded(confirmed)).await?;
        for out in &mut outgoing {
            out.cause = format!("booking:{booking_id}:resend:{click}");
        }
        let queued = self.queue(outgoing).await?;
        if queued == 0 {
            return Ok(Resent::AlreadyQueued);
        }
        jobs.wake();
        tracing::info!(%booking_id, "booking confirmation resent");
        Ok(Resent::Queued)
    }
}

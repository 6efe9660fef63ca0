//! A gateway's callback: signature and replay window first, then at most one callback per
//! payment at a time, recorded once per gateway event id, and applied by settling.

use super::{WebhookCallback, WebhookOutcome, WebhookResult};
use crate::booking::Bookings;
use crate::error::Error;
use crate::payment::PaymentStatus;
use crate::payment::webhook;

impl Bookings {
    /// Applies a gateway's signed callback. Bad or stale signatures change nothing; the same
    /// callback twice changes nothing the second time.
    pub async fn webhook(
        &self,
        provider: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookResult, Error> {
        let answer = self.take_callback(provider, signature, body).await;
        crate::metric::record::webhook(&answer, |r| r.result.as_str());
        answer
    }

    async fn take_callback(
        &self,
        provider: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookResult, Error> {
        if provider != "webhook" {
            return Err(Error::NotFound("payment provider"));
        }
        webhook::verify(
            &self.webhook_secret,
            signature,
            body,
            self.clock.now().unix_timestamp(),
        )?;
        let not_a_callback =
            |e| Error::invalid("body", format!("not a callback this gateway sends: {e}"));
        let mut json = serde_json::Deserializer::from_slice(body);
        let callback: WebhookCallback =
            serde_path_to_error::deserialize(&mut json).map_err(|e| {
                if e.path().to_string() == "status" {
                    Error::invalid("status", "must be succeeded or declined")
                } else {
                    not_a_callback(e.into_inner())
                }
            })?;
        // Nothing after the callback, as `serde_json::from_slice` would insist.
        json.end().map_err(not_a_callback)?;
        let verdict = callback.status.payment_status();
        // Until this callback is done, no other callback for the payment starts.
        let _turn = self.settling.turn(&callback.payment_id).await;
        let now_ms = self.now_ms();
        let cb = callback.clone();
        let fresh = self
            .db
            .write(move |conn| {
                let payment = crate::payment::repo::by_id(conn, &cb.payment_id)?
                    .ok_or(Error::NotFound("payment"))?;
                if payment.method != "webhook" {
                    return Err(Error::NotFound("payment"));
                }
                let fresh = crate::payment::repo::record_webhook(
                    conn,
                    provider_name(),
                    &cb.event_id,
                    &cb.payment_id,
                    now_ms,
                )?;
                // A success reported after we stopped waiting (failed unanswered at the
                // booking's expiry): the money was taken after all, so it is settled as any
                // late payment is — the same seats if free, else refunded.
                if fresh
                    && verdict == PaymentStatus::Succeeded
                    && crate::payment::repo::reopen_unanswered(conn, &payment.id, now_ms)?
                {
                    return Ok(Some(PaymentStatus::Pending));
                }
                Ok(fresh.then_some(payment.status))
            })
            .await?;
        let result = match fresh {
            None => WebhookOutcome::Duplicate,
            Some(PaymentStatus::Pending) => {
                if let Err(e) = self.apply_callback(&callback, verdict).await {
                    // Not applied: the gateway's retry of this callback must not be a duplicate.
                    let (event_id, payment_id) =
                        (callback.event_id.clone(), callback.payment_id.clone());
                    self.db
                        .write(move |conn| {
                            crate::payment::repo::forget_webhook(
                                conn,
                                provider_name(),
                                &event_id,
                                &payment_id,
                            )
                        })
                        .await?;
                    return Err(e);
                }
                WebhookOutcome::Applied
            }
            Some(_) => WebhookOutcome::AlreadySettled,
        };
        let outcome = self.outcome(&callback.payment_id).await?;
        Ok(WebhookResult {
            result,
            booking_status: Some(outcome.booking.status),
        })
    }

    /// Settles a pending gateway payment as its callback says.
    async fn apply_callback(
        &self,
        callback: &WebhookCallback,
        verdict: PaymentStatus,
    ) -> Result<(), Error> {
        if verdict == PaymentStatus::Succeeded {
            return self.settle_success(&callback.payment_id, None).await;
        }
        let reason = callback
            .reason
            .clone()
            .unwrap_or_else(|| "declined by the gateway".into());
        self.settle_failure(&callback.payment_id, PaymentStatus::Declined, &reason)
            .await
    }
}

fn provider_name() -> &'static str {
    "webhook"
}

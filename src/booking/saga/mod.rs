//! Paying: hold → book → pay → confirm, with compensation.
//!
//! Order of a confirmation: the inventory first turns the hold into sold seats (redb,
//! durable), then one SQLite transaction confirms the booking, issues its tickets and
//! enqueues the follow-up jobs. A crash between the two leaves seats that the restarted
//! index (rebuilt from tickets) sees as free and a booking still pending, which expires —
//! never a confirmation that was acknowledged and then lost, never a seat sold twice (the
//! unique index on live ticket-legs refuses that even if the code were wrong).

use super::repo::{self, BookingRow, ItemRow, TicketRow};
use super::state::BookingStatus;
use super::tickets::TicketClaims;
use super::{BookingView, Bookings, lot, may_see, view};
use crate::auth::Caller;
use crate::error::{Error, Validator};
use crate::jobs::{JobKind, queue};
use crate::payment::provider::{Charge, ChargeRequest, luhn_ok};
use crate::payment::repo::{PaymentRow, insert_refund, settle};
use crate::payment::webhook;
use crate::telemetry::record::{self, BookingOutcome};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A payment request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// `test` (card simulator), `cash` (staff only) or `webhook` (a real gateway).
    pub method: String,
    /// Must equal the booking's total.
    pub amount_minor: i64,
    /// Defaults to the booking's currency; must equal it.
    #[serde(default)]
    pub currency: Option<String>,
    /// `test` only: 4242424242424242 succeeds, 4000000000000002 is declined,
    /// 4000000000009995 never answers.
    #[serde(default)]
    pub card_number: Option<String>,
}

/// A payment and the booking it moved.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentOutcome {
    pub payment: PaymentRow,
    pub booking: BookingView,
}

/// A gateway's callback body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct WebhookCallback {
    /// The gateway's id for this callback: the same id twice is applied once.
    pub event_id: String,
    pub payment_id: String,
    /// `succeeded` or `declined`.
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a callback did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookResult {
    /// `applied`, `duplicate` or `already_settled`.
    pub result: String,
    pub booking_status: Option<BookingStatus>,
}

pub(super) fn payload(b: &BookingRow, items: &[ItemRow]) -> serde_json::Value {
    json!({
        "booking_id": b.id, "event_id": b.event_id, "customer_email": b.customer_email,
        "seats": items.iter().filter_map(|i| i.seat_label.clone()).collect::<Vec<_>>(),
        "total_minor": b.total_minor, "currency": b.currency,
    })
}

/// Enqueues a follow-up job in the caller's transaction, once per (kind, booking, tag).
pub(super) fn follow_up(
    conn: &Connection,
    kind: JobKind,
    b: &BookingRow,
    tag: &str,
    payload: &serde_json::Value,
    now_ms: i64,
) -> Result<(), Error> {
    queue::enqueue_now(
        conn,
        kind,
        payload,
        Some(format!("{}:{}:{tag}", kind.as_str(), b.id)),
        format!("booking:{}", b.id),
        now_ms,
    )?;
    Ok(())
}

impl Bookings {
    /// Pays a booking. Success confirms it and issues tickets; a decline or a timeout fails
    /// it and frees its seats; a gateway payment stays pending until its callback.
    pub async fn pay(
        &self,
        caller: &Caller,
        booking_id: &str,
        request: PayRequest,
    ) -> Result<(u16, PaymentOutcome), Error> {
        let provider = self.providers.get(&request.method)?;
        if provider.staff_only() && !caller.may_see_all() {
            return Err(Error::Forbidden);
        }
        let mut v = Validator::new();
        if provider.method() == "test" {
            match request.card_number.as_deref() {
                None => v.add("card_number", "is required for test payments"),
                Some(n) => v.check(luhn_ok(n), "card_number", "is not a valid card number"),
            }
        } else {
            v.check(
                request.card_number.is_none(),
                "card_number",
                "only for test payments",
            );
        }
        v.finish()?;
        let (b, _) = self.load(booking_id).await?;
        if !may_see(caller, &b) {
            return Err(Error::NotFound("booking"));
        }
        let now_ms = self.now_ms();
        match b.status {
            BookingStatus::PendingPayment if b.expires_at_ms > now_ms => {}
            BookingStatus::PendingPayment | BookingStatus::Expired => {
                return Err(Error::conflict(
                    "booking_expired",
                    "this booking expired before it was paid",
                ));
            }
            BookingStatus::Confirmed => {
                return Err(Error::conflict(
                    "already_paid",
                    "this booking is paid already",
                ));
            }
            other => {
                return Err(Error::conflict(
                    "booking_not_payable",
                    format!("a {} booking cannot be paid", other.as_str()),
                ));
            }
        }
        let mut v = Validator::new();
        v.check(
            request.amount_minor == b.total_minor,
            "amount_minor",
            format!(
                "must equal the booking's total, {} {}",
                b.total_minor, b.currency
            ),
        );
        v.check(
            request.currency.as_deref().is_none_or(|c| c == b.currency),
            "currency",
            format!("must be the booking's currency, {}", b.currency),
        );
        v.finish()?;

        let payment = PaymentRow {
            id: crate::ids::new_id("pay"),
            booking_id: b.id.clone(),
            method: provider.method().to_string(),
            status: "pending".into(),
            amount_minor: b.total_minor,
            amount: crate::money::Money::new(b.total_minor, &b.currency),
            currency: b.currency.clone(),
            provider_ref: None,
            card_last4: request
                .card_number
                .as_deref()
                .map(|n| n[n.len().saturating_sub(4)..].to_string()),
            failure_reason: None,
            paid_by: caller.user_id.clone(),
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            created_at: crate::clock::at_ms(now_ms),
            updated_at: crate::clock::at_ms(now_ms),
            refund: None,
        };
        let insert = payment.clone();
        self.db
            .write(move |conn| crate::payment::repo::insert_pending(conn, &insert))
            .await?;

        let charge = provider.charge(ChargeRequest {
            payment_id: payment.id.clone(),
            amount_minor: payment.amount_minor,
            currency: payment.currency.clone(),
            card_number: request.card_number.clone(),
        });
        match tokio::time::timeout(self.providers.timeout, charge).await {
            Ok(Charge::Succeeded { provider_ref }) => {
                self.settle_success(&payment.id, Some(provider_ref)).await?;
                Ok((201, self.outcome(&payment.id).await?))
            }
            Ok(Charge::Pending { provider_ref }) => {
                let (id, now) = (payment.id.clone(), self.now_ms());
                self.db
                    .write(move |conn| {
                        conn.execute(
                            "UPDATE payments SET provider_ref = ?2, updated_at = ?3 WHERE id = ?1",
                            rusqlite::params![id, provider_ref, now],
                        )?;
                        Ok(())
                    })
                    .await?;
                Ok((202, self.outcome(&payment.id).await?))
            }
            Ok(Charge::Declined { reason }) => {
                self.settle_failure(&payment.id, "declined", &reason)
                    .await?;
                Err(Error::PaymentDeclined { reason })
            }
            Err(_) => {
                self.settle_failure(&payment.id, "failed", "provider_timeout")
                    .await?;
                Err(Error::PaymentTimeout)
            }
        }
    }

    async fn outcome(&self, payment_id: &str) -> Result<PaymentOutcome, Error> {
        let id = payment_id.to_string();
        self.db
            .read(move |conn| {
                let payment =
                    crate::payment::repo::by_id(conn, &id)?.ok_or(Error::NotFound("payment"))?;
                let b =
                    repo::by_id(conn, &payment.booking_id)?.ok_or(Error::NotFound("booking"))?;
                let items = repo::items(conn, &b.id)?;
                Ok(PaymentOutcome {
                    payment,
                    booking: view(&b, &items),
                })
            })
            .await
            .map(|mut outcome| {
                outcome.booking = self.named(outcome.booking);
                outcome
            })
    }

    async fn payment_and_booking(
        &self,
        payment_id: &str,
    ) -> Result<(PaymentRow, BookingRow, Vec<ItemRow>), Error> {
        let id = payment_id.to_string();
        self.db
            .read(move |conn| {
                let payment =
                    crate::payment::repo::by_id(conn, &id)?.ok_or(Error::NotFound("payment"))?;
                let b =
                    repo::by_id(conn, &payment.booking_id)?.ok_or(Error::NotFound("booking"))?;
                let items = repo::items(conn, &b.id)?;
                Ok((payment, b, items))
            })
            .await
    }

    /// The money is in: sell the seats and confirm — or, if the seats are gone, refund.
    pub(crate) async fn settle_success(
        &self,
        payment_id: &str,
        provider_ref: Option<String>,
    ) -> Result<(), Error> {
        let (payment, b, items) = self.payment_and_booking(payment_id).await?;
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
                    Ok(()) => record_confirmed(&payment, &items, held_at_ms, self.now_ms()),
                    Err(e) => {
                        // The booking changed under us (cancelled meanwhile) or the ticket
                        // index refused a seat: give the seats back and the money too.
                        tracing::warn!(booking_id = %b.id, error = %e, "confirmation refused; refunding");
                        self.inventory.unsell(&lot(&b, &items));
                        self.refund_late(&payment, &b, &items, provider_ref).await?;
                    }
                }
                Ok(())
            }
            Err(_) => self.refund_late(&payment, &b, &items, provider_ref).await,
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

    async fn confirm(
        &self,
        payment: &PaymentRow,
        b: &BookingRow,
        items: &[ItemRow],
        provider_ref: Option<String>,
        reason: Option<&'static str>,
    ) -> Result<(), Error> {
        let now_ms = self.now_ms();
        let tickets = self.issue_tickets(b, items)?;
        let (payment_id, b, items) = (payment.id.clone(), b.clone(), items.to_vec());
        let booking_id = b.id.clone();
        self.db
            .write(move |conn| {
                let current = repo::by_id(conn, &b.id)?.ok_or(Error::NotFound("booking"))?;
                if !settle(conn, &payment_id, "succeeded", None, now_ms)? {
                    return Err(Error::conflict(
                        "payment_settled",
                        "the payment was settled already",
                    ));
                }
                conn.execute(
                    "UPDATE payments SET provider_ref = coalesce(?2, provider_ref) WHERE id = ?1",
                    rusqlite::params![payment_id, provider_ref],
                )?;
                if !repo::set_status(
                    conn,
                    &b.id,
                    current.status,
                    BookingStatus::Confirmed,
                    reason,
                    now_ms,
                )? {
                    return Err(Error::conflict(
                        "booking_state",
                        "the booking changed while it was paid",
                    ));
                }
                for ticket in &tickets {
                    repo::insert_ticket(conn, ticket, now_ms)?;
                }
                let body = super::confirmation::payload(&b, &items, &payment_id, &tickets);
                follow_up(
                    conn,
                    JobKind::PaymentSucceeded,
                    &b,
                    "confirmed",
                    &body,
                    now_ms,
                )?;
                Ok(())
            })
            .await?;
        tracing::info!(%booking_id, "booking confirmed");
        Ok(())
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

    /// The money came in but the seats cannot be had: record it, refund it, tell the customer.
    async fn refund_late(
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
                let settled = settle(conn, &payment_id, "succeeded", None, now_ms)?;
                conn.execute(
                    "UPDATE payments SET provider_ref = coalesce(?2, provider_ref) WHERE id = ?1",
                    rusqlite::params![payment_id, provider_ref],
                )?;
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
                let mut body = payload(&b, &items);
                body["reason"] = json!("the seats were no longer available");
                body["refunded"] = json!(true);
                body["refund_minor"] = json!(refund.amount_minor);
                follow_up(
                    conn,
                    JobKind::PaymentFailed,
                    &b,
                    &format!("refund:{payment_id}"),
                    &body,
                    now_ms,
                )?;
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

    /// A decline or a timeout: the payment fails, the booking fails, the seats go back.
    pub(crate) async fn settle_failure(
        &self,
        payment_id: &str,
        status: &'static str,
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
                let mut body = payload(&booking, &items);
                body["reason"] = json!(reason_owned);
                body["refunded"] = json!(false);
                follow_up(
                    conn,
                    JobKind::PaymentFailed,
                    &booking,
                    &format!("failed:{id}"),
                    &body,
                    now_ms,
                )?;
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

    /// Applies a gateway's signed callback. Bad or stale signatures change nothing; the same
    /// callback twice changes nothing the second time.
    pub async fn webhook(
        &self,
        provider: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookResult, Error> {
        let answer = self.take_callback(provider, signature, body).await;
        crate::telemetry::record::webhook(&answer, |r| r.result.as_str());
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
        let callback: WebhookCallback = serde_json::from_slice(body).map_err(|e| {
            Error::invalid("body", format!("not a callback this gateway sends: {e}"))
        })?;
        if !["succeeded", "declined"].contains(&callback.status.as_str()) {
            return Err(Error::invalid("status", "must be succeeded or declined"));
        }
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
                    && cb.status == "succeeded"
                    && crate::payment::repo::reopen_unanswered(conn, &payment.id, now_ms)?
                {
                    return Ok(Some("pending".to_string()));
                }
                Ok(fresh.then_some(payment.status))
            })
            .await?;
        let result = match fresh.as_deref() {
            None => "duplicate",
            Some("pending") => {
                if let Err(e) = self.apply_callback(&callback).await {
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
                "applied"
            }
            Some(_) => "already_settled",
        };
        let outcome = self.outcome(&callback.payment_id).await?;
        Ok(WebhookResult {
            result: result.into(),
            booking_status: Some(outcome.booking.status),
        })
    }

    /// Settles a pending gateway payment as its callback says.
    async fn apply_callback(&self, callback: &WebhookCallback) -> Result<(), Error> {
        if callback.status == "succeeded" {
            return self.settle_success(&callback.payment_id, None).await;
        }
        let reason = callback
            .reason
            .clone()
            .unwrap_or_else(|| "declined by the gateway".into());
        self.settle_failure(&callback.payment_id, "declined", &reason)
            .await
    }
}

fn provider_name() -> &'static str {
    "webhook"
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
                "succeeded",
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

/// A confirmed booking's payment, seats and flow time, once it has committed.
fn record_confirmed(payment: &PaymentRow, items: &[ItemRow], held_at_ms: Option<i64>, now_ms: i64) {
    record::payment_settled(
        &payment.method,
        "succeeded",
        payment.amount_minor,
        &payment.currency,
    );
    let seats = items.iter().map(|i| u64::from(i.quantity)).sum();
    let flow = held_at_ms
        .map(|at| std::time::Duration::from_millis(now_ms.saturating_sub(at).max(0) as u64));
    record::booking_confirmed(seats, flow);
}

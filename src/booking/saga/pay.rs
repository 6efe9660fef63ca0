//! Paying a booking: checks the request against the booking, records the payment as pending,
//! asks the provider and hands its answer to settling (a gateway's answer comes later, by
//! callback).

use super::PayRequest;
use super::{Paid, PaymentOutcome};
use crate::auth::Caller;
use crate::booking::repo::{self, BookingRow, ItemRow};
use crate::booking::state::BookingStatus;
use crate::booking::{Bookings, may_see, view};
use crate::error::{Conflict, Error, Validator};
use crate::payment::PaymentStatus;
use crate::payment::provider::{Charge, ChargeRequest, luhn_ok};
use crate::payment::repo::PaymentRow;

impl Bookings {
    /// Pays a booking. Success confirms it and issues tickets; a decline or a timeout fails
    /// it and frees its seats; a gateway payment stays pending until its callback.
    pub async fn pay(
        &self,
        caller: &Caller,
        booking_id: &str,
        request: PayRequest,
    ) -> Result<Paid, Error> {
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
        let (b, items) = self.load(booking_id).await?;
        if !may_see(caller, &b) {
            return Err(Error::NotFound("booking"));
        }
        let now_ms = self.now_ms();
        match b.status {
            BookingStatus::PendingPayment if b.expires_at_ms > now_ms => {}
            BookingStatus::PendingPayment | BookingStatus::Expired => {
                return Err(Conflict::BookingExpired.into());
            }
            BookingStatus::Confirmed => {
                return Err(Conflict::AlreadyPaid.into());
            }
            other => {
                return Err(Conflict::BookingNotPayable {
                    status: other.as_str(),
                }
                .into());
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
            status: PaymentStatus::Pending,
            amount_minor: b.total_minor,
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
                let id = payment.id.clone();
                let settled = self
                    .settle_success_of(payment, b, items, Some(provider_ref))
                    .await?;
                Ok(Paid::Confirmed(match settled {
                    Some(confirmed) => confirmed,
                    // Refunded instead: the refund and the booking as they now stand.
                    None => self.outcome(&id).await?,
                }))
            }
            Ok(Charge::Pending { provider_ref }) => {
                let (id, now) = (payment.id.clone(), self.now_ms());
                self.db
                    .write(move |conn| {
                        crate::payment::repo::set_provider_ref(conn, &id, &provider_ref, now)
                    })
                    .await?;
                Ok(Paid::Pending(self.outcome(&payment.id).await?))
            }
            Ok(Charge::Declined { reason }) => {
                self.settle_failure(&payment.id, PaymentStatus::Declined, &reason)
                    .await?;
                Err(Error::PaymentDeclined { reason })
            }
            Err(_) => {
                self.settle_failure(&payment.id, PaymentStatus::Failed, "provider_timeout")
                    .await?;
                Err(Error::PaymentTimeout)
            }
        }
    }

    pub(super) async fn outcome(&self, payment_id: &str) -> Result<PaymentOutcome, Error> {
        let (payment, b, items) = self.payment_and_booking(payment_id).await?;
        Ok(self.outcome_of(payment, &b, &items))
    }

    pub(super) fn outcome_of(
        &self,
        payment: PaymentRow,
        b: &BookingRow,
        items: &[ItemRow],
    ) -> PaymentOutcome {
        PaymentOutcome {
            payment,
            booking: self.named(view(b, items)),
        }
    }

    pub(super) async fn payment_and_booking(
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
}

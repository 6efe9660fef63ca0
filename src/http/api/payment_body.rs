//! The API's payment bodies, built from the payment domain's rows: what a client reads is
//! decided here, not by the table's columns. The schema names (`PaymentRow`, `RefundRow`)
//! are the published document's, kept as they were when the rows were the bodies.

use crate::booking::BookingView;
use crate::booking::saga::PaymentOutcome;
use crate::clock::at_ms;
use crate::money::Money;
use crate::payment::PaymentStatus;
use crate::payment::repo::{PaymentRow, RefundRow};
use serde::Serialize;
use time::OffsetDateTime;

/// A payments row, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PaymentRow)]
pub struct PaymentBody {
    pub id: String,
    pub booking_id: String,
    /// `test`, `cash` or `webhook`.
    pub method: String,
    /// `pending`, `succeeded`, `declined` or `failed` (`failure_reason` `gateway_no_answer`:
    /// no callback by the booking's expiry).
    #[schema(value_type = String)]
    pub status: PaymentStatus,
    pub amount_minor: i64,
    pub currency: String,
    /// The amount, as money is everywhere in the API (`amount_minor` and `currency` repeat it).
    pub amount: Money,
    pub provider_ref: Option<String>,
    pub card_last4: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The refund of this payment, if it was refunded.
    pub refund: Option<RefundBody>,
}

/// A refunds row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RefundRow)]
pub struct RefundBody {
    pub id: String,
    pub payment_id: String,
    pub booking_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// The amount refunded (`amount_minor` and `currency` repeat it).
    pub amount: Money,
    pub reason: String,
    pub created_at_ms: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A payment and the booking it moved.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PaymentOutcome)]
pub struct PaymentOutcomeBody {
    pub payment: PaymentBody,
    pub booking: BookingView,
}

impl From<PaymentRow> for PaymentBody {
    fn from(p: PaymentRow) -> Self {
        Self {
            amount: Money::new(p.amount_minor, &p.currency),
            created_at: at_ms(p.created_at_ms),
            updated_at: at_ms(p.updated_at_ms),
            refund: p.refund.map(RefundBody::from),
            id: p.id,
            booking_id: p.booking_id,
            method: p.method,
            status: p.status,
            amount_minor: p.amount_minor,
            currency: p.currency,
            provider_ref: p.provider_ref,
            card_last4: p.card_last4,
            failure_reason: p.failure_reason,
            created_at_ms: p.created_at_ms,
            updated_at_ms: p.updated_at_ms,
        }
    }
}

impl From<RefundRow> for RefundBody {
    fn from(r: RefundRow) -> Self {
        Self {
            amount: Money::new(r.amount_minor, &r.currency),
            created_at: at_ms(r.created_at_ms),
            id: r.id,
            payment_id: r.payment_id,
            booking_id: r.booking_id,
            amount_minor: r.amount_minor,
            currency: r.currency,
            reason: r.reason,
            created_at_ms: r.created_at_ms,
        }
    }
}

impl From<PaymentOutcome> for PaymentOutcomeBody {
    fn from(o: PaymentOutcome) -> Self {
        Self {
            payment: o.payment.into(),
            booking: o.booking,
        }
    }
}

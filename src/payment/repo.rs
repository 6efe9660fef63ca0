//! SQL of payments and refunds.

use crate::error::{Conflict, Error};
use crate::pagination::PageRequest;
use crate::payment::PaymentStatus;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A payments row, with its refund (the API's body is built from it in `http::api`).
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: String,
    pub booking_id: String,
    /// `test`, `cash` or `webhook`.
    pub method: String,
    pub status: PaymentStatus,
    pub amount_minor: i64,
    pub currency: String,
    pub provider_ref: Option<String>,
    pub card_last4: Option<String>,
    pub failure_reason: Option<String>,
    /// The account that paid (or took the payment at the box office).
    pub paid_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The refund of this payment, if it was refunded.
    pub refund: Option<RefundRow>,
}

/// A refunds row.
#[derive(Debug, Clone)]
pub struct RefundRow {
    pub id: String,
    pub payment_id: String,
    pub booking_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub created_at_ms: i64,
}

const COLUMNS: &str = "p.id, p.booking_id, p.method, p.status, p.amount_minor, p.currency, p.provider_ref, p.card_last4, p.failure_reason, p.paid_by, p.created_at, p.updated_at, r.id, r.amount_minor, r.reason, r.created_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PaymentRow> {
    let refund_id: Option<String> = r.get(12)?;
    let id: String = r.get(0)?;
    let booking_id: String = r.get(1)?;
    let currency: String = r.get(5)?;
    let refund = match refund_id {
        Some(rid) => Some(RefundRow {
            id: rid,
            payment_id: id.clone(),
            booking_id: booking_id.clone(),
            amount_minor: r.get(13)?,
            currency: currency.clone(),
            reason: r.get(14)?,
            created_at_ms: r.get(15)?,
        }),
        None => None,
    };
    Ok(PaymentRow {
        id,
        booking_id,
        method: r.get(2)?,
        status: r.get(3)?,
        amount_minor: r.get(4)?,
        currency,
        provider_ref: r.get(6)?,
        card_last4: r.get(7)?,
        failure_reason: r.get(8)?,
        paid_by: r.get(9)?,
        created_at_ms: r.get(10)?,
        updated_at_ms: r.get(11)?,
        refund,
    })
}

/// Inserts a pending payment; refused while another payment of the booking is pending or
/// has succeeded.
pub fn insert_pending(conn: &Connection, p: &PaymentRow) -> Result<(), Error> {
    let busy: Option<PaymentStatus> = conn
        .prepare_cached(
            "SELECT status FROM payments WHERE booking_id = ?1 AND status IN ('pending', 'succeeded') LIMIT 1",
        )?
        .query_row([&p.booking_id], |r| r.get(0))
        .optional()?;
    match busy {
        Some(PaymentStatus::Succeeded) => {
            return Err(Conflict::AlreadyPaid.into());
        }
        Some(_) => {
            return Err(Conflict::PaymentInProgress.into());
        }
        None => {}
    }
    conn.prepare_cached(
        "INSERT INTO payments (id, booking_id, method, status, amount_minor, currency, provider_ref, card_last4,
                               failure_reason, paid_by, created_at, updated_at)
         VALUES (:id, :booking, :method, 'pending', :amount, :currency, :ref, :last4, NULL, :by, :now, :now)",
    )?
    .execute(named_params! {
        ":id": p.id, ":booking": p.booking_id, ":method": p.method, ":amount": p.amount_minor,
        ":currency": p.currency, ":ref": p.provider_ref, ":last4": p.card_last4, ":by": p.paid_by,
        ":now": p.created_at_ms,
    })?;
    Ok(())
}

/// Settles a pending payment; false if it was not pending any more.
pub fn settle(
    conn: &Connection,
    id: &str,
    status: PaymentStatus,
    reason: Option<&str>,
    now_ms: i64,
) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE payments SET status = ?2, failure_reason = ?3, updated_at = ?4 WHERE id = ?1 AND status = 'pending'",
        )?
        .execute(rusqlite::params![id, status, reason, now_ms])?
        > 0)
}

/// Records the provider's reference of a payment that is still waiting for its answer.
pub fn set_provider_ref(
    conn: &Connection,
    id: &str,
    provider_ref: &str,
    now_ms: i64,
) -> Result<(), Error> {
    conn.prepare_cached("UPDATE payments SET provider_ref = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![id, provider_ref, now_ms])?;
    Ok(())
}

/// Stores the provider's reference a settling answer brings; an answer without one keeps
/// the stored reference.
pub fn fill_provider_ref(
    conn: &Connection,
    id: &str,
    provider_ref: Option<&str>,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE payments SET provider_ref = coalesce(?2, provider_ref) WHERE id = ?1",
    )?
    .execute(rusqlite::params![id, provider_ref])?;
    Ok(())
}

/// One payment.
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<PaymentRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id WHERE p.id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

/// The succeeded payment of a booking, if any.
pub fn succeeded_of(conn: &Connection, booking_id: &str) -> Result<Option<PaymentRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
             WHERE p.booking_id = ?1 AND p.status = 'succeeded'"
        ))?
        .query_row([booking_id], from_row)
        .optional()?)
}

/// Filters of the payment list.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    /// Only payments of this owner's bookings.
    pub owner_id: Option<String>,
    pub booking_id: Option<String>,
    pub status: Option<PaymentStatus>,
}

/// A page of payments, newest first.
pub fn list(
    conn: &Connection,
    f: &PaymentFilter,
    page: &PageRequest,
) -> Result<Vec<PaymentRow>, Error> {
    let before = page.after.as_ref().map(|k| k[0].clone());
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
             WHERE (:owner IS NULL OR p.booking_id IN (SELECT id FROM bookings WHERE owner_id = :owner))
               AND (:booking IS NULL OR p.booking_id = :booking) AND (:status IS NULL OR p.status = :status)
               AND (:before IS NULL OR p.id < :before)
             ORDER BY p.id DESC LIMIT :limit"
        ))?
        .query_map(
            named_params! { ":owner": f.owner_id, ":booking": f.booking_id, ":status": f.status,
                            ":before": before, ":limit": page.fetch_limit() },
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Records the refund of a succeeded payment (at most one per payment).
pub fn insert_refund(
    conn: &Connection,
    payment: &PaymentRow,
    reason: &str,
    now_ms: i64,
) -> Result<RefundRow, Error> {
    let refund = RefundRow {
        id: crate::ids::new_id("ref"),
        payment_id: payment.id.clone(),
        booking_id: payment.booking_id.clone(),
        amount_minor: payment.amount_minor,
        currency: payment.currency.clone(),
        reason: reason.to_string(),
        created_at_ms: now_ms,
    };
    conn.prepare_cached(
        "INSERT INTO refunds (id, payment_id, booking_id, amount_minor, currency, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        refund.id, refund.payment_id, refund.booking_id, refund.amount_minor, refund.currency, refund.reason, now_ms
    ])?;
    Ok(refund)
}

/// Payments of synchronous methods left pending by a crash.
pub fn interrupted(conn: &Connection) -> Result<Vec<PaymentRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
             WHERE p.status = 'pending' AND p.method IN ('test', 'cash')"
        ))?
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Records a webhook callback; false if this callback was applied before.
pub fn record_webhook(
    conn: &Connection,
    provider: &str,
    event_id: &str,
    payment_id: &str,
    now_ms: i64,
) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO webhook_events (provider, event_id, payment_id, received_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
        )?
        .execute(rusqlite::params![provider, event_id, payment_id, now_ms])?
        > 0)
}

/// Forgets a callback that could not be applied, so the gateway's retry applies it.
pub fn forget_webhook(
    conn: &Connection,
    provider: &str,
    event_id: &str,
    payment_id: &str,
) -> Result<(), Error> {
    conn.prepare_cached(
        "DELETE FROM webhook_events WHERE provider = ?1 AND event_id = ?2 AND payment_id = ?3",
    )?
    .execute(rusqlite::params![provider, event_id, payment_id])?;
    Ok(())
}

/// Why a gateway payment failed when its callback had not come by the booking's expiry.
pub const GATEWAY_NO_ANSWER: &str = "gateway_no_answer";

/// Whether a payment of the booking is waiting for its provider.
pub fn has_pending(conn: &Connection, booking_id: &str) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM payments WHERE booking_id = ?1 AND status = 'pending')",
        )?
        .query_row([booking_id], |r| r.get(0))?)
}

/// Gateway payments still pending whose booking has ended and whose time is up: their
/// callback has not come in the booking's lifetime.
pub fn unanswered(conn: &Connection, now_ms: i64, limit: i64) -> Result<Vec<PaymentRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
             JOIN bookings b ON b.id = p.booking_id
             WHERE p.status = 'pending' AND p.method = 'webhook'
               AND b.status != 'pending_payment' AND b.expires_at <= ?1
             ORDER BY p.id LIMIT ?2"
        ))?
        .query_map(rusqlite::params![now_ms, limit], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Makes a payment failed as unanswered pending again, for the success its gateway reports
/// late; false if it is not such a payment.
pub fn reopen_unanswered(conn: &Connection, id: &str, now_ms: i64) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE payments SET status = 'pending', failure_reason = NULL, updated_at = ?2
             WHERE id = ?1 AND status = 'failed' AND failure_reason = ?3",
        )?
        .execute(rusqlite::params![id, now_ms, GATEWAY_NO_ANSWER])?
        > 0)
}

//! The payment figures the staff dashboard shows: takings and refunds since a moment, and
//! payments left pending after their booking's time ran out.

use crate::error::Error;
use rusqlite::Connection;

/// Successful payments of one method and currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakingsRow {
    pub method: String,
    pub currency: String,
    pub payments: i64,
    pub amount_minor: i64,
}

/// A row of `method, currency, count, sum`.
fn takings_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TakingsRow> {
    Ok(TakingsRow {
        method: r.get(0)?,
        currency: r.get(1)?,
        payments: r.get(2)?,
        amount_minor: r.get(3)?,
    })
}

/// Payments that succeeded at or after `since_ms`, per method and currency.
pub fn takings_since(conn: &Connection, since_ms: i64) -> Result<Vec<TakingsRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT method, currency, count(*), coalesce(sum(amount_minor), 0) FROM payments
         WHERE status = 'succeeded' AND updated_at >= ?1
         GROUP BY method, currency ORDER BY method, currency",
    )?;
    let rows = stmt
        .query_map([since_ms], takings_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Refunds made at or after `since_ms`, per currency: (currency, count, amount).
pub fn refunds_since(conn: &Connection, since_ms: i64) -> Result<Vec<(String, i64, i64)>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT currency, count(*), coalesce(sum(amount_minor), 0) FROM refunds
         WHERE created_at >= ?1 GROUP BY currency ORDER BY currency",
    )?;
    let rows = stmt
        .query_map([since_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Payments still pending although their booking's time to pay ended before `now_ms`: a
/// gateway that never called back, which a person should look at.
pub fn pending_past_ttl(conn: &Connection, now_ms: i64) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM payments p JOIN bookings b ON b.id = p.booking_id
             WHERE p.status = 'pending' AND b.expires_at < ?1",
        )?
        .query_row([now_ms], |r| r.get(0))?)
}

/// Successful payments one clerk took at or after `since_ms`, per method and currency: the
/// till summary a clerk cashes up with.
pub fn takings_by(
    conn: &Connection,
    user_id: &str,
    since_ms: i64,
) -> Result<Vec<TakingsRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT method, currency, count(*), coalesce(sum(amount_minor), 0) FROM payments
         WHERE status = 'succeeded' AND paid_by = ?1 AND updated_at >= ?2
         GROUP BY method, currency ORDER BY method, currency",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![user_id, since_ms], takings_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Refunds made at or after `since_ms` of payments one clerk took, per method and currency:
/// cash refunds leave that clerk's till.
pub fn refunds_of_payments_by(
    conn: &Connection,
    user_id: &str,
    since_ms: i64,
) -> Result<Vec<TakingsRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.method, r.currency, count(*), coalesce(sum(r.amount_minor), 0)
         FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE p.paid_by = ?1 AND r.created_at >= ?2
         GROUP BY p.method, r.currency ORDER BY p.method, r.currency",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![user_id, since_ms], takings_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

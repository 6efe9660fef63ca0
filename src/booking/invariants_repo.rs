//! The saga's invariants, as `rezerve check` and the live admin check verify them: no seat
//! sold twice, every confirmed booking holding exactly its snapshot's seats and paid in full,
//! every refund matching its payment, and no booking left between states.
//!
//! Every saga step commits its state change in one transaction, so these hold at any
//! instant — also on a data dir a `kill -9` just stopped. A pending booking past its expiry
//! is not a finding: it is expired at the next start-up, as designed.

use crate::error::Error;
use crate::store::check::Finding;
use rusqlite::Connection;

fn problems(conn: &Connection, sql: &str) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare(sql)?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// Seat-legs with more than one live ticket (the unique index forbids it; this says so).
const DOUBLE_SOLD: &str = "
    SELECT 'event ' || event_id || ' seat ' || seat_label || ' leg ' || leg || ' has '
           || count(*) || ' live tickets'
    FROM ticket_legs WHERE live = 1 GROUP BY event_id, seat_label, leg HAVING count(*) > 1";

/// Bookings whose total is not the sum of their price snapshot.
const TOTALS: &str = "
    SELECT 'booking ' || b.id || ' totals ' || b.total_minor || ' but its items sum to '
           || coalesce(sum(i.unit_minor * i.quantity), 0)
    FROM bookings b LEFT JOIN booking_items i ON i.booking_id = b.id
    GROUP BY b.id HAVING b.total_minor != coalesce(sum(i.unit_minor * i.quantity), 0)";

/// Confirmed bookings without a live ticket per place, or without one for a booked seat.
const TICKETED: &str = "
    SELECT 'confirmed booking ' || b.id || ' has ' || coalesce(live.n, 0)
           || ' live tickets for ' || coalesce(places.n, 0) || ' places'
    FROM bookings b
    LEFT JOIN (SELECT booking_id, count(*) AS n FROM tickets WHERE void = 0
               GROUP BY booking_id) live ON live.booking_id = b.id
    LEFT JOIN (SELECT booking_id, sum(quantity) AS n FROM booking_items
               GROUP BY booking_id) places ON places.booking_id = b.id
    WHERE b.status = 'confirmed' AND coalesce(live.n, 0) != coalesce(places.n, 0)
    UNION ALL
    SELECT 'confirmed booking ' || b.id || ' has no live ticket for its seat ' || i.seat_label
    FROM bookings b JOIN booking_items i ON i.booking_id = b.id
    WHERE b.status = 'confirmed' AND i.seat_label IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.booking_id = b.id AND t.void = 0
                        AND t.seat_label = i.seat_label AND t.from_leg = b.from_leg
                        AND t.to_leg = b.to_leg)";

/// Confirmed bookings not paid in full by one succeeded, unrefunded payment.
const PAID: &str = "
    SELECT 'confirmed booking ' || b.id || ' is not paid in full'
    FROM bookings b
    WHERE b.status = 'confirmed'
      AND NOT EXISTS (SELECT 1 FROM payments p
                      WHERE p.booking_id = b.id AND p.status = 'succeeded'
                        AND p.amount_minor = b.total_minor AND p.currency = b.currency
                        AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id))";

/// Refunds that do not give back exactly a succeeded payment of their booking.
const REFUNDS: &str = "
    SELECT 'refund ' || r.id || ' does not match a succeeded payment of booking ' || r.booking_id
    FROM refunds r LEFT JOIN payments p ON p.id = r.payment_id
    WHERE p.id IS NULL OR p.status != 'succeeded' OR p.booking_id != r.booking_id
       OR p.amount_minor != r.amount_minor OR p.currency != r.currency";

/// Half-done states: live tickets of a booking that is not confirmed, ticket-legs that
/// disagree with their ticket, money kept for a booking that is not confirmed.
const BETWEEN_STATES: &str = "
    SELECT DISTINCT 'a ' || b.status || ' booking ' || b.id || ' has live tickets'
    FROM bookings b JOIN tickets t ON t.booking_id = b.id AND t.void = 0
    WHERE b.status != 'confirmed'
    UNION ALL
    SELECT 'ticket ' || t.id || ' is ' || CASE t.void WHEN 1 THEN 'void' ELSE 'live' END
           || ' but holds leg ' || l.leg || ' as ' || CASE l.live WHEN 1 THEN 'live' ELSE 'void' END
    FROM ticket_legs l JOIN tickets t ON t.id = l.ticket_id
    WHERE l.live = t.void
    UNION ALL
    SELECT 'payment ' || p.id || ' succeeded for ' || b.status || ' booking ' || b.id
           || ' and was not refunded'
    FROM payments p JOIN bookings b ON b.id = p.booking_id
    WHERE p.status = 'succeeded' AND b.status != 'confirmed'
      AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id)";

/// Runs every booking check.
pub fn check(conn: &Connection) -> Result<Vec<Finding>, Error> {
    let mut confirmed = problems(conn, TICKETED)?;
    confirmed.extend(problems(conn, PAID)?);
    Ok(vec![
        Finding::from_problems(
            "no seat-leg with two live tickets",
            problems(conn, DOUBLE_SOLD)?,
        ),
        Finding::from_problems(
            "every booking totals its quoted prices",
            problems(conn, TOTALS)?,
        ),
        Finding::from_problems(
            "every confirmed booking has its seats' tickets and is paid in full",
            confirmed,
        ),
        Finding::from_problems("every refund matches a payment", problems(conn, REFUNDS)?),
        Finding::from_problems(
            "no booking stuck between states",
            problems(conn, BETWEEN_STATES)?,
        ),
    ])
}

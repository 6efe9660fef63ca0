//! Per operation, the problems only the domain code knows it can send — which conflicts
//! an operation runs into, a declined card, a throttled login — found by reading the domain
//! function each handler calls. What follows from an operation's shape (a JSON body can be
//! malformed, a path names something that may not exist, a bearer token may be missing) is
//! derived in `problems.rs`; the codes themselves and what they mean are in `codes.rs`. The
//! tests below keep the lists honest against the served document.

/// Operations that read their body raw (a gateway's signed bytes): no 400 or 415, and an
/// unreadable body is a 422 `validation_failed`.
pub const RAW_BODY: &[&str] = &["receive_payment_webhook"];

type Statuses = &'static [(u16, &'static [&'static str])];

/// The problems each operation can send beyond those its shape implies.
pub const OPERATIONS: &[(&str, Statuses)] = &[
    (
        "login",
        &[
            (401, &["invalid_credentials"]),
            (403, &["account_disabled"]),
            (429, &["too_many_attempts"]),
        ],
    ),
    ("register", &[(409, &["email_taken", "phone_taken"])]),
    ("create_user", &[(409, &["email_taken", "phone_taken"])]),
    ("update_user", &[(409, &["last_admin", "phone_taken"])]),
    ("update_event", &[(409, &["event_cancelled"])]),
    (
        "delete_event",
        &[(409, &["event_has_sales", "event_has_bookings"])],
    ),
    ("block_seats", &[(409, &["seat_unavailable"])]),
    (
        "create_hold",
        &[
            (
                409,
                &["seat_unavailable", "event_cancelled", "too_many_holds"],
            ),
            (422, &["too_many_seats"]),
        ],
    ),
    (
        "extend_hold",
        &[(409, &["hold_expired", "hold_lifetime_exceeded"])],
    ),
    (
        "create_booking",
        &[
            (404, &["not_found"]),
            (
                409,
                &["hold_expired", "hold_already_booked", "event_cancelled"],
            ),
        ],
    ),
    (
        "pay_booking",
        &[
            (402, &["payment_declined"]),
            (403, &["forbidden"]),
            (
                409,
                &[
                    "booking_expired",
                    "already_paid",
                    "booking_not_payable",
                    "payment_in_progress",
                ],
            ),
            (504, &["payment_timeout"]),
        ],
    ),
    (
        "cancel_booking",
        &[
            (403, &["forbidden"]),
            (409, &["booking_not_cancellable", "booking_state"]),
        ],
    ),
    (
        "check_in_ticket",
        &[
            (409, &["already_checked_in", "ticket_void", "wrong_event"]),
            (422, &["ticket_invalid"]),
        ],
    ),
    ("retry_job", &[(409, &["job_not_retryable"])]),
    (
        "retry_notification",
        &[(409, &["already_sent", "job_not_retryable"])],
    ),
    (
        "receive_payment_webhook",
        &[
            (401, &["invalid_signature"]),
            (413, &["payload_too_large"]),
            (422, &["validation_failed"]),
        ],
    ),
    ("check_readiness", &[(503, &["not_ready"])]),
];

/// The extra statuses of one operation.
pub fn extra(operation_id: &str) -> Statuses {
    OPERATIONS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map_or(&[], |(_, statuses)| statuses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::openapi::codes::{CODES, code};
    use std::collections::BTreeSet;

    #[test]
    fn every_listed_code_exists_with_the_status_it_is_listed_under() {
        for (op, statuses) in OPERATIONS {
            for (status, codes) in *statuses {
                for c in *codes {
                    let found = code(c).map(|(s, _)| s);
                    assert_eq!(found, Some(*status), "{op}: {status} {c}");
                }
            }
        }
        let unique: BTreeSet<_> = CODES.iter().map(|(c, _, _)| c).collect();
        assert_eq!(unique.len(), CODES.len(), "a code is listed twice");
    }

    #[test]
    fn every_listed_operation_is_served() {
        let ids = super::super::served_operation_ids();
        for (op, _) in OPERATIONS {
            assert!(ids.contains(*op), "{op} is not an operation");
        }
        for op in RAW_BODY {
            assert!(ids.contains(*op), "{op} is not an operation");
        }
    }
}

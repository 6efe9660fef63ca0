//! Every stable problem `code` an answer of Rezerve can carry, with its HTTP status and
//! meaning: the `Problem.code` enum of the document, and the codes that are not the API's
//! (command line, console, handled inside). A table of its own because the document, the
//! per-operation lists (`errors.rs`) and the test that scans `src/` for raised codes all
//! read it, and a code is added here once.

/// Every code an API response can carry: code, HTTP status, what it means.
pub const CODES: &[(&str, u16, &str)] = &[
    ("malformed_request", 400, "the body is not valid JSON"),
    (
        "unauthorized",
        401,
        "no bearer token, or an expired, revoked or invalid one",
    ),
    (
        "invalid_credentials",
        401,
        "the email or password is wrong (the same answer for both)",
    ),
    (
        "invalid_signature",
        401,
        "the webhook signature is missing, wrong or outside the 5-minute window",
    ),
    (
        "payment_declined",
        402,
        "the card or provider refused the payment; the booking failed and its seats were released",
    ),
    ("forbidden", 403, "your role may not do this"),
    (
        "account_disabled",
        403,
        "the account was disabled by an administrator",
    ),
    ("not_found", 404, "no such resource, or not one you may see"),
    (
        "method_not_allowed",
        405,
        "the path does not take this method",
    ),
    (
        "seat_unavailable",
        409,
        "seats asked for are held, sold or blocked (`seats` names them; empty when too few were free); nothing was taken",
    ),
    ("hold_expired", 409, "the hold expired"),
    (
        "too_many_holds",
        409,
        "a customer account has as many live holds as it may (holds.max_live_holds_per_customer); book or release one first",
    ),
    ("hold_already_booked", 409, "the hold has a booking already"),
    (
        "hold_lifetime_exceeded",
        409,
        "the hold reached its maximum lifetime and cannot be extended",
    ),
    (
        "booking_expired",
        409,
        "the booking expired before it was paid",
    ),
    (
        "booking_not_payable",
        409,
        "the booking is cancelled, failed or refunded",
    ),
    (
        "booking_not_cancellable",
        409,
        "the booking is expired, failed, cancelled or refunded already",
    ),
    (
        "booking_state",
        409,
        "the booking changed meanwhile; read it again and retry",
    ),
    ("already_paid", 409, "the booking is paid already"),
    (
        "payment_in_progress",
        409,
        "a payment of this booking is still pending",
    ),
    (
        "idempotency_conflict",
        409,
        "this Idempotency-Key was used with a different request",
    ),
    (
        "idempotency_in_progress",
        409,
        "a request with this Idempotency-Key is still running; retry shortly",
    ),
    ("email_taken", 409, "an account with this email exists"),
    (
        "phone_taken",
        409,
        "an account with this phone number exists",
    ),
    ("last_admin", 409, "the change would leave no enabled admin"),
    ("event_cancelled", 409, "the event is cancelled"),
    (
        "event_has_sales",
        409,
        "seats of the event are held or sold; cancel it instead",
    ),
    (
        "event_has_bookings",
        409,
        "the event has bookings on record; cancel it instead",
    ),
    (
        "job_not_retryable",
        409,
        "the job (or the email's job) is running or done",
    ),
    (
        "already_sent",
        409,
        "the email was delivered; it is not sent twice",
    ),
    (
        "already_checked_in",
        409,
        "the ticket was used already (`detail` says when and by whom)",
    ),
    (
        "ticket_void",
        409,
        "the ticket's booking was cancelled or refunded",
    ),
    (
        "wrong_event",
        409,
        "the ticket is for another event than this door's",
    ),
    (
        "payload_too_large",
        413,
        "the body is larger than the server accepts",
    ),
    (
        "unsupported_media_type",
        415,
        "the body must be `application/json`",
    ),
    (
        "validation_failed",
        422,
        "the input broke a rule; `errors` names each field and why; nothing was written",
    ),
    (
        "too_many_seats",
        422,
        "more seats in one hold than a customer account may take (holds.max_seats_per_customer_hold)",
    ),
    (
        "ticket_invalid",
        422,
        "not a ticket code of ours (forged, altered or garbled)",
    ),
    (
        "too_many_attempts",
        429,
        "too many failed sign-ins for this account or address; `Retry-After` says how many seconds to wait",
    ),
    (
        "internal",
        500,
        "a fault on the server's side; it is logged, never detailed",
    ),
    (
        "unavailable",
        503,
        "shutting down, or a store is closed; retry later",
    ),
    (
        "timeout",
        503,
        "the request ran longer than the server's limit; retry later",
    ),
    ("not_ready", 503, "a store is not writable"),
    (
        "overloaded",
        503,
        "a store's write queue is full (storage.max_queued_writes); nothing was done; retry after `Retry-After` seconds",
    ),
    (
        "payment_timeout",
        504,
        "the payment provider did not answer in time; the payment failed and the seats were released",
    ),
];

/// Codes of the command line only (`rezerve setup`, `restore`, a second `serve`).
pub const CLI_ONLY: &[&str] = &["admin_exists", "data_dir_locked", "data_dir_not_empty"];

/// Codes of the staff console's pages only (`/admin`), never of the JSON API.
pub const CONSOLE_ONLY: &[&str] = &[
    "csrf_failed",
    "setup_closed",
    "event_not_on_sale",
    "payment_failed",
    "booking_not_confirmed",
    "booking_has_no_email",
];

/// Raised and handled inside the booking saga (the money is refunded); never sent.
pub const NEVER_SENT: &[&str] = &["payment_settled"];

/// The status and meaning of a code of [`CODES`].
pub fn code(name: &str) -> Option<(u16, &'static str)> {
    CODES
        .iter()
        .find(|(c, _, _)| *c == name)
        .map(|(_, status, meaning)| (*status, *meaning))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Every code literal the source raises (`code: "…"`, a status mapped to a code,
    /// `Problem::new(_, "…")`) is in the API's enum or named as CLI-, console-only or never
    /// sent; and every code of the enum is raised somewhere. Each `error::Conflict` and
    /// `http::rejection::Rejection` variant has its mapped line in `http/problem.rs` (the
    /// match is exhaustive), so a new refusal cannot bring an unlisted code.
    #[test]
    fn the_code_lists_match_the_codes_the_source_raises() {
        let mut raised = BTreeSet::new();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        scan(&root, &mut raised);
        let known: BTreeSet<String> = CODES
            .iter()
            .map(|(c, _, _)| *c)
            .chain(CLI_ONLY.iter().copied())
            .chain(CONSOLE_ONLY.iter().copied())
            .chain(NEVER_SENT.iter().copied())
            .map(str::to_string)
            .collect();
        let unlisted: Vec<_> = raised.difference(&known).collect();
        assert!(
            unlisted.is_empty(),
            "codes raised but not listed: {unlisted:?}"
        );
        // Codes the source builds without a literal next to the marker.
        let indirect = ["method_not_allowed", "payload_too_large"];
        let stale: Vec<_> = CODES
            .iter()
            .map(|(c, _, _)| c.to_string())
            .filter(|c| !raised.contains(c) && !indirect.contains(&c.as_str()))
            .collect();
        assert!(stale.is_empty(), "codes listed but never raised: {stale:?}");
    }

    fn scan(dir: &Path, raised: &mut BTreeSet<String>) {
        let entries = std::fs::read_dir(dir).expect("src is readable");
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("openapi") {
                    scan(&path, raised);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file is readable");
                raised.extend(codes_in(&text));
            }
        }
    }

    /// The first string literal after each marker that raises a code.
    fn codes_in(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for marker in ["conflict(", "code: \"", "Problem::new(", "PageError::new("] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len() - usize::from(marker.ends_with('"'))..];
                if let Some(literal) = first_literal(rest) {
                    found.push(literal);
                }
            }
        }
        // `Error::X => (StatusCode::Y, "code")` in the one mapping.
        for line in text.lines() {
            if let Some((_, after)) = line.split_once("(StatusCode::")
                && let Some(literal) = first_literal(after)
            {
                found.push(literal);
            }
        }
        found
            .into_iter()
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
            .collect()
    }

    fn first_literal(text: &str) -> Option<String> {
        let window = &text[..text.len().min(200)];
        let start = window.find('"')? + 1;
        let end = window[start..].find('"')? + start;
        Some(window[start..end].to_string())
    }
}

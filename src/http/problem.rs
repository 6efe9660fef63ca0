//! RFC 9457 problem details: the one place where domain errors become HTTP statuses and
//! stable machine codes. Internal causes are logged here and never sent.

use super::rejection::Rejection;
use crate::error::{Conflict, Error, FieldError};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error response body (`application/problem+json`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:rezerve:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, stable summary of the kind of problem.
    pub title: String,
    pub status: u16,
    /// What happened this time, for a developer.
    pub detail: String,
    /// A stable machine code, e.g. `validation_failed`, `not_found`, `seat_unavailable`.
    pub code: String,
    /// The offending fields, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The seats that were not available, for `seat_unavailable`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seats: Vec<String>,
}

impl Problem {
    /// A problem with no field errors.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:rezerve:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            errors: Vec::new(),
            seats: Vec::new(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

impl Error {
    /// The status and stable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Error::AccountDisabled => (StatusCode::FORBIDDEN, "account_disabled"),
            Error::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Error::Conflict(c) => c.status_and_code(),
            Error::SeatUnavailable { .. } => (StatusCode::CONFLICT, "seat_unavailable"),
            Error::PlacesUnavailable { .. } => (StatusCode::CONFLICT, "seat_unavailable"),
            Error::HoldExpired => (StatusCode::CONFLICT, "hold_expired"),
            Error::TooManySeats { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "too_many_seats"),
            Error::TooManyHolds { .. } => (StatusCode::CONFLICT, "too_many_holds"),
            Error::InvalidSignature => (StatusCode::UNAUTHORIZED, "invalid_signature"),
            Error::PaymentDeclined { .. } => (StatusCode::PAYMENT_REQUIRED, "payment_declined"),
            Error::PaymentTimeout => (StatusCode::GATEWAY_TIMEOUT, "payment_timeout"),
            Error::TicketInvalid => (StatusCode::UNPROCESSABLE_ENTITY, "ticket_invalid"),
            Error::Overloaded { .. } => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            Error::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl Conflict {
    /// The status and stable code of this conflict: 409 and a code per kind of refusal.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Conflict::EmailTaken => (StatusCode::CONFLICT, "email_taken"),
            Conflict::PhoneTaken => (StatusCode::CONFLICT, "phone_taken"),
            Conflict::LastAdmin => (StatusCode::CONFLICT, "last_admin"),
            Conflict::AdminExists { .. } => (StatusCode::CONFLICT, "admin_exists"),
            Conflict::SetupClosed => (StatusCode::CONFLICT, "setup_closed"),
            Conflict::EventCancelled => (StatusCode::CONFLICT, "event_cancelled"),
            Conflict::CancelledEventEdited => (StatusCode::CONFLICT, "event_cancelled"),
            Conflict::EventHasSales => (StatusCode::CONFLICT, "event_has_sales"),
            Conflict::EventHasBookings => (StatusCode::CONFLICT, "event_has_bookings"),
            Conflict::HoldLifetimeExceeded => (StatusCode::CONFLICT, "hold_lifetime_exceeded"),
            Conflict::HoldAlreadyBooked => (StatusCode::CONFLICT, "hold_already_booked"),
            Conflict::BookingExpired => (StatusCode::CONFLICT, "booking_expired"),
            Conflict::AlreadyPaid => (StatusCode::CONFLICT, "already_paid"),
            Conflict::BookingNotPayable { .. } => (StatusCode::CONFLICT, "booking_not_payable"),
            Conflict::PaymentInProgress => (StatusCode::CONFLICT, "payment_in_progress"),
            Conflict::PaymentSettled => (StatusCode::CONFLICT, "payment_settled"),
            Conflict::BookingNotCancellable { .. } => {
                (StatusCode::CONFLICT, "booking_not_cancellable")
            }
            Conflict::BookingTransition { .. } => (StatusCode::CONFLICT, "booking_state"),
            Conflict::BookingChangedWhilePaid => (StatusCode::CONFLICT, "booking_state"),
            Conflict::BookingChanged => (StatusCode::CONFLICT, "booking_state"),
            Conflict::BookingNotConfirmed { .. } => (StatusCode::CONFLICT, "booking_not_confirmed"),
            Conflict::BookingHasNoEmail => (StatusCode::CONFLICT, "booking_has_no_email"),
            Conflict::AlreadyCheckedIn { .. } => (StatusCode::CONFLICT, "already_checked_in"),
            Conflict::CheckedInMeanwhile => (StatusCode::CONFLICT, "already_checked_in"),
            Conflict::TicketVoid => (StatusCode::CONFLICT, "ticket_void"),
            Conflict::WrongEvent => (StatusCode::CONFLICT, "wrong_event"),
            Conflict::JobNotRetryable { .. } => (StatusCode::CONFLICT, "job_not_retryable"),
            Conflict::EmailSending => (StatusCode::CONFLICT, "job_not_retryable"),
            Conflict::AlreadySent => (StatusCode::CONFLICT, "already_sent"),
            Conflict::IdempotencyConflict => (StatusCode::CONFLICT, "idempotency_conflict"),
            Conflict::IdempotencyInProgress => (StatusCode::CONFLICT, "idempotency_in_progress"),
            Conflict::DataDirLocked { .. } => (StatusCode::CONFLICT, "data_dir_locked"),
            Conflict::DataDirNotEmpty { .. } => (StatusCode::CONFLICT, "data_dir_not_empty"),
        }
    }
}

impl Rejection {
    /// The status and stable code of this refusal.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Rejection::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            Rejection::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Rejection::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Rejection::Domain(e) => e.status_and_code(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Domain(e) => e.into_response(),
            transport => {
                let (status, code) = transport.status_and_code();
                Problem::new(status, code, transport.to_string()).into_response()
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let detail = match &self {
            Error::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                "something went wrong on our side; it has been logged".to_string()
            }
            Error::Unavailable(cause) => {
                tracing::warn!(%cause, "unavailable");
                "the service is unavailable; try again shortly".to_string()
            }
            other => other.to_string(),
        };
        let retry_after = match &self {
            Error::TooManyAttempts {
                retry_after_seconds,
            }
            | Error::Overloaded {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let mut problem = Problem::new(status, code, detail);
        match self {
            Error::Validation(errors) => problem.errors = errors,
            Error::SeatUnavailable { seats } => problem.seats = seats,
            _ => {}
        }
        let mut response = problem.into_response();
        if let Some(seconds) = retry_after
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if code == "unauthorized" {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

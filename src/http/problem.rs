//! RFC 9457 problem details: the one place where domain errors become HTTP statuses and
//! stable machine codes. Internal causes are logged here and never sent.

use crate::error::{Error, FieldError};
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
            Error::MalformedRequest(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            Error::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Error::AccountDisabled => (StatusCode::FORBIDDEN, "account_disabled"),
            Error::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Error::Conflict { code, .. } => (StatusCode::CONFLICT, code),
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

//! The one error type the domains return.
//!
//! Variants are written in domain words and carry no HTTP types; `http::problem` maps each one
//! to a status and a stable machine code, once. `Internal` keeps its cause for the log only:
//! what a client sees of it is a generic sentence.

mod conflict;

pub use conflict::Conflict;
use serde::Serialize;

/// A field that failed validation and why, as shown to API clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The JSON path of the offending field, e.g. `seat_map.sections[0].rows[1].seats`.
    pub field: String,
    /// What is wrong with it, in a sentence a developer can act on.
    pub message: String,
}

/// Everything a domain operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input broke one or more rules; nothing was written.
    #[error("the request is not valid: {}", summarize(.0))]
    Validation(Vec<FieldError>),
    /// No valid credentials came with a request that needs them.
    #[error("a valid bearer token is required")]
    Unauthenticated,
    /// Login failed; the same answer for an unknown email and a wrong password.
    #[error("the email or password is wrong")]
    InvalidCredentials,
    /// The account exists but has been disabled by an administrator.
    #[error("this account is disabled")]
    AccountDisabled,
    /// Too many failed logins for this account or from this address; try again later.
    #[error("too many failed sign-in attempts; try again in {}", wait_words(*.retry_after_seconds))]
    TooManyAttempts { retry_after_seconds: u64 },
    /// The caller is known but their role may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// The thing does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state; nothing was changed.
    #[error("{0}")]
    Conflict(#[from] Conflict),
    /// Seats asked for are held, sold or blocked; nothing was taken. Empty when a
    /// best-available request found too few free seats.
    #[error("{}", seat_detail(.seats))]
    SeatUnavailable { seats: Vec<String> },
    /// Too few general-admission places are left in a category.
    #[error("only {left} places are left in `{category}`")]
    PlacesUnavailable { category: String, left: u32 },
    /// A customer asked for more seats in one hold than a customer account may hold.
    #[error(
        "a customer account may hold at most {limit} seats at once; the box office can sell more"
    )]
    TooManySeats { limit: u32 },
    /// A customer account already has as many live holds as it may.
    #[error("this account already holds seats {limit} times; book or release a hold first")]
    TooManyHolds { limit: usize },
    /// The hold has expired.
    #[error("the hold has expired")]
    HoldExpired,
    /// A webhook's signature is missing, wrong, or outside the replay window.
    #[error("the webhook signature is missing, invalid or too old")]
    InvalidSignature,
    /// The payment provider refused the charge.
    #[error("the payment was declined: {reason}")]
    PaymentDeclined { reason: String },
    /// The payment provider did not answer in time.
    #[error("the payment provider did not answer in time")]
    PaymentTimeout,
    /// A ticket code that is not one of ours (forged, altered or garbled).
    #[error("this is not a valid ticket code")]
    TicketInvalid,
    /// A store's write queue is full (`storage.max_queued_writes`): refused before anything
    /// was done, to be retried after `retry_after_seconds`.
    #[error(
        "the server is taking in more writes than it can store right now; nothing was done; try again in {}",
        wait_words(*.retry_after_seconds)
    )]
    Overloaded { retry_after_seconds: u64 },
    /// The service is shutting down or a store is closed.
    #[error("the service is unavailable: {0}")]
    Unavailable(String),
    /// A bug or an environmental failure; the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

fn seat_detail(seats: &[String]) -> String {
    if seats.is_empty() {
        "not enough seats are free to satisfy the request".to_string()
    } else {
        format!("these seats are not available: {}", seats.join(", "))
    }
}

/// A wait in words a person at a till reads at a glance: "40 seconds", "15 minutes".
pub fn wait_words(seconds: u64) -> String {
    match seconds {
        0..=1 => "1 second".to_string(),
        2..=90 => format!("{seconds} seconds"),
        _ => {
            let minutes = seconds.div_ceil(60);
            format!("{minutes} minutes")
        }
    }
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A validation error about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// An internal failure with its cause, for the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(format!("sqlite: {e}"))
    }
}

impl From<redb::Error> for Error {
    fn from(e: redb::Error) -> Self {
        Error::Internal(format!("redb: {e}"))
    }
}

/// The longest free-text query parameter (a search term, an email, a stop name, an id)
/// any list accepts: longer values are 422, never a SQL error.
pub const MAX_QUERY_CHARS: usize = 200;

/// Collects field errors so a client learns every problem with a request at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` against `field` unless `ok` holds.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.add(field, message);
        }
    }

    /// Records a failure.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Records a failure when a free-text query value is longer than [`MAX_QUERY_CHARS`].
    pub fn query_text(&mut self, field: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.check(
                value.chars().count() <= MAX_QUERY_CHARS,
                field,
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            );
        }
    }

    /// True when nothing has failed so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when every check passed, else every failure at once.
    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }
}

//! What a request runs into when the state it finds does not allow it, in the domain's
//! words: a cancelled event, a booking paid already, a ticket used once. The domains return
//! these; `http::problem` alone gives each its HTTP status and stable machine code. The
//! sentence (`Display`) is the problem's `detail`.

/// A request the current state does not allow; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    // Accounts.
    /// Another account has this email.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Another account has this phone number.
    #[error("an account with this phone number already exists")]
    PhoneTaken,
    /// The change would leave no enabled admin.
    #[error("this is the last enabled admin; create another admin first")]
    LastAdmin,
    /// The first admin exists already (`rezerve init`/`setup`).
    #[error("an admin already exists ({email})")]
    AdminExists { email: String },
    /// A first-run setup link that was used, expired, or came after an admin was made.
    #[error(
        "this setup link is not valid: it was used, it expired, or an admin exists already \
         (restart `rezerve serve` for a new link, or use `rezerve user add --role admin`)"
    )]
    SetupClosed,

    // Events.
    /// The event is cancelled: nothing of it sells.
    #[error("the event has been cancelled")]
    EventCancelled,
    /// The event is cancelled, so it is not edited.
    #[error("a cancelled event cannot be edited")]
    CancelledEventEdited,
    /// Seats of the event are held or sold, so it is not deleted.
    #[error("seats of this event are held or sold; cancel the event instead")]
    EventHasSales,
    /// The event has bookings on record, so it is not deleted.
    #[error(
        "this event has bookings on record (expired, cancelled or refunded ones count too), so it cannot be deleted; cancel it instead, which keeps them"
    )]
    EventHasBookings,

    // Holds.
    /// A hold may not be extended past `holds.max_lifetime_seconds`.
    #[error("this hold has reached its maximum lifetime (holds.max_lifetime_seconds)")]
    HoldLifetimeExceeded,
    /// The hold has a booking already.
    #[error("this hold has a booking already")]
    HoldAlreadyBooked,

    // Bookings and payments.
    /// The booking expired before it was paid.
    #[error("this booking expired before it was paid")]
    BookingExpired,
    /// The booking is paid already.
    #[error("this booking is paid already")]
    AlreadyPaid,
    /// A booking in this state (`cancelled`, `failed`, `refunded`) is not paid.
    #[error("a {status} booking cannot be paid")]
    BookingNotPayable { status: &'static str },
    /// Another payment of the booking is still pending.
    #[error("another payment of this booking is still in progress")]
    PaymentInProgress,
    /// The payment was settled already (raised and handled inside the saga).
    #[error("the payment was settled already")]
    PaymentSettled,
    /// A booking in this state is not cancelled.
    #[error("a {status} booking cannot be cancelled")]
    BookingNotCancellable { status: &'static str },
    /// A booking may not move from one state to the other.
    #[error("a booking that is {from} cannot become {to}")]
    BookingTransition {
        from: &'static str,
        to: &'static str,
    },
    /// The booking changed while it was being paid.
    #[error("the booking changed while it was paid")]
    BookingChangedWhilePaid,
    /// The booking changed meanwhile; reading it again and retrying may work.
    #[error("the booking changed meanwhile; try again")]
    BookingChanged,
    /// Only a confirmed booking has a confirmation to resend.
    #[error("a {status} booking has no confirmation to resend")]
    BookingNotConfirmed { status: String },
    /// A walk-in sale without an email has no address to send the confirmation to.
    #[error(
        "this walk-in gave no email, so there is nowhere to send the tickets; print them instead"
    )]
    BookingHasNoEmail,

    // Tickets at the door.
    /// The ticket was used already, at `at` (RFC 3339) by the staff member named `by`.
    #[error("already used at {at} (checked in by {by})")]
    AlreadyCheckedIn { at: String, by: String },
    /// The ticket was checked in by another scan between reading and admitting it.
    #[error("already used")]
    CheckedInMeanwhile,
    /// The ticket's booking was cancelled or refunded.
    #[error("this ticket's booking was cancelled or refunded")]
    TicketVoid,
    /// The ticket is for another event than this door's.
    #[error("this ticket is for another event")]
    WrongEvent,

    // Jobs and emails.
    /// Only a dead or queued job is retried.
    #[error("job {id} is {status}; only dead or queued jobs can be retried")]
    JobNotRetryable { id: i64, status: &'static str },
    /// The email's job is running right now.
    #[error("this email is being sent right now")]
    EmailSending,
    /// The email was delivered; it is never sent twice.
    #[error("this email was delivered; it is not sent twice")]
    AlreadySent,

    // Idempotency keys.
    /// The key was used with a different request.
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyConflict,
    /// A request with the key is still running.
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyInProgress,

    // The data dir (command line).
    /// Another process holds the data dir's lock.
    #[error("another rezerve process is using {dir} (stop `rezerve serve` first)")]
    DataDirLocked { dir: String },
    /// A restore into a data dir that has a database.
    #[error(
        "{dir} already has a database; restore into an empty data dir, or pass --force to replace it"
    )]
    DataDirNotEmpty { dir: String },
}

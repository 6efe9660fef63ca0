//! Why a job or a seat change exists: the account, event, booking or hold that caused it.
//! Stored as `<kind>:<id>`; a booking's cause may carry a `:<tag>` after the id, for one of
//! several jobs of one booking. Producers write it with [`Cause`]'s `Display`; readers (the
//! audit, the staff dossier) parse it back with [`Cause::parse`] instead of splitting text.

use std::fmt;

/// What caused a job or a seat change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// An account (its welcome email).
    User(String),
    /// An event (its cancellation, its seats' changes).
    Event(String),
    /// A booking (its follow-ups, a refund's seats).
    Booking(String),
    /// A hold (a seat change it made; a sale logs the booking's id here).
    Hold(String),
}

impl Cause {
    /// Reads a stored cause; `None` for one of no known kind. A tag after the id is dropped.
    pub fn parse(stored: &str) -> Option<Cause> {
        let (kind, rest) = stored.split_once(':')?;
        let id = rest.split(':').next().unwrap_or(rest).to_string();
        Some(match kind {
            "user" => Cause::User(id),
            "event" => Cause::Event(id),
            "booking" => Cause::Booking(id),
            "hold" => Cause::Hold(id),
            _ => return None,
        })
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::User(id) => write!(f, "user:{id}"),
            Cause::Event(id) => write!(f, "event:{id}"),
            Cause::Booking(id) => write!(f, "booking:{id}"),
            Cause::Hold(id) => write!(f, "hold:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cause;

    #[test]
    fn causes_read_back_as_written() {
        for cause in [
            Cause::User("usr_1".into()),
            Cause::Event("evt_2".into()),
            Cause::Booking("bkg_3".into()),
            Cause::Hold("hld_4".into()),
        ] {
            assert_eq!(Cause::parse(&cause.to_string()), Some(cause));
        }
        assert_eq!(
            Cause::parse("booking:bkg_3:refund"),
            Some(Cause::Booking("bkg_3".into()))
        );
        assert_eq!(Cause::parse("block"), None);
        assert_eq!(Cause::parse("payment:pay_1"), None);
    }
}

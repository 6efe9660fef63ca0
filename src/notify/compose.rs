//! What a trigger calls for: which emails, to whom, with what data and subject. Reads the
//! trigger's payload, and the events (through the catalog's repo) and the recipients'
//! account names (through auth's) in one trip to the reader pool for a worker's batch of
//! triggers; writes nothing: the outbox logs what this returns and makes the first attempts.

use super::Notifier;
use super::email::{EmailData, EmailKind, EventInfo, TicketInfo, format_money};
use crate::auth::messages::UserCreated;
use crate::booking::messages::{
    BookingCancelled, BookingExpired, BookingRef, EventCancelled, PaymentFailed, PaymentSucceeded,
    SEATS_UNAVAILABLE, TicketLine,
};
use crate::error::Error;
use crate::jobs::{Cause, JobKind, JobRow, message};
use std::collections::HashMap;

/// An email about to be logged.
pub(super) struct Outgoing {
    pub(super) kind: EmailKind,
    pub(super) to: String,
    pub(super) cause: String,
    pub(super) data: EmailData,
}

/// A job that calls for emails, read as its kind's message.
pub(super) enum Trigger {
    UserCreated(UserCreated),
    PaymentSucceeded(PaymentSucceeded),
    PaymentFailed(PaymentFailed),
    BookingExpired(BookingExpired),
    BookingCancelled(BookingCancelled),
    EventCancelled(EventCancelled),
}

impl Trigger {
    /// The kinds that call for emails.
    pub(super) const KINDS: [JobKind; 6] = [
        JobKind::UserCreated,
        JobKind::PaymentSucceeded,
        JobKind::PaymentFailed,
        JobKind::BookingExpired,
        JobKind::BookingCancelled,
        JobKind::EventCancelled,
    ];

    /// Reads a job of one of [`Trigger::KINDS`]; `None` for a kind that calls for no email.
    fn read(kind: JobKind, job: &JobRow) -> Result<Option<Trigger>, String> {
        Ok(Some(match kind {
            JobKind::UserCreated => Trigger::UserCreated(message::read(job)?),
            JobKind::PaymentSucceeded => Trigger::PaymentSucceeded(message::read(job)?),
            JobKind::PaymentFailed => Trigger::PaymentFailed(message::read(job)?),
            JobKind::BookingExpired => Trigger::BookingExpired(message::read(job)?),
            JobKind::BookingCancelled => Trigger::BookingCancelled(message::read(job)?),
            JobKind::EventCancelled => Trigger::EventCancelled(message::read(job)?),
            JobKind::SeatsChanged | JobKind::CancelEvent | JobKind::SendEmail => return Ok(None),
        }))
    }

    /// The booking it is about, if any.
    fn booking(&self) -> Option<&BookingRef> {
        match self {
            Trigger::PaymentSucceeded(m) => Some(&m.booking),
            Trigger::PaymentFailed(m) => Some(&m.booking),
            Trigger::BookingExpired(m) => Some(&m.booking),
            Trigger::BookingCancelled(m) => Some(&m.booking),
            Trigger::UserCreated(_) | Trigger::EventCancelled(_) => None,
        }
    }

    /// The event it is about, if any.
    fn event_id(&self) -> Option<&str> {
        match self {
            Trigger::EventCancelled(m) => Some(&m.event_id),
            other => other.booking().map(|b| b.event_id.as_str()),
        }
    }
}

impl Notifier {
    /// Renders the emails each trigger job calls for, queues them and makes their first
    /// attempts, the jobs' shared reads and writes once for them all; an outcome per job.
    pub async fn on_triggers(&self, kind: JobKind, jobs: &[JobRow]) -> Vec<Result<(), String>> {
        let read: Vec<Result<Option<Trigger>, String>> =
            jobs.iter().map(|job| Trigger::read(kind, job)).collect();
        let triggers: Vec<&Trigger> = read
            .iter()
            .filter_map(|r| r.as_ref().ok()?.as_ref())
            .collect();
        let mut composed = match self.compose_all(&triggers).await {
            Ok(composed) => composed.into_iter(),
            Err(e) => return jobs.iter().map(|_| Err(e.to_string())).collect(),
        };
        let outgoing: Vec<Vec<Outgoing>> = read
            .iter()
            .map(|r| match r {
                Ok(Some(_)) => composed.next().unwrap_or_default(),
                Ok(None) | Err(_) => Vec::new(),
            })
            .collect();
        let mut logged = self.queue_and_deliver(outgoing).await.into_iter();
        read.into_iter()
            .map(|r| {
                let logged = logged.next().unwrap_or(Ok(()));
                r.map(drop).and_then(|()| logged.map_err(|e| e.to_string()))
            })
            .collect()
    }

    /// The emails a trigger calls for, each with its event and the recipient's name, read in
    /// one trip to the reader pool.
    pub(super) async fn compose(&self, trigger: &Trigger) -> Result<Vec<Outgoing>, Error> {
        Ok(self
            .compose_all(&[trigger])
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// The emails each trigger calls for, with their events and the recipients' names read
    /// in one trip to the reader pool for them all.
    async fn compose_all(&self, triggers: &[&Trigger]) -> Result<Vec<Vec<Outgoing>>, Error> {
        let mut outgoing: Vec<Vec<Outgoing>> = triggers.iter().map(|t| self.outgoing(t)).collect();
        if outgoing.iter().all(Vec::is_empty) {
            return Ok(outgoing);
        }
        for out in outgoing.iter_mut().flatten() {
            out.data.name = out.data.name.trim().to_string();
        }
        let mut event_ids: Vec<String> = triggers
            .iter()
            .zip(&outgoing)
            .filter(|(_, o)| !o.is_empty())
            .filter_map(|(t, _)| t.event_id().map(str::to_string))
            .collect();
        event_ids.sort_unstable();
        event_ids.dedup();
        let mut unnamed: Vec<String> = outgoing
            .iter()
            .flatten()
            .filter(|o| o.data.name.is_empty())
            .map(|o| crate::auth::account::canonical_email(&o.to))
            .collect();
        unnamed.sort_unstable();
        unnamed.dedup();
        let unlisted: Vec<String> = triggers
            .iter()
            .zip(&outgoing)
            .filter(|(_, o)| !o.is_empty())
            .filter_map(|(t, _)| match t {
                Trigger::PaymentSucceeded(p) if p.tickets.is_none() => {
                    Some(p.booking.booking_id.clone())
                }
                _ => None,
            })
            .collect();
        let (events, names, issued) = self
            .db
            .read(move |conn| {
                let mut events = HashMap::new();
                for id in event_ids {
                    let event = event_info(conn, &id)?;
                    events.insert(id, event);
                }
                let mut names = HashMap::new();
                for email in unnamed {
                    let user = crate::auth::repo::by_email(conn, &email)?;
                    names.insert(email, user.map(|u| u.name));
                }
                // The tickets as the confirmation issued them, void or not since, as the
                // message carried them: it says what the payment confirmed (a later
                // cancellation sends its own email).
                let mut issued = HashMap::new();
                for booking_id in unlisted {
                    let tickets = crate::booking::repo::tickets_as_issued(conn, &booking_id)?;
                    let lines: Vec<TicketLine> = tickets.iter().map(TicketLine::of).collect();
                    issued.insert(booking_id, ticket_infos(&lines));
                }
                Ok((events, names, issued))
            })
            .await?;
        for (trigger, outs) in triggers.iter().zip(&mut outgoing) {
            let event = trigger
                .event_id()
                .and_then(|id| events.get(id).cloned().flatten());
            let tickets = match trigger {
                Trigger::PaymentSucceeded(p) if p.tickets.is_none() => {
                    issued.get(&p.booking.booking_id)
                }
                _ => None,
            };
            for out in outs {
                out.data.event.clone_from(&event);
                if let Some(tickets) = tickets {
                    out.data.tickets.clone_from(tickets);
                }
                if out.data.name.is_empty() {
                    // The account name behind the address, or a neutral greeting.
                    out.data.name = names
                        .get(&crate::auth::account::canonical_email(&out.to))
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| "there".into());
                }
            }
        }
        Ok(outgoing)
    }

    /// The emails a trigger calls for, before its event and the recipients' names are read.
    fn outgoing(&self, trigger: &Trigger) -> Vec<Outgoing> {
        let mut base = EmailData {
            brand: self.brand.clone(),
            footer: self.footer.clone(),
            ..EmailData::default()
        };
        if let Some(b) = trigger.booking() {
            base.seats = b.seats.clone();
            base.reference = b.booking_id.clone();
        }
        // A walk-in who gave no email gets none.
        let to_booker = |kind: EmailKind, b: &BookingRef, cause: String, data: EmailData| match &b
            .customer_email
        {
            Some(to) => vec![Outgoing {
                kind,
                to: to.clone(),
                cause,
                data,
            }],
            None => Vec::new(),
        };
        let booking_cause = |b: &BookingRef| Cause::Booking(b.booking_id.clone()).to_string();
        match trigger {
            Trigger::UserCreated(u) => {
                base.name = u.name.clone();
                vec![Outgoing {
                    kind: EmailKind::Welcome,
                    to: u.email.clone(),
                    cause: Cause::User(u.user_id.clone()).to_string(),
                    data: base,
                }]
            }
            Trigger::PaymentSucceeded(p) => {
                base.amount = format_money(p.total_minor, &p.currency);
                // Without them in the message they are read with the event.
                base.tickets = ticket_infos(p.tickets.as_deref().unwrap_or_default());
                let cause = booking_cause(&p.booking);
                to_booker(EmailKind::BookingConfirmed, &p.booking, cause, base)
            }
            Trigger::PaymentFailed(p) => {
                let (reason, charge_unknown) = told_reason(&p.reason);
                base.reason = Some(reason);
                base.charge_unknown = charge_unknown;
                base.refund = p
                    .refund_minor
                    .filter(|_| p.refunded)
                    .map(|m| format_money(m, &p.currency));
                let tag = if base.refund.is_some() {
                    "refund"
                } else {
                    "failed"
                };
                let cause = format!("{}:{tag}", booking_cause(&p.booking));
                to_booker(EmailKind::PaymentFailed, &p.booking, cause, base)
            }
            Trigger::BookingExpired(e) => {
                let cause = booking_cause(&e.booking);
                to_booker(EmailKind::BookingExpired, &e.booking, cause, base)
            }
            Trigger::BookingCancelled(c) => {
                base.reason = Some(c.reason.clone());
                base.refund = c.refund_minor.map(|m| format_money(m, &c.currency));
                let cause = booking_cause(&c.booking);
                to_booker(EmailKind::BookingCancelled, &c.booking, cause, base)
            }
            Trigger::EventCancelled(e) => e
                .holders
                .iter()
                .map(|h| {
                    let mut data = base.clone();
                    data.reference = h.booking_id.clone().unwrap_or_default();
                    data.refund = h
                        .refund_minor
                        .map(|m| format_money(m, h.currency.as_deref().unwrap_or("")));
                    // A customer who only held seats: once per event.
                    let cause = match &h.booking_id {
                        Some(id) => Cause::Booking(id.clone()),
                        None => Cause::Event(e.event_id.clone()),
                    };
                    Outgoing {
                        kind: EmailKind::EventCancelled,
                        to: h.customer_email.clone(),
                        cause: cause.to_string(),
                        data,
                    }
                })
                .collect(),
        }
    }
}

/// A confirmation's tickets as its email shows them, each with its inline image's
/// Content-ID.
fn ticket_infos(tickets: &[TicketLine]) -> Vec<TicketInfo> {
    tickets
        .iter()
        .enumerate()
        .map(|(i, t)| TicketInfo {
            seat: t.seat.clone(),
            category: t.category.clone(),
            code: t.code.clone(),
            cid: format!("ticket-{}@rezerve", i + 1),
        })
        .collect()
}

/// The event's name, place and local start time, if it still exists.
fn event_info(conn: &rusqlite::Connection, id: &str) -> Result<Option<EventInfo>, Error> {
    let Some(e) = crate::catalog::repo::event_by_id(conn, id)? else {
        return Ok(None);
    };
    let stops = crate::catalog::repo::stops(conn, id)?;
    let place = match (stops.first(), stops.last(), &e.venue_name) {
        (Some(a), Some(b), _) if stops.len() >= 2 => format!("{} → {}", a.name, b.name),
        (_, _, Some(venue)) => venue.clone(),
        _ => String::new(),
    };
    Ok(Some(EventInfo {
        name: e.name,
        place,
        when: local_time(e.starts_at_ms.div_euclid(1000), &e.timezone),
    }))
}

pub(super) fn subject(kind: EmailKind, d: &EmailData) -> String {
    let event = d.event.as_ref().map(|e| e.name.clone()).unwrap_or_default();
    match kind {
        EmailKind::Welcome => format!("Welcome to {}", d.brand),
        EmailKind::BookingConfirmed => format!("Your tickets for {event}"),
        EmailKind::PaymentFailed if d.refund.is_some() => {
            format!("Your payment for {event} was refunded")
        }
        EmailKind::PaymentFailed => format!("Your payment for {event} did not go through"),
        EmailKind::BookingExpired => format!("Your booking for {event} has expired"),
        EmailKind::BookingCancelled => format!("Your booking for {event} is cancelled"),
        EmailKind::EventCancelled => format!("{event} is cancelled"),
        EmailKind::Test => format!("{}: test email", d.brand),
    }
}

/// Why a payment failed, as a customer reads it (the codes we know in words, a gateway's own
/// text as it came), and whether the money may still have been taken: a provider that did
/// not answer may charge later (and that late success is refunded), so the email must not
/// say that no money was taken.
fn told_reason(code: &str) -> (String, bool) {
    match code {
        "card_declined" => ("the card was declined".into(), false),
        "provider_timeout" => ("the payment provider did not answer in time".into(), true),
        "gateway_no_answer" => (
            "your payment provider did not confirm the payment before the booking expired".into(),
            true,
        ),
        SEATS_UNAVAILABLE => ("the seats were no longer available".into(), false),
        other => (other.to_string(), false),
    }
}

/// A start time as people at the event read it: `Sun 10 Jan 2027, 18:30 IST (Asia/Kolkata)`.
pub fn local_time(unix_seconds: i64, timezone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_second(unix_seconds) {
        Ok(t) => {
            t.to_zoned_datetime(tz)
                .strftime("%a %-d %b %Y, %H:%M %Z")
                .to_string()
                + &format!(" ({timezone})")
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::notify::email::{EmailData, EmailKind, render};

    #[test]
    fn a_payment_no_provider_answered_is_not_told_that_no_money_was_taken() {
        for (code, unknown) in [
            ("card_declined", false),
            ("provider_timeout", true),
            ("gateway_no_answer", true),
            ("insufficient funds at the bank", false),
        ] {
            let (reason, charge_unknown) = super::told_reason(code);
            assert_eq!(charge_unknown, unknown, "{code}");
            let d = EmailData {
                reason: Some(reason),
                charge_unknown,
                ..EmailData::default()
            };
            let (html, text) = render(EmailKind::PaymentFailed, &d).expect("renders");
            for part in [html, text] {
                assert_eq!(
                    part.contains("No money was taken"),
                    !unknown,
                    "{code}: {part}"
                );
                assert_eq!(
                    part.contains("refunded automatically"),
                    unknown,
                    "{code}: {part}"
                );
                if code.contains('_') {
                    assert!(!part.contains(code), "{code} shown as a code: {part}");
                }
            }
        }
    }

    #[test]
    fn a_late_payment_is_told_in_words_that_the_seats_were_gone() {
        let (reason, charge_unknown) =
            super::told_reason(crate::booking::messages::SEATS_UNAVAILABLE);
        assert!(!charge_unknown);
        let d = EmailData {
            reason: Some(reason),
            refund: Some("₹500.00".into()),
            ..EmailData::default()
        };
        let (html, text) = render(EmailKind::PaymentFailed, &d).expect("renders");
        for part in [html, text] {
            assert!(
                part.contains("did not go through: the seats were no longer available."),
                "{part}"
            );
            assert!(!part.contains("seats_unavailable"), "{part}");
        }
    }

    #[test]
    fn times_are_shown_in_the_event_zone() {
        // 2027-01-10T13:00:00Z is 18:30 in India.
        let s = super::local_time(1_799_586_000, "Asia/Kolkata");
        assert!(s.starts_with("Sun 10 Jan 2027, 18:30"), "{s}");
        assert!(s.ends_with("(Asia/Kolkata)"), "{s}");
    }
}

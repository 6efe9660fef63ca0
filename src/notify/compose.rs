//! What a trigger calls for: which emails, to whom, with what data and subject. Reads the
//! trigger's payload and the catalog (through its repo); writes nothing: the outbox logs
//! what this returns.

use super::Notifier;
use super::email::{EmailData, EmailKind, EventInfo, TicketInfo, format_money};
use crate::error::Error;
use crate::jobs::{JobKind, JobRow};
use serde_json::Value;

/// An email about to be logged.
pub(super) struct Outgoing {
    pub(super) kind: EmailKind,
    pub(super) to: String,
    pub(super) cause: String,
    pub(super) data: EmailData,
}
impl Notifier {
    /// Renders the emails a trigger calls for and queues them; returns how many were new.
    pub async fn on_trigger(&self, kind: JobKind, job: &JobRow) -> Result<usize, Error> {
        let payload: Value = serde_json::from_str(&job.payload).map_err(Error::internal)?;
        let outgoing = self.compose(kind, &payload).await?;
        self.queue(outgoing).await
    }

    pub(super) async fn compose(&self, kind: JobKind, p: &Value) -> Result<Vec<Outgoing>, Error> {
        let text = |v: &Value| v.as_str().map(str::to_string);
        let event_id = text(&p["event_id"]);
        let event = match &event_id {
            Some(id) => self.event_info(id).await?,
            None => None,
        };
        let money = |minor: &Value| {
            minor
                .as_i64()
                .map(|m| format_money(m, p["currency"].as_str().unwrap_or("")))
        };
        let seats: Vec<String> = p["seats"]
            .as_array()
            .map(|a| a.iter().filter_map(&text).collect())
            .unwrap_or_default();
        let booking = text(&p["booking_id"]);
        let mut base = EmailData {
            brand: self.brand.clone(),
            footer: self.footer.clone(),
            event,
            seats,
            reference: booking.clone().unwrap_or_default(),
            ..EmailData::default()
        };
        let one = |kind: EmailKind,
                   to: Option<String>,
                   cause: String,
                   data: EmailData|
         -> Vec<Outgoing> {
            to.map(|to| {
                vec![Outgoing {
                    kind,
                    to,
                    cause,
                    data,
                }]
            })
            .unwrap_or_default()
        };
        let booking_cause = format!("booking:{}", booking.clone().unwrap_or_default());
        Ok(match kind {
            JobKind::UserCreated => {
                base.name = text(&p["name"]).unwrap_or_default();
                one(
                    EmailKind::Welcome,
                    text(&p["email"]),
                    format!("user:{}", text(&p["user_id"]).unwrap_or_default()),
                    base,
                )
            }
            JobKind::PaymentSucceeded => {
                base.amount = money(&p["total_minor"]).unwrap_or_default();
                base.tickets = p["tickets"]
                    .as_array()
                    .map(|tickets| {
                        tickets
                            .iter()
                            .enumerate()
                            .map(|(i, t)| TicketInfo {
                                seat: text(&t["seat"]),
                                category: text(&t["category"]).unwrap_or_default(),
                                code: text(&t["code"]).unwrap_or_default(),
                                cid: format!("ticket-{}@rezerve", i + 1),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                one(
                    EmailKind::BookingConfirmed,
                    text(&p["customer_email"]),
                    booking_cause,
                    base,
                )
            }
            JobKind::PaymentFailed => {
                if let Some(code) = p["reason"].as_str() {
                    let (reason, charge_unknown) = told_reason(code);
                    base.reason = Some(reason);
                    base.charge_unknown = charge_unknown;
                }
                base.refund = if p["refunded"].as_bool() == Some(true) {
                    money(&p["refund_minor"])
                } else {
                    None
                };
                let cause = format!(
                    "{booking_cause}:{}",
                    if base.refund.is_some() {
                        "refund"
                    } else {
                        "failed"
                    }
                );
                one(
                    EmailKind::PaymentFailed,
                    text(&p["customer_email"]),
                    cause,
                    base,
                )
            }
            JobKind::BookingExpired => one(
                EmailKind::BookingExpired,
                text(&p["customer_email"]),
                booking_cause,
                base,
            ),
            JobKind::BookingCancelled => {
                base.reason = text(&p["reason"]);
                base.refund = money(&p["refund_minor"]);
                one(
                    EmailKind::BookingCancelled,
                    text(&p["customer_email"]),
                    booking_cause,
                    base,
                )
            }
            JobKind::EventCancelled => p["holders"]
                .as_array()
                .map(|holders| {
                    holders
                        .iter()
                        .filter_map(|h| {
                            let mut data = base.clone();
                            let booking = text(&h["booking_id"]);
                            data.reference = booking.clone().unwrap_or_default();
                            data.refund = h["refund_minor"]
                                .as_i64()
                                .map(|m| format_money(m, h["currency"].as_str().unwrap_or("")));
                            // A customer who only held seats: once per event.
                            let cause = match booking {
                                Some(id) => format!("booking:{id}"),
                                None => format!("event:{}", event_id.clone().unwrap_or_default()),
                            };
                            Some(Outgoing {
                                kind: EmailKind::EventCancelled,
                                to: text(&h["customer_email"])?,
                                cause,
                                data,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    }

    /// The event's name, place and local start time, if it still exists.
    async fn event_info(&self, event_id: &str) -> Result<Option<EventInfo>, Error> {
        let id = event_id.to_string();
        self.db
            .read(move |conn| {
                let Some(e) = crate::catalog::repo::event_by_id(conn, &id)? else {
                    return Ok(None);
                };
                let stops = crate::catalog::repo::stops(conn, &id)?;
                let place = match (stops.first(), stops.last(), &e.venue_name) {
                    (Some(a), Some(b), _) if stops.len() >= 2 => format!("{} → {}", a.name, b.name),
                    (_, _, Some(venue)) => venue.clone(),
                    _ => String::new(),
                };
                Ok(Some(EventInfo {
                    name: e.name,
                    place,
                    when: local_time(e.starts_at, &e.timezone),
                }))
            })
            .await
    }
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
    fn times_are_shown_in_the_event_zone() {
        // 2027-01-10T13:00:00Z is 18:30 in India.
        let s = super::local_time(1_799_586_000, "Asia/Kolkata");
        assert!(s.starts_with("Sun 10 Jan 2027, 18:30"), "{s}");
        assert!(s.ends_with("(Asia/Kolkata)"), "{s}");
    }
}

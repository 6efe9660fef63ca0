//! Email: every turn of a booking is told to the customer. Trigger jobs (user-created,
//! payment-succeeded, payment-failed, booking-expired, booking-cancelled, event-cancelled)
//! are rendered into messages that are logged and queued as `send-email` jobs in one
//! transaction; delivery retries with backoff and parks as dead after `mail.max_attempts`.
//!
//! Never twice: each email has a dedupe key per (kind, cause, recipient), so a trigger
//! that runs again renders nothing new, and a delivery job skips an email marked sent. The
//! crash window that remains is between the SMTP server accepting the message and the
//! `sent` mark committing (one SQLite commit, about a millisecond): a crash there sends it
//! again on restart, with the same Message-ID, which receiving servers may use to drop it.
//!
//! Owns the notifications table.

pub mod email;
pub mod qr;
pub mod repo;
pub mod resend;
pub mod summary_repo;
pub mod transport;

use crate::clock::SharedClock;
use crate::config::MailConfig;
use crate::error::Error;
use crate::jobs::{JobFailure, JobKind, JobRow, Jobs, queue};
use crate::pagination::{Page, PageRequest};
use crate::store::Sqlite;
use email::{EmailData, EmailKind, EventInfo, Sender, TicketInfo, format_money};
use lettre::address::Envelope;
use repo::{NewNotification, NotificationFilter, NotificationRow};
use rusqlite::OptionalExtension;
use serde_json::Value;
use std::sync::Arc;
use transport::Transport;

/// The notifier handle.
#[derive(Clone)]
pub struct Notifier {
    db: Sqlite,
    clock: SharedClock,
    transport: Arc<Transport>,
    sender: Sender,
    brand: String,
    footer: String,
    max_attempts: i64,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("transport", &self.transport)
            .finish()
    }
}

/// An email about to be logged.
struct Outgoing {
    kind: EmailKind,
    to: String,
    cause: String,
    data: EmailData,
}

impl Notifier {
    /// A notifier for `[mail]`; files go under the data dir.
    pub fn new(
        db: Sqlite,
        clock: SharedClock,
        mail: &MailConfig,
        data_dir: &std::path::Path,
    ) -> Result<Notifier, Error> {
        let from = mail
            .from
            .parse()
            .map_err(|_| Error::invalid("mail.from", "is not an email address"))?;
        let reply_to = match &mail.reply_to {
            Some(r) => Some(
                r.parse()
                    .map_err(|_| Error::invalid("mail.reply_to", "is not an email address"))?,
            ),
            None => None,
        };
        Ok(Notifier {
            db,
            clock,
            transport: Arc::new(Transport::from_config(mail, data_dir)?),
            sender: Sender { from, reply_to },
            brand: mail.operator_name.clone(),
            footer: mail.footer.clone(),
            max_attempts: i64::from(mail.max_attempts),
        })
    }

    fn now_ms(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// Registers the trigger handlers and the delivery handler on the queue.
    pub fn register(&self, jobs: &Jobs) {
        for kind in [
            JobKind::UserCreated,
            JobKind::PaymentSucceeded,
            JobKind::PaymentFailed,
            JobKind::BookingExpired,
            JobKind::BookingCancelled,
            JobKind::EventCancelled,
        ] {
            let notifier = self.clone();
            let wake = jobs.clone();
            jobs.register(kind.as_str(), move |job| {
                let (notifier, wake) = (notifier.clone(), wake.clone());
                async move {
                    let queued = notifier
                        .on_trigger(kind, &job)
                        .await
                        .map_err(|e| e.to_string())?;
                    if queued > 0 {
                        wake.wake();
                    }
                    Ok(())
                }
            });
        }
        let notifier = self.clone();
        jobs.register_parking(JobKind::SendEmail.as_str(), move |job| {
            let notifier = notifier.clone();
            async move { notifier.deliver(&job).await }
        });
    }

    /// Renders the emails a trigger calls for and queues them; returns how many were new.
    pub async fn on_trigger(&self, kind: JobKind, job: &JobRow) -> Result<usize, Error> {
        let payload: Value = serde_json::from_str(&job.payload).map_err(Error::internal)?;
        let outgoing = self.compose(kind, &payload).await?;
        self.queue(outgoing).await
    }

    async fn compose(&self, kind: JobKind, p: &Value) -> Result<Vec<Outgoing>, Error> {
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
                base.reason = text(&p["reason"]);
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

    async fn queue(&self, outgoing: Vec<Outgoing>) -> Result<usize, Error> {
        if outgoing.is_empty() {
            return Ok(0);
        }
        let now_ms = self.now_ms();
        let mut rendered = Vec::with_capacity(outgoing.len());
        for mut out in outgoing {
            let name = out.data.name.trim().to_string();
            out.data.name = if name.is_empty() {
                self.name_of(&out.to).await?
            } else {
                name
            };
            out.data.recipient = out.to.clone();
            out.data.subject = subject(out.kind, &out.data);
            let id = crate::ids::new_id("ntf");
            let message = email::build(out.kind, &out.data, &self.sender, &out.to, &id)?;
            rendered.push(NewNotification {
                dedupe_key: format!(
                    "{}:{}:{}",
                    out.kind.as_str(),
                    out.cause,
                    out.to.to_lowercase()
                ),
                id,
                kind: out.kind.as_str().into(),
                recipient: out.to,
                subject: out.data.subject,
                cause: out.cause,
                message: message.formatted(),
            });
        }
        let max_attempts = self.max_attempts;
        self.db
            .write(move |conn| {
                let mut new = 0;
                for n in &rendered {
                    if repo::insert(conn, n, now_ms)? {
                        queue::enqueue(
                            conn,
                            &queue::NewJob {
                                kind: JobKind::SendEmail.as_str(),
                                payload: serde_json::json!({"notification_id": n.id}).to_string(),
                                dedupe_key: Some(format!("send-email:{}", n.id)),
                                cause: n.cause.clone(),
                                run_at_ms: now_ms,
                                max_attempts,
                            },
                            now_ms,
                        )?;
                        new += 1;
                    }
                }
                Ok(new)
            })
            .await
    }

    /// The account name behind an email, or a neutral greeting.
    async fn name_of(&self, email: &str) -> Result<String, Error> {
        let email = crate::auth::account::canonical_email(email);
        let user = self
            .db
            .read(move |conn| crate::auth::repo::by_email(conn, &email))
            .await?;
        Ok(user.map(|u| u.name).unwrap_or_else(|| "there".into()))
    }

    /// Delivers one logged email (the `send-email` handler). A temporary failure retries it
    /// later; a permanent refusal (SMTP 5xx) parks it as dead at once, with the server's
    /// answer as its error.
    pub async fn deliver(&self, job: &JobRow) -> Result<(), JobFailure> {
        let payload: Value = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
        let id = payload["notification_id"]
            .as_str()
            .ok_or("send-email without notification_id")?
            .to_string();
        let lookup = id.clone();
        let Some((row, message)) = self
            .db
            .read(move |conn| repo::with_message(conn, &lookup))
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(()); // nothing to send
        };
        if row.status == "sent" {
            return Ok(()); // sent before a crash or a retry: never twice
        }
        let envelope = self.envelope(&row.recipient).map_err(|e| e.to_string())?;
        let outcome = self.transport.send(&id, &envelope, &message).await;
        let now_ms = self.now_ms();
        let (status, error) = match &outcome {
            Ok(()) => ("sent", None),
            Err(e) if e.permanent => ("dead", Some(format!("refused for good: {}", e.reason))),
            Err(e) if job.attempts >= job.max_attempts => ("dead", Some(e.reason.clone())),
            Err(e) => ("failed", Some(e.reason.clone())),
        };
        let recorded = error.clone();
        self.db
            .write(move |conn| repo::record_attempt(conn, &id, status, recorded.as_deref(), now_ms))
            .await
            .map_err(|e| e.to_string())?;
        crate::telemetry::record::email_attempt(&row.kind, status);
        match (outcome, error) {
            (Ok(()), _) => Ok(()),
            (Err(e), Some(reason)) if e.permanent => {
                tracing::warn!(notification = %row.id, kind = %row.kind, error = %reason, "email refused for good; not retried");
                Err(JobFailure::Park(reason))
            }
            (Err(e), _) => Err(JobFailure::Retry(e.reason)),
        }
    }

    fn envelope(&self, to: &str) -> Result<Envelope, Error> {
        let to: lettre::Address = to
            .parse()
            .map_err(|_| Error::invalid("recipient", "is not an email address"))?;
        Envelope::new(Some(self.sender.from.email.clone()), vec![to]).map_err(Error::internal)
    }

    /// A page of the log.
    pub async fn list(
        &self,
        filter: NotificationFilter,
        page: PageRequest,
    ) -> Result<Page<NotificationRow>, Error> {
        let request = page.clone();
        let rows = self
            .db
            .read(move |conn| repo::list(conn, &filter, &request))
            .await?;
        Ok(Page::from_rows(rows, &page, |n| vec![n.id.clone()]))
    }

    /// Deletes sent emails sent before `before_ms`, a batch per write; returns how many.
    pub async fn prune_sent(&self, before_ms: i64) -> Result<usize, Error> {
        let batch = crate::jobs::PRUNE_BATCH;
        let mut total = 0;
        loop {
            let deleted = self
                .db
                .write(move |conn| repo::delete_sent_before(conn, before_ms, batch))
                .await?;
            total += deleted;
            if deleted < batch as usize {
                return Ok(total);
            }
        }
    }

    /// Queues a failed or dead email again with fresh attempts.
    ///
    /// The checks and both updates run in one write, which the single writer serializes with
    /// the workers' claims and `sent` marks: a delivery finishing meanwhile cannot be
    /// overwritten back to `queued` (and so sent twice by a later retry).
    pub async fn retry(&self, jobs: &Jobs, id: &str) -> Result<NotificationRow, Error> {
        if !crate::ids::looks_like("ntf", id) {
            return Err(Error::NotFound("notification"));
        }
        let (now_ms, nid) = (self.now_ms(), id.to_string());
        let row = self
            .db
            .write(move |conn| {
                let row = repo::by_id(conn, &nid)?.ok_or(Error::NotFound("notification"))?;
                if row.status == "sent" {
                    return Err(Error::conflict(
                        "already_sent",
                        "this email was delivered; it is not sent twice",
                    ));
                }
                let job: Option<(i64, String)> = conn
                    .prepare_cached("SELECT id, status FROM jobs WHERE dedupe_key = ?1")?
                    .query_row([format!("send-email:{nid}")], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let (job_id, status) = job.ok_or(Error::NotFound("notification job"))?;
                if status == "running" {
                    return Err(Error::conflict(
                        "job_not_retryable",
                        "this email is being sent right now",
                    ));
                }
                conn.execute(
                    "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?2, locked_until = NULL, updated_at = ?2 WHERE id = ?1",
                    rusqlite::params![job_id, now_ms],
                )?;
                repo::requeue(conn, &nid, now_ms)?;
                repo::by_id(conn, &nid)?.ok_or(Error::NotFound("notification"))
            })
            .await?;
        jobs.wake();
        Ok(row)
    }

    /// Sends a test email now through the configured transport (`rezerve mail test`).
    pub async fn send_test(&self, to: &str) -> Result<String, Error> {
        let id = crate::ids::new_id("ntf");
        let mut data = email::sample(EmailKind::Test, &self.brand, &self.footer);
        data.name = "there".into();
        data.recipient = to.to_string();
        data.subject = subject(EmailKind::Test, &data);
        let message = email::build(EmailKind::Test, &data, &self.sender, to, &id)?;
        let envelope = self.envelope(to)?;
        self.transport
            .send(&id, &envelope, &message.formatted())
            .await
            .map_err(|e| Error::Unavailable(format!("mail delivery failed: {}", e.reason)))?;
        Ok(id)
    }

    /// Renders a kind with sample data: the whole message (`.eml`) and its HTML.
    pub fn preview(&self, kind: EmailKind, to: &str) -> Result<(Vec<u8>, String, String), Error> {
        let mut data = email::sample(kind, &self.brand, &self.footer);
        data.subject = subject(kind, &data);
        let (html, text) = email::render(kind, &data)?;
        let message = email::build(kind, &data, &self.sender, to, "preview")?;
        Ok((message.formatted(), html, text))
    }
}

fn subject(kind: EmailKind, d: &EmailData) -> String {
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
    #[test]
    fn times_are_shown_in_the_event_zone() {
        // 2027-01-10T13:00:00Z is 18:30 in India.
        let s = super::local_time(1_799_586_000, "Asia/Kolkata");
        assert!(s.starts_with("Sun 10 Jan 2027, 18:30"), "{s}");
        assert!(s.ends_with("(Asia/Kolkata)"), "{s}");
    }
}

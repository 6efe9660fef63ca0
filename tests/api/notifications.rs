//! Email notifications delivered to a real SMTP server in another process (aiosmtpd on
//! loopback, see `tests/smtp_sink.py`): every trigger, what arrived (envelope, headers, both
//! parts, ticket codes and their inline QR images), delivery that survives the server going
//! away exactly once, dead letters and their retry, awkward names, and the `mail` CLI verbs.
//!
//! The fixtures below configure the app for the sink and read what it received; each
//! submodule owns one capability.

mod cli;
mod delivery;
mod refusals;
mod templates;
mod triggers;

use crate::helpers::{ReceivedMail, Reply, SmtpSink, TestApp, concert_body};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use rezerve::config::MailTransport;
use serde_json::{Value, json};
use std::future::Future;
use std::time::Duration;

/// The card that succeeds.
pub const CARD_OK: &str = "4242424242424242";
/// The card that is declined.
pub const CARD_DECLINED: &str = "4000000000000002";
/// The operator's branding in these tests.
pub const OPERATOR: &str = "Town Hall Tickets";
pub const FROM_NAME: &str = "Town Hall Box Office";
pub const FROM_ADDRESS: &str = "tickets@townhall.example.test";
pub const REPLY_NAME: &str = "Help Desk";
pub const REPLY_ADDRESS: &str = "help@townhall.example.test";
/// With an `&` and a non-ASCII character, so the footer is escaped and kept intact too.
pub const FOOTER: &str = "Town Hall & Friends · 1 Mall Road, Shimla · +91 177 000 0000";
/// The longest any eventual condition (workers, the expiry task, SMTP) may take on a loaded
/// machine.
pub const EVENTUALLY: Duration = Duration::from_secs(20);

/// An app that delivers over SMTP to `sink`, with the test branding.
pub async fn spawn(sink: &SmtpSink) -> TestApp {
    spawn_with(sink, |_| {}).await
}

/// An app that delivers over SMTP to `sink`, with the test branding, after `adjust`.
pub async fn spawn_with(sink: &SmtpSink, adjust: impl FnOnce(&mut rezerve::Config)) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(|c| {
        for_sink(c, url);
        adjust(c);
    })
    .await
}

/// The app again on `data_dir` (a restart), delivering over SMTP to `sink`.
pub async fn respawn(sink: &SmtpSink, data_dir: tempfile::TempDir) -> TestApp {
    let url = sink.url();
    TestApp::spawn_in_with(data_dir, |c| for_sink(c, url)).await
}

fn for_sink(c: &mut rezerve::Config, url: String) {
    c.mail.transport = MailTransport::Smtp;
    c.mail.smtp_url = Some(url);
    c.mail.smtp_timeout_seconds = 10;
    c.mail.from = format!("{FROM_NAME} <{FROM_ADDRESS}>");
    c.mail.reply_to = Some(format!("{REPLY_NAME} <{REPLY_ADDRESS}>"));
    c.mail.operator_name = OPERATOR.into();
    c.mail.footer = FOOTER.into();
}

// ---------------------------------------------------------------------------------------
// What arrived, parsed.
// ---------------------------------------------------------------------------------------

/// An inline image of a message.
#[derive(Debug, Clone)]
pub struct Image {
    pub content_type: String,
    /// Without the angle brackets.
    pub cid: String,
    pub inline: bool,
    pub bytes: Vec<u8>,
}

/// A received message, parsed: envelope, headers, the MIME tree and the decoded parts.
#[derive(Debug, Clone)]
pub struct Mail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub subject: String,
    /// `(name, address)` pairs.
    pub from: Vec<(String, String)>,
    pub reply_to: Vec<(String, String)>,
    pub to: Vec<String>,
    /// Without the angle brackets.
    pub message_id: String,
    /// The MIME tree, e.g. `multipart/alternative(text/plain, multipart/related(text/html))`.
    pub structure: String,
    pub text: String,
    pub html: String,
    pub images: Vec<Image>,
}

impl Mail {
    /// Parses a whole message (as the sink or the file transport stored it).
    pub fn parse(raw: &[u8]) -> Mail {
        let message = MessageParser::default()
            .parse(raw)
            .unwrap_or_else(|| panic!("unparseable message:\n{}", String::from_utf8_lossy(raw)));
        let pairs = |a: Option<&mail_parser::Address<'_>>| -> Vec<(String, String)> {
            a.map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x.name().unwrap_or_default().to_string(),
                            x.address().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
        };
        let mut mail = Mail {
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            subject: message.subject().unwrap_or_default().to_string(),
            from: pairs(message.from()),
            reply_to: pairs(message.reply_to()),
            to: pairs(message.to()).into_iter().map(|(_, a)| a).collect(),
            message_id: message.message_id().unwrap_or_default().to_string(),
            structure: String::new(),
            text: String::new(),
            html: String::new(),
            images: Vec::new(),
        };
        mail.structure = walk(&message, 0, &mut mail);
        mail
    }

    /// Parses what the sink received, with its envelope.
    pub fn received(received: &ReceivedMail) -> Mail {
        let mut mail = Mail::parse(&received.raw);
        mail.mail_from = received.mail_from.clone();
        mail.rcpt_to = received.rcpt_to.clone();
        mail
    }

    /// The HTML part as a reader sees it, for comparing text: tags dropped, entities
    /// decoded (in that order, so escaped markup in the data reads as written).
    pub fn html_as_read(&self) -> String {
        let mut text = String::with_capacity(self.html.len());
        let mut in_tag = false;
        for c in self.html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        unescape(&text)
    }
}

fn walk(message: &mail_parser::Message<'_>, id: u32, mail: &mut Mail) -> String {
    let part = &message.parts[id as usize];
    let content_type = part
        .content_type()
        .map(|c| {
            format!(
                "{}/{}",
                c.ctype().to_lowercase(),
                c.subtype().unwrap_or_default().to_lowercase()
            )
        })
        .unwrap_or_else(|| "text/plain".into());
    if let PartType::Multipart(children) = &part.body {
        let inner: Vec<String> = children.iter().map(|c| walk(message, *c, mail)).collect();
        return format!("{content_type}({})", inner.join(", "));
    }
    match content_type.as_str() {
        "text/plain" => {
            assert!(mail.text.is_empty(), "two text/plain parts");
            mail.text = part.text_contents().expect("text").to_string();
        }
        "text/html" => {
            assert!(mail.html.is_empty(), "two text/html parts");
            mail.html = part.text_contents().expect("html").to_string();
        }
        _ => mail.images.push(Image {
            content_type: content_type.clone(),
            cid: part
                .content_id()
                .unwrap_or_default()
                .trim_matches(['<', '>'])
                .to_string(),
            inline: part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline")),
            bytes: part.contents().to_vec(),
        }),
    }
    content_type
}

/// Decodes the entities askama writes (named and numeric), nothing more.
pub fn unescape(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Asserts the operator's branding and the shape every email shares: text and HTML as
/// alternatives, the sender, reply-to, operator name and footer from config.
#[track_caller]
pub fn assert_branded(mail: &Mail) {
    assert!(
        mail.structure
            .starts_with("multipart/alternative(text/plain, multipart/related(text/html"),
        "structure {}",
        mail.structure
    );
    assert!(!mail.text.trim().is_empty() && !mail.html.trim().is_empty());
    assert_eq!(mail.mail_from, FROM_ADDRESS, "envelope sender");
    assert_eq!(
        mail.from,
        vec![(FROM_NAME.to_string(), FROM_ADDRESS.to_string())]
    );
    assert_eq!(
        mail.reply_to,
        vec![(REPLY_NAME.to_string(), REPLY_ADDRESS.to_string())]
    );
    assert_eq!(mail.to, mail.rcpt_to, "To: matches the envelope");
    assert!(mail.html_as_read().contains(OPERATOR), "{}", mail.html);
    assert!(mail.text.contains(FOOTER), "footer in text: {}", mail.text);
    assert!(
        mail.html_as_read().contains(FOOTER),
        "footer in HTML: {}",
        mail.html
    );
    assert!(
        mail.html.contains("Town Hall &amp; Friends")
            || mail.html.contains("Town Hall &#38; Friends"),
        "the footer's & is escaped in HTML: {}",
        mail.html
    );
    assert!(
        !mail.html.contains("src=\"http"),
        "no external images: {}",
        mail.html
    );
    assert!(
        mail.message_id.starts_with("ntf_") && mail.message_id.ends_with("@rezerve"),
        "Message-ID {}",
        mail.message_id
    );
}

// ---------------------------------------------------------------------------------------
// Waiting for mail and for the log.
// ---------------------------------------------------------------------------------------

/// Polls `probe` until it returns `Some`, for at most [`EVENTUALLY`].
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    crate::polling::eventually(what, EVENTUALLY, probe).await
}

/// Every message the sink received for `to` whose subject contains `subject`.
pub fn mails(sink: &SmtpSink, to: &str, subject: &str) -> Vec<Mail> {
    sink.messages_to(to)
        .iter()
        .map(Mail::received)
        .filter(|m| m.subject.contains(subject))
        .collect()
}

/// Waits for the first message for `to` whose subject contains `subject`; returns it.
pub async fn mail(sink: &SmtpSink, to: &str, subject: &str) -> Mail {
    eventually(&format!("an email to {to} about {subject:?}"), || async {
        mails(sink, to, subject).into_iter().next()
    })
    .await
}

/// Lets the workers run a while (real time and the app's clock) and asserts nothing more
/// arrived for `to` about `subject` than `expected`.
pub async fn assert_still(
    app: &TestApp,
    sink: &SmtpSink,
    to: &str,
    subject: &str,
    expected: usize,
) {
    for _ in 0..3 {
        app.clock.advance(time::Duration::seconds(60));
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let got = mails(sink, to, subject);
    assert_eq!(
        got.len(),
        expected,
        "emails to {to} about {subject:?}: {:#?}",
        got.iter().map(|m| &m.message_id).collect::<Vec<_>>()
    );
}

/// `GET /api/v1/notifications?{query}` as `admin`, asserting 200; the items.
pub async fn notifications(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/notifications?{query}"), Some(admin))
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// Waits until the single notification matching `query` satisfies `done`; returns it.
pub async fn notification_where(
    app: &TestApp,
    admin: &str,
    query: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    eventually(&format!("notification {query} to be {what}"), || async {
        let items = notifications(app, admin, query).await;
        assert!(
            items.len() <= 1,
            "more than one notification for {query}: {items:#?}"
        );
        items.into_iter().next().filter(|n| done(n))
    })
    .await
}

/// Waits until the single notification matching `query` has `status`.
pub async fn notification_status(app: &TestApp, admin: &str, query: &str, status: &str) -> Value {
    notification_where(app, admin, query, status, |n| n["status"] == status).await
}

// ---------------------------------------------------------------------------------------
// Booking fixtures.
// ---------------------------------------------------------------------------------------

/// The string at `key` of a JSON value.
#[track_caller]
pub fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key:?} in {value}"))
        .to_string()
}

/// Money as the emails write it: `INR 1,800.00`.
pub fn money(minor: i64, currency: &str) -> String {
    let units = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{currency} {grouped}.{:02}", minor % 100)
}

/// Creates an event from `body`, asserting 201; its id.
pub async fn create_event(app: &TestApp, admin: &str, body: Value) -> String {
    let reply = app.post("/api/v1/events", Some(admin), body).await;
    reply.assert_status(201);
    text(&reply.body, "id")
}

/// A concert named `name` in Kolkata's time zone starting at `starts_at` (RFC 3339).
pub fn kolkata_concert(name: &str, starts_at: &str) -> Value {
    let mut body = concert_body(json!({"sections": [{"name": "Stalls", "rows": [
        {"row": "A", "seats": 10}, {"row": "B", "seats": 10}]}]}));
    body["name"] = json!(name);
    body["starts_at"] = json!(starts_at);
    body["timezone"] = json!("Asia/Kolkata");
    body
}

/// Holds `seats` and books them as `token` (with `extra` fields in the booking request);
/// the pending booking.
pub async fn book(app: &TestApp, token: &str, event: &str, seats: &[&str], extra: Value) -> Value {
    let hold = app
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(token),
            json!({ "seats": seats }),
        )
        .await;
    hold.assert_status(201);
    let mut request = json!({"hold_id": text(&hold.body, "id")});
    if let (Some(request), Some(extra)) = (request.as_object_mut(), extra.as_object()) {
        request.extend(extra.clone());
    }
    let booking = app.post("/api/v1/bookings", Some(token), request).await;
    booking.assert_status(201);
    booking.body.clone()
}

/// Pays a booking with a test card.
pub async fn pay(app: &TestApp, token: &str, booking: &Value, card: &str) -> Reply {
    let amount = booking["total"]["amount_minor"].as_i64().expect("total");
    app.post(
        &format!("/api/v1/bookings/{}/payments", text(booking, "id")),
        Some(token),
        json!({"method": "test", "amount_minor": amount, "card_number": card}),
    )
    .await
}

/// Holds, books and pays `seats`; the confirmed booking.
pub async fn buy(app: &TestApp, token: &str, event: &str, seats: &[&str]) -> Value {
    let booking = book(app, token, event, seats, json!({})).await;
    let reply = pay(app, token, &booking, CARD_OK).await;
    reply.assert_status(201);
    assert_eq!(
        reply.body["booking"]["status"], "confirmed",
        "{}",
        reply.text
    );
    reply.body["booking"].clone()
}

/// A booking's tickets' codes, by seat.
pub async fn ticket_codes(app: &TestApp, token: &str, booking_id: &str) -> Vec<(String, String)> {
    let reply = app
        .get(
            &format!("/api/v1/bookings/{booking_id}/tickets"),
            Some(token),
        )
        .await;
    reply.assert_status(200);
    reply
        .body
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| (text(t, "seat"), text(t, "code")))
        .collect()
}

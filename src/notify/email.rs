//! The emails: one askama template pair (HTML and plain text, sharing a layout) per kind,
//! rendered from one data struct and sent together as multipart/alternative, with ticket QR
//! codes travelling inline (no external images or fonts). HTML is escaped by askama.

use super::qr;
use crate::error::Error;
use askama::Template;
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};

/// What an email is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Welcome,
    BookingConfirmed,
    PaymentFailed,
    BookingExpired,
    BookingCancelled,
    EventCancelled,
    Test,
}

impl EmailKind {
    /// Every kind.
    pub const ALL: [EmailKind; 7] = [
        EmailKind::Welcome,
        EmailKind::BookingConfirmed,
        EmailKind::PaymentFailed,
        EmailKind::BookingExpired,
        EmailKind::BookingCancelled,
        EmailKind::EventCancelled,
        EmailKind::Test,
    ];

    /// The stored and CLI name.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Welcome => "welcome",
            EmailKind::BookingConfirmed => "booking-confirmed",
            EmailKind::PaymentFailed => "payment-failed",
            EmailKind::BookingExpired => "booking-expired",
            EmailKind::BookingCancelled => "booking-cancelled",
            EmailKind::EventCancelled => "event-cancelled",
            EmailKind::Test => "test",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<EmailKind> {
        EmailKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A stored kind as a metric label: its own name, or `other`, so a label cannot grow.
    pub fn label(stored: &str) -> &'static str {
        EmailKind::parse(stored).map_or("other", EmailKind::as_str)
    }
}

/// The event an email is about.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EventInfo {
    pub name: String,
    /// The venue, or `origin → destination`.
    pub place: String,
    /// In the event's own time zone.
    pub when: String,
}

/// A ticket in a confirmation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TicketInfo {
    pub seat: Option<String>,
    pub category: String,
    pub code: String,
    /// The Content-ID of its inline QR image.
    pub cid: String,
}

/// Everything any email may show.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EmailData {
    pub subject: String,
    pub brand: String,
    pub footer: String,
    pub recipient: String,
    pub name: String,
    pub event: Option<EventInfo>,
    pub seats: Vec<String>,
    pub amount: String,
    pub reference: String,
    pub tickets: Vec<TicketInfo>,
    pub reason: Option<String>,
    pub refund: Option<String>,
    /// A payment failed without a refusal (the provider did not answer): the customer may
    /// see a charge, which is refunded when it arrives, so "no money was taken" is not said.
    pub charge_unknown: bool,
}

macro_rules! templates {
    ($($kind:ident => $html:ident, $html_path:literal, $text:ident, $text_path:literal;)*) => {
        $(
            #[derive(Template)]
            #[template(path = $html_path)]
            struct $html<'a> {
                d: &'a EmailData,
            }
            #[derive(Template)]
            #[template(path = $text_path)]
            struct $text<'a> {
                d: &'a EmailData,
            }
        )*

        /// Renders the HTML and plain-text bodies of an email.
        pub fn render(kind: EmailKind, d: &EmailData) -> Result<(String, String), Error> {
            let rendered = match kind {
                $(EmailKind::$kind => ($html { d }.render(), $text { d }.render()),)*
            };
            match rendered {
                (Ok(html), Ok(text)) => Ok((html, text)),
                (Err(e), _) | (_, Err(e)) => Err(Error::internal(format!("template: {e}"))),
            }
        }
    };
}

templates! {
    Welcome => WelcomeHtml, "email/welcome.html", WelcomeText, "email/welcome.txt";
    BookingConfirmed => ConfirmedHtml, "email/booking_confirmed.html", ConfirmedText, "email/booking_confirmed.txt";
    PaymentFailed => FailedHtml, "email/payment_failed.html", FailedText, "email/payment_failed.txt";
    BookingExpired => ExpiredHtml, "email/booking_expired.html", ExpiredText, "email/booking_expired.txt";
    BookingCancelled => CancelledHtml, "email/booking_cancelled.html", CancelledText, "email/booking_cancelled.txt";
    EventCancelled => EventCancelledHtml, "email/event_cancelled.html", EventCancelledText, "email/event_cancelled.txt";
    Test => TestHtml, "email/test.html", TestText, "email/test.txt";
}

/// Who sends, and where replies go.
#[derive(Debug, Clone)]
pub struct Sender {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

/// Builds the whole message: text and HTML as alternatives, the HTML with its QR images.
/// `message_id` is stable per notification, so a receiving server can drop a duplicate.
/// The recipient as a mailbox, or why it is not one.
pub fn mailbox(to: &str) -> Result<Mailbox, Error> {
    to.parse()
        .map_err(|_| Error::invalid("recipient", format!("`{to}` is not an email address")))
}

/// Renders a logged email from its stored data, with its id as the Message-ID: the same
/// message on every attempt.
pub fn render_stored(
    kind: &str,
    data: &str,
    sender: &Sender,
    to: &str,
    message_id: &str,
) -> Result<Vec<u8>, Error> {
    let kind =
        EmailKind::parse(kind).ok_or_else(|| Error::internal(format!("no email kind `{kind}`")))?;
    let data: EmailData = serde_json::from_str(data).map_err(Error::internal)?;
    Ok(build(kind, &data, sender, to, message_id)?.formatted())
}

pub fn build(
    kind: EmailKind,
    d: &EmailData,
    sender: &Sender,
    to: &str,
    message_id: &str,
) -> Result<Message, Error> {
    let (html, text) = render(kind, d)?;
    let to = mailbox(to)?;
    let html = match seven_bit(&html) {
        Some(body) => SinglePart::html(Body::dangerous_pre_encoded(
            body,
            ContentTransferEncoding::SevenBit,
        )),
        None => SinglePart::html(html),
    };
    let mut related = MultiPart::related().singlepart(html);
    for ticket in &d.tickets {
        let png = qr::png(&ticket.code)?;
        let content_type = ContentType::parse("image/png").map_err(Error::internal)?;
        related =
            related.singlepart(Attachment::new_inline(ticket.cid.clone()).body(png, content_type));
    }
    let body = MultiPart::alternative()
        .singlepart(SinglePart::plain(text))
        .multipart(related);
    let mut builder = Message::builder()
        .from(sender.from.clone())
        .to(to)
        .subject(d.subject.clone())
        .message_id(Some(format!("<{message_id}@rezerve>")));
    if let Some(reply_to) = &sender.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    builder
        .multipart(body)
        .map_err(|e| Error::internal(format!("email: {e}")))
}

/// RFC 5322's limit on a line, without its CRLF.
const MAX_LINE: usize = 998;

/// The HTML part as 7-bit text, ready to send: CRLF line ends, and each non-ASCII character
/// (a name, an event, a place someone typed) as a numeric character reference, which a
/// mail client shows as the character itself. `None` when a line would pass RFC 5322's 998
/// characters or the text holds a control character other than a tab: lettre then chooses
/// the encoding, as it did for every email before.
///
/// lettre's own choice for a confirmation is quoted-printable (the templates' lines pass
/// 76 characters): it scanned the text to choose, inserted a `\r` before each `\n` one
/// insertion at a time (moving the rest of the text each time), and encoded every byte; that
/// was about a tenth of composing a confirmation. Base64 would cost as little, but a third
/// more bytes; this is shorter than quoted-printable (no `=3D` for every `=`, no soft breaks).
fn seven_bit(html: &str) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut out = Vec::with_capacity(html.len() + html.len() / 16);
    for (i, line) in html.split('\n').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let start = out.len();
        let plain = |b: &u8| matches!(b, b' '..=b'~' | b'\t');
        if line.bytes().all(|b| plain(&b)) {
            out.extend_from_slice(line.as_bytes());
        } else {
            for c in line.chars() {
                if !c.is_ascii() {
                    // Writing to a Vec cannot fail.
                    write!(out, "&#{};", u32::from(c)).ok()?;
                    continue;
                }
                match u8::try_from(c) {
                    Ok(b) if plain(&b) => out.push(b),
                    _ => return None,
                }
            }
        }
        if out.len() - start > MAX_LINE {
            return None;
        }
    }
    Some(out)
}

/// Money for people, in the currency's own decimals: `INR 1,299.00`, `JPY 12,000`.
pub use crate::money::format_money;

/// Sample data for a kind (`rezerve mail preview`), awkward on purpose: long names,
/// markup in names, non-Latin scripts.
pub fn sample(kind: EmailKind, brand: &str, footer: &str) -> EmailData {
    let tickets = vec![TicketInfo {
        seat: Some("S-A-12".into()),
        category: "premium".into(),
        code: "RZ1.eyJ0IjoidGt0X3NhbXBsZSJ9.c2lnbmF0dXJl".into(),
        cid: "ticket-1@rezerve".into(),
    }];
    EmailData {
        subject: format!("[preview] {}", kind.as_str()),
        brand: brand.into(),
        footer: footer.into(),
        recipient: "priya@example.com".into(),
        name: "Priya <b>Raghunathan</b>-Subramaniam, 山田 花子".into(),
        event: Some(EventInfo {
            name: "Evening Raga — संध्या राग & <Friends>".into(),
            place: "Town Hall".into(),
            when: "Sun 10 Jan 2027, 18:30 IST (Asia/Kolkata)".into(),
        }),
        seats: vec!["S-A-12".into()],
        amount: format_money(150_000, "INR"),
        // As long as a real one, so a preview shows how a phone wraps it.
        reference: "bkg_01a24b1a3755734e82d18e5314d514ef".into(),
        tickets: if kind == EmailKind::BookingConfirmed {
            tickets
        } else {
            Vec::new()
        },
        reason: Some("card_declined".into()),
        refund: matches!(
            kind,
            EmailKind::BookingCancelled | EmailKind::EventCancelled
        )
        .then(|| format_money(150_000, "INR")),
        charge_unknown: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped() {
        assert_eq!(format_money(129_900, "INR"), "INR 1,299.00");
        assert_eq!(format_money(5, "EUR"), "EUR 0.05");
        assert_eq!(format_money(12_345_678_900, "USD"), "USD 123,456,789.00");
    }

    /// The HTML part as a confirmation carries it: the references to characters past ASCII
    /// decoded (askama writes its own only for ASCII markup), line ends as rendered.
    fn read_back(body: &str) -> String {
        let mut out = String::new();
        let mut rest = body;
        while let Some(at) = rest.find("&#") {
            out.push_str(&rest[..at]);
            let end = rest[at..]
                .find(';')
                .map(|e| at + e)
                .expect("a reference ends");
            let c = rest[at + 2..end]
                .parse()
                .ok()
                .and_then(char::from_u32)
                .filter(|c| !c.is_ascii());
            match c {
                Some(c) => out.push(c),
                None => out.push_str(&rest[at..=end]),
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out.replace("\r\n", "\n")
    }

    /// The whole message of `kind` with `d`, as sent.
    fn message(kind: EmailKind, d: &EmailData) -> String {
        let sender = Sender {
            from: "Rezerve <tickets@example.com>".parse().expect("a mailbox"),
            reply_to: None,
        };
        let message = build(kind, d, &sender, "priya@example.com", "ntf_1").expect("builds");
        String::from_utf8(message.formatted()).expect("a message is ASCII")
    }

    #[test]
    fn the_html_part_travels_as_seven_bit_text_that_reads_as_rendered() {
        let d = sample(
            EmailKind::BookingConfirmed,
            "Rezerve",
            "Town Hall · Kolkata",
        );
        let (html, _) = render(EmailKind::BookingConfirmed, &d).expect("renders");
        assert!(!html.is_ascii(), "the sample holds names past ASCII");
        let body = seven_bit(&html).expect("7-bit");
        let body = String::from_utf8(body).expect("ASCII");
        assert!(body.is_ascii());
        for line in body.split("\r\n") {
            assert!(
                line.len() <= MAX_LINE && !line.contains(['\r', '\n']),
                "{line}"
            );
        }
        assert_eq!(read_back(&body), html);
        let message = message(EmailKind::BookingConfirmed, &d);
        assert!(message.contains(&body), "{message}");
        assert!(
            message.contains("Content-Transfer-Encoding: 7bit"),
            "{message}"
        );
    }

    #[test]
    fn html_with_a_line_too_long_for_seven_bit_is_left_to_lettre() {
        let mut d = sample(EmailKind::Welcome, "Rezerve", "Footer");
        d.name = "Priya ".repeat(200);
        let (html, _) = render(EmailKind::Welcome, &d).expect("renders");
        assert_eq!(seven_bit(&html), None);
        assert_eq!(seven_bit("a\u{7}b"), None, "a control character");
        let message = message(EmailKind::Welcome, &d);
        assert!(
            message.contains("Content-Transfer-Encoding: quoted-printable"),
            "{message}"
        );
    }

    #[test]
    fn every_kind_renders_escaped_and_intact() {
        for kind in EmailKind::ALL {
            let d = sample(kind, "Rezerve & Co", "Footer <i>");
            let (html, text) = render(kind, &d).expect("renders");
            assert!(
                !html.contains("<b>Raghunathan</b>"),
                "{kind:?} html not escaped"
            );
            assert!(
                html.contains("&lt;b&gt;Raghunathan&lt;/b&gt;") || html.contains("&#60;b&#62;"),
                "{kind:?}: {html}"
            );
            assert!(html.contains("山田 花子"), "{kind:?} lost non-Latin text");
            assert!(
                text.contains("Priya <b>Raghunathan</b>-Subramaniam, 山田 花子"),
                "{kind:?} text altered"
            );
            if kind == EmailKind::BookingConfirmed {
                assert!(html.contains("cid:ticket-1@rezerve"));
                assert!(text.contains("RZ1.eyJ0IjoidGt0X3NhbXBsZSJ9.c2lnbmF0dXJl"));
                assert!(html.contains("संध्या राग"));
            }
        }
    }
}

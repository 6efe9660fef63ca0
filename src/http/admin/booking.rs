//! `GET /admin/bookings/{id}`: everything about one booking (seats linked to their seat
//! pages, prices, payments and refunds, tickets with their check-ins, the emails it caused,
//! the history of its seats) and its actions. Staff and admins. Figures from
//! [`crate::dossier`]; the actions are in `booking_actions.rs`.

use super::bookings::{query_param, segment, short_id, words};
use super::dashboard::money;
use super::render::{Chrome, PageError, page_with_status};
use super::session::StaffSession;
use super::when::{event_start, local_ms, utc_ms};
use crate::auth::session::{ConsoleSession, random_token};
use crate::booking::Bookings;
use crate::booking::TicketStatus;
use crate::dossier::Dossier;
use crate::notify::NotificationStatus;
use crate::payment::PaymentStatus;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "admin/booking.html")]
pub struct BookingPage {
    pub chrome: Chrome,
    pub d: Dossier,
    pub status_words: String,
    pub event_name: String,
    pub event_when: String,
    pub total: String,
    pub lines: Vec<PriceRow>,
    pub payments: Vec<PaymentLine>,
    pub tickets: Vec<TicketRowView>,
    pub emails: Vec<EmailLine>,
    pub history: Vec<SeatHistoryView>,
    pub created: String,
    pub expires: String,
    /// What the last action did (`?done=`), in words.
    pub done: Option<&'static str>,
    /// Why the last form was refused.
    pub problem: Option<String>,
    /// A fresh key for the resend form: one email per click.
    pub resend_key: String,
}

pub struct PriceRow {
    pub seat: Option<String>,
    pub seat_href: String,
    pub category: String,
    pub quantity: u32,
    pub unit: String,
    pub amount: String,
}

pub struct PaymentLine {
    pub id: String,
    pub method: String,
    pub status: PaymentStatus,
    pub amount: String,
    pub card: String,
    pub when: String,
    pub failure: String,
    pub refund: Option<String>,
}

pub struct TicketRowView {
    pub id: String,
    pub seat: String,
    pub category: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub detail: String,
}

pub struct EmailLine {
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: NotificationStatus,
    pub attempts: i64,
    pub when: String,
    pub resend: bool,
}

pub struct SeatHistoryView {
    pub label: String,
    pub href: String,
    pub more: bool,
    pub lines: Vec<HistoryRow>,
}

pub struct HistoryRow {
    pub when: String,
    pub change: String,
    pub cause: String,
    pub booking: Option<String>,
    pub booking_short: String,
    pub this_booking: bool,
    pub by: String,
    pub note: String,
}

fn done_words(done: Option<String>) -> Option<&'static str> {
    match done.as_deref() {
        Some("cancelled") => Some("The booking is cancelled; what was paid is refunded."),
        Some("resent") => Some("The confirmation email is on its way to the customer."),
        _ => None,
    }
}

/// The seat's page (the seat map's, in the event's section of the console).
fn seat_href(event_id: &str, label: &str) -> String {
    format!("/admin/events/{event_id}/seats/{}", segment(label))
}

/// Builds the booking page from its dossier.
pub fn build(chrome: Chrome, d: Dossier, done: Option<&'static str>) -> BookingPage {
    let b = &d.booking;
    let currency = b.total.currency.clone();
    let tz = d
        .event
        .as_ref()
        .map(|e| e.timezone.clone())
        .unwrap_or_else(|| "UTC".into());
    let lines = b
        .items
        .iter()
        .map(|i| PriceRow {
            seat_href: seat_href(&b.event_id, i.seat.as_deref().unwrap_or("")),
            seat: i.seat.clone(),
            category: i.category.clone(),
            quantity: i.quantity,
            unit: money(i.unit_price.amount_minor, &currency),
            amount: money(i.amount.amount_minor, &currency),
        })
        .collect();
    let payments = d
        .payments
        .iter()
        .map(|p| PaymentLine {
            id: p.id.clone(),
            method: p.method.clone(),
            status: p.status,
            amount: money(p.amount_minor, &p.currency),
            card: p
                .card_last4
                .as_ref()
                .map(|l| format!("card ending {l}"))
                .unwrap_or_default(),
            when: utc_ms(p.created_at_ms),
            failure: p.failure_reason.clone().unwrap_or_default(),
            refund: p.refund.as_ref().map(|r| {
                format!(
                    "{} refunded {} ({})",
                    money(r.amount_minor, &r.currency),
                    utc_ms(r.created_at_ms),
                    r.reason
                )
            }),
        })
        .collect();
    let tickets = d
        .tickets
        .iter()
        .map(|t| {
            let (state, state_class, detail) = match (t.ticket.status, t.ticket.checked_in_at) {
                (TicketStatus::Void, _) => {
                    ("void", "void", "Cancelled with the booking.".to_string())
                }
                (_, Some(at)) => (
                    "checked in",
                    "in",
                    format!(
                        "{} by {}",
                        local_ms(crate::clock::ms(at), &tz),
                        t.checked_in_by.clone().unwrap_or_default()
                    ),
                ),
                _ => ("not yet in", "valid", String::new()),
            };
            TicketRowView {
                id: t.ticket.id.clone(),
                seat: t.ticket.seat.clone().unwrap_or_else(|| "—".into()),
                category: t.ticket.category.clone(),
                state,
                state_class,
                detail,
            }
        })
        .collect();
    let emails = d
        .emails
        .iter()
        .map(|n| EmailLine {
            kind: n.kind.clone(),
            recipient: n.recipient.clone(),
            subject: n.subject.clone(),
            status: n.status,
            attempts: n.attempts,
            when: utc_ms(n.sent_at_ms.unwrap_or(n.created_at_ms)),
            resend: n.cause.contains(":resend:"),
        })
        .collect();
    let history = d
        .seats
        .iter()
        .map(|s| SeatHistoryView {
            href: seat_href(&b.event_id, &s.label),
            label: s.label.clone(),
            more: s.more,
            lines: s
                .lines
                .iter()
                .map(|l| HistoryRow {
                    when: utc_ms(l.entry.at.unix_timestamp() * 1000),
                    change: format!("{} → {}", l.entry.from, l.entry.to),
                    cause: l.entry.cause.split(':').next().unwrap_or("").to_string(),
                    this_booking: l.booking_id.as_deref() == Some(b.id.as_str()),
                    booking: l.booking_id.clone(),
                    booking_short: l.booking_id.as_deref().map(short_id).unwrap_or_default(),
                    by: l.actor_name.clone().unwrap_or_default(),
                    note: l.entry.note.clone().unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    BookingPage {
        status_words: words(b.status.as_str()),
        event_name: d.event.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
        event_when: d
            .event
            .as_ref()
            .map(|e| event_start(e.starts_at_ms, &e.timezone))
            .unwrap_or_default(),
        total: money(b.total.amount_minor, &currency),
        created: utc_ms(b.created_at.unix_timestamp() * 1000),
        expires: utc_ms(b.expires_at.unix_timestamp() * 1000),
        lines,
        payments,
        tickets,
        emails,
        history,
        chrome,
        done,
        problem: None,
        resend_key: random_token(),
        d,
    }
}

/// The booking page for `session`, with a status and a problem to show (a refused form).
pub async fn render(
    bookings: &Bookings,
    session: &ConsoleSession,
    id: &str,
    done: Option<&'static str>,
    refused: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let dossier = bookings.dossier(&session.caller(), id).await?;
    let chrome = Chrome::signed_in(session, "Booking", "/admin/bookings");
    let mut page = build(chrome, dossier, done);
    let status = match refused {
        Some((status, problem)) => {
            page.problem = Some(problem);
            status
        }
        None => StatusCode::OK,
    };
    Ok(page_with_status(status, &page))
}

/// `GET /admin/bookings/{id}`.
pub async fn show(
    StaffSession(session): StaffSession,
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let done = done_words(query_param(&raw, "done"));
    render(&bookings, &session, &id, done, None).await
}

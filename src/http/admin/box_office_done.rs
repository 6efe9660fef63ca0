//! After a box-office sale: the receipt with the change to hand back, the printable tickets
//! (A4 or an 80 mm thermal roll, each with its QR code, seat, event, venue and local time),
//! and the clerk's till for cashing up at the end of a shift.

use super::box_office::place;
use super::dashboard::money;
use super::event_time;
use super::render::{Chrome, PageError, page, utc_time};
use super::session::StaffSession;
use crate::booking::Bookings;
use crate::catalog::Catalog;
use crate::dashboard::Dashboard;
use crate::pagination::PageRequest;
use crate::payment::PaymentStatus;
use crate::payment::repo::PaymentFilter;
use crate::payment::summary_repo::TakingsRow;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use base64::Engine;
use serde::Deserialize;

/// A ticket as the receipt and the print page show it.
struct TicketLine {
    seat: String,
    category: String,
    code: String,
    /// The QR code as a `data:` PNG (the CSP allows `img-src data:`).
    qr: String,
}

#[derive(Template)]
#[template(path = "admin/box_office_done.html")]
struct DonePage {
    chrome: Chrome,
    booking_id: String,
    event_id: String,
    event_name: String,
    when: String,
    total: String,
    method: String,
    given: Option<String>,
    change: Option<String>,
    /// Where the tickets were emailed; `None` for a walk-in who gave no email.
    customer: Option<String>,
    tickets: Vec<TicketLine>,
}

#[derive(Template)]
#[template(path = "admin/tickets_print.html")]
struct PrintPage {
    title: String,
    css: String,
    roll: bool,
    booking_id: String,
    event_name: String,
    when: String,
    place: String,
    segment: String,
    tickets: Vec<TicketLine>,
}

#[derive(Template)]
#[template(path = "admin/till.html")]
struct TillPage {
    chrome: Chrome,
    since: String,
    takings: Vec<(String, i64, String)>,
    refunds: Vec<(String, i64, String)>,
    net: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    /// Cash given, in minor units, to show the change.
    #[serde(default)]
    given: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct PrintQuery {
    /// `80mm` for a thermal roll; A4 otherwise.
    #[serde(default)]
    paper: Option<String>,
}

async fn ticket_lines(
    bookings: &Bookings,
    session: &crate::auth::session::ConsoleSession,
    booking_id: &str,
) -> Result<Vec<TicketLine>, PageError> {
    let mut lines = Vec::new();
    for t in bookings.tickets(&session.caller(), booking_id).await? {
        let png = crate::notify::qr::png(&t.code)?;
        lines.push(TicketLine {
            seat: t.seat.clone().unwrap_or_else(|| "General admission".into()),
            category: t.category,
            qr: format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(png)
            ),
            code: t.code,
        });
    }
    Ok(lines)
}

/// `GET /admin/box-office/done/{booking_id}`: sold — the change, the tickets, the next sale.
pub async fn done(
    StaffSession(session): StaffSession,
    State(bookings): State<Bookings>,
    State(catalog): State<Catalog>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let booking = bookings.get(&session.caller(), &id).await?;
    let event = catalog.get_event(&booking.event_id).await?;
    let payments = bookings
        .payments(
            &session.caller(),
            PaymentFilter {
                booking_id: Some(id.clone()),
                ..PaymentFilter::default()
            },
            PageRequest::parse(Some(10), None, 2)?,
        )
        .await?;
    let paid = payments
        .items
        .iter()
        .find(|p| p.status == PaymentStatus::Succeeded);
    let currency = booking.total.currency.clone();
    let due = booking.total.amount_minor;
    let cash = paid.is_some_and(|p| p.method == "cash");
    let given = query.given.filter(|g| cash && *g >= due);
    Ok(page(&DonePage {
        chrome: Chrome::signed_in(&session, "Sold", "/admin/box-office"),
        booking_id: booking.id.clone(),
        event_id: event.id.clone(),
        event_name: event.name.clone(),
        when: event_time::local(event.starts_at, &event.timezone),
        total: money(due, &currency),
        method: match paid {
            Some(p) if p.method == "cash" => "cash".into(),
            Some(p) => match &p.card_last4 {
                Some(last4) => format!("card ending {last4}"),
                None => "card".into(),
            },
            None => format!("not paid ({})", booking.status.as_str()),
        },
        given: given.map(|g| money(g, &currency)),
        change: given.map(|g| money(g - due, &currency)),
        customer: booking.customer_email.clone(),
        tickets: ticket_lines(&bookings, &session, &id).await?,
    }))
}

/// `GET /admin/box-office/tickets/{booking_id}`: the tickets to print.
pub async fn print(
    StaffSession(session): StaffSession,
    State(bookings): State<Bookings>,
    State(catalog): State<Catalog>,
    Path(id): Path<String>,
    Query(query): Query<PrintQuery>,
) -> Result<Response, PageError> {
    let booking = bookings.get(&session.caller(), &id).await?;
    let event = catalog.get_event(&booking.event_id).await?;
    let segment = match (
        event.stops.get(booking.from_stop as usize),
        event.stops.get(booking.to_stop as usize),
    ) {
        (Some(a), Some(b)) if event.stops.len() > 2 => format!("{} → {}", a.name, b.name),
        _ => String::new(),
    };
    Ok(page(&PrintPage {
        title: format!("Tickets · {}", event.name),
        css: super::assets::css_href(),
        roll: query.paper.as_deref() == Some("80mm"),
        booking_id: booking.id.clone(),
        event_name: event.name.clone(),
        when: event_time::local(event.starts_at, &event.timezone),
        place: place(&event),
        segment,
        tickets: ticket_lines(&bookings, &session, &id).await?,
    }))
}

/// `GET /admin/box-office/till`: what this clerk took today, by method.
pub async fn till(
    StaffSession(session): StaffSession,
    State(dashboard): State<Dashboard>,
) -> Result<Response, PageError> {
    let till = dashboard.till(&session.user_id).await?;
    let method = |m: &str| match m {
        "test" => "card (test)".to_string(),
        "webhook" => "card (gateway)".to_string(),
        other => other.to_string(),
    };
    // One line of takings or refunds: method, how many payments, how much.
    let line = |r: &TakingsRow| {
        (
            method(&r.method),
            r.payments,
            money(r.amount_minor, &r.currency),
        )
    };
    let mut net: Vec<(String, i64)> = Vec::new();
    for (row, sign) in till
        .takings
        .iter()
        .map(|r| (r, 1))
        .chain(till.refunds.iter().map(|r| (r, -1)))
    {
        if row.method != "cash" {
            continue;
        }
        match net.iter_mut().find(|(c, _)| *c == row.currency) {
            Some((_, sum)) => *sum += sign * row.amount_minor,
            None => net.push((row.currency.clone(), sign * row.amount_minor)),
        }
    }
    Ok(page(&TillPage {
        chrome: Chrome::signed_in(&session, "My till", "/admin/box-office"),
        since: utc_time(till.since),
        takings: till.takings.iter().map(line).collect(),
        refunds: till.refunds.iter().map(line).collect(),
        net: net.iter().map(|(c, m)| money(*m, c)).collect(),
    }))
}

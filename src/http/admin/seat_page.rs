//! `/admin/events/{id}/seats/{label}` and `/admin/events/{id}/seats/details?seat=…`: what
//! staff need to know about a seat — its state, who holds it now, who bought it (linking to
//! the booking) and every change it went through.

use super::csrf::CsrfForm;
use super::render::{Chrome, PageError, page, utc_time};
use super::seat_view::MapQuery;
use super::session::StaffSession;
use crate::auth::Auth;
use crate::booking::Bookings;
use crate::catalog::Catalog;
use crate::catalog::model::{EventView, SeatStatus, SeatView};
use crate::http::state::AppState;
use crate::inventory::Inventory;
use crate::inventory::hold::at_ms;
use crate::pagination::PageRequest;
use askama::Template;
use axum::extract::{FromRef, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// The most seats one details page shows.
const MAX_SEATS_SHOWN: usize = 20;

/// A live hold on the seat.
struct HolderLine {
    hold_id: String,
    who: String,
    segment: String,
    expires: String,
}

/// A ticket issued for the seat.
struct TicketLine {
    booking_id: String,
    customer: String,
    booking_status: &'static str,
    segment: String,
    live: bool,
    checked_in: Option<String>,
}

/// A change in the seat's history.
struct HistoryLine {
    at: String,
    from: String,
    to: String,
    cause: String,
    /// The booking the change belongs to, when it does.
    booking: Option<String>,
    actor: String,
    note: String,
}

struct SeatCard {
    seat: SeatView,
    status: &'static str,
    price: String,
    flags: String,
    holders: Vec<HolderLine>,
    tickets: Vec<TicketLine>,
    history: Vec<HistoryLine>,
    more_history: bool,
}

#[derive(Template)]
#[template(path = "admin/seat.html")]
struct SeatPage {
    chrome: Chrome,
    event: EventView,
    cards: Vec<SeatCard>,
    missing: Vec<String>,
}

/// Names of accounts, looked up once per page.
struct Names<'a> {
    auth: &'a Auth,
    known: HashMap<String, String>,
}

impl Names<'_> {
    async fn of(&mut self, user_id: &str) -> String {
        if let Some(name) = self.known.get(user_id) {
            return name.clone();
        }
        let name = match self.auth.get_user(user_id).await {
            Ok(user) => format!("{} <{}>", user.name, user.email),
            Err(_) => user_id.to_string(),
        };
        self.known.insert(user_id.to_string(), name.clone());
        name
    }
}

fn segment_words(event: &EventView, from_leg: u16, to_leg: u16) -> String {
    let stop = |i: u16| event.stops.get(i as usize).map(|s| s.name.clone());
    match (stop(from_leg), stop(to_leg)) {
        (Some(a), Some(b)) => format!("{a} → {b}"),
        _ => String::new(),
    }
}

/// What a seat's card is read from: the seat and its history (catalog), its tickets
/// (bookings), a live hold on it (inventory) and the names of the people involved (auth).
#[derive(Clone)]
pub struct Sources {
    catalog: Catalog,
    bookings: Bookings,
    inventory: Inventory,
    auth: Auth,
}

impl FromRef<AppState> for Sources {
    fn from_ref(state: &AppState) -> Sources {
        Sources {
            catalog: state.catalog.clone(),
            bookings: state.bookings.clone(),
            inventory: state.inventory.clone(),
            auth: state.auth.clone(),
        }
    }
}

async fn card(
    src: &Sources,
    names: &mut Names<'_>,
    event: &EventView,
    seat: SeatView,
) -> Result<SeatCard, PageError> {
    let id = &event.id;
    let mut holders = Vec::new();
    // A CLI process or an event not yet in the index has no live holds to show.
    for h in src
        .inventory
        .seat_holders(id, &seat.label)
        .unwrap_or_default()
    {
        let minutes = (h.remaining_ms.max(0) + 59_999) / 60_000;
        holders.push(HolderLine {
            who: names.of(&h.owner).await,
            segment: match (h.from_stop, h.to_stop) {
                (Some(a), Some(b)) => format!("{a} → {b}"),
                _ => String::new(),
            },
            expires: format!("{} (about {minutes} min)", utc_time(at_ms(h.expires_at_ms))),
            hold_id: h.hold_id,
        });
    }
    let mut tickets = Vec::new();
    for (ticket, booking) in src.bookings.seat_tickets(id, &seat.label).await? {
        let checked_in = match (ticket.checked_in_at_ms, &ticket.checked_in_by) {
            (Some(ms), Some(by)) => {
                Some(format!("{} by {}", utc_time(at_ms(ms)), names.of(by).await))
            }
            (Some(ms), None) => Some(utc_time(at_ms(ms))),
            _ => None,
        };
        tickets.push(TicketLine {
            booking_id: booking.id,
            customer: booking
                .customer_email
                .unwrap_or_else(|| super::bookings::WALK_IN.to_string()),
            booking_status: booking.status.as_str(),
            segment: segment_words(event, ticket.from_leg, ticket.to_leg),
            live: !ticket.void,
            checked_in,
        });
    }
    let request = PageRequest::parse(Some(50), None, 1)?;
    let page = src.catalog.seat_history(id, &seat.label, request).await?;
    let mut history = Vec::new();
    for entry in page.items {
        // Sales are recorded under the booking's id (`hold:bkg_…` from the relay, or
        // `booking:bkg_…`): either way the line links to the booking.
        let booking = entry
            .cause
            .split_once(':')
            .map(|(_, id)| id)
            .filter(|id| id.starts_with("bkg_"))
            .map(str::to_string);
        let actor = match &entry.actor {
            Some(a) => names.of(a).await,
            None => String::new(),
        };
        history.push(HistoryLine {
            at: utc_time(entry.at),
            from: entry.from,
            to: entry.to,
            cause: entry.cause,
            booking,
            actor,
            note: entry.note.unwrap_or_default(),
        });
    }
    Ok(SeatCard {
        price: seat.price.to_string(),
        flags: seat
            .flags
            .iter()
            .map(|f| f.as_str().replace('_', " "))
            .collect::<Vec<_>>()
            .join(", "),
        status: match seat.status {
            SeatStatus::Available => "available",
            SeatStatus::Held => "held",
            SeatStatus::Sold => "sold",
            SeatStatus::Blocked => "blocked",
        },
        seat,
        holders,
        tickets,
        history,
        more_history: page.next_cursor.is_some(),
    })
}

async fn render(
    session: &crate::auth::session::ConsoleSession,
    src: Sources,
    id: &str,
    labels: Vec<String>,
) -> Result<Response, PageError> {
    if labels.is_empty() {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Choose at least one seat on the map to see its details.",
        ));
    }
    let event = src.catalog.get_event(id).await?;
    let seats = src.catalog.seats(id, None, None).await?.seats;
    let mut names = Names {
        auth: &src.auth,
        known: HashMap::new(),
    };
    let mut cards = Vec::new();
    let mut missing = Vec::new();
    for label in labels.into_iter().take(MAX_SEATS_SHOWN) {
        match seats.iter().find(|s| s.label == label) {
            Some(seat) => cards.push(card(&src, &mut names, &event, seat.clone()).await?),
            None => missing.push(label),
        }
    }
    if cards.is_empty() {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "This event has no such seat.",
        ));
    }
    let title = match cards.as_slice() {
        [one] => format!("Seat {}", one.seat.label),
        many => format!("{} seats", many.len()),
    };
    Ok(page(&SeatPage {
        chrome: Chrome::signed_in(session, &title, "/admin/events"),
        event,
        cards,
        missing,
    }))
}

/// `GET /admin/events/{id}/seats/{label}`.
pub async fn show(
    StaffSession(session): StaffSession,
    State(src): State<Sources>,
    Path((id, label)): Path<(String, String)>,
) -> Result<Response, PageError> {
    render(&session, src, &id, vec![label]).await
}

/// `GET /admin/events/{id}/seats/details?seat=…&seat=…`.
pub async fn show_many(
    StaffSession(session): StaffSession,
    State(src): State<Sources>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let query = MapQuery::parse(raw.as_deref());
    render(&session, src, &id, query.seats).await
}

/// `POST /admin/events/{id}/seats/details`: the map's "Details" button; the selection moves
/// into the address of the details page, the CSRF token does not.
pub async fn details(
    Path(id): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let query = MapQuery::from_pairs(form.form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut s = form_urlencoded::Serializer::new(String::new());
    for seat in query.seats.iter().take(MAX_SEATS_SHOWN) {
        s.append_pair("seat", seat);
    }
    Ok(Redirect::to(&format!("/admin/events/{id}/seats/details?{}", s.finish())).into_response())
}

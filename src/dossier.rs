//! Finding a booking and everything about it, for staff: a search over email, name, booking
//! id and ticket code, and one booking's dossier (its seats and prices, payments and
//! refunds, tickets with their check-ins, the emails it caused, and the history of its
//! seats). A read model across domains, like the dashboard: each part comes from its
//! owner's repo, in one read; nothing here writes. It sits above the domains it reads (the
//! bookings, their payments and emails), so none of them imports another for it.

use crate::auth::{Caller, Role};
use crate::booking::repo::{self, BookingFilter, BookingRow, TicketRow};
use crate::booking::state::BookingStatus;
use crate::booking::{BookingView, Bookings, TicketView, view};
use crate::catalog::history::SeatHistoryEntry;
use crate::catalog::repo::EventRow;
use crate::error::{Error, Validator};
use crate::jobs::Cause;
use crate::notify::repo::NotificationRow;
use crate::pagination::{Page, PageRequest};
use crate::payment::repo::{PaymentFilter, PaymentRow};
use rusqlite::Connection;
use std::collections::HashMap;

/// The longest search text the console sends.
pub const MAX_QUERY_LEN: usize = 2048;

/// How many status changes of one seat a dossier shows.
pub const SEAT_HISTORY_SHOWN: u32 = 100;

/// What a search found.
#[derive(Debug, Clone)]
pub enum Found {
    /// An exact booking id, or a ticket's id or code: that booking (and the ticket).
    Booking {
        booking_id: String,
        ticket_id: Option<String>,
    },
    /// A page of matching bookings, newest first.
    List(Page<BookingLine>),
}

/// A booking in a list.
#[derive(Debug, Clone)]
pub struct BookingLine {
    pub booking: BookingView,
    pub event_name: String,
    /// The name on the customer's account, if the email has one.
    pub holder_name: Option<String>,
}

/// A ticket and who let it in.
#[derive(Debug, Clone)]
pub struct TicketLine {
    pub ticket: TicketView,
    pub checked_in_by: Option<String>,
}

/// One status change of a seat, with the booking it belongs to when there is one.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    pub entry: SeatHistoryEntry,
    pub booking_id: Option<String>,
    pub actor_name: Option<String>,
}

/// A seat's story.
#[derive(Debug, Clone)]
pub struct SeatStory {
    pub label: String,
    pub lines: Vec<HistoryLine>,
    /// More changes exist than are shown.
    pub more: bool,
}

/// Everything about one booking.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub booking: BookingView,
    pub event: Option<EventRow>,
    pub holder_name: Option<String>,
    pub owner_name: String,
    pub booked_by_name: String,
    pub payments: Vec<PaymentRow>,
    pub tickets: Vec<TicketLine>,
    pub emails: Vec<NotificationRow>,
    pub seats: Vec<SeatStory>,
    /// Whether this caller may cancel it now (owner or admin, and not ended).
    pub may_cancel: bool,
}

/// Whether `caller` may cancel `b` now: its owner or an admin, while it is pending or paid.
pub fn may_cancel(caller: &Caller, b: &BookingRow) -> bool {
    (b.owner_id == caller.user_id || caller.role == Role::Admin)
        && matches!(
            b.status,
            BookingStatus::PendingPayment | BookingStatus::Confirmed
        )
}

/// Names of accounts, looked up once each.
struct Names<'c> {
    conn: &'c Connection,
    known: HashMap<String, String>,
}

impl Names<'_> {
    fn of(&mut self, user_id: &str) -> Result<String, Error> {
        if let Some(name) = self.known.get(user_id) {
            return Ok(name.clone());
        }
        let name = crate::auth::repo::by_id(self.conn, user_id)?
            .map(|u| u.name)
            .unwrap_or_else(|| user_id.to_string());
        self.known.insert(user_id.to_string(), name.clone());
        Ok(name)
    }
}

fn holder_name(conn: &Connection, email: &Option<String>) -> Result<Option<String>, Error> {
    let Some(email) = email else {
        return Ok(None); // a walk-in who gave no email
    };
    Ok(crate::auth::repo::by_email(conn, email)?.map(|u| u.name))
}

fn line(conn: &Connection, b: &BookingRow) -> Result<BookingLine, Error> {
    let items = repo::items(conn, &b.id)?;
    Ok(BookingLine {
        booking: view(b, &items),
        event_name: crate::catalog::repo::event_by_id(conn, &b.event_id)?
            .map(|e| e.name)
            .unwrap_or_default(),
        holder_name: holder_name(conn, &b.customer_email)?,
    })
}

/// What a search text points at exactly, if anything.
fn exact(conn: &Connection, text: &str) -> Result<Option<(String, Option<String>)>, Error> {
    if crate::ids::looks_like("bkg", text) {
        return Ok(repo::by_id(conn, text)?.map(|b| (b.id, None)));
    }
    let ticket: Option<TicketRow> = if crate::ids::looks_like("tkt", text) {
        repo::ticket(conn, text)?
    } else if text.starts_with("RZ1.") {
        repo::ticket_by_code(conn, text)?
    } else {
        None
    };
    Ok(ticket.map(|t| (t.booking_id, Some(t.id))))
}

impl Bookings {
    /// Finds bookings for staff: an exact booking id, ticket id or ticket code finds that
    /// booking; other text matches part of the customer's email or account name, or the
    /// start of a booking id. Empty text lists the newest bookings.
    pub async fn search(
        &self,
        caller: &Caller,
        text: &str,
        page: PageRequest,
    ) -> Result<Found, Error> {
        caller.require(Role::Staff)?;
        let text = text.trim().to_string();
        let mut v = Validator::new();
        v.check(
            text.chars().count() <= MAX_QUERY_LEN,
            "q",
            format!("is longer than {MAX_QUERY_LEN} characters"),
        );
        v.check(
            !text.chars().any(char::is_control),
            "q",
            "contains control characters",
        );
        v.finish()?;
        let request = page.clone();
        let found = self
            .database()
            .read(move |conn| {
                if let Some((booking_id, ticket_id)) = exact(conn, &text)? {
                    return Ok(Err((booking_id, ticket_id)));
                }
                let rows = if text.is_empty() {
                    repo::list(conn, &BookingFilter::default(), &request)?
                } else {
                    repo::search(conn, &text, &request)?
                };
                rows.iter()
                    .map(|b| line(conn, b))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Ok)
            })
            .await?;
        Ok(match found {
            Err((booking_id, ticket_id)) => Found::Booking {
                booking_id,
                ticket_id,
            },
            Ok(lines) => Found::List(Page::from_rows(lines, &page, |l| {
                vec![l.booking.id.clone()]
            })),
        })
    }

    /// Everything about one booking, for staff.
    pub async fn dossier(&self, caller: &Caller, id: &str) -> Result<Dossier, Error> {
        caller.require(Role::Staff)?;
        let (b, items) = self.load(id).await?;
        let may_cancel = may_cancel(caller, &b);
        self.database()
            .read(move |conn| {
                let mut names = Names {
                    conn,
                    known: HashMap::new(),
                };
                let payments = crate::payment::repo::list(
                    conn,
                    &PaymentFilter {
                        booking_id: Some(b.id.clone()),
                        ..PaymentFilter::default()
                    },
                    &PageRequest {
                        limit: 100,
                        after: None,
                    },
                )?;
                let mut tickets = Vec::new();
                for t in repo::tickets(conn, &b.id)? {
                    let by = match &t.checked_in_by {
                        Some(user) => Some(names.of(user)?),
                        None => None,
                    };
                    tickets.push(TicketLine {
                        ticket: TicketView::from(t),
                        checked_in_by: by,
                    });
                }
                let mut seats = Vec::new();
                for label in items.iter().filter_map(|i| i.seat_label.clone()) {
                    seats.push(seat_story(conn, &mut names, &b.event_id, label)?);
                }
                Ok(Dossier {
                    event: crate::catalog::repo::event_by_id(conn, &b.event_id)?,
                    holder_name: holder_name(conn, &b.customer_email)?,
                    owner_name: names.of(&b.owner_id)?,
                    booked_by_name: names.of(&b.booked_by)?,
                    payments,
                    tickets,
                    emails: crate::notify::repo::of_booking(conn, &b.id)?,
                    seats,
                    may_cancel,
                    booking: view(&b, &items),
                })
            })
            .await
    }
}

fn seat_story(
    conn: &Connection,
    names: &mut Names<'_>,
    event_id: &str,
    label: String,
) -> Result<SeatStory, Error> {
    let request = PageRequest {
        limit: SEAT_HISTORY_SHOWN,
        after: None,
    };
    let mut entries = crate::catalog::history_repo::page(conn, event_id, &label, None, &request)?;
    let more = entries.len() > SEAT_HISTORY_SHOWN as usize;
    entries.truncate(SEAT_HISTORY_SHOWN as usize);
    let mut lines = Vec::with_capacity(entries.len());
    for entry in entries {
        // A sale is logged as `hold:<booking id>` (the booking that ended the hold).
        let booking_id = match Cause::parse(&entry.cause) {
            Some(Cause::Booking(id)) => Some(id),
            Some(Cause::Hold(id)) if crate::ids::looks_like("bkg", &id) => Some(id),
            Some(Cause::Hold(id)) => repo::by_hold(conn, &id)?.map(|b| b.id),
            _ => None,
        };
        let actor_name = match &entry.actor {
            Some(actor) => Some(names.of(actor)?),
            None => None,
        };
        lines.push(HistoryLine {
            entry,
            booking_id,
            actor_name,
        });
    }
    Ok(SeatStory { label, lines, more })
}

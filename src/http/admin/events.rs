//! `GET /admin/events`: every event, searchable and paginated on the server (staff and
//! admins; only admins see "New event"). Reads [`Catalog::list_events`], the API's list.

use super::dashboard::Fill;
use super::event_time;
use super::render::{Chrome, PageError, page};
use super::session::StaffSession;
use crate::auth::Role;
use crate::catalog::model::{EventCategory, EventStatus, EventView};
use crate::catalog::{Catalog, EventFilter};
use crate::pagination::PageRequest;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;

/// Events per page.
const PER_PAGE: u32 = 25;

#[derive(Template)]
#[template(path = "admin/events.html")]
pub struct EventsPage {
    pub chrome: Chrome,
    pub may_create: bool,
    pub filter: ListFilter,
    pub categories: Vec<&'static str>,
    pub rows: Vec<EventRow>,
    /// The query string of the next page, if there is one.
    pub next: Option<String>,
    /// The query string of the first page with the same search.
    pub first: String,
    /// Whether this is a later page (so "first page" is offered).
    pub paged: bool,
    /// Problems with the filter (a date that is not a date); the list ignores that filter.
    pub problems: Vec<String>,
    /// A notice after a change that led here (an event deleted).
    pub notice: Option<&'static str>,
}

/// The search form, as typed.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub q: String,
    pub category: String,
    pub status: String,
    pub from: String,
    pub to: String,
}

/// One event as the list shows it.
pub struct EventRow {
    pub id: String,
    pub name: String,
    pub category: &'static str,
    pub when: String,
    pub timezone: String,
    pub place: String,
    pub cancelled: bool,
    pub general_admission: bool,
    pub sold: u64,
    pub held: u64,
    pub free: u64,
    pub blocked: u64,
    pub fill: Fill,
}

/// Where an event happens, in a few words.
pub fn place(e: &EventView) -> String {
    match (&e.venue, &e.origin, &e.destination) {
        (Some(v), _, _) => v.name.clone(),
        (None, Some(o), Some(d)) if e.stops.len() > 2 => {
            format!("{o} → {d} (via {})", e.stops.len() - 2)
        }
        (None, Some(o), Some(d)) => format!("{o} → {d}"),
        _ => String::new(),
    }
}

fn row(e: &EventView) -> EventRow {
    let a = &e.availability;
    EventRow {
        id: e.id.clone(),
        name: e.name.clone(),
        category: e.category.as_str(),
        when: event_time::local(e.starts_at, &e.timezone),
        timezone: e.timezone.clone(),
        place: place(e),
        cancelled: e.status == EventStatus::Cancelled,
        general_admission: e.general_admission,
        sold: a.sold,
        held: a.held,
        free: a.available,
        blocked: a.blocked,
        fill: Fill::of(a),
    }
}

/// The query string's pairs; a key given twice keeps its last value, junk is ignored.
fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `GET /admin/events?q=&category=&status=&from=&to=&cursor=`.
pub async fn list(
    StaffSession(session): StaffSession,
    State(catalog): State<Catalog>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let pairs = pairs(raw.as_deref());
    let get = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
    };
    let filter = ListFilter {
        q: get("q").unwrap_or_default().chars().take(200).collect(),
        category: get("category").unwrap_or_default(),
        status: get("status").unwrap_or_default(),
        from: get("from").unwrap_or_default(),
        to: get("to").unwrap_or_default(),
    };
    let mut problems = Vec::new();
    let mut date = |label: &str, text: &str| {
        if text.is_empty() {
            return None;
        }
        let parsed = event_time::parse_date_utc(text);
        if parsed.is_none() {
            problems.push(format!(
                "{label} must be a date such as 2027-01-10; it was ignored."
            ));
        }
        parsed.map(crate::catalog::model::second_ms)
    };
    let from = date("From", &filter.from);
    // "To" includes the whole day it names.
    let to = date("To", &filter.to).map(|t| t + 86_400_000);
    let category = EventCategory::parse(&filter.category);
    let status = filter.status.parse::<EventStatus>().ok();
    let cursor = get("cursor").filter(|c| !c.is_empty());
    // A cursor this list did not hand out starts again at the first page.
    let request = PageRequest::parse(Some(PER_PAGE), cursor.as_deref(), 2)
        .or_else(|_| PageRequest::parse(Some(PER_PAGE), None, 2))?;
    let paged = request.after.is_some();
    let found = catalog
        .list_events(
            EventFilter {
                category: category.map(|c| c.as_str().to_string()),
                status,
                from_ms: from,
                to_ms: to,
                q: Some(filter.q.clone()).filter(|q| !q.is_empty()),
                ..EventFilter::default()
            },
            request,
        )
        .await?;
    let query = |cursor: Option<&str>| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("q", &filter.q)
            .append_pair("category", &filter.category)
            .append_pair("status", &filter.status)
            .append_pair("from", &filter.from)
            .append_pair("to", &filter.to);
        if let Some(cursor) = cursor {
            query.append_pair("cursor", cursor);
        }
        query.finish()
    };
    let next = found.next_cursor.as_deref().map(|c| query(Some(c)));
    let first = query(None);
    let notice = (get("deleted").as_deref() == Some("1")).then_some("The event was deleted.");
    Ok(page(&EventsPage {
        may_create: session.role >= Role::Admin,
        chrome: Chrome::signed_in(&session, "Events", "/admin/events"),
        filter,
        categories: EventCategory::ALL.iter().map(|c| c.as_str()).collect(),
        rows: found.items.iter().map(row).collect(),
        next,
        first,
        paged,
        problems,
        notice,
    }))
}

//! `GET /admin/bookings`: search by email, name, booking id or ticket code, a page at a
//! time; an exact booking id or ticket code goes straight to its booking (`booking.rs`).
//! Staff and admins. Results from [`Bookings::search`].

use super::render::{Chrome, PageError, page_with_status};
use super::session::StaffSession;
use super::when::utc_ms;
use crate::booking::Bookings;
use crate::dossier::Found;
use crate::error::Error;
use crate::pagination::PageRequest;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// Bookings per page of results.
const PER_PAGE: u32 = 25;

/// What a booking list shows for the email of a walk-in who gave none.
pub(super) const WALK_IN: &str = "walk-in, no email";

#[derive(Template)]
#[template(path = "admin/bookings.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub q: String,
    pub problem: Option<String>,
    pub rows: Vec<Row>,
    pub next: Option<String>,
    pub first_page: bool,
    pub first_link: String,
}

/// One booking in the results.
pub struct Row {
    pub id: String,
    pub short: String,
    pub customer: String,
    pub email: String,
    pub event: String,
    pub seats: String,
    pub total: String,
    pub status: &'static str,
    pub status_words: String,
    pub created: String,
}

/// The query string's `name`, last one wins; junk decodes leniently.
pub fn query_param(raw: &Option<String>, name: &str) -> Option<String> {
    form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .last()
}

/// `bkg_…4b5a6978`: enough to tell bookings apart in a list (ids are time-ordered, so
/// their start is shared by a minute's bookings; the end is random).
pub fn short_id(id: &str) -> String {
    match (
        id.split_once('_'),
        id.len().checked_sub(8).and_then(|i| id.get(i..)),
    ) {
        (Some((prefix, rest)), Some(tail)) if rest.len() > 8 => format!("{prefix}_…{tail}"),
        _ => id.to_string(),
    }
}

fn search_link(q: &str, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("q", q);
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    format!("/admin/bookings?{}", query.finish())
}

/// A path segment, percent-encoded (seat labels may hold anything an admin typed).
pub fn segment(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `pending_payment` → `pending payment`.
pub fn words(status: &str) -> String {
    status.replace('_', " ")
}

/// `GET /admin/bookings?q=&cursor=`.
pub async fn search(
    StaffSession(session): StaffSession,
    State(bookings): State<Bookings>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q = query_param(&raw, "q").unwrap_or_default();
    let cursor = query_param(&raw, "cursor");
    let chrome = Chrome::signed_in(&session, "Bookings", "/admin/bookings");
    let mut page = SearchPage {
        chrome,
        q: q.clone(),
        problem: None,
        rows: Vec::new(),
        next: None,
        first_page: cursor.as_deref().unwrap_or("").is_empty(),
        first_link: search_link(&q, None),
    };
    let found = match PageRequest::parse(Some(PER_PAGE), cursor.as_deref(), 1) {
        Ok(request) => bookings.search(&session.caller(), &q, request).await,
        Err(e) => Err(e),
    };
    let found = match found {
        Ok(found) => found,
        Err(Error::Validation(fields)) => {
            page.problem = Some(
                fields
                    .iter()
                    .map(|f| match f.field.as_str() {
                        "q" => format!("The search {}.", f.message),
                        _ => "That page of results no longer exists; search again.".to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(e) => return Err(e.into()),
    };
    match found {
        Found::Booking {
            booking_id,
            ticket_id,
        } => {
            let anchor = ticket_id.map(|t| format!("#{t}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/admin/bookings/{booking_id}{anchor}")).into_response())
        }
        Found::List(list) => {
            page.next = list.next_cursor.map(|c| search_link(&q, Some(&c)));
            page.rows = list
                .items
                .into_iter()
                .map(|line| {
                    let b = line.booking;
                    Row {
                        short: short_id(&b.id),
                        customer: line.holder_name.unwrap_or_default(),
                        email: b.customer_email.unwrap_or_else(|| WALK_IN.to_string()),
                        event: line.event_name,
                        seats: b.seats.join(", "),
                        total: b.total.to_string(),
                        status: b.status.as_str(),
                        status_words: words(b.status.as_str()),
                        created: utc_ms(b.created_at.unix_timestamp() * 1000),
                        id: b.id,
                    }
                })
                .collect();
            Ok(page_with_status(StatusCode::OK, &page))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_and_query_params() {
        assert_eq!(
            short_id("bkg_0123456789abcdef0123456789abcdef"),
            "bkg_…89abcdef"
        );
        assert_eq!(short_id("bkg_01"), "bkg_01");
        let raw = Some("q=a%40b.test&q=second&cursor=".to_string());
        assert_eq!(query_param(&raw, "q").as_deref(), Some("second"));
        assert_eq!(query_param(&raw, "cursor").as_deref(), Some(""));
        assert_eq!(query_param(&None, "q"), None);
    }
}

//! `/admin/events/{id}/cancel` (admins): a confirmation page saying what cancelling does right
//! now (paid bookings refunded, unpaid ones cancelled, seats held released), then the POST
//! that does it through [`Bookings::cancel_event`], as `POST /api/v1/events/{id}/cancel`.

use super::csrf::CsrfForm;
use super::dashboard::money;
use super::event_time;
use super::events::place;
use super::render::{Chrome, PageError, page};
use super::session::AdminSession;
use crate::booking::Bookings;
use crate::booking::cancel::CancellationPreview;
use crate::catalog::Catalog;
use crate::catalog::model::{EventStatus, EventView};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/event_cancel.html")]
pub struct CancelPage {
    pub chrome: Chrome,
    pub e: EventView,
    pub when: String,
    pub place: String,
    pub preview: CancellationPreview,
    /// "INR 12,990.00" per currency refunded.
    pub refunds: Vec<String>,
    pub cancelled: bool,
}

impl CancelPage {
    /// `one` for 1, else `many`.
    pub fn plural<'a>(&self, n: &u64, one: &'a str, many: &'a str) -> &'a str {
        if *n == 1 { one } else { many }
    }

    /// "seat", "seats", "place" or "places".
    pub fn places(&self, n: &u64) -> &'static str {
        match (self.e.general_admission, *n == 1) {
            (true, true) => "place",
            (true, false) => "places",
            (false, true) => "seat",
            (false, false) => "seats",
        }
    }
}

/// `GET /admin/events/{id}/cancel`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(catalog): State<Catalog>,
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let e = catalog.get_event(&id).await?;
    let preview = bookings.cancellation_preview(&id).await?;
    Ok(page(&CancelPage {
        chrome: Chrome::signed_in(&session, &format!("Cancel {}", e.name), "/admin/events"),
        when: event_time::local(e.starts_at, &e.timezone),
        place: place(&e),
        refunds: preview
            .refunds
            .iter()
            .map(|(currency, minor)| money(*minor, currency))
            .collect(),
        cancelled: e.status == EventStatus::Cancelled,
        preview,
        e,
    }))
}

/// The confirmation form: only its token.
#[derive(Debug, Deserialize)]
pub struct Confirm {}

/// `POST /admin/events/{id}/cancel`: cancels, then shows the event with what was done.
pub async fn submit(
    AdminSession(_): AdminSession,
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
    CsrfForm { session, .. }: CsrfForm<Confirm>,
) -> Result<Response, PageError> {
    let cancelled = bookings.cancel_event(&session.caller(), &id).await?;
    Ok(Redirect::to(&format!("/admin/events/{id}?cancelled={cancelled}")).into_response())
}

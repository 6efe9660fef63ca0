//! `/admin/events/{id}/delete` (admins): a confirmation page, then the POST that deletes the
//! event through [`Catalog::delete_event`] (as `DELETE /api/v1/events/{id}`). The catalog
//! refuses while any seat is held or sold; the page then says so and offers cancelling.

use super::csrf::CsrfForm;
use super::event_cancel::Confirm;
use super::event_time;
use super::events::place;
use super::render::{Chrome, PageError, page, page_with_status, sentence};
use super::session::AdminSession;
use crate::catalog::Catalog;
use crate::catalog::model::EventView;
use crate::error::Error;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "admin/event_delete.html")]
pub struct DeletePage {
    pub chrome: Chrome,
    pub e: EventView,
    pub when: String,
    pub place: String,
    /// Seats or places held or sold: the catalog will refuse.
    pub busy: u64,
    /// The catalog's refusal, after a POST.
    pub refused: Option<String>,
}

fn delete_page(chrome: Chrome, e: EventView, refused: Option<String>) -> DeletePage {
    DeletePage {
        chrome,
        when: event_time::local(e.starts_at, &e.timezone),
        place: place(&e),
        busy: e.availability.held + e.availability.sold,
        refused,
        e,
    }
}

/// `GET /admin/events/{id}/delete`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(catalog): State<Catalog>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let e = catalog.get_event(&id).await?;
    let chrome = Chrome::signed_in(&session, &format!("Delete {}", e.name), "/admin/events");
    Ok(page(&delete_page(chrome, e, None)))
}

/// `POST /admin/events/{id}/delete`: deletes, then shows the list.
pub async fn submit(
    AdminSession(_): AdminSession,
    State(catalog): State<Catalog>,
    Path(id): Path<String>,
    CsrfForm { session, .. }: CsrfForm<Confirm>,
) -> Result<Response, PageError> {
    match catalog.delete_event(&session.caller(), &id).await {
        Ok(()) => Ok(Redirect::to("/admin/events?deleted=1").into_response()),
        Err(Error::Conflict(refusal)) => {
            let detail = refusal.to_string();
            let e = catalog.get_event(&id).await?;
            let chrome =
                Chrome::signed_in(&session, &format!("Delete {}", e.name), "/admin/events");
            Ok(page_with_status(
                StatusCode::CONFLICT,
                &delete_page(chrome, e, Some(sentence(&detail))),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

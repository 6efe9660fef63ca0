//! What staff do to a booking from its page: cancel it (a confirmation page first; then
//! [`Bookings::cancel`], the API's own cancellation, refunding what was paid) and resend its
//! confirmation email ([`Notifier::resend_booking_confirmed`], once per click). Each POST
//! redirects (303) back to the booking's page, which says what happened.

use super::booking::render;
use super::bookings::short_id;
use super::csrf::CsrfForm;
use super::dashboard::money;
use super::render::{Chrome, PageError, page};
use super::session::StaffSession;
use crate::auth::session::ConsoleSession;
use crate::booking::Bookings;
use crate::booking::TicketStatus;
use crate::error::Error;
use crate::jobs::Jobs;
use crate::notify::Notifier;
use crate::payment::PaymentStatus;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/booking_cancel.html")]
pub struct CancelPage {
    pub chrome: Chrome,
    pub id: String,
    pub short: String,
    pub status: String,
    pub paid: bool,
    pub refund: String,
    pub seats: String,
    pub tickets: usize,
    pub may_cancel: bool,
}

/// `GET /admin/bookings/{id}/cancel`: what cancelling will do, and the button.
pub async fn confirm_cancel(
    StaffSession(session): StaffSession,
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let d = bookings.dossier(&session.caller(), &id).await?;
    let b = &d.booking;
    let refund: i64 = d
        .payments
        .iter()
        .filter(|p| p.status == PaymentStatus::Succeeded && p.refund.is_none())
        .map(|p| p.amount_minor)
        .sum();
    Ok(page(&CancelPage {
        chrome: Chrome::signed_in(&session, "Cancel booking", "/admin/bookings"),
        short: short_id(&b.id),
        id: b.id.clone(),
        status: super::bookings::words(b.status.as_str()),
        paid: refund > 0,
        refund: money(refund, &b.total.currency),
        seats: b.seats.join(", "),
        tickets: d
            .tickets
            .iter()
            .filter(|t| t.ticket.status != TicketStatus::Void)
            .count(),
        may_cancel: d.may_cancel,
    }))
}

/// The cancel form: only its token.
#[derive(Debug, Deserialize)]
pub struct CancelForm {}

/// The booking's page again, with why the action it came from was refused.
async fn refused(
    bookings: &Bookings,
    session: &ConsoleSession,
    id: &str,
    status: StatusCode,
    message: String,
) -> Result<Response, PageError> {
    render(bookings, session, id, None, Some((status, message))).await
}

/// `POST /admin/bookings/{id}/cancel`.
pub async fn cancel(
    State(bookings): State<Bookings>,
    Path(id): Path<String>,
    CsrfForm { session, .. }: CsrfForm<CancelForm>,
) -> Result<Response, PageError> {
    match bookings.cancel(&session.caller(), &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/bookings/{id}?done=cancelled")).into_response()),
        // Cancelled meanwhile (a double click, another clerk): the page shows how it stands.
        Err(e @ Error::Conflict { .. }) => {
            let message = super::render::sentence(&e.to_string());
            refused(&bookings, &session, &id, StatusCode::CONFLICT, message).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The resend form: the key this page handed out, so a double submit sends once.
#[derive(Debug, Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    pub key: String,
}

/// `POST /admin/bookings/{id}/resend`.
pub async fn resend(
    State(bookings): State<Bookings>,
    State(notifier): State<Notifier>,
    State(jobs): State<Jobs>,
    Path(id): Path<String>,
    CsrfForm { session, form }: CsrfForm<ResendForm>,
) -> Result<Response, PageError> {
    match notifier
        .resend_booking_confirmed(&jobs, &id, &form.key)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/bookings/{id}?done=resent")).into_response()),
        Err(Error::Validation(fields)) => {
            let message = fields
                .iter()
                .map(|f| format!("The form's {} {}.", f.field, f.message))
                .collect::<Vec<_>>()
                .join(" ");
            refused(
                &bookings,
                &session,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                message,
            )
            .await
        }
        Err(e @ Error::Conflict { .. }) => {
            let message = super::render::sentence(&e.to_string());
            refused(&bookings, &session, &id, StatusCode::CONFLICT, message).await
        }
        Err(e) => Err(e.into()),
    }
}

//! `/admin/box-office/sale/{hold_id}`: the held seats, their total and the hold's timer, and
//! the form for taking cash (amount due, cash given, change) or a test card; taking the
//! payment is [`super::box_office_pay`]. Releasing the hold gives the seats back.

use super::box_office::live_hold;
use super::csrf::CsrfForm;
use super::dashboard::money;
use super::render::{Chrome, PageError, page_with_status, utc_time};
use super::session::StaffSession;
use crate::auth::session::ConsoleSession;
use crate::booking::Bookings;
use crate::booking::state::BookingStatus;
use crate::catalog::Catalog;
use crate::error::Error;
use crate::inventory::Inventory;
use crate::inventory::hold::HoldView;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// One held seat or place.
struct Line {
    what: String,
    category: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "admin/box_office_sale.html")]
struct SalePage {
    chrome: Chrome,
    hold_id: String,
    event_id: String,
    event_name: String,
    lines: Vec<Line>,
    total: String,
    expires: String,
    expires_ms: i64,
    now_ms: i64,
    minutes_left: i64,
    segment: Option<String>,
    problem: Option<String>,
    method: String,
    cash_given: String,
    card_number: String,
    customer_email: String,
}

/// What the sale form sends.
#[derive(Debug, Default, Deserialize)]
pub struct SaleForm {
    #[serde(default)]
    pub(super) method: String,
    #[serde(default)]
    pub(super) cash_given: String,
    #[serde(default)]
    pub(super) card_number: String,
    #[serde(default)]
    pub(super) customer_email: String,
}

pub(super) async fn render_sale(
    session: &ConsoleSession,
    catalog: &Catalog,
    now_ms: i64,
    hold: HoldView,
    form: &SaleForm,
    status: StatusCode,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let event = catalog.get_event(&hold.event_id).await?;
    let currency = hold.total.currency.clone();
    let lines = hold
        .prices
        .iter()
        .map(|p| Line {
            what: match &p.seat {
                Some(seat) => format!("Seat {seat}"),
                None => format!("{} × place", p.quantity),
            },
            category: p.category.clone(),
            amount: money(p.amount.amount_minor, &currency),
        })
        .collect();
    let expires_ms = crate::clock::ms(hold.expires_at);
    let page = SalePage {
        chrome: Chrome::signed_in(session, "Take payment", "/admin/box-office")
            .with_script(&super::assets::HOLD_TIMER_JS),
        hold_id: hold.id.clone(),
        event_id: event.id.clone(),
        event_name: event.name.clone(),
        lines,
        total: money(hold.total.amount_minor, &currency),
        expires: utc_time(hold.expires_at),
        expires_ms,
        now_ms,
        minutes_left: ((expires_ms - now_ms).max(0) + 59_999) / 60_000,
        segment: hold
            .from
            .clone()
            .zip(hold.to.clone())
            .map(|(f, t)| format!("{f} → {t}")),
        problem,
        method: if form.method.is_empty() {
            "cash".into()
        } else {
            form.method.clone()
        },
        cash_given: form.cash_given.clone(),
        card_number: form.card_number.clone(),
        customer_email: form.customer_email.clone(),
    };
    Ok(page_with_status(status, &page))
}

/// The page for a hold that has ended without a sale.
pub(super) fn hold_ended() -> PageError {
    PageError::new(
        StatusCode::CONFLICT,
        "hold_expired",
        "This hold has ended (it expired or was released): nothing was sold. Go back to the box office and pick the seats again.",
    )
}

/// `GET /admin/box-office/sale/{hold_id}`.
pub async fn show(
    StaffSession(session): StaffSession,
    State(catalog): State<Catalog>,
    State(inventory): State<Inventory>,
    State(bookings): State<Bookings>,
    Path(hold_id): Path<String>,
) -> Result<Response, PageError> {
    let Some(hold) = live_hold(&inventory, &session, &hold_id).await else {
        return match bookings
            .booking_of_hold(&session.caller(), &hold_id)
            .await?
        {
            Some(b) if b.status == BookingStatus::Confirmed => Ok(done_redirect(&b.id)),
            _ => Err(hold_ended()),
        };
    };
    render_sale(
        &session,
        &catalog,
        inventory.clock_ms(),
        hold,
        &SaleForm::default(),
        StatusCode::OK,
        None,
    )
    .await
}

pub(super) fn done_redirect(booking_id: &str) -> Response {
    Redirect::to(&format!("/admin/box-office/done/{booking_id}")).into_response()
}

/// `POST /admin/box-office/sale/{hold_id}/release`: gives the seats back.
pub async fn release(
    State(inventory): State<Inventory>,
    Path(hold_id): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let session = form.session;
    let hold = live_hold(&inventory, &session, &hold_id).await;
    let event = hold.as_ref().map(|h| h.event_id.clone());
    match inventory.release(&session.caller(), &hold_id).await {
        Ok(()) | Err(Error::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let back = match event {
        Some(e) => format!("/admin/box-office/{e}"),
        None => "/admin/box-office".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

//! `/admin/box-office/sale/{hold_id}`: the held seats, their total and the hold's timer;
//! taking cash (amount due, cash given, change) or a test card. The sale is the API's saga —
//! book the hold, then pay it with the same idempotency — so a double-clicked "Take payment"
//! sells once, and an expired hold sells nothing and says so.

use super::box_office::live_hold;
use super::csrf::CsrfForm;
use super::dashboard::money;
use super::render::{Chrome, PageError, page_with_status, utc_time};
use super::session::StaffSession;
use crate::auth::session::ConsoleSession;
use crate::booking::saga::PayRequest;
use crate::booking::state::BookingStatus;
use crate::booking::{BookRequest, BookingView, Bookings};
use crate::catalog::Catalog;
use crate::error::Error;
use crate::http::idempotency;
use crate::http::state::Ops;
use crate::inventory::Inventory;
use crate::inventory::hold::HoldView;
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::time::Duration;

/// How long a second "Take payment" waits for the first to finish before it says so.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

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
    method: String,
    #[serde(default)]
    cash_given: String,
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    customer_email: String,
}

async fn render_sale(
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
    let expires_ms = (hold.expires_at.unix_timestamp_nanos() / 1_000_000) as i64;
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
fn hold_ended() -> PageError {
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

fn done_redirect(booking_id: &str) -> Response {
    Redirect::to(&format!("/admin/box-office/done/{booking_id}")).into_response()
}

/// Checks the form against the hold; the payment the saga is asked for, and the cash given.
fn payment_request(form: &SaleForm, hold: &HoldView) -> Result<(PayRequest, Option<i64>), String> {
    let due = hold.total.amount_minor;
    let currency = &hold.total.currency;
    match form.method.as_str() {
        "cash" => {
            let given = crate::money::parse_amount(&form.cash_given, currency)
                .map_err(|e| format!("Cash given {}.", e.message()))?;
            if given < due {
                return Err(format!(
                    "Cash given ({}) is less than the amount due ({}).",
                    money(given, currency),
                    money(due, currency)
                ));
            }
            Ok((
                PayRequest {
                    method: "cash".into(),
                    amount_minor: due,
                    currency: None,
                    card_number: None,
                },
                Some(given),
            ))
        }
        "card" => {
            let number: String = form
                .card_number
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if number.is_empty() {
                return Err("Card number is required for a card payment.".into());
            }
            if !crate::payment::provider::luhn_ok(&number) {
                return Err("Card number is not a valid card number.".into());
            }
            Ok((
                PayRequest {
                    method: "test".into(),
                    amount_minor: due,
                    currency: None,
                    card_number: Some(number),
                },
                None,
            ))
        }
        _ => Err("Choose how the customer pays: cash or card.".into()),
    }
}

/// Books the hold, or finds the booking a first submit made of it.
async fn booking_for(
    bookings: &Bookings,
    session: &ConsoleSession,
    hold_id: &str,
    email: &str,
) -> Result<BookingView, Error> {
    let caller = session.caller();
    let request = BookRequest {
        hold_id: hold_id.to_string(),
        customer_email: (!email.is_empty()).then(|| email.to_string()),
    };
    match bookings.book(&caller, request).await {
        Ok(b) => Ok(b),
        Err(Error::Conflict {
            code: "hold_already_booked",
            ..
        }) => bookings
            .booking_of_hold(&caller, hold_id)
            .await?
            .ok_or(Error::NotFound("booking")),
        Err(e) => Err(e),
    }
}

/// Waits for a sale another request is finishing (the first click of a double click).
async fn wait_for_confirmation(bookings: &Bookings, session: &ConsoleSession, id: &str) -> bool {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    while tokio::time::Instant::now() < deadline {
        match bookings.get(&session.caller(), id).await {
            Ok(b) if b.status == BookingStatus::Confirmed => return true,
            Ok(b) if b.status != BookingStatus::PendingPayment => return false,
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(_) => return false,
        }
    }
    false
}

/// `POST /admin/box-office/sale/{hold_id}/pay`: books and pays the hold.
pub async fn pay(
    State(catalog): State<Catalog>,
    State(inventory): State<Inventory>,
    State(bookings): State<Bookings>,
    State(ops): State<Ops>,
    Path(hold_id): Path<String>,
    form: CsrfForm<SaleForm>,
) -> Result<Response, PageError> {
    let session = form.session;
    let form = form.form;
    let Some(hold) = live_hold(&inventory, &session, &hold_id).await else {
        // A second submit after the first sold it: the hold ended with a confirmed booking.
        return match bookings
            .booking_of_hold(&session.caller(), &hold_id)
            .await?
        {
            Some(b) if b.status == BookingStatus::Confirmed => Ok(done_redirect(&b.id)),
            Some(b) if wait_for_confirmation(&bookings, &session, &b.id).await => {
                Ok(done_redirect(&b.id))
            }
            _ => Err(hold_ended()),
        };
    };
    let (request, given) = match payment_request(&form, &hold) {
        Ok(r) => r,
        Err(problem) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_sale(
                &session,
                &catalog,
                inventory.clock_ms(),
                hold,
                &form,
                status,
                Some(problem),
            )
            .await;
        }
    };
    let booking = match booking_for(&bookings, &session, &hold_id, form.customer_email.trim()).await
    {
        Ok(b) => b,
        Err(Error::Validation(fields)) => {
            let problem = fields
                .iter()
                .map(|f| format!("{}: {}.", f.field.replace('_', " "), f.message))
                .collect::<Vec<_>>()
                .join(" ");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_sale(
                &session,
                &catalog,
                inventory.clock_ms(),
                hold,
                &form,
                status,
                Some(problem),
            )
            .await;
        }
        Err(Error::Conflict {
            code: "hold_expired",
            ..
        })
        | Err(Error::NotFound(_)) => {
            return Err(hold_ended());
        }
        Err(e) => return Err(e.into()),
    };
    if booking.status == BookingStatus::Confirmed {
        return Ok(done_redirect(&booking.id));
    }
    let body = serde_json::json!({
        "method": request.method, "amount_minor": request.amount_minor,
        "card_number": request.card_number,
    })
    .to_string();
    let (caller, work_bookings, id) = (session.caller(), bookings.clone(), booking.id.clone());
    let response = idempotency::run(
        &ops.sqlite,
        &caller.user_id.clone(),
        // One key per booking and request: the same form sent twice pays once, a corrected
        // one (another card) is a new attempt.
        Some(format!(
            "box-office-pay:{}:{}",
            booking.id,
            &crate::payment::idempotency::request_hash("POST", "", body.as_bytes())[..16]
        )),
        "POST",
        &format!("/api/v1/bookings/{}/payments", booking.id),
        body.as_bytes(),
        bookings.now_ms(),
        async move {
            match work_bookings.pay(&caller, &id, request).await {
                Ok((status, outcome)) => (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                    Json(outcome),
                )
                    .into_response(),
                Err(e) => e.into_response(),
            }
        },
    )
    .await;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap_or_default();
    let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let code = problem["code"].as_str().unwrap_or("");
    let done = |b: &str| {
        let target = match given {
            Some(g) => format!("/admin/box-office/done/{b}?given={g}"),
            None => format!("/admin/box-office/done/{b}"),
        };
        Ok(Redirect::to(&target).into_response())
    };
    match (status.as_u16(), code) {
        (201, _) | (409, "already_paid") => done(&booking.id),
        (409, "idempotency_in_progress") => {
            if wait_for_confirmation(&bookings, &session, &booking.id).await {
                done(&booking.id)
            } else {
                Err(PageError::new(
                    StatusCode::CONFLICT,
                    "payment_in_progress",
                    "This sale is still being paid in another window. Open the booking to see how it ended before taking payment again.",
                ))
            }
        }
        (402, _) => Err(PageError::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_declined",
            "The card was declined. Nothing was sold and the seats were released; pick them again to retry with another card or cash.",
        )),
        _ => {
            let detail = problem["detail"]
                .as_str()
                .unwrap_or("the payment did not go through");
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let code = if code.is_empty() {
                "payment_failed"
            } else {
                code_of(code)
            };
            Err(PageError::new(
                status,
                code,
                super::render::sentence(detail),
            ))
        }
    }
}

/// A problem code from the API as the page's static code (unknown codes keep a generic one).
fn code_of(code: &str) -> &'static str {
    match code {
        "booking_expired" => "booking_expired",
        "booking_not_payable" => "booking_not_payable",
        "idempotency_conflict" => "idempotency_conflict",
        "payment_timeout" => "payment_timeout",
        "validation_failed" => "validation_failed",
        _ => "payment_failed",
    }
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

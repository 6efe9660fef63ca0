//! `POST /admin/box-office/sale/{hold_id}/pay`: taking the money. The sale is the API's saga —
//! book the hold, then pay it with the same idempotency — so a double-clicked "Take payment"
//! sells once, and an expired hold sells nothing and says so. The API's answer is turned into
//! the page a cashier reads: the receipt, or why nothing was sold.

use super::box_office::live_hold;
use super::box_office_sale::{SaleForm, done_redirect, hold_ended, render_sale};
use super::csrf::CsrfForm;
use super::dashboard::money;
use super::render::PageError;
use crate::auth::session::ConsoleSession;
use crate::booking::saga::PayRequest;
use crate::booking::state::BookingStatus;
use crate::booking::{BookRequest, BookingView, Bookings};
use crate::catalog::Catalog;
use crate::error::{Conflict, Error};
use crate::http::idempotency;
use crate::http::state::Ops;
use crate::inventory::Inventory;
use crate::inventory::hold::HoldView;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::time::Duration;

/// How long a second "Take payment" waits for the first to finish before it says so.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

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
            return form_problem(&session, &catalog, &inventory, hold, &form, problem).await;
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
            return form_problem(&session, &catalog, &inventory, hold, &form, problem).await;
        }
        Err(Error::HoldExpired) | Err(Error::NotFound(_)) => {
            return Err(hold_ended());
        }
        Err(e) => return Err(e.into()),
    };
    if booking.status == BookingStatus::Confirmed {
        return Ok(done_redirect(&booking.id));
    }
    let (status, problem) = pay_once(&ops, &bookings, &session, &booking.id, request).await;
    answer_page(status, &problem, &bookings, &session, &booking.id, given).await
}

/// The sale page again, 422, with what is wrong with the form.
async fn form_problem(
    session: &ConsoleSession,
    catalog: &Catalog,
    inventory: &Inventory,
    hold: HoldView,
    form: &SaleForm,
    problem: String,
) -> Result<Response, PageError> {
    let (now_ms, status) = (inventory.clock_ms(), StatusCode::UNPROCESSABLE_ENTITY);
    render_sale(session, catalog, now_ms, hold, form, status, Some(problem)).await
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
        // A walk-in who gives no email gets no email (not the clerk's own address).
        walk_in: email.is_empty(),
    };
    match bookings.book(&caller, request).await {
        Ok(b) => Ok(b),
        Err(Error::Conflict(Conflict::HoldAlreadyBooked)) => bookings
            .booking_of_hold(&caller, hold_id)
            .await?
            .ok_or(Error::NotFound("booking")),
        Err(e) => Err(e),
    }
}

/// Pays the booking through the API's idempotency, keyed per booking and request: the same
/// form sent twice pays once, a corrected one (another card) is a new attempt. The answer's
/// status and body (a problem's `code` and `detail`, when it is one).
async fn pay_once(
    ops: &Ops,
    bookings: &Bookings,
    session: &ConsoleSession,
    booking_id: &str,
    request: PayRequest,
) -> (StatusCode, serde_json::Value) {
    let body = serde_json::json!({
        "method": request.method, "amount_minor": request.amount_minor,
        "card_number": request.card_number,
    })
    .to_string();
    let (caller, work_bookings, id) = (session.caller(), bookings.clone(), booking_id.to_string());
    let response = idempotency::run(
        &ops.sqlite,
        &caller.user_id.clone(),
        Some(format!(
            "box-office-pay:{booking_id}:{}",
            &crate::idempotency::request_hash("POST", "", body.as_bytes())[..16]
        )),
        "POST",
        &format!("/api/v1/bookings/{booking_id}/payments"),
        body.as_bytes(),
        bookings.now_ms(),
        async move {
            work_bookings
                .pay(&caller, &id, request)
                .await
                .into_response()
        },
    )
    .await;
    idempotency::status_and_json(response).await
}

/// The page after a payment: the receipt (with the change when cash was given), or why
/// nothing was sold.
async fn answer_page(
    status: StatusCode,
    problem: &serde_json::Value,
    bookings: &Bookings,
    session: &ConsoleSession,
    booking_id: &str,
    given: Option<i64>,
) -> Result<Response, PageError> {
    let code = problem["code"].as_str().unwrap_or("");
    let done = || {
        let target = match given {
            Some(g) => format!("/admin/box-office/done/{booking_id}?given={g}"),
            None => format!("/admin/box-office/done/{booking_id}"),
        };
        Ok(Redirect::to(&target).into_response())
    };
    match (status.as_u16(), code) {
        (201, _) | (409, "already_paid") => done(),
        (409, "idempotency_in_progress") => {
            if wait_for_confirmation(bookings, session, booking_id).await {
                done()
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

//! `/api/v1/bookings`: the saga's steps — book a hold, pay, cancel — and the tickets.

use crate::booking::checkin::{Admitted, CheckinRequest};
use crate::booking::repo::BookingFilter;
use crate::booking::saga::{Paid, PayRequest};
use crate::booking::state::BookingStatus;
use crate::booking::{BookRequest, BookingView, Bookings, TicketView};
use crate::error::{Error, Validator};
use crate::http::api::list_query::query_time;
use crate::http::api::payment_body::PaymentOutcomeBody;
use crate::http::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authenticated, StaffOnly};
use crate::http::idempotency::Idempotent;
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::http::state::Ops;
use crate::pagination::{Page, PageRequest};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Books a live hold: a `pending_payment` booking with the hold's price snapshot, expiring
/// with the hold. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bookings", operation_id = "create_booking", tag = "bookings", request_body = BookRequest, security(("bearer" = ["customer", "staff", "admin"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first response to the same request")),
    responses((status = 201, body = BookingView), (status = 404, body = Problem),
              (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn create(
    State(bookings): State<Bookings>,
    State(ops): State<Ops>,
    Authenticated(caller): Authenticated,
    request: Idempotent<BookRequest>,
) -> Response {
    let (now_ms, owner) = (bookings.now_ms(), caller.user_id.clone());
    request
        .run_once(&ops.sqlite, &owner, now_ms, |value| async move {
            match bookings.book(&caller, value).await {
                Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
                Err(e) => e.into_response(),
            }
        })
        .await
}

/// Filters and paging of the booking list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingQuery {
    #[param(max_length = 200)]
    pub event_id: Option<String>,
    pub status: Option<BookingStatus>,
    /// Staff: the customer's email.
    #[param(max_length = 200)]
    pub email: Option<String>,
    /// Created at or after this RFC 3339 time.
    #[param(max_length = 200)]
    pub from: Option<String>,
    /// Created before this RFC 3339 time.
    #[param(max_length = 200)]
    pub to: Option<String>,
    pub limit: Option<u32>,
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Bookings, newest first: a customer's own; anyone's for staff and admins.
#[utoipa::path(get, path = "/api/v1/bookings", operation_id = "list_bookings", tag = "bookings", params(BookingQuery), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = Page<BookingView>), (status = 422, body = Problem)))]
pub async fn list(
    State(bookings): State<Bookings>,
    Authenticated(caller): Authenticated,
    ApiQuery(query): ApiQuery<BookingQuery>,
) -> Result<Json<Page<BookingView>>, Error> {
    let mut v = Validator::new();
    let created_from_ms = query_time("from", query.from.as_deref(), &mut v).map(crate::clock::ms);
    let created_to_ms = query_time("to", query.to.as_deref(), &mut v).map(crate::clock::ms);
    v.query_text("event_id", query.event_id.as_deref());
    v.query_text("email", query.email.as_deref());
    v.finish()?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref(), 1)?;
    let filter = BookingFilter {
        owner_id: None,
        event_id: query.event_id,
        status: query.status,
        email: query
            .email
            .map(|e| crate::auth::account::canonical_email(&e)),
        created_from_ms,
        created_to_ms,
    };
    Ok(Json(bookings.list(&caller, filter, page).await?))
}

/// One booking (its owner, staff, admins; 404 for anyone else).
#[utoipa::path(get, path = "/api/v1/bookings/{id}", operation_id = "get_booking", tag = "bookings", params(("id" = String, Path)), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = BookingView), (status = 404, body = Problem)))]
pub async fn get(
    State(bookings): State<Bookings>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<BookingView>, Error> {
    Ok(Json(bookings.get(&caller, &id).await?))
}

/// Pays a booking: 201 confirmed (tickets issued), 202 pending (a gateway will call back),
/// 402 `payment_declined` (booking failed, seats released), 504 `payment_timeout`. The
/// amount must equal the total (422). Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/payments", operation_id = "pay_booking", tag = "bookings", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "replays the first response to the same request")),
    request_body = PayRequest, security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 201, body = PaymentOutcomeBody), (status = 202, body = PaymentOutcomeBody),
              (status = 402, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem),
              (status = 422, body = Problem), (status = 504, body = Problem)))]
pub async fn pay(
    State(bookings): State<Bookings>,
    State(ops): State<Ops>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
    request: Idempotent<PayRequest>,
) -> Response {
    let (now_ms, owner) = (bookings.now_ms(), caller.user_id.clone());
    request
        .run_once(&ops.sqlite, &owner, now_ms, |value| async move {
            bookings.pay(&caller, &id, value).await.into_response()
        })
        .await
}

/// A payment that went through is a new resource (201); one a gateway will confirm later
/// is accepted (202).
impl IntoResponse for Paid {
    fn into_response(self) -> Response {
        match self {
            Paid::Confirmed(outcome) => {
                (StatusCode::CREATED, Json(PaymentOutcomeBody::from(outcome))).into_response()
            }
            Paid::Pending(outcome) => (
                StatusCode::ACCEPTED,
                Json(PaymentOutcomeBody::from(outcome)),
            )
                .into_response(),
        }
    }
}

/// Cancels a booking (owner or admin): a paid one is refunded and its seats go back on sale.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", operation_id = "cancel_booking", tag = "bookings", params(("id" = String, Path)), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = BookingView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn cancel(
    State(bookings): State<Bookings>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<BookingView>, Error> {
    Ok(Json(bookings.cancel(&caller, &id).await?))
}

/// One ticket per seat (and segment), each with its signed code.
#[utoipa::path(get, path = "/api/v1/bookings/{id}/tickets", operation_id = "list_booking_tickets", tag = "bookings", params(("id" = String, Path)), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = Vec<TicketView>), (status = 404, body = Problem)))]
pub async fn tickets(
    State(bookings): State<Bookings>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<TicketView>>, Error> {
    Ok(Json(bookings.tickets(&caller, &id).await?))
}

/// Admits a ticket at the door, once.
#[utoipa::path(post, path = "/api/v1/checkins", operation_id = "check_in_ticket", tag = "tickets", request_body = CheckinRequest, security(("bearer" = ["staff", "admin"])),
    responses((status = 200, body = Admitted),
              (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn check_in(
    State(bookings): State<Bookings>,
    StaffOnly(caller): StaffOnly,
    ApiJson(request): ApiJson<CheckinRequest>,
) -> Result<Json<Admitted>, Error> {
    Ok(Json(bookings.check_in(&caller, request).await?))
}

/// The key that verifies ticket codes offline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// Always `Ed25519`.
    pub algorithm: &'static str,
    /// The 32-byte public key, base64url without padding.
    pub public_key: String,
    /// How a code is built: `RZ1.<base64url JSON claims>.<base64url signature over "RZ1.<claims>">`.
    pub format: &'static str,
}

/// The public key door scanners verify ticket codes with, offline.
#[utoipa::path(get, path = "/api/v1/tickets/public-key", operation_id = "get_ticket_public_key", tag = "tickets",
    responses((status = 200, body = PublicKey)))]
pub async fn public_key(State(bookings): State<Bookings>) -> Json<PublicKey> {
    Json(PublicKey {
        algorithm: "Ed25519",
        public_key: bookings.ticket_public_key(),
        format: "RZ1.<base64url JSON claims {t, e, s, c, f, o}>.<base64url Ed25519 signature over \"RZ1.<claims>\">",
    })
}

/// How many bookings an event cancellation ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventCancelled {
    pub event_id: String,
    /// Every booking the cancellation has ended so far (the same answer when asked again).
    pub bookings_cancelled: usize,
}

/// Cancels an event: no more sales, every booking cancelled and refunded, every hold
/// released, every booker and holder notified. The work finishes even if this request is
/// cut off (it continues as a job, across restarts); asking again finishes whatever is left
/// and answers the same.
#[utoipa::path(post, path = "/api/v1/events/{id}/cancel", operation_id = "cancel_event", tag = "events", params(("id" = String, Path)), security(("bearer" = ["admin"])),
    responses((status = 200, body = EventCancelled), (status = 404, body = Problem)))]
pub async fn cancel_event(
    State(bookings): State<Bookings>,
    AdminOnly(caller): AdminOnly,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EventCancelled>, Error> {
    let bookings_cancelled = bookings.cancel_event(&caller, &id).await?;
    Ok(Json(EventCancelled {
        event_id: id,
        bookings_cancelled,
    }))
}

//! `/api/v1/payments`: payments and refunds, and the gateway's signed callbacks.

use crate::booking::Bookings;
use crate::booking::saga::{WebhookCallback, WebhookResult};
use crate::error::{Error, Validator};
use crate::http::api::payment_body::PaymentBody;
use crate::http::extract::{ApiPath, ApiQuery, Authenticated};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::http::rejection::Rejection;
use crate::pagination::{Page, PageRequest};
use crate::payment::PaymentStatus;
use crate::payment::repo::PaymentFilter;
use crate::payment::webhook::SIGNATURE_HEADER;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use serde::Deserialize;

/// Filters and paging of the payment list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentQuery {
    #[param(max_length = 200)]
    pub booking_id: Option<String>,
    /// `pending`, `succeeded`, `declined` or `failed`.
    #[param(max_length = 200)]
    pub status: Option<String>,
    pub limit: Option<u32>,
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Payments (with their refunds), newest first: a customer's own; all for staff.
#[utoipa::path(get, path = "/api/v1/payments", operation_id = "list_payments", tag = "payments", params(PaymentQuery), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = Page<PaymentBody>), (status = 422, body = Problem)))]
pub async fn list(
    State(bookings): State<Bookings>,
    Authenticated(caller): Authenticated,
    ApiQuery(query): ApiQuery<PaymentQuery>,
) -> Result<Json<Page<PaymentBody>>, Error> {
    let status = match &query.status {
        Some(s) => Some(s.parse::<PaymentStatus>().map_err(|_| {
            Error::invalid("status", "must be pending, succeeded, declined or failed")
        })?),
        None => None,
    };
    let mut v = Validator::new();
    v.query_text("booking_id", query.booking_id.as_deref());
    v.finish()?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref(), 1)?;
    let filter = PaymentFilter {
        owner_id: None,
        booking_id: query.booking_id,
        status,
    };
    Ok(Json(
        bookings
            .payments(&caller, filter, page)
            .await?
            .map(PaymentBody::from),
    ))
}

/// One payment.
#[utoipa::path(get, path = "/api/v1/payments/{id}", operation_id = "get_payment", tag = "payments", params(("id" = String, Path)), security(("bearer" = ["customer", "staff", "admin"])),
    responses((status = 200, body = PaymentBody), (status = 404, body = Problem)))]
pub async fn get(
    State(bookings): State<Bookings>,
    Authenticated(caller): Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PaymentBody>, Error> {
    Ok(Json(bookings.payment(&caller, &id).await?.into()))
}

/// A gateway's callback: `{event_id, payment_id, status: "succeeded"|"declined", reason?}`
/// signed with `Rezerve-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. A bad or stale
/// signature is 401 and changes nothing; the same callback twice changes nothing again.
#[utoipa::path(post, path = "/api/v1/payments/webhooks/{provider}", operation_id = "receive_payment_webhook", tag = "payments",
    params(("provider" = String, Path, description = "The gateway; `webhook` is the one this server knows"),
        ("Rezerve-Signature" = String, Header, description = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">` with the shared webhook secret; at most 300 s old")),
    request_body(content = WebhookCallback, description = "Signed as sent: the signature covers these exact bytes"),
    responses((status = 200, body = WebhookResult), (status = 401, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn webhook(
    State(bookings): State<Bookings>,
    ApiPath(provider): ApiPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<WebhookResult>, Rejection> {
    let body = body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Rejection::PayloadTooLarge
        } else {
            Error::invalid("body", "the body could not be read").into()
        }
    })?;
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // The saga runs to its end even if the gateway hangs up.
    tokio::spawn(async move {
        bookings
            .webhook(&provider, signature.as_deref(), &body)
            .await
    })
    .await
    .map_err(Error::internal)?
    .map(Json)
    .map_err(Rejection::from)
}

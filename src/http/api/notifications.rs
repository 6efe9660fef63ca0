//! `/api/v1/notifications`: the email log, for admins — what was sent to whom, what failed,
//! and a retry for what is dead.

use crate::error::{Error, Validator};
use crate::http::api::notification_body::NotificationBody;
use crate::http::extract::{AdminOnly, ApiPath, ApiQuery};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::jobs::Jobs;
use crate::notify::email::EmailKind;
use crate::notify::repo::NotificationFilter;
use crate::notify::{NotificationStatus, Notifier};
use crate::pagination::{Page, PageRequest};
use axum::extract::State;
use serde::Deserialize;

/// Filters and paging of the log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `queued`, `failed`, `sent` or `dead`.
    #[param(max_length = 200)]
    pub status: Option<String>,
    /// e.g. `booking-confirmed`.
    #[param(max_length = 200)]
    pub kind: Option<String>,
    #[param(max_length = 200)]
    pub recipient: Option<String>,
    /// e.g. `booking:bkg_…`.
    #[param(max_length = 200)]
    pub cause: Option<String>,
    pub limit: Option<u32>,
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Emails, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", operation_id = "list_notifications", tag = "notifications", params(NotificationQuery), security(("bearer" = ["admin"])),
    responses((status = 200, body = Page<NotificationBody>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(notifier): State<Notifier>,
    _admin: AdminOnly,
    ApiQuery(query): ApiQuery<NotificationQuery>,
) -> Result<Json<Page<NotificationBody>>, Error> {
    let status = match &query.status {
        Some(s) => Some(
            s.parse::<NotificationStatus>()
                .map_err(|_| Error::invalid("status", "must be queued, failed, sent or dead"))?,
        ),
        None => None,
    };
    let mut v = Validator::new();
    v.query_text("kind", query.kind.as_deref());
    if let Some(kind) = &query.kind
        && !EmailKind::ALL.iter().any(|k| k.as_str() == kind)
    {
        // An unknown kind would match nothing: say so rather than answer an empty page.
        let kinds: Vec<&str> = EmailKind::ALL.iter().map(|k| k.as_str()).collect();
        v.add("kind", format!("must be one of {}", kinds.join(", ")));
    }
    v.query_text("recipient", query.recipient.as_deref());
    v.query_text("cause", query.cause.as_deref());
    v.finish()?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref(), 1)?;
    let filter = NotificationFilter {
        status,
        kind: query.kind,
        recipient: query.recipient,
        cause: query.cause,
    };
    Ok(Json(
        notifier
            .list(filter, page)
            .await?
            .map(NotificationBody::from),
    ))
}

/// Sends a failed or dead email again; a sent one is 409 `already_sent`.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", operation_id = "retry_notification", tag = "notifications", params(("id" = String, Path)),
    security(("bearer" = ["admin"])),
    responses((status = 200, body = NotificationBody), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retry(
    State(notifier): State<Notifier>,
    State(jobs): State<Jobs>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<NotificationBody>, Error> {
    Ok(Json(notifier.retry(&jobs, &id).await?.into()))
}

//! `/admin/emails` (admins): the email delivery log — to whom, what, its status, attempts and
//! last error, filtered by status and recipient and paged — and "Retry" for a failed or dead
//! email through [`Notifier::retry`], the function behind
//! `POST /api/v1/notifications/{id}/retry`.

use super::csrf::CsrfForm;
use super::render::{Chrome, Notice, PageError, page_with_status, utc_time_ms};
use super::session::AdminSession;
use crate::auth::session::ConsoleSession;
use crate::error::Error;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::jobs::Jobs;
use crate::notify::repo::{NotificationFilter, NotificationRow};
use crate::notify::{NotificationStatus, Notifier};
use crate::pagination::{DEFAULT_LIMIT, PageRequest};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The statuses an email can be in.
const STATUSES: [NotificationStatus; 4] = [
    NotificationStatus::Queued,
    NotificationStatus::Failed,
    NotificationStatus::Dead,
    NotificationStatus::Sent,
];

/// The log's filters and page, from the query string. Empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct EmailsQuery {
    pub status: Option<String>,
    pub to: Option<String>,
    pub cursor: Option<String>,
    /// The id of an email just queued again, to say so.
    pub retried: Option<String>,
}

/// A retry form carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct RetryForm {}

#[derive(Template)]
#[template(path = "admin/emails.html")]
pub struct EmailsPage {
    pub chrome: Chrome,
    pub statuses: [NotificationStatus; 4],
    pub status: String,
    pub to: String,
    pub rows: Vec<EmailLine>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub notice: Option<Notice>,
}

/// An email as the log shows it.
pub struct EmailLine {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub kind: String,
    pub status: NotificationStatus,
    pub attempts: i64,
    pub last_error: String,
    pub created: String,
    pub sent: String,
    pub retryable: bool,
}

impl From<NotificationRow> for EmailLine {
    fn from(n: NotificationRow) -> Self {
        EmailLine {
            retryable: n.status.retryable(),
            id: n.id,
            to: n.recipient,
            subject: n.subject,
            kind: n.kind,
            status: n.status,
            attempts: n.attempts,
            last_error: n.last_error.unwrap_or_default(),
            created: utc_time_ms(n.created_at_ms),
            sent: n.sent_at_ms.map(utc_time_ms).unwrap_or_default(),
        }
    }
}

/// Validated filters of the log.
#[derive(Debug, Default, Clone)]
struct Filters {
    status: Option<NotificationStatus>,
    to: Option<String>,
    cursor: Option<String>,
}

impl Filters {
    fn parse(query: EmailsQuery) -> Result<Filters, Error> {
        let clean = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let status =
            match clean(query.status) {
                Some(s) => Some(s.parse::<NotificationStatus>().map_err(|_| {
                    Error::invalid("status", "must be queued, failed, dead or sent")
                })?),
                None => None,
            };
        Ok(Filters {
            status,
            to: clean(query.to),
            cursor: clean(query.cursor),
        })
    }

    fn href(&self, cursor: Option<&str>) -> String {
        let pairs = [
            ("status", self.status.map(NotificationStatus::as_str)),
            ("to", self.to.as_deref()),
            ("cursor", cursor),
        ];
        super::render::href_with_query("/admin/emails", &pairs)
    }
}

/// The log page for `filters`, with an optional notice and status.
async fn render(
    session: &ConsoleSession,
    notifier: &Notifier,
    filters: Filters,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let request = PageRequest::parse(Some(DEFAULT_LIMIT), filters.cursor.as_deref(), 1)?;
    let filter = NotificationFilter {
        status: filters.status,
        recipient: filters.to.clone(),
        ..NotificationFilter::default()
    };
    let listed = notifier.list(filter, request).await?;
    Ok(page_with_status(
        status,
        &EmailsPage {
            chrome: Chrome::signed_in(session, "Emails", "/admin/emails"),
            statuses: STATUSES,
            next_href: listed.next_cursor.as_deref().map(|c| filters.href(Some(c))),
            first_href: filters.cursor.as_ref().map(|_| filters.href(None)),
            status: filters.status.map(|s| s.to_string()).unwrap_or_default(),
            to: filters.to.unwrap_or_default(),
            rows: listed.items.into_iter().map(EmailLine::from).collect(),
            notice,
        },
    ))
}

/// `GET /admin/emails`.
pub async fn list(
    AdminSession(session): AdminSession,
    State(notifier): State<Notifier>,
    query: Result<ApiQuery<EmailsQuery>, Error>,
) -> Result<Response, PageError> {
    let ApiQuery(query) = query?;
    let notice = query
        .retried
        .as_deref()
        .filter(|id| crate::ids::looks_like("ntf", id))
        .map(|id| {
            Notice::ok(format!(
                "Email {id} was queued again with a fresh set of attempts; it goes out within moments."
            ))
        });
    let filters = Filters::parse(query)?;
    render(&session, &notifier, filters, notice, StatusCode::OK).await
}

/// `POST /admin/emails/{id}/retry`: a failed or dead email queued again; then the log of
/// its recipient, saying so.
pub async fn retry(
    AdminSession(_): AdminSession,
    State(notifier): State<Notifier>,
    State(jobs): State<Jobs>,
    id: Result<ApiPath<String>, Error>,
    CsrfForm { session, .. }: CsrfForm<RetryForm>,
) -> Result<Response, PageError> {
    let ApiPath(id) = id.map_err(|_| Error::NotFound("notification"))?;
    match notifier.retry(&jobs, &id).await {
        Ok(row) => {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("to", &row.recipient)
                .append_pair("retried", &row.id)
                .finish();
            Ok(Redirect::to(&format!("/admin/emails?{query}")).into_response())
        }
        Err(Error::Conflict(refusal)) => {
            let detail = refusal.to_string();
            let notice = Notice::refused(format!(
                "Email {id} was not retried: {}. Nothing was changed.",
                detail.trim_end_matches('.')
            ));
            render(
                &session,
                &notifier,
                Filters::default(),
                Some(notice),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

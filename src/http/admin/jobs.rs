//! `/admin/jobs` (admins): the durable job queue — how many jobs of each kind are in each
//! status, a filtered, paged list, one job's detail, and "Retry" for a dead job through
//! [`Jobs::retry`], the function behind `POST /api/v1/jobs/{id}/retry`.

use super::csrf::CsrfForm;
use super::render::{Chrome, Notice, PageError, page, page_with_status, utc_time_ms};
use super::session::AdminSession;
use crate::auth::session::ConsoleSession;
use crate::error::Error;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::jobs::{JobRow, JobStatus, Jobs};
use crate::pagination::{DEFAULT_LIMIT, Page, PageRequest};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The statuses a job can be in, in the order a person reads them.
const STATUSES: [JobStatus; 4] = [
    JobStatus::Queued,
    JobStatus::Running,
    JobStatus::Dead,
    JobStatus::Done,
];

/// The list's filters and page, from the query string. Empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct JobsQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub cursor: Option<String>,
}

/// The detail page's query: `retried=1` after a retry went through.
#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub retried: Option<String>,
}

/// A retry form carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct RetryForm {}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
pub struct JobsPage {
    pub chrome: Chrome,
    pub totals: Vec<(JobStatus, i64)>,
    pub by_kind: Vec<KindCounts>,
    pub kinds: Vec<String>,
    pub statuses: [JobStatus; 4],
    pub status: String,
    pub kind: String,
    pub rows: Vec<JobLine>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

/// One kind's jobs in each status, in the order of [`STATUSES`].
pub struct KindCounts {
    pub kind: String,
    pub href: String,
    pub counts: Vec<CountCell>,
}

/// How many jobs of a kind are in one status, and the list of them.
pub struct CountCell {
    pub status: JobStatus,
    pub count: i64,
    pub href: String,
}

/// A job as the pages show it.
pub struct JobLine {
    pub id: i64,
    pub kind: String,
    pub cause: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: String,
    pub run_at: String,
    pub dead: bool,
}

impl From<&JobRow> for JobLine {
    fn from(j: &JobRow) -> Self {
        JobLine {
            id: j.id,
            kind: j.kind.clone(),
            cause: j.cause.clone(),
            status: j.status.to_string(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            last_error: j.last_error.clone().unwrap_or_default(),
            run_at: utc_time_ms(j.run_at_ms),
            dead: j.status == JobStatus::Dead,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/job.html")]
pub struct JobPage {
    pub chrome: Chrome,
    pub job: JobLine,
    pub payload: String,
    pub dedupe_key: String,
    pub created: String,
    pub updated: String,
    pub notice: Option<Notice>,
}

fn none_if_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// `/admin/jobs?status=&kind=&cursor=`, the list's link with these filters.
fn list_href(status: Option<&str>, kind: Option<&str>, cursor: Option<&str>) -> String {
    let pairs = [("status", status), ("kind", kind), ("cursor", cursor)];
    super::render::href_with_query("/admin/jobs", &pairs)
}

/// `GET /admin/jobs`.
pub async fn list(
    AdminSession(session): AdminSession,
    State(jobs): State<Jobs>,
    query: Result<ApiQuery<JobsQuery>, Error>,
) -> Result<Response, PageError> {
    let ApiQuery(query) = query?;
    let status = match none_if_empty(query.status) {
        Some(s) => Some(
            s.parse::<JobStatus>()
                .map_err(|_| Error::invalid("status", "must be queued, running, dead or done"))?,
        ),
        None => None,
    };
    let kind = none_if_empty(query.kind);
    let cursor = none_if_empty(query.cursor);
    let request = PageRequest::parse(Some(DEFAULT_LIMIT), cursor.as_deref(), 1)?;
    let before = match &request.after {
        Some(key) => Some(
            key[0]
                .parse::<i64>()
                .map_err(|_| Error::invalid("cursor", "is not a cursor this list handed out"))?,
        ),
        None => None,
    };
    let rows = jobs
        .list(status, kind.clone(), before, request.fetch_limit())
        .await?;
    let listed = Page::from_rows(rows, &request, |j| vec![j.id.to_string()]);
    let counts = jobs.counts().await?;

    let mut by_kind: Vec<KindCounts> = Vec::new();
    for (k, s, n) in &counts {
        let line = match by_kind.iter_mut().position(|line| &line.kind == k) {
            Some(i) => &mut by_kind[i],
            None => {
                by_kind.push(KindCounts {
                    kind: k.clone(),
                    href: list_href(None, Some(k), None),
                    counts: STATUSES
                        .iter()
                        .map(|&s| CountCell {
                            status: s,
                            count: 0,
                            href: list_href(Some(s.as_str()), Some(k), None),
                        })
                        .collect(),
                });
                let last = by_kind.len() - 1;
                &mut by_kind[last]
            }
        };
        if let Some(cell) = line.counts.iter_mut().find(|c| c.status == *s) {
            cell.count += n;
        }
    }
    let totals = STATUSES
        .iter()
        .map(|&s| {
            let sum = counts
                .iter()
                .filter(|(_, status, _)| *status == s)
                .map(|(_, _, n)| n)
                .sum();
            (s, sum)
        })
        .collect();
    let mut kinds: Vec<String> = by_kind.iter().map(|k| k.kind.clone()).collect();
    if let Some(k) = &kind
        && !kinds.contains(k)
    {
        kinds.push(k.clone());
    }
    Ok(page(&JobsPage {
        chrome: Chrome::signed_in(&session, "Jobs", "/admin/jobs"),
        totals,
        by_kind,
        kinds,
        statuses: STATUSES,
        next_href: listed
            .next_cursor
            .as_deref()
            .map(|c| list_href(status.map(JobStatus::as_str), kind.as_deref(), Some(c))),
        first_href: cursor.map(|_| list_href(status.map(JobStatus::as_str), kind.as_deref(), None)),
        status: status.map(|s| s.to_string()).unwrap_or_default(),
        kind: kind.unwrap_or_default(),
        rows: listed.items.iter().map(JobLine::from).collect(),
    }))
}

fn job_page(session: &ConsoleSession, job: &JobRow, notice: Option<Notice>) -> JobPage {
    let payload = serde_json::from_str::<serde_json::Value>(&job.payload)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| job.payload.clone());
    JobPage {
        chrome: Chrome::signed_in(session, &format!("Job {}", job.id), "/admin/jobs"),
        job: JobLine::from(job),
        payload,
        dedupe_key: job.dedupe_key.clone().unwrap_or_default(),
        created: utc_time_ms(job.created_at_ms),
        updated: utc_time_ms(job.updated_at_ms),
        notice,
    }
}

/// `GET /admin/jobs/{id}`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(jobs): State<Jobs>,
    id: Result<ApiPath<i64>, Error>,
    query: Result<ApiQuery<DetailQuery>, Error>,
) -> Result<Response, PageError> {
    let ApiPath(id) = id.map_err(|_| Error::NotFound("job"))?;
    let retried = query.map(|q| q.0.retried.is_some()).unwrap_or(false);
    let job = jobs.get(id).await?;
    let notice = retried.then(|| {
        Notice::ok(format!(
            "Job {id} was queued again with a fresh set of attempts; a worker picks it up now."
        ))
    });
    Ok(page(&job_page(&session, &job, notice)))
}

/// `POST /admin/jobs/{id}/retry`: a dead job queued again; then its page.
pub async fn retry(
    AdminSession(_): AdminSession,
    State(jobs): State<Jobs>,
    id: Result<ApiPath<i64>, Error>,
    CsrfForm { session, .. }: CsrfForm<RetryForm>,
) -> Result<Response, PageError> {
    let ApiPath(id) = id.map_err(|_| Error::NotFound("job"))?;
    match jobs.retry(id).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/jobs/{id}?retried=1")).into_response()),
        Err(Error::Conflict(refusal)) => {
            let detail = refusal.to_string();
            let job = jobs.get(id).await?;
            let notice = Notice::refused(format!(
                "Not retried: {}. Nothing was changed.",
                detail.trim_end_matches('.')
            ));
            Ok(page_with_status(
                StatusCode::CONFLICT,
                &job_page(&session, &job, Some(notice)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

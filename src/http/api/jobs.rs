//! `/api/v1/jobs`: the durable queue, for admins — what is waiting, what failed, retry dead.

use crate::error::{Error, Validator};
use crate::http::api::job_body::JobBody;
use crate::http::extract::{AdminOnly, ApiPath, ApiQuery};
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::jobs::{JobKind, JobStatus, Jobs};
use crate::pagination::{Page, PageRequest};
use axum::extract::State;
use serde::Deserialize;

/// Filters and paging of the job list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// `queued`, `running`, `done` or `dead`.
    #[param(max_length = 200)]
    pub status: Option<String>,
    #[param(max_length = 200)]
    pub kind: Option<String>,
    pub limit: Option<u32>,
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Jobs, newest first.
#[utoipa::path(get, path = "/api/v1/jobs", operation_id = "list_jobs", tag = "jobs", params(JobQuery), security(("bearer" = ["admin"])),
    responses((status = 200, body = Page<JobBody>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(jobs): State<Jobs>,
    _admin: AdminOnly,
    ApiQuery(query): ApiQuery<JobQuery>,
) -> Result<Json<Page<JobBody>>, Error> {
    let status = match &query.status {
        Some(s) => Some(
            s.parse::<JobStatus>()
                .map_err(|_| Error::invalid("status", "must be queued, running, done or dead"))?,
        ),
        None => None,
    };
    let mut v = Validator::new();
    v.query_text("kind", query.kind.as_deref());
    if let Some(kind) = &query.kind
        && !JobKind::ALL.iter().any(|k| k.as_str() == kind)
    {
        // An unknown kind would match nothing: say so rather than answer an empty page.
        let kinds: Vec<&str> = JobKind::ALL.iter().map(|k| k.as_str()).collect();
        v.add("kind", format!("must be one of {}", kinds.join(", ")));
    }
    v.finish()?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref(), 1)?;
    let before = match &page.after {
        Some(k) => Some(
            k[0].parse::<i64>()
                .map_err(|_| Error::invalid("cursor", "is not a cursor this list handed out"))?,
        ),
        None => None,
    };
    let rows = jobs
        .list(status, query.kind, before, page.fetch_limit())
        .await?;
    Ok(Json(
        Page::from_rows(rows, &page, |j| vec![j.id.to_string()]).map(JobBody::from),
    ))
}

/// One job.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", operation_id = "get_job", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = ["admin"])),
    responses((status = 200, body = JobBody), (status = 404, body = Problem)))]
pub async fn get(
    State(jobs): State<Jobs>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobBody>, Error> {
    Ok(Json(jobs.get(id).await?.into()))
}

/// Queues a dead job again with fresh attempts.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", operation_id = "retry_job", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = ["admin"])),
    responses((status = 200, body = JobBody), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retry(
    State(jobs): State<Jobs>,
    _admin: AdminOnly,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobBody>, Error> {
    Ok(Json(jobs.retry(id).await?.into()))
}

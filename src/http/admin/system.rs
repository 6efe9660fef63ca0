//! `/admin/system` (admins): the live invariant check ([`crate::audit::run_live`], the same
//! checks as `GET /api/v1/admin/check`) on a button, each finding in words; and "Download a
//! backup": an online, consistent snapshot made by the code behind `rezerve backup`
//! ([`crate::store::backup`]), streamed to the browser as a `.tar` file. The snapshot is a
//! scratch file in the data dir, unlinked as soon as it is open, so nothing is left behind
//! however the download ends.

use super::csrf::CsrfForm;
use super::render::{Chrome, PageError, page};
use super::session::AdminSession;
use crate::audit::Finding;
use crate::error::Error;
use crate::http::state::Ops;
use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

#[derive(Template)]
#[template(path = "admin/system.html")]
pub struct SystemPage {
    pub chrome: Chrome,
    /// `None` until the check is run.
    pub check: Option<CheckShown>,
}

/// The outcome of a check run.
pub struct CheckShown {
    pub ran_at: String,
    pub findings: Vec<FindingLine>,
    pub failed: usize,
}

/// One check and what it found.
pub struct FindingLine {
    pub check: &'static str,
    pub problem: Option<String>,
}

impl From<Finding> for FindingLine {
    fn from(f: Finding) -> Self {
        FindingLine {
            check: f.check,
            problem: f.problem,
        }
    }
}

/// `GET /admin/system`.
pub async fn show(AdminSession(session): AdminSession) -> Response {
    page(&SystemPage {
        chrome: Chrome::signed_in(&session, "System", "/admin/system"),
        check: None,
    })
}

/// `GET /admin/system/check`: runs every check now (it reads, it changes nothing).
pub async fn check(
    AdminSession(session): AdminSession,
    State(ops): State<Ops>,
) -> Result<Response, PageError> {
    let findings = crate::audit::run_live(&ops.sqlite, &ops.inventory).await?;
    let failed = findings.iter().filter(|f| f.problem.is_some()).count();
    Ok(page(&SystemPage {
        chrome: Chrome::signed_in(&session, "System", "/admin/system"),
        check: Some(CheckShown {
            ran_at: super::render::utc_time_ms(crate::clock::ms(time::OffsetDateTime::now_utc())),
            findings: findings.into_iter().map(FindingLine::from).collect(),
            failed,
        }),
    }))
}

/// `POST /admin/system/backup`: a backup, as a file download.
pub async fn backup(
    AdminSession(_): AdminSession,
    State(ops): State<Ops>,
    CsrfForm { session, .. }: CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let dir = ops.gauges.data_dir.clone();
    let (file, size, manifest) =
        tokio::task::spawn_blocking(move || crate::store::backup::backup_to_stream(&dir))
            .await
            .map_err(Error::internal)??;
    tracing::info!(by = %session.email, schema = manifest.schema_version, bytes = size, "backup downloaded from the console");
    let taken = time::OffsetDateTime::parse(
        &manifest.created_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let stamp = taken
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let disposition = format!("attachment; filename=\"rezerve-backup-{stamp}.tar\"");
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(
        tokio::fs::File::from_std(file),
    ));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(Error::internal)?,
    );
    Ok(response)
}

//! `rezerve jobs list | dead | retry`: look into the durable queue and re-queue dead jobs.

use super::JobsCommand;
use crate::config::Config;
use crate::jobs::{JobRow, JobStatus, Jobs};
use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs one `jobs` action.
pub(super) async fn jobs(config: Config, action: JobsCommand) -> anyhow::Result<ExitCode> {
    let core = super::open(config).await?;
    let jobs = Jobs::new(core.sqlite.clone(), Arc::clone(&core.clock));
    let result = match action {
        JobsCommand::List {
            status,
            kind,
            limit,
        } => {
            let status = match status {
                Some(s) => match s.parse::<JobStatus>() {
                    Ok(s) => Some(s),
                    Err(_) => bail!("--status must be queued, running, done or dead"),
                },
                None => None,
            };
            if !(1..=10_000).contains(&limit) {
                bail!("--limit must be between 1 and 10000");
            }
            print_jobs(&jobs.list(status, kind, None, limit).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Dead => {
            print_jobs(&jobs.list(Some(JobStatus::Dead), None, None, 10_000).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Retry { id } => {
            let job = jobs.retry(id).await?;
            println!("job {} ({}) is queued again", job.id, job.kind);
            Ok(ExitCode::SUCCESS)
        }
    };
    core.close().await;
    result
}

/// Prints jobs as a table, one line each, or `(no jobs)`.
fn print_jobs(rows: &[JobRow]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>8} {:<18} {:<7} {:>8}  {:<24} LAST ERROR",
        "ID", "KIND", "STATUS", "ATTEMPTS", "RUN AT"
    )?;
    for job in rows {
        let run_at = crate::inventory::hold::at_ms(job.run_at_ms)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        writeln!(
            out,
            "{:>8} {:<18} {:<7} {:>4}/{:<3}  {:<24} {}",
            job.id,
            job.kind,
            job.status,
            job.attempts,
            job.max_attempts,
            run_at,
            job.last_error.as_deref().unwrap_or("")
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "(no jobs)")?;
    }
    Ok(())
}

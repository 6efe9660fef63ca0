//! Every job's cause exists: the account, event or booking that made it. Jobs outlive
//! nothing they were made for, except a deleted event's finished jobs.

use super::Finding;
use crate::error::Error;
use crate::jobs::{Cause, JobStatus};
use rusqlite::Connection;

/// Checks every job's cause against its owning domain's table.
pub fn check(conn: &Connection) -> Result<Finding, Error> {
    let mut problems = Vec::new();
    for (id, cause, status) in crate::jobs::queue::causes(conn)? {
        let exists = match Cause::parse(&cause) {
            Some(Cause::User(id)) => crate::auth::repo::by_id(conn, &id)?.is_some(),
            // A deleted event's finished jobs may outlive it; a pending one may not.
            Some(Cause::Event(id)) => {
                status == JobStatus::Done || crate::catalog::repo::event_by_id(conn, &id)?.is_some()
            }
            // `booking:<id>`, or `booking:<id>:<tag>` for one of several jobs of a booking.
            Some(Cause::Booking(id)) => crate::booking::repo::by_id(conn, &id)?.is_some(),
            Some(Cause::Hold(_)) | None => false,
        };
        if !exists {
            problems.push(format!("job {id} has a missing cause `{cause}`"));
        }
    }
    Ok(Finding::from_problems("every job's cause exists", problems))
}

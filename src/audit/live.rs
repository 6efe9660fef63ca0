//! The audit inside the running server: the stored checks, the live seat index against the
//! stores (the hold store belongs to this process), and job causes.

use super::{Finding, job_causes, stored};
use crate::error::Error;
use crate::inventory::Inventory;
use crate::store::Sqlite;

/// Runs every check against the live server.
pub async fn run_live(sqlite: &Sqlite, inventory: &Inventory) -> Result<Vec<Finding>, Error> {
    let mut findings = sqlite.read(|conn| Ok(stored(conn)?.0)).await?;
    findings.extend(inventory.verify().await?);
    findings.push(sqlite.read(job_causes::check).await?);
    Ok(findings)
}

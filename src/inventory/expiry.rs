//! The expiry sweeper: sleeps until the next hold expires (or at most a second, so a moved
//! test clock or a hold extended elsewhere is noticed), then releases what is due. It walks
//! the expiry index, never every hold. A new hold wakes it only if it expires before the
//! sweeper's planned look: with one time limit for all holds none does, and waking it for
//! every hold (to find the same look planned) cost each a task wake-up and a timer.

use super::Inventory;
use crate::shutdown::CancellationToken;
use std::time::Duration;

/// The longest the sweeper sleeps between looks.
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Runs until `stop` is cancelled.
pub async fn run_sweeper(inventory: Inventory, stop: CancellationToken) {
    loop {
        let wait = inventory.plan_sweeper_look(MAX_SLEEP);
        if !wait.is_zero() {
            tokio::select! {
                () = stop.cancelled() => return,
                () = inventory.expiry_wake().notified() => continue,
                () = tokio::time::sleep(wait) => {}
            }
        }
        if stop.is_cancelled() {
            return;
        }
        inventory.prune_ended_holds().await;
        if let Err(e) = inventory.release_expired_holds().await {
            tracing::warn!(error = %e, "cannot release expired holds");
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(MAX_SLEEP) => {}
            }
        }
    }
}

//! The outbox relay: moves seat changes recorded in the hold store (in the same redb commit
//! as the hold itself) into SQLite as seat history rows (one per change, listing its seats;
//! a pass's rows of one event are one run) and `seats-changed` jobs, then drops them from
//! the outbox. A crash between the two stores repeats a batch. The history records, in the
//! same write as the rows, the last outbox sequence it holds, and the hold store numbers its
//! entries in commit order, so a repeat skips what that covers: an entry numbered at or below
//! it was committed before any pass that saw a later one. (A row of its own per change, its
//! unique source key, cost about a sixth of SQLite's writes in the holds level; only the
//! first pass after migration 0021 still uses them, for entries numbered before it.) An
//! event has at most one relay job waiting: a later batch refreshes its counts instead of
//! queueing another, so a rush costs pricing one recompute per event per pass of the worker,
//! not one per change.

use super::Inventory;
use super::hold_store::{HoldStore, Op, SeatChange};
use crate::catalog::history_repo::{self, NewSeatChange};
use crate::catalog::model::SeatStatus;
use crate::catalog::seats_changed::SeatsChanged;
use crate::error::Error;
use crate::jobs::{Jobs, message};
use crate::shutdown::CancellationToken;
use std::collections::BTreeMap;
use std::time::Duration;

/// Outbox entries moved per SQLite transaction, at most. Each pass dirties a leaf of every
/// event's section of the history's per-event index (and a pricing job per event), so under
/// a rush the bytes written follow the passes: at 2,000 a 256-client rush over 100 events
/// took about 11 passes a second, and that index was two thirds of SQLite's WAL frames.
/// Now a burst gathered for `GATHER` (about 4,400 changes at that rush) goes in one pass.
/// The price: such a pass holds the writer for longer (estimated, not measured: a few tens
/// of milliseconds, at about 10 µs a row in a model of the table), and a booking queued
/// behind it waits that long.
const BATCH: usize = 8000;

/// How long the relay lets changes gather before it moves them. Each pass dirties, for each
/// event it touches, a leaf of the history's per-event index and the event's pricing job
/// (with its unique key): passes a few milliseconds apart carried a handful of changes each,
/// and those pages were two thirds of what SQLite wrote in the holds level. Seat history
/// and pricing trail the holds by this much; the holds themselves are durable at once.
const GATHER: Duration = Duration::from_millis(200);

/// Runs until `stop` is cancelled, then relays what is left.
pub async fn run_relay(inventory: Inventory, jobs: Jobs, stop: CancellationToken) {
    loop {
        // A full pass means more is waiting: move it now. Otherwise wait for the next change
        // and give its burst time to gather.
        loop {
            match relay_once(&inventory).await {
                Ok(n) if n == BATCH => jobs.wake(),
                Ok(0) => break,
                Ok(_) => {
                    jobs.wake();
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "seat change relay failed; will retry");
                    break;
                }
            }
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = inventory.relay_wake().notified() => {
                tokio::time::sleep(GATHER).await;
            }
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    while let Ok(n) = relay_once(&inventory).await {
        if n == 0 {
            break;
        }
    }
}

fn statuses(kind: &str) -> (SeatStatus, SeatStatus) {
    match kind {
        "held" => (SeatStatus::Available, SeatStatus::Held),
        "booked" => (SeatStatus::Held, SeatStatus::Sold),
        _ => (SeatStatus::Held, SeatStatus::Available),
    }
}

/// Relays up to one batch; returns how many entries moved.
pub async fn relay_once(inventory: &Inventory) -> Result<usize, Error> {
    let store = inventory.store().clone();
    let entries = tokio::task::spawn_blocking(move || store.outbox(BATCH))
        .await
        .map_err(Error::internal)??;
    if entries.is_empty() {
        return Ok(0);
    }
    let mut changed: BTreeMap<String, (u64, SeatsChanged)> = BTreeMap::new();
    for (_, change) in &entries {
        if changed.contains_key(&change.event_id) {
            continue;
        }
        // Counts are read now, after the changes: the job carries the newest state.
        let Some(seq) = inventory.event_seq(&change.event_id) else {
            continue;
        };
        let categories = inventory
            .availability(&change.event_id)
            .unwrap_or_default()
            .into_iter()
            .collect();
        changed.insert(
            change.event_id.clone(),
            (
                seq,
                SeatsChanged::counted(&change.event_id, seq, categories, inventory.clock_ms()),
            ),
        );
    }
    let now_ms = inventory.clock_ms();
    let seqs: Vec<u64> = entries.iter().map(|(seq, _)| *seq).collect();
    // Moved into the write, not copied: a pass carries up to `BATCH` changes.
    let rows = entries;
    inventory
        .sqlite()
        .write(move |conn| {
            let recorded = history_repo::relayed_up_to(conn)?;
            // Entries a repeated pass recorded already; by source key on the first pass
            // after migration 0021 (see the module doc).
            let fresh = rows
                .iter()
                .filter(|(seq, _)| recorded.is_none_or(|last| *seq > last));
            let keys: Vec<(&SeatChange, String, Option<String>)> = fresh
                .map(|(seq, change)| {
                    let cause = crate::jobs::Cause::Hold(change.hold_id.clone()).to_string();
                    let source_key = recorded.is_none().then(|| format!("outbox:{seq}"));
                    (change, cause, source_key)
                })
                .collect();
            let changes: Vec<NewSeatChange<'_>> = keys
                .iter()
                .map(|(change, cause, source_key)| {
                    let (from, to) = statuses(&change.kind);
                    NewSeatChange {
                        event_id: &change.event_id,
                        seats: &change.seats,
                        at_ms: change.at_ms,
                        from,
                        to,
                        cause,
                        actor: change.actor.as_deref(),
                        note: None,
                        source_key: source_key.as_deref(),
                    }
                })
                .collect();
            // One run of rows per event: one entry of the history's per-event index each.
            history_repo::record_all(conn, &changes)?;
            if let Some(highest) = rows.iter().map(|(seq, _)| *seq).max() {
                history_repo::set_relayed_up_to(conn, highest)?;
            }
            for (event_id, (seq, payload)) in &changed {
                // Pricing recounts from the live index whatever the payload says: while an
                // earlier relay's job for the event still waits, it takes these newer counts
                // and one recompute covers both batches.
                let coalesce = format!("seats-changed:{event_id}:seq:");
                message::enqueue_or_refresh(
                    conn,
                    payload,
                    format!("{coalesce}{seq}"),
                    &coalesce,
                    crate::jobs::Cause::Event(event_id.clone()).to_string(),
                    now_ms,
                )?;
            }
            Ok(())
        })
        .await?;
    let moved = seqs.len();
    HoldStore::committed(inventory.store().submit(vec![Op::Relayed { seqs }])?).await?;
    Ok(moved)
}

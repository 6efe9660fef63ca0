//! The hold store's committer thread: drains the queue of change batches into one redb
//! write transaction (one fsync for a burst), answers each sender after the commit, and
//! poisons the store if a commit fails (see `hold_store`).

use super::hold_store::*;
use crate::error::Error;
use crate::store::HoldDb;
use redb::ReadableTable;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

pub(super) fn run_committer(db: HoldDb, batches: mpsc::Receiver<Batch>, poisoned: Arc<AtomicBool>) {
    while let Ok(first) = batches.recv() {
        let mut group = vec![first];
        let mut ops = group[0].ops.len();
        while ops < MAX_BATCH {
            match batches.try_recv() {
                Ok(batch) => {
                    ops += batch.ops.len();
                    group.push(batch);
                }
                Err(_) => break,
            }
        }
        metrics::histogram!(crate::metric::HOLDS_BATCH_SIZE).record(group.len() as f64);
        for batch in &mut group {
            // Taken: no longer waiting in the queue.
            batch.in_queue.take();
        }
        let result = if poisoned.load(Ordering::SeqCst) {
            Err("the hold store failed an earlier commit".to_string())
        } else {
            apply(&db, &group).map_err(|e| e.to_string())
        };
        if let Err(e) = &result {
            poisoned.store(true, Ordering::SeqCst);
            tracing::error!(error = %e, "hold store commit failed; refusing further changes until restart");
        }
        for batch in group {
            let outcome = result
                .clone()
                .map_err(|e| Error::Unavailable(format!("hold store: {e}")));
            let _ = batch.reply.send(outcome);
        }
    }
}

/// Drops relayed outbox entries, remembering the highest sequence so none is used again.
fn mark_relayed(
    outbox: &mut redb::Table<u64, &[u8]>,
    state: &mut redb::Table<&str, u64>,
    seqs: &[u64],
) -> Result<(), Error> {
    for seq in seqs {
        outbox.remove(*seq).map_err(storage)?;
    }
    let highest = seqs.iter().copied().max().unwrap_or(0);
    let stored = state
        .get(LAST_RELAYED)
        .map_err(storage)?
        .map_or(0, |v| v.value());
    if highest > stored {
        state.insert(LAST_RELAYED, highest).map_err(storage)?;
    }
    Ok(())
}

fn apply(db: &HoldDb, group: &[Batch]) -> Result<(), Error> {
    let tx = db.database().begin_write().map_err(storage)?;
    {
        let mut holds = tx.open_table(HOLDS).map_err(storage)?;
        let mut expiry = tx.open_table(EXPIRY).map_err(storage)?;
        let mut ended = tx.open_table(ENDED).map_err(storage)?;
        let mut outbox = tx.open_table(OUTBOX).map_err(storage)?;
        let mut outbox_state = tx.open_table(OUTBOX_STATE).map_err(storage)?;
        for op in group.iter().flat_map(|b| b.ops.iter()) {
            match op {
                Op::Put {
                    record,
                    previous_expiry,
                } => {
                    if let Some(previous) = previous_expiry {
                        expiry
                            .remove((to_u64(*previous), record.id.as_str()))
                            .map_err(storage)?;
                    }
                    let bytes = serde_json::to_vec(record).map_err(Error::internal)?;
                    holds
                        .insert(record.id.as_str(), bytes.as_slice())
                        .map_err(storage)?;
                    expiry
                        .insert((to_u64(record.expires_at_ms), record.id.as_str()), ())
                        .map_err(storage)?;
                }
                Op::End { id, state, at_ms } => {
                    let stored = holds
                        .get(id.as_str())
                        .map_err(storage)?
                        .map(|v| v.value().to_vec());
                    let Some(stored) = stored else { continue };
                    let mut record: HoldRecord =
                        serde_json::from_slice(&stored).map_err(Error::internal)?;
                    if record.state != HoldState::Live {
                        continue;
                    }
                    expiry
                        .remove((to_u64(record.expires_at_ms), id.as_str()))
                        .map_err(storage)?;
                    record.state = *state;
                    record.ended_at_ms = Some(*at_ms);
                    let bytes = serde_json::to_vec(&record).map_err(Error::internal)?;
                    holds
                        .insert(id.as_str(), bytes.as_slice())
                        .map_err(storage)?;
                    ended
                        .insert((to_u64(*at_ms), id.as_str()), ())
                        .map_err(storage)?;
                }
                Op::Outbox { seq, change } => {
                    let bytes = serde_json::to_vec(change).map_err(Error::internal)?;
                    outbox.insert(*seq, bytes.as_slice()).map_err(storage)?;
                }
                Op::Relayed { seqs } => mark_relayed(&mut outbox, &mut outbox_state, seqs)?,
                Op::Prune { ended_before_ms } => {
                    let old: Vec<(u64, String)> = ended
                        .range(..(to_u64(*ended_before_ms), ""))
                        .map_err(storage)?
                        .map(|e| e.map(|(k, _)| (k.value().0, k.value().1.to_string())))
                        .collect::<Result<_, _>>()
                        .map_err(storage)?;
                    for (at, id) in old {
                        ended.remove((at, id.as_str())).map_err(storage)?;
                        holds.remove(id.as_str()).map_err(storage)?;
                    }
                }
            }
        }
    }
    tx.commit().map_err(storage)?;
    Ok(())
}

//! The hold store's committer thread: drains the queue of change batches into one redb
//! write transaction (one fsync for a burst; under a rush, as big a burst as the last one,
//! gathered for at most a few milliseconds), answers each sender after the commit, and
//! poisons the store if a commit fails (see `hold_store`). It numbers the outbox entries as
//! it writes them, so their sequences follow the commits.

use super::hold_codec::{decode_hold, encode_hold};
use super::hold_store::*;
use crate::error::Error;
use crate::store::HoldDb;
use redb::ReadableTable;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A commit that carried this many batches means a crowd is writing...
const CROWD: usize = 32;

/// ...and then the next commit waits until as many batches are queued as that one carried,
/// but no longer than until this after it began. A commit copies about ten pages whatever it
/// carries (the tables' right-hand leaves and branches, redb's own trees), so the bytes
/// written per hold follow the batches per commit; below a crowd nobody waits. Waiting a
/// fixed gap instead kept a crowd that was back sooner idle until the gap ended: every
/// hold and release waits for a commit, so the gap bounded the holds a second (256 clients,
/// 8 ms: 13,200 holds a second with the machine 1.53 of 2 cores busy), and a shorter fixed
/// gap made the commits smaller (4 ms: 2.4-2.5 KiB a hold instead of 2.0).
const CROWD_GATHER: Duration = Duration::from_millis(8);

/// How often a gathering committer looks at the queue: a fraction of the gap, and a few
/// thousand wake-ups a second at most.
const GATHER_POLL: Duration = Duration::from_micros(250);

/// The commit before the next one, which decides when the next may begin.
#[derive(Debug, Clone, Copy)]
struct Previous {
    began: Instant,
    /// Batches it carried.
    carried: usize,
}

impl Previous {
    /// Whether the next commit may begin at `now` with `waiting` batches queued: at once
    /// below a crowd; in a crowd, once as many wait as this one carried, or its gap is over.
    fn gathered(&self, now: Instant, waiting: usize) -> bool {
        self.carried < CROWD || waiting >= self.carried || now >= self.began + CROWD_GATHER
    }
}

pub(super) fn run_committer(
    db: HoldDb,
    batches: mpsc::Receiver<Batch>,
    poisoned: Arc<AtomicBool>,
    queued: Arc<AtomicUsize>,
    mut last_seq: u64,
) {
    let mut previous: Option<Previous> = None;
    while let Ok(first) = batches.recv() {
        if let Some(previous) = previous {
            // `queued` still counts `first`: it is counted until taken below.
            while !previous.gathered(Instant::now(), queued.load(Ordering::Acquire)) {
                let gap_left =
                    (previous.began + CROWD_GATHER).saturating_duration_since(Instant::now());
                std::thread::sleep(gap_left.min(GATHER_POLL));
            }
        }
        let began = Instant::now();
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
        previous = Some(Previous {
            began,
            carried: group.len(),
        });
        for batch in &mut group {
            // Taken: no longer waiting in the queue.
            batch.in_queue.take();
        }
        let result = if poisoned.load(Ordering::SeqCst) {
            Err("the hold store failed an earlier commit".to_string())
        } else {
            apply(&db, &group, &mut last_seq).map_err(|e| e.to_string())
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

/// Writes a group in one transaction. `last_seq` is the last outbox sequence used; it moves
/// only when the commit succeeds (after a failure the store takes no more changes anyway).
fn apply(db: &HoldDb, group: &[Batch], last_seq: &mut u64) -> Result<(), Error> {
    let mut seq = *last_seq;
    let tx = db.database().begin_write().map_err(storage)?;
    {
        let mut holds = tx.open_table(HOLDS).map_err(storage)?;
        let mut outbox = tx.open_table(OUTBOX).map_err(storage)?;
        let mut outbox_state = tx.open_table(OUTBOX_STATE).map_err(storage)?;
        for op in group.iter().flat_map(|b| b.ops.iter()) {
            match op {
                Write::Put { id, bytes } => {
                    holds
                        .insert(id.as_str(), bytes.as_slice())
                        .map_err(storage)?;
                }
                Write::End { id, state, at_ms } => {
                    let stored = holds.get(id.as_str()).map_err(storage)?;
                    let Some(mut record) =
                        stored.map(|v| decode_hold(id, v.value())).transpose()?
                    else {
                        continue;
                    };
                    if record.state != HoldState::Live {
                        continue;
                    }
                    record.state = *state;
                    record.ended_at_ms = Some(*at_ms);
                    holds
                        .insert(id.as_str(), encode_hold(&record)?.as_slice())
                        .map_err(storage)?;
                }
                Write::Outbox { bytes } => {
                    seq += 1;
                    outbox.insert(seq, bytes.as_slice()).map_err(storage)?;
                }
                Write::Relayed { seqs } => mark_relayed(&mut outbox, &mut outbox_state, seqs)?,
                Write::Prune {
                    ids,
                    ended_before_ms,
                } => prune(&mut holds, ids, *ended_before_ms)?,
            }
        }
    }
    tx.commit().map_err(storage)?;
    *last_seq = seq;
    Ok(())
}

/// Forgets the holds of `ids` that ended before `ended_before_ms`, read again here: a
/// chunk is found outside the committer (`HoldStore::ended_before`), and a hold read as
/// ended then could only be ended still, but this keeps a live hold safe whatever the
/// chunk says. A chunk is a few thousand at most, so this commit stays short: every hold
/// waits for it (see `lifecycle::prune_in_chunks`).
fn prune(
    holds: &mut redb::Table<&str, &[u8]>,
    ids: &[String],
    ended_before_ms: i64,
) -> Result<(), Error> {
    for id in ids {
        let stored = holds.get(id.as_str()).map_err(storage)?;
        let Some(record) = stored.map(|v| decode_hold(id, v.value())).transpose()? else {
            continue;
        };
        if ended_before(&record, ended_before_ms) {
            holds.remove(id.as_str()).map_err(storage)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::hold_record::hold;

    async fn put(store: &HoldStore, records: &[&HoldRecord]) {
        let ops = records
            .iter()
            .map(|r| Op::Put {
                record: Arc::new((*r).clone()),
            })
            .collect();
        HoldStore::committed(store.submit(ops).unwrap())
            .await
            .unwrap();
    }

    #[test]
    fn a_crowd_commits_once_as_many_wait_as_it_carried_or_its_gap_is_over() {
        let began = Instant::now();
        let crowd = Previous {
            began,
            carried: 200,
        };
        let early = began + CROWD_GATHER / 4;
        assert!(!crowd.gathered(early, 199), "fewer wait, gap not over");
        assert!(crowd.gathered(early, 200), "as many as it carried");
        assert!(crowd.gathered(early, 256));
        assert!(crowd.gathered(began + CROWD_GATHER, 1), "gap over");

        let few = Previous {
            began,
            carried: CROWD - 1,
        };
        assert!(few.gathered(began, 1), "below a crowd nobody waits");
    }

    fn change(kind: &str) -> SeatChange {
        SeatChange {
            event_id: crate::ids::new_id("evt"),
            event_seq: 1,
            kind: kind.into(),
            hold_id: crate::ids::new_id("hld"),
            seats: vec!["A-1".into()],
            places: Vec::new(),
            at_ms: 5,
            actor: None,
        }
    }

    async fn append(store: &HoldStore, kinds: &[&str]) -> Vec<SeatChange> {
        let changes: Vec<SeatChange> = kinds.iter().map(|k| change(k)).collect();
        let ops = changes
            .iter()
            .map(|c| Op::Outbox { change: c.clone() })
            .collect();
        HoldStore::committed(store.submit(ops).unwrap())
            .await
            .unwrap();
        changes
    }

    /// The relay skips entries numbered at or below the last it recorded, so numbers must
    /// follow the commits, and go on after a restart and after the outbox was emptied
    /// (numbering again from 1 would overwrite entries, or be skipped as recorded).
    #[tokio::test]
    async fn outbox_entries_are_numbered_in_commit_order_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("holds.redb");
        let db = HoldDb::open(&path).unwrap();
        let store = HoldStore::start(db.clone()).unwrap();
        let mut written = append(&store, &["held", "released"]).await;
        written.extend(append(&store, &["held"]).await);
        store.close();

        let store = HoldStore::start(db.clone()).unwrap();
        written.extend(append(&store, &["expired"]).await);
        let outbox = store.outbox(10).unwrap();
        let seqs: Vec<u64> = outbox.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        let changes: Vec<SeatChange> = outbox.into_iter().map(|(_, c)| c).collect();
        assert_eq!(changes, written);

        let relayed = vec![Op::Relayed { seqs }];
        HoldStore::committed(store.submit(relayed).unwrap())
            .await
            .unwrap();
        store.close();
        let store = HoldStore::start(db).unwrap();
        append(&store, &["held"]).await;
        let seqs: Vec<u64> = store.outbox(10).unwrap().iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, [5]);
    }

    #[tokio::test]
    async fn pruning_forgets_the_holds_of_its_chunk_that_ended_before_the_cutoff() {
        // The committer reads each hold of a chunk again: a live hold or one ended since the
        // cutoff is kept whatever the chunk names.
        let dir = tempfile::tempdir().unwrap();
        let store =
            HoldStore::start(HoldDb::open(&dir.path().join("holds.redb")).unwrap()).unwrap();
        let cutoff = crate::clock::ms(time::OffsetDateTime::now_utc()) + 1_000;
        let long_ended = hold(HoldState::Released, Some(cutoff - 1));
        let just_ended = hold(HoldState::Booked, Some(cutoff + 1));
        let live = hold(HoldState::Live, None);
        put(&store, &[&long_ended, &just_ended, &live]).await;
        let prune = Op::Prune {
            ids: vec![
                long_ended.id.clone(),
                just_ended.id.clone(),
                live.id.clone(),
                "hld_gone".into(),
            ],
            ended_before_ms: cutoff,
        };
        HoldStore::committed(store.submit(vec![prune]).unwrap())
            .await
            .unwrap();
        assert_eq!(store.get(&long_ended.id).unwrap(), None);
        assert_eq!(store.get(&just_ended.id).unwrap(), Some(just_ended));
        assert_eq!(store.live_holds().unwrap(), vec![live]);
    }

    /// Ending a hold from its record in memory must store what ending it by id (reading the
    /// stored copy) stores, also when its end does not fit format 4's tail (format 3 then).
    #[tokio::test]
    async fn a_hold_ended_from_memory_is_stored_as_one_ended_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            HoldStore::start(HoldDb::open(&dir.path().join("holds.redb")).unwrap()).unwrap();
        // The second ends 60 days after it was made: past a u32 of ms.
        for at_ms in [7_000, 60 * 86_400_000] {
            let by_id = hold(HoldState::Live, None);
            let mut from_memory = by_id.clone();
            from_memory.id = crate::ids::new_id("hld");
            put(&store, &[&by_id, &from_memory]).await;
            let end = vec![
                Op::End {
                    id: by_id.id.clone(),
                    state: HoldState::Expired,
                    at_ms,
                },
                Op::Ended {
                    record: Arc::new(from_memory.clone()),
                    state: HoldState::Expired,
                    at_ms,
                },
            ];
            HoldStore::committed(store.submit(end).unwrap())
                .await
                .unwrap();
            let ended = store.get(&by_id.id).unwrap().unwrap();
            assert_eq!(
                (ended.state, ended.ended_at_ms),
                (HoldState::Expired, Some(at_ms))
            );
            let mut expected = ended;
            expected.id = from_memory.id.clone();
            assert_eq!(store.get(&from_memory.id).unwrap(), Some(expected));
        }
        assert!(store.live_holds().unwrap().is_empty());
    }
}

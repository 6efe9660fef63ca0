//! The hold store in redb: hold records and the outbox of seat changes, written by one
//! committer thread that batches concurrent changes into one transaction.
//!
//! Why batched: every redb commit is an fsync. Handing changes to one thread that drains
//! its queue into a single write transaction turns a burst of N holds into one fsync, and
//! nobody is answered before the commit holding their change is durable.
//!
//! Why so few tables: a redb commit copies every page it touches, a leaf and its branches
//! in each table it writes, so each table a hold touches costs pages at every commit. The
//! expiry order lives in memory (the sweeper walks it; a restart rebuilds it from the live
//! records), and ended holds are pruned by their ids, which are time-ordered (uuid v7), so
//! a hold commit writes two tables: `holds` and `outbox`. Records are postcard, not JSON,
//! and a hold's record keeps its size when the hold ends (`hold_codec`).
//!
//! If a commit fails the store is poisoned: memory may now be ahead of the disk, so no
//! further change is accepted (readiness fails) until a restart rebuilds the index from
//! what is durable. Fail-stop beats silently diverging. A panic while the seat index or the
//! live-hold maps were locked poisons the store the same way ([`HoldStore::recover`]): what
//! the lock guarded may be half changed.

use super::hold_codec::{decode_change, decode_hold, encode_change, encode_hold, encode_hold_as};
pub use super::hold_record::{HoldRecord, HoldState, QuoteLine, SeatChange};
use crate::error::Error;
use crate::store::HoldDb;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// Hold id → [`HoldRecord`] (`hold_codec`), live and recently ended.
pub(super) const HOLDS: TableDefinition<&str, &[u8]> = TableDefinition::new("holds");

/// Outbox sequence → [`SeatChange`] (`hold_codec`), relayed into SQLite and then deleted.
pub(super) const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");

/// `last_relayed` → the highest outbox sequence ever relayed. The outbox is empty once
/// relayed, and sequences must never repeat: they key the seat history rows they became.
pub(super) const OUTBOX_STATE: TableDefinition<&str, u64> = TableDefinition::new("outbox_state");

pub(super) const LAST_RELAYED: &str = "last_relayed";

/// Format 1's expiry index and ended index, written at every commit and read by nobody
/// (the sweeper's order is in memory): dropped when a store is upgraded.
const FORMAT_1_TABLES: [TableDefinition<(u64, &str), ()>; 2] = [
    TableDefinition::new("hold_expiry"),
    TableDefinition::new("hold_ended"),
];

/// The smallest hold id [`crate::ids::new_id`] can make at `ms` or later: ids are `hld_`
/// and a uuid v7 in hex, whose first 12 digits are its creation time in ms.
pub(super) fn first_hold_id_at(ms: i64) -> String {
    format!("hld_{:012x}", to_u64(ms))
}

/// Whether `record` is of a hold that ended before `ms`: one pruning forgets.
pub(super) fn ended_before(record: &HoldRecord, ms: i64) -> bool {
    record.state != HoldState::Live && record.ended_at_ms.is_some_and(|at| at < ms)
}

/// The most changes one commit carries.
pub(super) const MAX_BATCH: usize = 1024;

/// One change to the store.
#[derive(Debug, Clone)]
pub enum Op {
    /// Write a live hold (new or extended).
    Put { record: Arc<HoldRecord> },
    /// End a live hold from its record in memory, which is the one the store holds (every
    /// change to it goes through memory first): written with its end, without reading and
    /// decoding the stored copy on the committer's thread.
    Ended {
        record: Arc<HoldRecord>,
        state: HoldState,
        at_ms: i64,
    },
    /// End a live hold memory does not know (start-up's orphans): its stored record is read,
    /// and left as it is unless it is live.
    End {
        id: String,
        state: HoldState,
        at_ms: i64,
    },
    /// Append a seat change to the outbox. The committer numbers it, so outbox sequences
    /// follow the commits: the relay relies on that (see `relay`).
    Outbox { change: SeatChange },
    /// [`Op::Outbox`] with the change encoded already (`hold_codec::encode_change_of`): the
    /// inventory's own changes, encoded from borrowed fields.
    OutboxEncoded { bytes: Vec<u8> },
    /// Drop relayed outbox entries.
    Relayed { seqs: Vec<u64> },
    /// Forget these holds, each only if it ended before this time: a chunk of what
    /// [`HoldStore::ended_before`] found (see `lifecycle::prune_in_chunks`).
    Prune {
        ids: Vec<String>,
        ended_before_ms: i64,
    },
}

/// An [`Op`] as the committer writes it, its records and changes encoded by the thread that
/// submitted it. Every hold waits for the one committer, whose commits and the clients move
/// in lock-step, so what it does between commits delays them all; encoding on the request
/// threads also leaves the committer fewer allocations to free.
#[derive(Debug)]
pub(super) enum Write {
    Put {
        id: String,
        bytes: Vec<u8>,
    },
    End {
        id: String,
        state: HoldState,
        at_ms: i64,
    },
    Outbox {
        bytes: Vec<u8>,
    },
    Relayed {
        seqs: Vec<u64>,
    },
    Prune {
        ids: Vec<String>,
        ended_before_ms: i64,
    },
}

impl Write {
    fn of(op: Op) -> Result<Write, Error> {
        Ok(match op {
            Op::Put { record } => Write::Put {
                bytes: encode_hold(&record)?,
                id: record.id.clone(),
            },
            Op::Ended {
                record,
                state,
                at_ms,
            } => Write::Put {
                bytes: encode_hold_as(&record, state, Some(at_ms))?,
                id: record.id.clone(),
            },
            Op::End { id, state, at_ms } => Write::End { id, state, at_ms },
            Op::Outbox { change } => Write::Outbox {
                bytes: encode_change(&change)?,
            },
            Op::OutboxEncoded { bytes } => Write::Outbox { bytes },
            Op::Relayed { seqs } => Write::Relayed { seqs },
            Op::Prune {
                ids,
                ended_before_ms,
            } => Write::Prune {
                ids,
                ended_before_ms,
            },
        })
    }
}

pub(super) struct Batch {
    pub(super) ops: Vec<Write>,
    pub(super) reply: oneshot::Sender<Result<(), Error>>,
    /// Counted in [`HoldStore::queued`] until the committer takes the batch.
    pub(super) in_queue: Option<InQueue>,
}

/// A batch waiting for the committer, counted from `submit` until the committer takes it.
pub(super) struct InQueue(Arc<AtomicUsize>);

impl Drop for InQueue {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The committer handle.
#[derive(Clone)]
pub struct HoldStore {
    db: HoldDb,
    sender: Arc<Mutex<Option<mpsc::Sender<Batch>>>>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
    poisoned: Arc<AtomicBool>,
    /// Batches submitted that the committer has not taken yet.
    queued: Arc<AtomicUsize>,
}

pub(super) fn to_u64(ms: i64) -> u64 {
    ms.max(0) as u64
}

pub(super) fn storage(e: impl Into<redb::Error>) -> Error {
    Error::from(e.into())
}

impl HoldStore {
    /// Starts the committer over an open hold database.
    pub fn start(db: HoldDb) -> Result<HoldStore, Error> {
        HoldStore::start_after(db, 0)
    }

    /// [`HoldStore::start`], numbering new outbox entries after `floor` too: the last
    /// sequence the relay recorded in SQLite. A hold database newer than the SQLite one (a
    /// restore deletes `holds.redb`) would otherwise number from 1 again, and the relay skips
    /// every entry at or below its mark as already recorded.
    pub fn start_after(db: HoldDb, floor: u64) -> Result<HoldStore, Error> {
        {
            // Create the tables so readers never meet a missing one.
            let tx = db.database().begin_write().map_err(storage)?;
            tx.open_table(HOLDS).map_err(storage)?;
            tx.open_table(OUTBOX).map_err(storage)?;
            tx.open_table(OUTBOX_STATE).map_err(storage)?;
            // Format 1's records stay readable (`hold_codec`); its unread indexes go.
            for table in FORMAT_1_TABLES {
                tx.delete_table(table).map_err(storage)?;
            }
            crate::store::redb::record_format_version(&tx)?;
            tx.commit().map_err(storage)?;
        }
        let last_seq = last_outbox_seq(&db)?.max(floor);
        let (sender, receiver) = mpsc::channel::<Batch>();
        let poisoned = Arc::new(AtomicBool::new(false));
        let thread_db = db.clone();
        let thread_poisoned = Arc::clone(&poisoned);
        let queued = Arc::new(AtomicUsize::new(0));
        let thread_queued = Arc::clone(&queued);
        let thread = std::thread::Builder::new()
            .name("hold-committer".into())
            .spawn(move || {
                super::hold_commit::run_committer(
                    thread_db,
                    receiver,
                    thread_poisoned,
                    thread_queued,
                    last_seq,
                )
            })
            .map_err(|e| Error::internal(format!("cannot start the hold committer: {e}")))?;
        Ok(HoldStore {
            db,
            sender: Arc::new(Mutex::new(Some(sender))),
            thread: Arc::new(Mutex::new(Some(thread))),
            poisoned,
            queued,
        })
    }

    /// Whether a failed commit has stopped the store.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::SeqCst)
    }

    /// Takes back a guard a panic poisoned. What the lock guards (an event's seat index, the
    /// live-hold maps) may be half changed, so the store stops taking changes and readiness
    /// fails, as after a failed commit, until a restart rebuilds the index from what is
    /// durable. Reads go on.
    pub fn recover<G>(&self, poisoned: PoisonError<G>) -> G {
        if !self.poisoned.swap(true, Ordering::SeqCst) {
            tracing::error!(
                "a panic left the seat index half changed; refusing further changes until restart"
            );
        }
        poisoned.into_inner()
    }

    /// Proves the store writable the way every change is written: an empty batch through
    /// the committer. A write transaction of the probe's own would take redb's one writer
    /// from the committer and stall the holds queued behind it.
    pub async fn probe(&self) -> Result<(), Error> {
        HoldStore::committed(self.submit(Vec::new())?).await
    }

    /// Queues changes for the next commit; await the receiver for the outcome. Call while
    /// holding the lock that decided the changes, so the queue order is the decision order.
    pub fn submit(&self, ops: Vec<Op>) -> Result<oneshot::Receiver<Result<(), Error>>, Error> {
        if self.is_poisoned() {
            return Err(Error::Unavailable(
                "the hold store stopped taking changes after a failure; restart rezerve".into(),
            ));
        }
        // The caller changed memory already: a change that cannot be written stops the store
        // as a failed commit would (it never fails for records the inventory makes).
        let ops = match ops
            .into_iter()
            .map(Write::of)
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(ops) => ops,
            Err(e) => {
                self.poisoned.store(true, Ordering::SeqCst);
                tracing::error!(error = %e, "cannot encode a hold store change; refusing further changes until restart");
                return Err(Error::Unavailable(format!("hold store: {e}")));
            }
        };
        let (reply, answer) = oneshot::channel();
        self.queued.fetch_add(1, Ordering::AcqRel);
        let in_queue = InQueue(Arc::clone(&self.queued));
        let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        sender
            .as_ref()
            .ok_or_else(|| Error::Unavailable("the hold store is closed".into()))?
            .send(Batch {
                ops,
                reply,
                in_queue: Some(in_queue),
            })
            .map_err(|_| Error::Unavailable("the hold committer has stopped".into()))?;
        Ok(answer)
    }

    /// Batches submitted that the committer has not taken yet.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Waits for a submitted batch.
    pub async fn committed(answer: oneshot::Receiver<Result<(), Error>>) -> Result<(), Error> {
        answer
            .await
            .map_err(|_| Error::Unavailable("the hold committer dropped a change".into()))?
    }

    /// Every live hold record. Blocking.
    pub fn live_holds(&self) -> Result<Vec<HoldRecord>, Error> {
        read_live_holds(&self.db)
    }

    /// One hold record, live or recently ended. Blocking.
    pub fn get(&self, id: &str) -> Result<Option<HoldRecord>, Error> {
        read_hold(&self.db, id)
    }

    /// Up to `limit` outbox entries, oldest first. Blocking.
    pub fn outbox(&self, limit: usize) -> Result<Vec<(u64, SeatChange)>, Error> {
        let tx = self.db.database().begin_read().map_err(storage)?;
        let outbox = tx.open_table(OUTBOX).map_err(storage)?;
        let mut entries = Vec::new();
        for entry in outbox.iter().map_err(storage)?.take(limit) {
            let (seq, value) = entry.map_err(storage)?;
            entries.push((seq.value(), decode_change(value.value())?));
        }
        Ok(entries)
    }

    /// The ids of up to `limit` holds that ended before `ended_before_ms`, in id order,
    /// after the id `after` if given. A hold ends after it was created, so only the ids
    /// created before then are read: a range of the time-ordered ids. Blocking.
    pub fn ended_before(
        &self,
        ended_before_ms: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, Error> {
        use std::ops::Bound::{Excluded, Unbounded};
        let tx = self.db.database().begin_read().map_err(storage)?;
        let holds = match tx.open_table(HOLDS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(storage(e)),
        };
        let end = first_hold_id_at(ended_before_ms);
        let start = after.map_or(Unbounded, Excluded);
        let mut ended = Vec::new();
        for entry in holds
            .range::<&str>((start, Excluded(end.as_str())))
            .map_err(storage)?
        {
            let (id, value) = entry.map_err(storage)?;
            let record = decode_hold(id.value(), value.value())?;
            if ended_before(&record, ended_before_ms) {
                ended.push(id.value().to_string());
                if ended.len() == limit {
                    break;
                }
            }
        }
        Ok(ended)
    }

    /// Stops the committer after it has committed what it was given.
    pub fn close(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the hold committer panicked");
        }
    }
}

/// The highest outbox sequence a hold database used so far, relayed or not. Blocking.
fn last_outbox_seq(db: &HoldDb) -> Result<u64, Error> {
    let tx = db.database().begin_read().map_err(storage)?;
    let outbox = tx.open_table(OUTBOX).map_err(storage)?;
    let pending = outbox
        .last()
        .map_err(storage)?
        .map_or(0, |(k, _)| k.value());
    let state = tx.open_table(OUTBOX_STATE).map_err(storage)?;
    let relayed = state
        .get(LAST_RELAYED)
        .map_err(storage)?
        .map_or(0, |v| v.value());
    Ok(pending.max(relayed))
}

/// Every live hold record of a hold database (none if it was never written). Blocking.
pub fn read_live_holds(db: &HoldDb) -> Result<Vec<HoldRecord>, Error> {
    let tx = db.database().begin_read().map_err(storage)?;
    let holds = match tx.open_table(HOLDS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(storage(e)),
    };
    let mut live = Vec::new();
    for entry in holds.iter().map_err(storage)? {
        let (id, value) = entry.map_err(storage)?;
        let record = decode_hold(id.value(), value.value())?;
        if record.state == HoldState::Live {
            live.push(record);
        }
    }
    Ok(live)
}

/// One hold record, live or recently ended. Blocking.
pub fn read_hold(db: &HoldDb, id: &str) -> Result<Option<HoldRecord>, Error> {
    let tx = db.database().begin_read().map_err(storage)?;
    let holds = match tx.open_table(HOLDS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(storage(e)),
    };
    match holds.get(id).map_err(storage)? {
        Some(v) => Ok(Some(decode_hold(id, v.value())?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;

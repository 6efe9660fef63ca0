//! The hold store in redb: hold records, the expiry index, and the outbox of seat changes,
//! written by one committer thread that batches concurrent changes into one transaction.
//!
//! Why batched: every redb commit is an fsync. Handing changes to one thread that drains
//! its queue into a single write transaction turns a burst of N holds into one fsync, and
//! nobody is answered before the commit holding their change is durable.
//!
//! If a commit fails the store is poisoned: memory may now be ahead of the disk, so no
//! further change is accepted (readiness fails) until a restart rebuilds the index from
//! what is durable. Fail-stop beats silently diverging. A panic while the seat index or the
//! live-hold maps were locked poisons the store the same way ([`HoldStore::recover`]): what
//! the lock guarded may be half changed.

use crate::error::Error;
use crate::store::HoldDb;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// Hold id → JSON [`HoldRecord`], live and recently ended.
pub(super) const HOLDS: TableDefinition<&str, &[u8]> = TableDefinition::new("holds");

/// (expires_at ms, hold id) for live holds: what the sweeper walks.
pub(super) const EXPIRY: TableDefinition<(u64, &str), ()> = TableDefinition::new("hold_expiry");

/// (ended_at ms, hold id) for ended holds, so old records can be pruned.
pub(super) const ENDED: TableDefinition<(u64, &str), ()> = TableDefinition::new("hold_ended");

/// Outbox sequence → JSON [`SeatChange`], relayed into SQLite and then deleted.
pub(super) const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");

/// `last_relayed` → the highest outbox sequence ever relayed. The outbox is empty once
/// relayed, and sequences must never repeat: they key the seat history rows they became.
pub(super) const OUTBOX_STATE: TableDefinition<&str, u64> = TableDefinition::new("outbox_state");

pub(super) const LAST_RELAYED: &str = "last_relayed";

/// The most changes one commit carries.
pub(super) const MAX_BATCH: usize = 1024;

/// A hold's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HoldState {
    Live,
    Released,
    Expired,
    Booked,
}

/// One quoted price line of a hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// The seat, for seated events.
    pub seat: Option<String>,
    pub category: String,
    /// Places, for general admission (1 for a seat).
    pub quantity: u32,
    /// Price of one seat or place, in minor units.
    pub unit_minor: i64,
}

/// Everything durable about a hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRecord {
    pub id: String,
    pub event_id: String,
    pub owner: String,
    pub seats: Vec<String>,
    pub from_leg: u16,
    pub to_leg: u16,
    pub lines: Vec<QuoteLine>,
    pub currency: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub max_expires_at_ms: i64,
    pub state: HoldState,
    pub ended_at_ms: Option<i64>,
}

/// A change to an event's seats, for the seat history and the seats-changed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatChange {
    pub event_id: String,
    pub event_seq: u64,
    /// `held`, `released`, `expired` or `booked`.
    pub kind: String,
    pub hold_id: String,
    pub seats: Vec<String>,
    /// General admission places per category.
    pub places: Vec<(String, u32)>,
    pub at_ms: i64,
    pub actor: Option<String>,
}

/// One change to the store.
#[derive(Debug, Clone)]
pub enum Op {
    /// Write a live hold; `previous_expiry` is its old expiry when extended.
    Put {
        record: HoldRecord,
        previous_expiry: Option<i64>,
    },
    /// End a live hold.
    End {
        id: String,
        state: HoldState,
        at_ms: i64,
    },
    /// Append a seat change to the outbox.
    Outbox { seq: u64, change: SeatChange },
    /// Drop relayed outbox entries.
    Relayed { seqs: Vec<u64> },
    /// Forget ended holds that ended before this time.
    Prune { ended_before_ms: i64 },
}

pub(super) struct Batch {
    pub(super) ops: Vec<Op>,
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
        {
            // Create the tables so readers never meet a missing one.
            let tx = db.database().begin_write().map_err(storage)?;
            tx.open_table(HOLDS).map_err(storage)?;
            tx.open_table(EXPIRY).map_err(storage)?;
            tx.open_table(ENDED).map_err(storage)?;
            tx.open_table(OUTBOX).map_err(storage)?;
            tx.open_table(OUTBOX_STATE).map_err(storage)?;
            tx.commit().map_err(storage)?;
        }
        let (sender, receiver) = mpsc::channel::<Batch>();
        let poisoned = Arc::new(AtomicBool::new(false));
        let thread_db = db.clone();
        let thread_poisoned = Arc::clone(&poisoned);
        let thread = std::thread::Builder::new()
            .name("hold-committer".into())
            .spawn(move || super::hold_commit::run_committer(thread_db, receiver, thread_poisoned))
            .map_err(|e| Error::internal(format!("cannot start the hold committer: {e}")))?;
        Ok(HoldStore {
            db,
            sender: Arc::new(Mutex::new(Some(sender))),
            thread: Arc::new(Mutex::new(Some(thread))),
            poisoned,
            queued: Arc::new(AtomicUsize::new(0)),
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
            entries.push((
                seq.value(),
                serde_json::from_slice(value.value()).map_err(Error::internal)?,
            ));
        }
        Ok(entries)
    }

    /// The highest outbox sequence used so far, relayed or not. Blocking.
    pub fn last_outbox_seq(&self) -> Result<u64, Error> {
        let tx = self.db.database().begin_read().map_err(storage)?;
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
        let (_, value) = entry.map_err(storage)?;
        let record: HoldRecord = serde_json::from_slice(value.value()).map_err(Error::internal)?;
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
        Some(v) => Ok(Some(
            serde_json::from_slice(v.value()).map_err(Error::internal)?,
        )),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lock_a_panic_poisoned_stops_the_store_as_a_failed_commit_does() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            HoldStore::start(HoldDb::open(&dir.path().join("holds.redb")).unwrap()).unwrap();
        store.probe().await.unwrap();

        // A panic half way through changing what the lock guards.
        let index = Arc::new(Mutex::new(vec![1, 2]));
        let changing = Arc::clone(&index);
        let panicked = std::thread::spawn(move || {
            let mut seats = changing.lock().unwrap();
            seats.push(3);
            panic!("half way through a change");
        })
        .join();
        assert!(panicked.is_err() && index.is_poisoned());

        // Reads go on; changes and readiness stop.
        let seats = index.lock().unwrap_or_else(|p| store.recover(p)).clone();
        assert_eq!(seats, vec![1, 2, 3]);
        assert!(store.is_poisoned());
        assert!(store.probe().await.is_err());
        assert!(store.submit(Vec::new()).is_err());
    }
}

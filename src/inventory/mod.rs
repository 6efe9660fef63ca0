//! Which seats are free, held or sold: the seat index, holds with a time limit, their
//! expiry, and the relay that turns seat changes into seat history and `seats-changed` jobs.
//!
//! A hold is decided in memory under its event's mutex (all or nothing, per leg), queued
//! for the hold store's group commit while that mutex is still held, and answered once the
//! commit is durable. Owns the redb hold store; reads the catalog through its functions.

mod background;
pub mod best_available;
#[cfg(test)]
mod best_available_props;
mod catalog_edits;
mod closing;
mod counts;
pub mod expiry;
pub mod figures;
pub mod hold;
mod hold_codec;
mod hold_codec_old;
mod hold_commit;
mod hold_counters;
mod hold_record;
pub mod hold_store;
pub mod invariants;
mod lifecycle;
mod limits;
pub mod loader;
mod loader_repo;
mod packed_id;
pub mod relay;
pub mod sale;
mod seat_counts;
pub mod seat_index;
mod seat_labels;
pub mod seat_layout;
mod startup;
mod take;
mod verify;

use crate::clock::SharedClock;
use crate::error::Error;
use crate::store::Sqlite;
use hold_store::{HoldRecord, HoldState, HoldStore, Op};
use seat_index::{EventSeats, HoldKey, LiveHold, SeatNo};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::Notify;

/// What a hold takes: seats, and general-admission places per category index.
type Taken = (Vec<SeatNo>, Vec<(u16, u32)>);

/// Where a live hold lives in memory.
#[derive(Debug, Clone)]
struct LiveEntry {
    event_id: String,
    key: HoldKey,
    /// Shared with the hold store's changes and copied out with the entry: a hold is read,
    /// written and ended from this record without copying its strings each time.
    record: Arc<HoldRecord>,
}

/// Every live hold by id, and how many each owner has tracked.
#[derive(Debug, Default)]
struct LiveHolds {
    by_id: HashMap<String, LiveEntry>,
    /// Tracked holds per owner, expired ones the sweeper has not ended yet included: a
    /// customer's limit is checked against this, and only near the limit against the holds
    /// themselves (`limits`). Counting through `by_id` cost every hold a scan of all live
    /// holds.
    per_owner: HashMap<String, usize>,
}

impl LiveHolds {
    fn insert(&mut self, id: String, entry: LiveEntry) {
        let owner = &entry.record.owner;
        match self.per_owner.get_mut(owner) {
            Some(n) => *n += 1,
            None => {
                self.per_owner.insert(owner.clone(), 1);
            }
        }
        if let Some(replaced) = self.by_id.insert(id, entry) {
            self.uncount(&replaced.record.owner);
        }
    }

    fn remove(&mut self, id: &str) -> Option<LiveEntry> {
        let entry = self.by_id.remove(id)?;
        self.uncount(&entry.record.owner);
        Some(entry)
    }

    fn uncount(&mut self, owner: &str) {
        if let Some(n) = self.per_owner.get_mut(owner) {
            *n -= 1;
            if *n == 0 {
                self.per_owner.remove(owner);
            }
        }
    }

    /// How many holds `owner` has tracked.
    fn of_owner(&self, owner: &str) -> usize {
        self.per_owner.get(owner).copied().unwrap_or(0)
    }
}

/// The inventory handle.
#[derive(Clone)]
pub struct Inventory {
    inner: Arc<Inner>,
}

struct Inner {
    db: Sqlite,
    store: HoldStore,
    clock: SharedClock,
    ttl_ms: i64,
    max_lifetime_ms: i64,
    /// What one customer account may hold at once.
    limits: limits::CustomerLimits,
    /// Holds being decided per customer account, counted with their live holds.
    claims: Mutex<HashMap<String, usize>>,
    events: RwLock<HashMap<String, Arc<Mutex<EventSeats>>>>,
    live: Mutex<LiveHolds>,
    /// (expires_at ms, hold id) of every live hold: the sweeper's index.
    expiry: Mutex<BTreeSet<(i64, String)>>,
    /// When the sweeper looks at the expiry index next (clock ms), written and read only
    /// under `expiry`'s lock: a new hold that expires later needs no wake-up (see
    /// [`Inventory::track`]).
    sweeper_looks_at_ms: AtomicI64,
    next_key: AtomicU64,
    expiry_wake: Notify,
    relay_wake: Notify,
    /// When ended holds were last pruned.
    last_prune_ms: AtomicI64,
    counters: hold_counters::HoldCounters,
}

impl std::fmt::Debug for Inventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inventory")
    }
}

/// How a hold ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Released,
    Expired,
}

impl Ending {
    fn state(self) -> HoldState {
        match self {
            Ending::Released => HoldState::Released,
            Ending::Expired => HoldState::Expired,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Ending::Released => "released",
            Ending::Expired => "expired",
        }
    }
}

/// A segment's first and last stop names, when the event has a route with stops.
pub type SegmentNames = (Option<String>, Option<String>);

impl Inventory {
    /// Where a loaded event's change sequence starts: the load time in microseconds. The
    /// sequence orders `seats-changed` for its consumers and keys its dedupe, so it must
    /// keep growing across restarts; it is not stored, but it outruns any earlier process
    /// unless that one changed an event more than once per microsecond on average.
    fn first_seq(&self) -> u64 {
        u64::try_from(self.inner.clock.now().unix_timestamp_nanos() / 1000).unwrap_or(0)
    }

    fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Waits until a submitted change is durable, then wakes the relay to carry it to SQLite.
    async fn committed(
        &self,
        answer: tokio::sync::oneshot::Receiver<Result<(), Error>>,
    ) -> Result<(), Error> {
        HoldStore::committed(answer).await?;
        self.inner.relay_wake.notify_one();
        Ok(())
    }

    /// A lock's guard even if a panic poisoned it, with the store stopped (see
    /// [`HoldStore::recover`]): every lock over the index goes through here.
    fn recover<G>(&self, poisoned: std::sync::PoisonError<G>) -> G {
        self.inner.store.recover(poisoned)
    }

    /// Every event's seats, copied out of the map so that reading one holds no lock over
    /// the map (a hold on another event may take it meanwhile).
    fn all_events(&self) -> Vec<Arc<Mutex<EventSeats>>> {
        self.inner
            .events
            .read()
            .unwrap_or_else(|p| self.recover(p))
            .values()
            .cloned()
            .collect()
    }

    fn event(&self, event_id: &str) -> Result<Arc<Mutex<EventSeats>>, Error> {
        self.inner
            .events
            .read()
            .unwrap_or_else(|p| self.recover(p))
            .get(event_id)
            .cloned()
            .ok_or(Error::NotFound("event"))
    }

    /// The names of a route's ends of a segment, as holds name them: `Some` only on travel
    /// events with intermediate stops (elsewhere a segment is the whole event).
    pub fn segment_names(&self, event_id: &str, from_leg: u16, to_leg: u16) -> SegmentNames {
        let Ok(event) = self.event(event_id) else {
            return (None, None);
        };
        let ix = event.lock().unwrap_or_else(|p| self.recover(p));
        if ix.stops.len() <= 2 {
            return (None, None);
        }
        let name = |leg: u16| ix.stops.get(usize::from(leg)).cloned();
        (name(from_leg), name(to_leg))
    }

    /// Puts a hold's seats or places into its event's index under a fresh key, for its legs
    /// and until its expiry; returns the key.
    fn install_hold(
        &self,
        ix: &mut EventSeats,
        record: &HoldRecord,
        seats: Vec<SeatNo>,
        places: Vec<(u16, u32)>,
    ) -> HoldKey {
        let key = self.inner.next_key.fetch_add(1, Ordering::Relaxed);
        ix.install(
            key,
            LiveHold {
                id: record.id.clone(),
                owner: record.owner.clone(),
                seats,
                places,
                legs: record.from_leg..record.to_leg,
                expires_at_ms: record.expires_at_ms,
            },
        );
        key
    }

    /// Tracks a new live hold; true if it expires by the sweeper's next planned look, so
    /// the sweeper must be woken to plan again.
    fn track(&self, record: &Arc<HoldRecord>, key: HoldKey) -> bool {
        self.inner
            .live
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .insert(
                record.id.clone(),
                LiveEntry {
                    event_id: record.event_id.clone(),
                    key,
                    record: Arc::clone(record),
                },
            );
        let mut expiry = self.inner.expiry.lock().unwrap_or_else(|p| self.recover(p));
        expiry.insert((record.expires_at_ms, record.id.clone()));
        // Read under the index's lock, where the sweeper plans its look: either it planned
        // before this insert (and this sees its plan), or it plans after and sees the hold.
        record.expires_at_ms <= self.inner.sweeper_looks_at_ms.load(Ordering::Relaxed)
    }

    /// Plans the sweeper's next look from the expiry index: after `longest` at most, at the
    /// first expiry if that comes sooner. Returns how long to wait.
    pub(crate) fn plan_sweeper_look(&self, longest: std::time::Duration) -> std::time::Duration {
        let expiry = self.inner.expiry.lock().unwrap_or_else(|p| self.recover(p));
        let now_ms = self.now_ms();
        let longest_ms = i64::try_from(longest.as_millis()).unwrap_or(i64::MAX);
        let wait_ms = expiry
            .first()
            .map_or(longest_ms, |(at, _)| (at - now_ms).clamp(0, longest_ms));
        self.inner
            .sweeper_looks_at_ms
            .store(now_ms.saturating_add(wait_ms), Ordering::Relaxed);
        drop(expiry);
        std::time::Duration::from_millis(wait_ms as u64)
    }

    fn untrack(&self, id: &str) -> Option<LiveEntry> {
        let entry = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .remove(id)?;
        self.inner
            .expiry
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .remove(&(entry.record.expires_at_ms, id.to_string()));
        Some(entry)
    }

    fn outbox_op(
        &self,
        ix: &EventSeats,
        kind: &str,
        record: &HoldRecord,
        places: &[(String, u32)],
        at_ms: i64,
        actor: Option<&str>,
    ) -> Op {
        self.seat_change_op(ix, kind, &record.id, &record.seats, places, at_ms, actor)
    }

    /// The outbox entry of one seat change; the committer numbers it in commit order.
    #[allow(clippy::too_many_arguments)] // the change's fields, one each
    fn seat_change_op(
        &self,
        ix: &EventSeats,
        kind: &str,
        cause: &str,
        seats: &[String],
        places: &[(String, u32)],
        at_ms: i64,
        actor: Option<&str>,
    ) -> Op {
        let change = hold_codec::ChangeOf {
            event_id: &ix.event_id,
            event_seq: ix.seq,
            kind,
            hold_id: cause,
            seats,
            places,
            at_ms,
            actor,
        };
        match hold_codec::encode_change_of(change) {
            Ok(bytes) => Op::OutboxEncoded { bytes },
            // Submitted as it is, it fails there again and stops the store (`submit`).
            Err(_) => Op::Outbox {
                change: change.to_owned(),
            },
        }
    }
}

/// Category names of general-admission places.
fn ga_places(ix: &EventSeats, places: &[(u16, u32)]) -> Vec<(String, u32)> {
    places
        .iter()
        .map(|&(c, n)| (ix.categories[c as usize].name.clone(), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hold_record::hold;

    fn entry(record: &HoldRecord) -> LiveEntry {
        LiveEntry {
            event_id: record.event_id.clone(),
            key: 1,
            record: Arc::new(record.clone()),
        }
    }

    /// The per-owner counts let a customer under the limit through without looking at every
    /// hold, so they must follow the holds: counted when tracked, once when replaced (an
    /// extension), uncounted when ended.
    #[test]
    fn live_holds_count_each_owners_holds_as_they_come_and_go() {
        let mut live = LiveHolds::default();
        let first = hold(HoldState::Live, None);
        let mut second = hold(HoldState::Live, None);
        second.owner = first.owner.clone();
        live.insert(first.id.clone(), entry(&first));
        live.insert(second.id.clone(), entry(&second));
        live.insert(second.id.clone(), entry(&second));
        assert_eq!(live.of_owner(&first.owner), 2);
        assert!(live.remove(&first.id).is_some());
        assert!(live.remove(&first.id).is_none());
        assert_eq!(live.of_owner(&first.owner), 1);
        live.remove(&second.id);
        assert_eq!(live.of_owner(&first.owner), 0);
        assert!(live.per_owner.is_empty(), "no owner left behind");
    }

    /// A new hold wakes the sweeper only when it expires by the sweeper's planned look (a
    /// hold expiring later is found by that look), and every hold does until a look is
    /// planned.
    #[tokio::test]
    async fn a_hold_wakes_the_sweeper_only_if_it_expires_by_the_planned_look() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(&dir.path().join("rezerve.db")).unwrap();
        let holds = crate::store::HoldDb::open(&dir.path().join("holds.redb")).unwrap();
        let clock = crate::clock::ManualClock::new(crate::clock::at_ms(1_000_000));
        let config = crate::config::HoldsConfig::default();
        let inventory = Inventory::open(db, holds, Arc::new(clock), &config)
            .await
            .unwrap();
        let expiring_at = |ms: i64| {
            let mut record = hold(HoldState::Live, None);
            record.expires_at_ms = ms;
            Arc::new(record)
        };
        assert!(
            inventory.track(&expiring_at(10_000_000), 1),
            "no look planned"
        );

        // The first expiry is 9,000 s away: the sweeper looks again in a second at most.
        let wait = inventory.plan_sweeper_look(std::time::Duration::from_secs(1));
        assert_eq!(wait, std::time::Duration::from_secs(1));
        assert!(
            !inventory.track(&expiring_at(1_600_000), 2),
            "found by the look"
        );
        assert!(
            !inventory.track(&expiring_at(1_001_001), 3),
            "a ms after the look"
        );
        assert!(inventory.track(&expiring_at(1_001_000), 4), "at the look");
        assert!(
            inventory.track(&expiring_at(1_000_500), 5),
            "before the look"
        );

        // Planned again, the look is at the first expiry.
        let wait = inventory.plan_sweeper_look(std::time::Duration::from_secs(1));
        assert_eq!(wait, std::time::Duration::from_millis(500));
        assert!(inventory.track(&expiring_at(1_000_400), 6));
        assert!(!inventory.track(&expiring_at(1_000_600), 7));
    }
}

//! A hold's life after it is taken: reading it, extending it, releasing it, its expiry, and
//! forgetting it an hour after it ended.

use super::Ending;
use super::Inventory;
use super::LiveEntry;
use super::ga_places;
use super::hold::HoldView;
use super::hold_store::HoldRecord;
use super::hold_store::HoldState;
use super::hold_store::HoldStore;
use super::hold_store::Op;
use super::seat_index::EventSeats;
use super::seat_index::HoldKey;
use crate::auth::Caller;
use crate::error::{Conflict, Error};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// How long an ended hold's record is kept (to answer `hold_expired` rather than 404).
const KEEP_ENDED_MS: i64 = 3_600_000;

/// The most ended holds one commit forgets. After a big sale a whole hour's ended holds
/// come due at once, and one commit forgetting them all held the hold store's one writer,
/// which every hold waits for, for as long as that took.
const PRUNE_CHUNK: usize = 2_000;

impl Inventory {
    /// Ends a hold inside its event's lock: frees its seats and returns the store changes.
    pub(super) fn end_locked(
        &self,
        ix: &mut EventSeats,
        key: HoldKey,
        how: Ending,
        at_ms: i64,
        actor: Option<&str>,
    ) -> Vec<Op> {
        let Some(hold) = ix.remove(key) else {
            return Vec::new();
        };
        let Some(entry) = self.untrack(&hold.id) else {
            return Vec::new();
        };
        self.inner.counters.ended(how).increment(1);
        let places = ga_places(ix, &hold.places);
        let change = self.outbox_op(ix, how.name(), &entry.record, &places, at_ms, actor);
        vec![
            Op::Ended {
                record: entry.record,
                state: how.state(),
                at_ms,
            },
            change,
        ]
    }

    fn entry(&self, caller: &Caller, hold_id: &str) -> Result<LiveEntry, Error> {
        match self.live_entry(hold_id) {
            Some(e) if e.record.owner == caller.user_id || caller.may_see_all() => Ok(e),
            _ => Err(Error::NotFound("hold")),
        }
    }

    /// A live hold of the caller's (any hold, for staff); 404 once expired or released.
    pub async fn get(&self, caller: &Caller, hold_id: &str) -> Result<HoldView, Error> {
        let entry = self.entry(caller, hold_id)?;
        if entry.record.expires_at_ms <= self.now_ms() {
            return Err(Error::NotFound("hold"));
        }
        let stops = self
            .event(&entry.event_id)?
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .stops
            .clone();
        Ok(HoldView::from_record(&entry.record, &stops))
    }

    /// Pushes a hold's expiry `seconds` further, up to its maximum lifetime.
    pub async fn extend(
        &self,
        caller: &Caller,
        hold_id: &str,
        seconds: u64,
    ) -> Result<HoldView, Error> {
        if seconds == 0 || seconds > 24 * 3600 {
            return Err(Error::invalid("seconds", "must be between 1 and 86400"));
        }
        let entry = match self.entry(caller, hold_id) {
            Ok(e) => e,
            Err(e) => return Err(self.ended_error(caller, hold_id, e).await),
        };
        let now_ms = self.now_ms();
        let event = self.event(&entry.event_id)?;
        let (record, stops, answer) = {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            let Some(live) = ix.holds.get_mut(&entry.key) else {
                return Err(Error::HoldExpired);
            };
            if live.expires_at_ms <= now_ms {
                return Err(Error::HoldExpired);
            }
            // `entry` was read before the lock: another extension may have moved the expiry
            // since. Starting from a stale copy would lose that extension or shorten the hold.
            let Some(record) = self.live_record(hold_id) else {
                return Err(Error::HoldExpired);
            };
            let mut record = HoldRecord::clone(&record);
            let wanted = record.expires_at_ms.saturating_add(seconds as i64 * 1000);
            let new_expiry = wanted.min(record.max_expires_at_ms);
            if new_expiry <= record.expires_at_ms {
                return Err(Conflict::HoldLifetimeExceeded.into());
            }
            live.expires_at_ms = new_expiry;
            let previous = record.expires_at_ms;
            record.expires_at_ms = new_expiry;
            let record = Arc::new(record);
            {
                let mut live_map = self.inner.live.lock().unwrap_or_else(|p| self.recover(p));
                if let Some(e) = live_map.by_id.get_mut(hold_id) {
                    e.record = Arc::clone(&record);
                }
                let mut expiry = self.inner.expiry.lock().unwrap_or_else(|p| self.recover(p));
                expiry.remove(&(previous, hold_id.to_string()));
                expiry.insert((new_expiry, hold_id.to_string()));
            }
            let answer = self.inner.store.submit(vec![Op::Put {
                record: Arc::clone(&record),
            }])?;
            (record, ix.stops.clone(), answer)
        };
        HoldStore::committed(answer).await?;
        Ok(HoldView::from_record(&record, &stops))
    }

    /// A live hold's entry, copied out of the map so no lock is held afterwards.
    pub(super) fn live_entry(&self, hold_id: &str) -> Option<LiveEntry> {
        self.inner
            .live
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .by_id
            .get(hold_id)
            .cloned()
    }

    /// The current record of a live hold. Read it under the hold's event lock, where every
    /// change to it is made, to get the latest.
    fn live_record(&self, hold_id: &str) -> Option<Arc<HoldRecord>> {
        self.inner
            .live
            .lock()
            .unwrap_or_else(|p| self.recover(p))
            .by_id
            .get(hold_id)
            .map(|e| Arc::clone(&e.record))
    }

    /// The error for a hold that is not live: expired holds say so, others are not found.
    async fn ended_error(&self, caller: &Caller, hold_id: &str, fallback: Error) -> Error {
        if !crate::ids::looks_like("hld", hold_id) {
            return fallback;
        }
        let store = self.inner.store.clone();
        let id = hold_id.to_string();
        match tokio::task::spawn_blocking(move || store.get(&id)).await {
            Ok(Ok(Some(r)))
                if (r.state == HoldState::Expired
                    || (r.state == HoldState::Live && r.expires_at_ms <= self.now_ms()))
                    && (r.owner == caller.user_id || caller.may_see_all()) =>
            {
                Error::HoldExpired
            }
            _ => fallback,
        }
    }

    /// Releases a hold now; its seats are available at once.
    pub async fn release(&self, caller: &Caller, hold_id: &str) -> Result<(), Error> {
        let entry = self.entry(caller, hold_id)?;
        let now_ms = self.now_ms();
        let event = self.event(&entry.event_id)?;
        let (answer, expired) = {
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            let expired = ix.hold_expired(entry.key, now_ms);
            let how = if expired {
                Ending::Expired
            } else {
                Ending::Released
            };
            let ops = self.end_locked(&mut ix, entry.key, how, now_ms, Some(&caller.user_id));
            if ops.is_empty() {
                return Err(Error::NotFound("hold"));
            }
            (self.inner.store.submit(ops)?, expired)
        };
        self.committed(answer).await?;
        if expired {
            // Swept now, but the release came too late to count as one.
            return Err(Error::NotFound("hold"));
        }
        Ok(())
    }

    /// Releases every hold whose time is up; returns how many. The sweeper calls this.
    pub async fn release_expired_holds(&self) -> Result<usize, Error> {
        let now_ms = self.now_ms();
        let due: Vec<(i64, String)> = {
            let expiry = self.inner.expiry.lock().unwrap_or_else(|p| self.recover(p));
            expiry
                .iter()
                .take_while(|(at, _)| *at <= now_ms)
                .cloned()
                .collect()
        };
        let mut answers = Vec::new();
        for (at, id) in &due {
            let entry = self.live_entry(id);
            let event = entry.as_ref().and_then(|e| self.event(&e.event_id).ok());
            let (Some(entry), Some(event)) = (entry, event) else {
                // Not live any more: drop the stale index entry so the sweeper moves on.
                self.inner
                    .expiry
                    .lock()
                    .unwrap_or_else(|p| self.recover(p))
                    .remove(&(*at, id.clone()));
                continue;
            };
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
            if !ix.hold_expired(entry.key, now_ms) {
                continue; // extended after it was found due: the expiry index has its new time
            }
            let ops = self.end_locked(&mut ix, entry.key, Ending::Expired, now_ms, None);
            if ops.is_empty() {
                self.inner
                    .expiry
                    .lock()
                    .unwrap_or_else(|p| self.recover(p))
                    .remove(&(*at, id.clone()));
            } else {
                answers.push(self.inner.store.submit(ops)?);
            }
        }
        let released = answers.len();
        for answer in answers {
            HoldStore::committed(answer).await?;
        }
        if released > 0 {
            tracing::debug!(released, "released expired holds");
            self.inner.relay_wake.notify_one();
        }
        Ok(released)
    }

    /// Why a hold that is not live cannot be used: `hold_expired` for the caller's expired
    /// hold, else not found.
    pub async fn hold_gone_error(&self, caller: &crate::auth::Caller, hold_id: &str) -> Error {
        self.ended_error(caller, hold_id, Error::NotFound("hold"))
            .await
    }

    /// Forgets ended holds older than an hour, at most once a minute.
    pub async fn prune_ended_holds(&self) {
        let now_ms = self.now_ms();
        let last = self.inner.last_prune_ms.load(Ordering::Relaxed);
        if now_ms - last < 60_000 {
            return;
        }
        self.inner.last_prune_ms.store(now_ms, Ordering::Relaxed);
        let pruned = prune_in_chunks(&self.inner.store, now_ms - KEEP_ENDED_MS, PRUNE_CHUNK).await;
        if let Err(e) = pruned {
            tracing::warn!(error = %e, "cannot prune ended holds");
        }
    }
}

/// Forgets the holds that ended before `ended_before_ms`, `chunk` at most per commit, each
/// chunk through the committer like any change; how many each commit forgot. A chunk is
/// found by a read (which waits for no writer) and submitted only after the one before it
/// committed, so the holds submitted meanwhile are committed first. Each commit is whole:
/// a prune stopped part way (a crash, a failed commit) leaves a store with some old holds
/// forgotten and the rest for the next prune.
pub(super) async fn prune_in_chunks(
    store: &HoldStore,
    ended_before_ms: i64,
    chunk: usize,
) -> Result<Vec<usize>, Error> {
    let mut forgotten = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let ids = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || {
                store.ended_before(ended_before_ms, after.as_deref(), chunk)
            })
            .await
            .map_err(|e| Error::internal(format!("reading ended holds: {e}")))??
        };
        let Some(last) = ids.last().cloned() else {
            return Ok(forgotten);
        };
        let count = ids.len();
        let prune = Op::Prune {
            ids,
            ended_before_ms,
        };
        HoldStore::committed(store.submit(vec![prune])?).await?;
        forgotten.push(count);
        if count < chunk {
            return Ok(forgotten);
        }
        after = Some(last);
    }
}

#[cfg(test)]
mod tests;

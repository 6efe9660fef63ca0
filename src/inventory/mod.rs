//! Which seats are free, held or sold: the seat index, holds with a time limit, their
//! expiry, and the relay that turns seat changes into seat history and `seats-changed` jobs.
//!
//! A hold is decided in memory under its event's mutex (all or nothing, per leg), queued
//! for the hold store's group commit while that mutex is still held, and answered once the
//! commit is durable. Owns the redb hold store; reads the catalog through its functions.

pub mod best_available;
pub mod expiry;
pub mod hold;
pub mod hold_store;
pub mod invariants;
pub mod loader;
pub mod relay;
pub mod sale;
pub mod seat_index;

use crate::auth::Caller;
use crate::catalog::model::{Availability, SeatStatus};
use crate::clock::SharedClock;
use crate::config::HoldsConfig;
use crate::error::Error;
use crate::store::{HoldDb, Sqlite};
use best_available::Want;
use hold::{HoldRequest, HoldView, Selection};
use hold_store::{HoldRecord, HoldState, HoldStore, Op, QuoteLine, SeatChange};
use seat_index::{EventSeats, HoldKey, LiveHold, SeatNo};
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
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
    record: HoldRecord,
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
    events: RwLock<HashMap<String, Arc<Mutex<EventSeats>>>>,
    live: Mutex<HashMap<String, LiveEntry>>,
    /// (expires_at ms, hold id) of every live hold: the sweeper's index.
    expiry: Mutex<BTreeSet<(i64, String)>>,
    next_key: AtomicU64,
    next_outbox: AtomicU64,
    expiry_wake: Notify,
    relay_wake: Notify,
    /// When ended holds were last pruned.
    last_prune_ms: AtomicI64,
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

impl Inventory {
    /// Opens the hold store and rebuilds every event's index from SQLite and redb; holds
    /// that expired while the process was down are released before this returns.
    pub async fn open(
        db: Sqlite,
        holds: HoldDb,
        clock: SharedClock,
        config: &HoldsConfig,
    ) -> Result<Inventory, Error> {
        let store = tokio::task::spawn_blocking(move || HoldStore::start(holds))
            .await
            .map_err(Error::internal)??;
        let reader = store.clone();
        let (last_seq, records) = tokio::task::spawn_blocking(move || {
            Ok::<_, Error>((reader.last_outbox_seq()?, reader.live_holds()?))
        })
        .await
        .map_err(Error::internal)??;
        let inventory = Inventory {
            inner: Arc::new(Inner {
                db,
                store,
                clock,
                ttl_ms: config.ttl_seconds as i64 * 1000,
                max_lifetime_ms: config.max_lifetime_seconds as i64 * 1000,
                events: RwLock::new(HashMap::new()),
                live: Mutex::new(HashMap::new()),
                expiry: Mutex::new(BTreeSet::new()),
                next_key: AtomicU64::new(1),
                next_outbox: AtomicU64::new(last_seq + 1),
                expiry_wake: Notify::new(),
                relay_wake: Notify::new(),
                last_prune_ms: AtomicI64::new(0),
            }),
        };
        let indexes = inventory.inner.db.read(loader::load_all).await?;
        {
            let mut events = inventory
                .inner
                .events
                .write()
                .unwrap_or_else(|p| p.into_inner());
            for mut ix in indexes {
                ix.seq = inventory.first_seq();
                events.insert(ix.event_id.clone(), Arc::new(Mutex::new(ix)));
            }
        }
        inventory.restore_holds(records).await?;
        inventory.release_expired_holds().await?;
        Ok(inventory)
    }

    /// Where a loaded event's change sequence starts: the load time in microseconds. The
    /// sequence orders `seats-changed` for its consumers and keys its dedupe, so it must
    /// keep growing across restarts; it is not stored, but it outruns any earlier process
    /// unless that one changed an event more than once per microsecond on average.
    fn first_seq(&self) -> u64 {
        u64::try_from(self.inner.clock.now().unix_timestamp_nanos() / 1000).unwrap_or(0)
    }

    fn now_ms(&self) -> i64 {
        (self.inner.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn event(&self, event_id: &str) -> Result<Arc<Mutex<EventSeats>>, Error> {
        self.inner
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(event_id)
            .cloned()
            .ok_or(Error::NotFound("event"))
    }

    /// Re-installs live holds from the store at start-up.
    async fn restore_holds(&self, records: Vec<HoldRecord>) -> Result<(), Error> {
        let mut orphans = Vec::new();
        for record in records {
            let Ok(event) = self.event(&record.event_id) else {
                orphans.push(record.id.clone());
                continue;
            };
            let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
            let seats: Option<Vec<SeatNo>> = record.seats.iter().map(|l| ix.seat_no(l)).collect();
            let places: Option<Vec<(u16, u32)>> = if ix.general_admission {
                record
                    .lines
                    .iter()
                    .map(|l| ix.category_index(&l.category).map(|c| (c, l.quantity)))
                    .collect()
            } else {
                Some(Vec::new())
            };
            let legs = record.from_leg..record.to_leg;
            let (Some(seats), Some(places)) = (seats, places) else {
                orphans.push(record.id.clone());
                continue;
            };
            if seats.iter().any(|&s| !ix.holders(s, &legs).is_empty()) {
                tracing::error!(hold = %record.id, "a stored hold overlaps another; releasing it");
                orphans.push(record.id.clone());
                continue;
            }
            let key = self.inner.next_key.fetch_add(1, Ordering::Relaxed);
            ix.install(
                key,
                LiveHold {
                    id: record.id.clone(),
                    owner: record.owner.clone(),
                    seats,
                    places,
                    legs,
                    expires_at_ms: record.expires_at_ms,
                },
            );
            drop(ix);
            self.track(&record, key);
        }
        if !orphans.is_empty() {
            let at_ms = self.now_ms();
            let ops = orphans
                .into_iter()
                .map(|id| Op::End {
                    id,
                    state: HoldState::Expired,
                    at_ms,
                })
                .collect();
            HoldStore::committed(self.inner.store.submit(ops)?).await?;
        }
        Ok(())
    }

    fn track(&self, record: &HoldRecord, key: HoldKey) {
        self.inner
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                record.id.clone(),
                LiveEntry {
                    event_id: record.event_id.clone(),
                    key,
                    record: record.clone(),
                },
            );
        self.inner
            .expiry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((record.expires_at_ms, record.id.clone()));
        metrics::gauge!(crate::telemetry::HOLDS_ACTIVE).increment(1.0);
    }

    fn untrack(&self, id: &str) -> Option<LiveEntry> {
        let entry = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)?;
        self.inner
            .expiry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(entry.record.expires_at_ms, id.to_string()));
        metrics::gauge!(crate::telemetry::HOLDS_ACTIVE).decrement(1.0);
        Some(entry)
    }

    fn outbox_op(
        &self,
        ix: &EventSeats,
        kind: &str,
        record: &HoldRecord,
        places: Vec<(String, u32)>,
        at_ms: i64,
        actor: Option<&str>,
    ) -> Op {
        Op::Outbox {
            seq: self.inner.next_outbox.fetch_add(1, Ordering::Relaxed),
            change: SeatChange {
                event_id: ix.event_id.clone(),
                event_seq: ix.seq,
                kind: kind.to_string(),
                hold_id: record.id.clone(),
                seats: record.seats.clone(),
                places,
                at_ms,
                actor: actor.map(str::to_string),
            },
        }
    }

    /// Ends a hold inside its event's lock: frees its seats and returns the store changes.
    fn end_locked(
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
        metrics::counter!(crate::telemetry::HOLDS_ENDED_TOTAL, "how" => how.name()).increment(1);
        let places = ga_places(ix, &hold.places);
        vec![
            Op::End {
                id: hold.id.clone(),
                state: how.state(),
                at_ms,
            },
            self.outbox_op(ix, how.name(), &entry.record, places, at_ms, actor),
        ]
    }

    /// Resolves `from`/`to` stop names into a leg range.
    fn legs(ix: &EventSeats, from: Option<&str>, to: Option<&str>) -> Result<Range<u16>, Error> {
        Ok(
            match crate::catalog::model::find_segment(&ix.stops, from, to)? {
                Some((a, b)) => a as u16..b as u16,
                None => ix.all_legs(),
            },
        )
    }

    /// Holds seats for `caller`: all requested seats on every leg of the segment, or none.
    pub async fn hold(
        &self,
        caller: &Caller,
        event_id: &str,
        request: HoldRequest,
    ) -> Result<HoldView, Error> {
        let selection = request.selection()?;
        let event = self.event(event_id)?;
        let now_ms = self.now_ms();
        let (record, stops, answer) = {
            let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
            if ix.closed {
                return Err(Error::conflict(
                    "event_cancelled",
                    "the event has been cancelled",
                ));
            }
            let legs = Self::legs(&ix, request.from.as_deref(), request.to.as_deref())?;
            let mut ops = Vec::new();
            let (seats, places) = self.select(&mut ix, &selection, &legs, now_ms, &mut ops)?;
            let id = crate::ids::new_id("hld");
            let lines = quote(&ix, &seats, &places);
            let record = HoldRecord {
                id,
                event_id: event_id.to_string(),
                owner: caller.user_id.clone(),
                seats: seats
                    .iter()
                    .map(|&s| ix.seats[s as usize].label.clone())
                    .collect(),
                from_leg: legs.start,
                to_leg: legs.end,
                lines,
                currency: ix.currency.clone(),
                created_at_ms: now_ms,
                expires_at_ms: now_ms + self.inner.ttl_ms,
                max_expires_at_ms: now_ms + self.inner.max_lifetime_ms,
                state: HoldState::Live,
                ended_at_ms: None,
            };
            let key = self.inner.next_key.fetch_add(1, Ordering::Relaxed);
            ix.install(
                key,
                LiveHold {
                    id: record.id.clone(),
                    owner: record.owner.clone(),
                    seats,
                    places: places.clone(),
                    legs,
                    expires_at_ms: record.expires_at_ms,
                },
            );
            self.track(&record, key);
            ops.push(Op::Put {
                record: record.clone(),
                previous_expiry: None,
            });
            let places = ga_places(&ix, &places);
            ops.push(self.outbox_op(&ix, "held", &record, places, now_ms, Some(&caller.user_id)));
            let answer = self.inner.store.submit(ops)?;
            (record, ix.stops.clone(), answer)
        };
        HoldStore::committed(answer).await?;
        self.inner.expiry_wake.notify_one();
        self.inner.relay_wake.notify_one();
        metrics::counter!(crate::telemetry::HOLDS_CREATED_TOTAL).increment(1);
        Ok(HoldView::from_record(&record, &stops))
    }

    /// Picks the seats (or places) of a request inside the event's lock; seats of expired
    /// holds in the way are released first (their changes go into `ops`).
    fn select(
        &self,
        ix: &mut EventSeats,
        selection: &Selection,
        legs: &Range<u16>,
        now_ms: i64,
        ops: &mut Vec<Op>,
    ) -> Result<Taken, Error> {
        match selection {
            Selection::Seats(labels) => {
                if ix.general_admission {
                    return Err(Error::invalid(
                        "seats",
                        "a general-admission event is held by quantity and category",
                    ));
                }
                let mut unknown = Vec::new();
                let mut seats = Vec::with_capacity(labels.len());
                for label in labels {
                    match ix.seat_no(label) {
                        Some(s) => seats.push(s),
                        None => unknown.push(label.clone()),
                    }
                }
                if !unknown.is_empty() {
                    return Err(Error::invalid(
                        "seats",
                        format!("no such seats in this event: {}", unknown.join(", ")),
                    ));
                }
                let taken: Vec<String> = seats
                    .iter()
                    .filter(|&&s| !ix.is_free(s, legs, now_ms))
                    .map(|&s| ix.seats[s as usize].label.clone())
                    .collect();
                if !taken.is_empty() {
                    metrics::counter!(crate::telemetry::HOLDS_CONFLICTS_TOTAL).increment(1);
                    return Err(Error::SeatUnavailable { seats: taken });
                }
                self.clear_expired(ix, &seats, legs, now_ms, ops);
                Ok((seats, Vec::new()))
            }
            Selection::Quantity {
                quantity,
                category,
                accessible,
            } => {
                let category_index = match category {
                    Some(name) => Some(ix.category_index(name).ok_or_else(|| {
                        Error::invalid("category", format!("this event has no category `{name}`"))
                    })?),
                    None => None,
                };
                if ix.general_admission {
                    let Some(c) =
                        category_index.or_else(|| (ix.categories.len() == 1).then_some(0))
                    else {
                        return Err(Error::invalid(
                            "category",
                            "name the category to hold places in",
                        ));
                    };
                    if *accessible > 0 {
                        return Err(Error::invalid(
                            "accessible",
                            "general admission has no seats to choose",
                        ));
                    }
                    if *quantity > ix.categories[c as usize].capacity {
                        return Err(Error::invalid(
                            "quantity",
                            "more places than the category has",
                        ));
                    }
                    // Decide before sweeping: a refusal must leave memory as the stores
                    // are, since its `ops` are never committed.
                    let left = ix.places_free(c, now_ms);
                    if left < *quantity {
                        metrics::counter!(crate::telemetry::HOLDS_CONFLICTS_TOTAL).increment(1);
                        return Err(Error::PlacesUnavailable {
                            category: ix.categories[c as usize].name.clone(),
                            left,
                        });
                    }
                    self.clear_expired_places(ix, now_ms, ops);
                    return Ok((Vec::new(), vec![(c, *quantity)]));
                }
                let in_category = ix
                    .seats
                    .iter()
                    .filter(|s| category_index.is_none_or(|c| s.category == c))
                    .count();
                if *quantity as usize
                    > in_category.max(if *accessible > 0 { ix.seats.len() } else { 0 })
                {
                    return Err(Error::invalid(
                        "quantity",
                        "more seats than the category has",
                    ));
                }
                let want = Want {
                    quantity: *quantity,
                    category: category_index,
                    accessible: *accessible,
                };
                let Some(seats) = best_available::choose(ix, want, legs, now_ms) else {
                    metrics::counter!(crate::telemetry::HOLDS_CONFLICTS_TOTAL).increment(1);
                    return Err(Error::SeatUnavailable { seats: Vec::new() });
                };
                self.clear_expired(ix, &seats, legs, now_ms, ops);
                Ok((seats, Vec::new()))
            }
        }
    }

    fn clear_expired(
        &self,
        ix: &mut EventSeats,
        seats: &[SeatNo],
        legs: &Range<u16>,
        now_ms: i64,
        ops: &mut Vec<Op>,
    ) {
        let mut stale: Vec<HoldKey> = seats.iter().flat_map(|&s| ix.holders(s, legs)).collect();
        stale.sort_unstable();
        stale.dedup();
        for key in stale {
            ops.extend(self.end_locked(ix, key, Ending::Expired, now_ms, None));
        }
    }

    fn clear_expired_places(&self, ix: &mut EventSeats, now_ms: i64, ops: &mut Vec<Op>) {
        let stale: Vec<HoldKey> = ix
            .holds
            .iter()
            .filter(|(_, h)| h.expires_at_ms <= now_ms)
            .map(|(&k, _)| k)
            .collect();
        for key in stale {
            ops.extend(self.end_locked(ix, key, Ending::Expired, now_ms, None));
        }
    }

    fn entry(&self, caller: &Caller, hold_id: &str) -> Result<LiveEntry, Error> {
        let entry = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(hold_id)
            .cloned();
        match entry {
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
            .unwrap_or_else(|p| p.into_inner())
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
            let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
            let Some(live) = ix.holds.get_mut(&entry.key) else {
                return Err(Error::HoldExpired);
            };
            if live.expires_at_ms <= now_ms {
                return Err(Error::HoldExpired);
            }
            // `entry` was read before the lock: another extension may have moved the expiry
            // since. Starting from a stale copy would lose that extension or shorten the hold.
            let Some(mut record) = self.live_record(hold_id) else {
                return Err(Error::HoldExpired);
            };
            let wanted = record.expires_at_ms.saturating_add(seconds as i64 * 1000);
            let new_expiry = wanted.min(record.max_expires_at_ms);
            if new_expiry <= record.expires_at_ms {
                return Err(Error::conflict(
                    "hold_lifetime_exceeded",
                    "this hold has reached its maximum lifetime (holds.max_lifetime_seconds)",
                ));
            }
            live.expires_at_ms = new_expiry;
            let previous = record.expires_at_ms;
            record.expires_at_ms = new_expiry;
            {
                let mut live_map = self.inner.live.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(e) = live_map.get_mut(hold_id) {
                    e.record = record.clone();
                }
                let mut expiry = self.inner.expiry.lock().unwrap_or_else(|p| p.into_inner());
                expiry.remove(&(previous, hold_id.to_string()));
                expiry.insert((new_expiry, hold_id.to_string()));
            }
            let answer = self.inner.store.submit(vec![Op::Put {
                record: record.clone(),
                previous_expiry: Some(previous),
            }])?;
            (record, ix.stops.clone(), answer)
        };
        HoldStore::committed(answer).await?;
        Ok(HoldView::from_record(&record, &stops))
    }

    /// The current record of a live hold. Read it under the hold's event lock, where every
    /// change to it is made, to get the latest.
    fn live_record(&self, hold_id: &str) -> Option<HoldRecord> {
        self.inner
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(hold_id)
            .map(|e| e.record.clone())
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
            let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
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
        HoldStore::committed(answer).await?;
        self.inner.relay_wake.notify_one();
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
            let expiry = self.inner.expiry.lock().unwrap_or_else(|p| p.into_inner());
            expiry
                .iter()
                .take_while(|(at, _)| *at <= now_ms)
                .cloned()
                .collect()
        };
        let mut answers = Vec::new();
        for (at, id) in &due {
            let entry = self
                .inner
                .live
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(id)
                .cloned();
            let event = entry.as_ref().and_then(|e| self.event(&e.event_id).ok());
            let (Some(entry), Some(event)) = (entry, event) else {
                // Not live any more: drop the stale index entry so the sweeper moves on.
                self.inner
                    .expiry
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&(*at, id.clone()));
                continue;
            };
            let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
            if !ix.hold_expired(entry.key, now_ms) {
                continue; // extended after it was found due: the expiry index has its new time
            }
            let ops = self.end_locked(&mut ix, entry.key, Ending::Expired, now_ms, None);
            if ops.is_empty() {
                self.inner
                    .expiry
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
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

    /// When the next live hold expires, if any.
    pub fn next_expiry_ms(&self) -> Option<i64> {
        self.inner
            .expiry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first()
            .map(|(at, _)| *at)
    }

    /// Counts per category for an event, in the catalog's category order.
    pub fn availability(&self, event_id: &str) -> Option<Vec<(String, Availability)>> {
        let event = self.event(event_id).ok()?;
        let ix = event.lock().unwrap_or_else(|p| p.into_inner());
        let counts = ix.availability(self.now_ms());
        Some(
            ix.categories
                .iter()
                .map(|c| c.name.clone())
                .zip(counts)
                .collect(),
        )
    }

    /// Each seat's status over a segment (stop names), by label.
    pub fn seat_statuses(
        &self,
        event_id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<HashMap<String, SeatStatus>, Error> {
        let event = self.event(event_id)?;
        let ix = event.lock().unwrap_or_else(|p| p.into_inner());
        let legs = Self::legs(&ix, from, to)?;
        let now_ms = self.now_ms();
        Ok(ix
            .seats
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label.clone(), ix.status(i as SeatNo, &legs, now_ms)))
            .collect())
    }

    /// Loads (or reloads) an event's index from SQLite: after it is created.
    pub async fn load_event(&self, event_id: &str) -> Result<(), Error> {
        let id = event_id.to_string();
        let ix = self
            .inner
            .db
            .read(move |conn| loader::load_one(conn, &id))
            .await?;
        if let Some(mut ix) = ix {
            ix.seq = self.first_seq();
            self.inner
                .events
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(event_id.to_string())
                .or_insert_with(|| Arc::new(Mutex::new(ix)));
        }
        Ok(())
    }

    /// Takes an event out of sale before it is deleted; refused while anything is held or
    /// sold. [`Inventory::load_event`] puts it back if the delete fails.
    pub fn retire_event(&self, event_id: &str) -> Result<(), Error> {
        let mut events = self.inner.events.write().unwrap_or_else(|p| p.into_inner());
        let Some(event) = events.get(event_id) else {
            return Ok(());
        };
        {
            let ix = event.lock().unwrap_or_else(|p| p.into_inner());
            let now_ms = self.now_ms();
            let busy = ix
                .availability(now_ms)
                .iter()
                .any(|a| a.held > 0 || a.sold > 0);
            if busy {
                return Err(Error::conflict(
                    "event_has_sales",
                    "seats of this event are held or sold; cancel the event instead",
                ));
            }
        }
        events.remove(event_id);
        Ok(())
    }

    /// Marks seats blocked in the index and returns those that were not blocked before;
    /// refused (naming them) if any is held or sold. Unknown labels are left to the caller.
    pub fn block(&self, event_id: &str, labels: &[String]) -> Result<Vec<String>, Error> {
        let event = self.event(event_id)?;
        let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
        if ix.general_admission {
            return Err(Error::invalid(
                "seats",
                "a general-admission event has no seats to block",
            ));
        }
        let legs = ix.all_legs();
        let now_ms = self.now_ms();
        let mut seats = Vec::new();
        let mut busy = Vec::new();
        for label in labels {
            let Some(s) = ix.seat_no(label) else { continue };
            match ix.status(s, &legs, now_ms) {
                SeatStatus::Held | SeatStatus::Sold => busy.push(label.clone()),
                SeatStatus::Available => seats.push(s),
                SeatStatus::Blocked => {}
            }
        }
        if !busy.is_empty() {
            return Err(Error::SeatUnavailable { seats: busy });
        }
        let mut newly = Vec::with_capacity(seats.len());
        for s in seats {
            ix.seats[s as usize].blocked = true;
            newly.push(ix.seats[s as usize].label.clone());
        }
        ix.seq += 1;
        Ok(newly)
    }

    /// Marks seats unblocked in the index.
    pub fn unblock(&self, event_id: &str, labels: &[String]) {
        if let Ok(event) = self.event(event_id) {
            let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
            for label in labels {
                if let Some(s) = ix.seat_no(label) {
                    ix.seats[s as usize].blocked = false;
                }
            }
            ix.seq += 1;
        }
    }

    /// Sets the price new holds are quoted in a category.
    pub fn set_price(&self, event_id: &str, category: &str, minor: i64) {
        if let Ok(event) = self.event(event_id) {
            let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = ix.category_index(category) {
                ix.categories[c as usize].price_minor = minor;
            }
        }
    }

    /// Places held or sold in a general-admission category.
    pub fn places_taken(&self, event_id: &str, category: &str) -> u32 {
        self.event(event_id)
            .ok()
            .and_then(|event| {
                let ix = event.lock().unwrap_or_else(|p| p.into_inner());
                ix.category_index(category)
                    .map(|c| ix.categories[c as usize].ga_held + ix.categories[c as usize].ga_sold)
            })
            .unwrap_or(0)
    }

    /// Sets a general-admission category's capacity; refused below what is taken.
    pub fn set_capacity(
        &self,
        event_id: &str,
        category: &str,
        capacity: u32,
    ) -> Result<u32, Error> {
        let event = self.event(event_id)?;
        let mut ix = event.lock().unwrap_or_else(|p| p.into_inner());
        if !ix.general_admission {
            return Err(Error::invalid(
                "capacity",
                "seated events change capacity by blocking or unblocking seats",
            ));
        }
        let Some(c) = ix.category_index(category) else {
            return Err(Error::invalid(
                format!("capacity.{category}"),
                "this event has no such category",
            ));
        };
        let state = &mut ix.categories[c as usize];
        let taken = state.ga_held + state.ga_sold;
        if capacity < taken {
            return Err(Error::invalid(
                format!("capacity.{category}"),
                format!("cannot drop below the {taken} places already held or sold"),
            ));
        }
        let previous = state.capacity;
        state.capacity = capacity;
        ix.seq += 1;
        Ok(previous)
    }

    /// Whether the hold store still accepts changes.
    pub fn is_healthy(&self) -> bool {
        !self.inner.store.is_poisoned()
    }

    /// Every (event, seat label, leg) in two live holds at once — must be empty.
    pub fn double_holds(&self) -> Vec<(String, String, u16)> {
        let events: Vec<_> = self
            .inner
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut doubles = Vec::new();
        for event in events {
            let ix = event.lock().unwrap_or_else(|p| p.into_inner());
            for (seat, leg) in ix.double_holds() {
                doubles.push((
                    ix.event_id.clone(),
                    ix.seats[seat as usize].label.clone(),
                    leg,
                ));
            }
        }
        doubles
    }

    /// Checks the live index against the stores and the hold invariants. A difference must
    /// survive a second look a moment later, so a hold committing mid-check is not reported.
    pub async fn verify(&self) -> Result<Vec<crate::store::check::Finding>, Error> {
        let (first, expected_problems) = self.differences_once().await?;
        let mut lasting = Vec::new();
        if !first.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let (second, _) = self.differences_once().await?;
            lasting = first.into_iter().filter(|d| second.contains(d)).collect();
        }
        let mut findings = invariants::findings(&expected_problems);
        findings.push(crate::store::check::Finding::from_problems(
            "no seat-leg in two live holds (in memory)",
            self.double_holds()
                .into_iter()
                .map(|(event, seat, leg)| format!("{event} {seat} leg {leg}"))
                .collect(),
        ));
        findings.push(crate::store::check::Finding::from_problems(
            "the seat index equals the stores",
            lasting,
        ));
        Ok(findings)
    }

    async fn differences_once(&self) -> Result<(Vec<String>, invariants::Expected), Error> {
        let store = self.inner.store.clone();
        let live = tokio::task::spawn_blocking(move || store.live_holds())
            .await
            .map_err(Error::internal)??;
        let expected = self
            .inner
            .db
            .read(move |conn| invariants::expected(conn, &live))
            .await?;
        let ids: HashMap<u64, String> = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|e| (e.key, e.record.id.clone()))
            .collect();
        let events: Vec<_> = self
            .inner
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut differences = Vec::new();
        for event in &events {
            let ix = event.lock().unwrap_or_else(|p| p.into_inner());
            differences.extend(invariants::differences(&ix, &ids, &expected));
        }
        let indexed: Vec<String> = self
            .inner
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        for id in expected.indexes.keys() {
            if !indexed.contains(id) {
                differences.push(format!(
                    "event {id} is in the database but not in the index"
                ));
            }
        }
        Ok((differences, expected))
    }

    /// Whether the hold store knows a hold, live or ended.
    pub async fn hold_known(&self, id: &str) -> bool {
        let store = self.inner.store.clone();
        let id = id.to_string();
        matches!(
            tokio::task::spawn_blocking(move || store.get(&id)).await,
            Ok(Ok(Some(_)))
        )
    }

    /// Stops the hold committer after it has committed what it was given.
    pub async fn close(&self) {
        let store = self.inner.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }

    pub(crate) fn store(&self) -> &HoldStore {
        &self.inner.store
    }

    pub(crate) fn sqlite(&self) -> &Sqlite {
        &self.inner.db
    }

    pub(crate) fn expiry_wake(&self) -> &Notify {
        &self.inner.expiry_wake
    }

    pub(crate) fn relay_wake(&self) -> &Notify {
        &self.inner.relay_wake
    }

    pub(crate) fn clock_ms(&self) -> i64 {
        self.now_ms()
    }

    pub(crate) fn event_seq(&self, event_id: &str) -> Option<u64> {
        let event = self.event(event_id).ok()?;
        let seq = event.lock().unwrap_or_else(|p| p.into_inner()).seq;
        Some(seq)
    }
}

/// Category names of general-admission places.
fn ga_places(ix: &EventSeats, places: &[(u16, u32)]) -> Vec<(String, u32)> {
    places
        .iter()
        .map(|&(c, n)| (ix.categories[c as usize].name.clone(), n))
        .collect()
}

/// The quoted price lines of a hold, at the index's current prices.
fn quote(ix: &EventSeats, seats: &[SeatNo], places: &[(u16, u32)]) -> Vec<QuoteLine> {
    let mut lines: Vec<QuoteLine> = seats
        .iter()
        .map(|&s| {
            let seat = &ix.seats[s as usize];
            let category = &ix.categories[seat.category as usize];
            QuoteLine {
                seat: Some(seat.label.clone()),
                category: category.name.clone(),
                quantity: 1,
                unit_minor: category.price_minor,
            }
        })
        .collect();
    lines.extend(places.iter().map(|&(c, n)| {
        let category = &ix.categories[c as usize];
        QuoteLine {
            seat: None,
            category: category.name.clone(),
            quantity: n,
            unit_minor: category.price_minor,
        }
    }));
    lines
}

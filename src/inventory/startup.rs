//! Opening the inventory: the hold store started, every event's index rebuilt from SQLite,
//! live holds re-installed from redb and those that expired while the process was down
//! released, all before anything is served; and closing it after the last commit.

use super::Inner;
use super::Inventory;
use super::hold_store::HoldRecord;
use super::hold_store::HoldState;
use super::hold_store::HoldStore;
use super::hold_store::Op;
use super::loader;
use super::seat_index::SeatNo;
use crate::clock::SharedClock;
use crate::config::HoldsConfig;
use crate::error::Error;
use crate::store::HoldDb;
use crate::store::Sqlite;
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::RwLock;
use std::sync::atomic::AtomicI64;
use std::sync::atomic::AtomicU64;
use tokio::sync::Notify;

impl Inventory {
    /// Opens the hold store and rebuilds every event's index from SQLite and redb; holds
    /// that expired while the process was down are released before this returns.
    pub async fn open(
        db: Sqlite,
        holds: HoldDb,
        clock: SharedClock,
        config: &HoldsConfig,
    ) -> Result<Inventory, Error> {
        let relayed = db
            .read(crate::catalog::history_repo::relayed_up_to)
            .await?
            .unwrap_or(0);
        let store = tokio::task::spawn_blocking(move || HoldStore::start_after(holds, relayed))
            .await
            .map_err(Error::internal)??;
        let reader = store.clone();
        let records = tokio::task::spawn_blocking(move || reader.live_holds())
            .await
            .map_err(Error::internal)??;
        let inventory = Inventory {
            inner: Arc::new(Inner {
                db,
                store,
                clock,
                ttl_ms: config.ttl_seconds as i64 * 1000,
                max_lifetime_ms: config.max_lifetime_seconds as i64 * 1000,
                limits: super::limits::CustomerLimits::from_config(config),
                claims: Mutex::new(HashMap::new()),
                events: RwLock::new(HashMap::new()),
                live: Mutex::new(super::LiveHolds::default()),
                expiry: Mutex::new(BTreeSet::new()),
                next_key: AtomicU64::new(1),
                expiry_wake: Notify::new(),
                relay_wake: Notify::new(),
                last_prune_ms: AtomicI64::new(0),
                // No look planned yet: every hold wakes the sweeper until it plans one.
                sweeper_looks_at_ms: AtomicI64::new(i64::MAX),
                counters: Default::default(),
            }),
        };
        let indexes = inventory.inner.db.read(loader::load_all).await?;
        {
            let mut events = inventory
                .inner
                .events
                .write()
                .unwrap_or_else(|p| inventory.recover(p));
            for mut ix in indexes {
                ix.seq = inventory.first_seq();
                events.insert(ix.event_id.clone(), Arc::new(Mutex::new(ix)));
            }
        }
        inventory.restore_holds(records).await?;
        inventory.release_expired_holds().await?;
        Ok(inventory)
    }

    /// Re-installs live holds from the store at start-up.
    async fn restore_holds(&self, records: Vec<HoldRecord>) -> Result<(), Error> {
        let mut orphans = Vec::new();
        for record in records {
            let Ok(event) = self.event(&record.event_id) else {
                orphans.push(record.id.clone());
                continue;
            };
            let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
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
            let key = self.install_hold(&mut ix, &record, seats, places);
            drop(ix);
            // The sweeper has not planned a look yet: it reads every restored hold.
            self.track(&Arc::new(record), key);
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

    /// Stops the hold committer after it has committed what it was given.
    pub async fn close(&self) {
        let store = self.inner.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }
}

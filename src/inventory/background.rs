//! What the background tasks (the outbox relay and the expiry sweeper) reach into.

use super::Inventory;
use super::hold_store::HoldStore;
use crate::store::Sqlite;
use tokio::sync::Notify;

impl Inventory {
    pub(crate) fn store(&self) -> &HoldStore {
        &self.inner.store
    }

    /// Changes handed to the hold committer that it has not taken yet.
    pub fn queued_hold_changes(&self) -> usize {
        self.inner.store.queued()
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
        let seq = event.lock().unwrap_or_else(|p| self.recover(p)).seq;
        Some(seq)
    }
}

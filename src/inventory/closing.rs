//! Stopping an event's sales before it is cancelled, and saying who held seats then: the
//! cancellation tells those customers too, so it reads them before their holds go.

use super::Inventory;
use crate::error::Error;

impl Inventory {
    /// Stops new holds and sales of an event (memory only: a restart reads the event's
    /// cancelled status) and returns the accounts holding its seats now, each once. An event
    /// the index does not know has nothing held.
    pub fn stop_sales(&self, event_id: &str) -> Vec<String> {
        let Ok(event) = self.event(event_id) else {
            return Vec::new();
        };
        let now_ms = self.now_ms();
        let mut ix = event.lock().unwrap_or_else(|p| self.recover(p));
        ix.closed = true;
        let mut owners: Vec<String> = ix
            .holds
            .values()
            .filter(|h| h.expires_at_ms > now_ms)
            .map(|h| h.owner.clone())
            .collect();
        owners.sort();
        owners.dedup();
        owners
    }

    /// Releases every live hold of an event whose sales have stopped; nothing when the
    /// index does not know the event.
    pub async fn release_event_holds(&self, event_id: &str) -> Result<(), Error> {
        match self.close_event(event_id).await {
            Err(Error::NotFound(_)) => Ok(()),
            other => other,
        }
    }
}

//! What one customer account may hold at once, so no account can hold a venue: at most
//! `holds.max_seats_per_customer_hold` seats in one hold and
//! `holds.max_live_holds_per_customer` live holds. Staff and admins (the box office) are not
//! limited beyond the hard cap every hold has.
//!
//! The live-hold count is checked and a place claimed under one lock, so concurrent requests
//! of one account cannot all slip under the limit; the claim ends once the hold is tracked
//! as live (or the request fails).

use super::Inventory;
use super::hold::Selection;
use crate::auth::{Caller, Role};
use crate::config::HoldsConfig;
use crate::error::Error;

/// The limits on customer accounts.
#[derive(Debug, Clone, Copy)]
pub(super) struct CustomerLimits {
    pub max_seats: u32,
    pub max_live_holds: usize,
}

impl CustomerLimits {
    pub(super) fn from_config(config: &HoldsConfig) -> Self {
        Self {
            max_seats: config.max_seats_per_customer_hold,
            max_live_holds: config.max_live_holds_per_customer as usize,
        }
    }
}

/// A place among a customer's live holds, taken while their hold is being decided.
pub(super) struct Claim {
    inventory: Inventory,
    owner: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut claims = self
            .inventory
            .inner
            .claims
            .lock()
            .unwrap_or_else(|p| self.inventory.recover(p));
        if let Some(n) = claims.get_mut(&self.owner) {
            *n -= 1;
            if *n == 0 {
                claims.remove(&self.owner);
            }
        }
    }
}

impl Inventory {
    /// Refuses a customer's hold over the limits; otherwise claims a place for it among the
    /// caller's live holds (`None` for staff and admins, who are not limited).
    pub(super) fn claim_hold(
        &self,
        caller: &Caller,
        selection: &Selection,
        now_ms: i64,
    ) -> Result<Option<Claim>, Error> {
        if caller.role >= Role::Staff {
            return Ok(None);
        }
        let limits = self.inner.limits;
        let seats = match selection {
            Selection::Seats(labels) => u32::try_from(labels.len()).unwrap_or(u32::MAX),
            Selection::Quantity { quantity, .. } => *quantity,
        };
        if seats > limits.max_seats {
            return Err(Error::TooManySeats {
                limit: limits.max_seats,
            });
        }
        // Lock order: `live`, then `claims` (as everywhere `live` is taken first).
        let live = self.inner.live.lock().unwrap_or_else(|p| self.recover(p));
        let mut claims = self.inner.claims.lock().unwrap_or_else(|p| self.recover(p));
        let deciding = claims.get(&caller.user_id).copied().unwrap_or(0);
        // Tracked holds count expired ones not swept yet too, so below the limit with them
        // is below it without them; only then is looking at every hold left out.
        let tracked = live.of_owner(&caller.user_id);
        let held = if tracked + deciding < limits.max_live_holds {
            tracked
        } else {
            live.by_id
                .values()
                .filter(|e| e.record.owner == caller.user_id && e.record.expires_at_ms > now_ms)
                .count()
        };
        if held + deciding >= limits.max_live_holds {
            return Err(Error::TooManyHolds {
                limit: limits.max_live_holds,
            });
        }
        *claims.entry(caller.user_id.clone()).or_default() += 1;
        Ok(Some(Claim {
            inventory: self.clone(),
            owner: caller.user_id.clone(),
        }))
    }
}

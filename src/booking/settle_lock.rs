//! Turns for settling a payment: two gateway callbacks for one payment (say, the same
//! success under two event ids) must not run the saga side by side, or the second would
//! see the first's seats as taken and refund a payment that just paid for them. Callbacks
//! for one payment take turns; callbacks for different payments almost never wait, since
//! the locks are striped by a hash of the payment id.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How many stripes: enough that unrelated payments rarely share one.
const STRIPES: usize = 64;

/// Striped per-payment locks.
#[derive(Clone)]
pub struct SettleLocks {
    stripes: Arc<Vec<Arc<Mutex<()>>>>,
}

impl Default for SettleLocks {
    fn default() -> Self {
        SettleLocks {
            stripes: Arc::new((0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect()),
        }
    }
}

impl SettleLocks {
    /// Waits for this payment's turn; the turn ends when the guard drops.
    pub async fn turn(&self, payment_id: &str) -> OwnedMutexGuard<()> {
        let mut hasher = DefaultHasher::new();
        payment_id.hash(&mut hasher);
        let stripe = (hasher.finish() % STRIPES as u64) as usize;
        Arc::clone(&self.stripes[stripe]).lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_payment_takes_turns_and_others_do_not_wait() {
        let locks = SettleLocks::default();
        let first = locks.turn("pay_1").await;
        let waiting = tokio::time::timeout(Duration::from_millis(50), locks.turn("pay_1")).await;
        assert!(waiting.is_err(), "a second turn for the same payment ran");
        let other = (2..100).map(|n| format!("pay_{n}")).find(|id| {
            let locks = locks.clone();
            let id = id.clone();
            ready_now(async move { locks.turn(&id).await })
        });
        assert!(other.is_some(), "every other payment waited");
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), locks.turn("pay_1"))
            .await
            .expect("the turn comes once the first ends");
    }

    /// Whether a future completes without waiting.
    fn ready_now<F: std::future::Future>(future: F) -> bool {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        future.as_mut().poll(&mut cx).is_ready()
    }
}

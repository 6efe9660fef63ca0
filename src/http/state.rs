//! What handlers can reach: one small handle per domain, picked out with `FromRef` so each
//! handler names only the handle it needs.
//!
//! The router clones its state for every request, so [`AppState`] is one `Arc` around the
//! [`Handles`]: cloning all ten handles (their `Arc`s, the notifier's strings) per request
//! took about a tenth of the server's CPU in a holds profile at 256 clients.

use crate::auth::Auth;
use crate::booking::Bookings;
use crate::catalog::Catalog;
use crate::dashboard::Dashboard;
use crate::http::admin::ConsoleEdge;
use crate::inventory::Inventory;
use crate::jobs::Jobs;
use crate::notify::Notifier;
use crate::pricing::Pricing;
use crate::store::Sqlite;
use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Everything the router serves from: the handles behind one `Arc`, read through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<Handles>);

impl AppState {
    pub fn new(handles: Handles) -> AppState {
        AppState(Arc::new(handles))
    }
}

impl std::ops::Deref for AppState {
    type Target = Handles;

    fn deref(&self) -> &Handles {
        &self.0
    }
}

/// Each handle, cloned out of the state only by the extractor that names it.
macro_rules! handle_from_state {
    ($($field:ident: $handle:ty),* $(,)?) => {
        $(impl FromRef<AppState> for $handle {
            fn from_ref(state: &AppState) -> $handle {
                state.0.$field.clone()
            }
        })*
    };
}

handle_from_state!(
    auth: Auth,
    catalog: Catalog,
    bookings: Bookings,
    inventory: Inventory,
    pricing: Pricing,
    notifier: Notifier,
    jobs: Jobs,
    ops: Ops,
    console: ConsoleEdge,
    dashboard: Dashboard,
);

/// The domain handles.
pub struct Handles {
    pub auth: Auth,
    pub catalog: Catalog,
    pub bookings: Bookings,
    pub inventory: Inventory,
    pub pricing: Pricing,
    pub notifier: Notifier,
    pub jobs: Jobs,
    pub ops: Ops,
    pub console: ConsoleEdge,
    pub dashboard: Dashboard,
}

/// What the operational endpoints look at.
#[derive(Clone)]
pub struct Ops {
    pub sqlite: Sqlite,
    pub inventory: Inventory,
    pub metrics: PrometheusHandle,
    /// What the scrape reads its gauges from.
    pub gauges: crate::telemetry::gauges::Sources,
    /// `storage.max_queued_writes`: at it, a request that writes is refused.
    pub max_queued_writes: usize,
}

impl Ops {
    /// Whether a request that writes may start: refused (`overloaded`, retry in a second)
    /// while the SQLite writer or the hold committer has `max_queued_writes` waiting, so an
    /// overload becomes a quick 503 instead of an ever longer queue in memory.
    pub fn admit_write(&self) -> Result<(), crate::error::Error> {
        let queued = self
            .sqlite
            .queued_writes()
            .max(self.inventory.queued_hold_changes());
        if queued >= self.max_queued_writes {
            metrics::counter!(crate::metric::WRITES_REFUSED_TOTAL).increment(1);
            return Err(crate::error::Error::Overloaded {
                retry_after_seconds: 1,
            });
        }
        Ok(())
    }
}

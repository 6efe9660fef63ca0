//! What handlers can reach: one small handle per domain, picked out with `FromRef` so each
//! handler names only the handle it needs.

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

/// Everything the router serves from.
#[derive(Clone, FromRef)]
pub struct AppState {
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

//! What the domains record: the name of every metric series ([`names`]) and the typed
//! functions a domain calls after its change has committed ([`record`]). A leaf: it knows
//! the crate's [`Error`](crate::error::Error) and nothing else of it, so every domain can
//! use it; the recorder, the exporter and the gauges read at scrape time are the telemetry
//! module's, above the domains.
//!
//! Metric names follow `rezerve_<domain>_<what>_<unit>` and are declared in one place, so a
//! dashboard author can read them all at once. Domain code never names a series itself
//! (counters of a single increment excepted, by their constant here).

pub mod names;
pub mod record;

pub use names::*;

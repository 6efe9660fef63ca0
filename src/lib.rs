//! Rezerve: seat booking and dynamic pricing in one binary.
//!
//! # Layout
//! Lower layers never import higher ones (no module imports a module that imports it back).
//! - Vocabulary, used by every layer: [`error`] (the one error type), [`money`], [`ids`],
//!   [`clock`] (where "now" comes from), [`pagination`], [`shutdown`], [`config`] (one
//!   struct, loaded once), [`metric`] (series names and the record functions the domains
//!   call).
//! - Stores: [`store`] — SQLite (the source of truth; one writer thread with group commit,
//!   a pool of readers) and redb (hold and TTL state), under one data dir. Knows nothing of
//!   the domains.
//! - Domains, each owning its tables and rules, in dependency order: [`jobs`] (the durable
//!   queue), [`auth`] (accounts, passwords, tokens, roles), [`catalog`] (venues, seat maps,
//!   events, stops), [`inventory`] (seat index, holds, expiry, seat history), [`payment`]
//!   (providers, payments, refunds, webhook signatures), [`idempotency`] (keys for holds,
//!   bookings and payments), [`booking`] (the saga), [`pricing`] (rules, curves, quotes),
//!   [`notify`] (email).
//! - Read models and upkeep across domains: [`audit`] (`rezerve check` and the live admin
//!   check), [`dashboard`], [`dossier`] (a booking's whole story for staff), [`retention`].
//! - Edges: [`telemetry`] (logs, the recorder and exporter, scrape-time gauges), [`tls`],
//!   [`http`] (the only module that knows axum).
//! - Wiring: [`app`] opens the stores, builds the domain handles and serves.
//! - What drives a whole app: [`seed`] (the demo catalog and sales) and [`cli`] (the only
//!   module that knows clap).
//!
//! `tests/api/layout.rs` holds this order: each module imports only modules listed before it.
//!
//! SQL lives only in repo files — a domain's `repo.rs`, `repo/` folder or `*_repo.rs`
//! files — and in the store's migrations (the store's own engine statements, PRAGMAs and
//! `VACUUM`, stay in `store/`). A domain writes another domain's tables only through that
//! domain's repo functions.
//!
//! Domain code returns [`Error`], knows nothing of HTTP, and never blocks the async
//! executor: SQLite and redb work runs on the store's own threads or the blocking pool.

pub mod app;
pub mod audit;
pub mod auth;
pub mod booking;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod dossier;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod inventory;
pub mod jobs;
pub mod metric;
pub mod money;
pub mod notify;
pub mod pagination;
pub mod payment;
pub mod pricing;
pub mod retention;
pub mod seed;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod tls;

pub use app::App;
pub use config::Config;
pub use error::Error;

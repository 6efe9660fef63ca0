//! Rezerve: seat booking and dynamic pricing in one binary.
//!
//! # Layout
//! - Domains, each owning its tables and rules: [`auth`] (accounts, passwords, tokens,
//!   roles), [`catalog`] (venues, seat maps, events, stops).
//! - Stores: [`store`] — SQLite (the source of truth; one writer thread with group commit,
//!   a pool of readers) and redb (hold and TTL state), under one data dir.
//! - Edges: [`http`] (the only module that knows axum), [`cli`] (the only one that knows
//!   clap), [`config`], [`telemetry`].
//! - Wiring: [`app`] opens the stores, builds the domain handles and serves.
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

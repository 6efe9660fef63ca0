//! Integration tests: the real app on 127.0.0.1:0 over real TCP, or the built binary spawned.
//! One test binary (modules below) so it links once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed unwrap is the test failing, with its location"
)]

mod helpers;
mod polling;

mod accounts;
mod bookings;
mod browser;
mod catalog;
mod cli;
mod console;
mod contract;
mod edge;
mod hardening;
mod holds;
mod jobs;
mod layout;
mod notifications;
mod pricing;
mod telemetry;
mod tls;

//! What a hostile client does to the HTTP edge (issue 14): oversized query text, slow
//! connections, missing protective headers, look-alike identities, a public `/metrics`, and a
//! webhook signed the way the README tells a gateway integrator to sign it.

mod fuzz_findings;
mod headers;
mod identities;
mod keep_alive;
mod metrics_listener;
mod overload;
mod query_limits;
mod slow_clients;
mod webhook_secret;

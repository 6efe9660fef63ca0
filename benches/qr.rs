//! A ticket's QR image: `cargo bench --bench qr`.
//!
//! Every confirmation email draws one PNG per ticket (and the box office one per printed
//! ticket), so under a sales rush this is the background's main cost.
//!
//! - `png/ticket_code`: `notify::qr::png` of a ticket code as the server signs it (ticket,
//!   event and seat ids of the usual length, Ed25519 signature): 261 characters, a version
//!   12 symbol of 65 × 65 modules. The PNG's size is printed first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench is a test harness: a failed unwrap stops the run where it broke"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use rezerve::booking::tickets::{TicketClaims, TicketSigner};
use rezerve::notify::qr;
use std::hint::black_box;

fn png(c: &mut Criterion) {
    let code = TicketSigner::new(&[7u8; 32])
        .sign(&TicketClaims {
            t: "tkt_01a24909b58d7690a4edc3f0b5c08301".into(),
            e: "evt_01a24909b58d7690a4edc3f0b5c082f7".into(),
            s: Some("R12-34".into()),
            c: "standard".into(),
            f: 0,
            o: 1,
        })
        .unwrap();
    let png = qr::png(&code).unwrap();
    eprintln!(
        "ticket code of {} characters: PNG of {} bytes",
        code.len(),
        png.len()
    );
    c.bench_function("png/ticket_code", |b| {
        b.iter(|| qr::png(black_box(&code)).unwrap())
    });
}

criterion_group!(benches, png);
criterion_main!(benches);

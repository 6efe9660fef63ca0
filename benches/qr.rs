//! A ticket's QR image: `cargo bench --bench qr`.
//!
//! Every confirmation email draws one PNG per ticket (and the box office one per printed
//! ticket), so under a sales rush this is the background's main cost.
//!
//! - `png/ticket_code`: `notify::qr::png` of a ticket code as the server signs it (ticket,
//!   event and seat ids of the usual length, Ed25519 signature): 261 characters, a version
//!   12 symbol of 65 × 65 modules. The PNG's size is printed first.
//! - `email/confirmation`: `notify::email::render_stored` of a booking confirmation with
//!   that ticket, as the notifier makes it from the logged data: templates, the QR image
//!   and the MIME message, as bytes. Its size is printed first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench is a test harness: a failed unwrap stops the run where it broke"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use rezerve::booking::tickets::{TicketClaims, TicketSigner};
use rezerve::notify::email::{self, EmailKind, Sender};
use rezerve::notify::qr;
use std::hint::black_box;

/// A ticket code as the server signs it.
fn ticket_code() -> String {
    TicketSigner::new(&[7u8; 32])
        .sign(&TicketClaims {
            t: "tkt_01a24909b58d7690a4edc3f0b5c08301".into(),
            e: "evt_01a24909b58d7690a4edc3f0b5c082f7".into(),
            s: Some("R12-34".into()),
            c: "standard".into(),
            f: 0,
            o: 1,
        })
        .unwrap()
}

fn png(c: &mut Criterion) {
    let code = ticket_code();
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

fn confirmation(c: &mut Criterion) {
    let mut data = email::sample(EmailKind::BookingConfirmed, "Rezerve", "Rezerve, Town Hall");
    data.tickets[0].code = ticket_code();
    let data = serde_json::to_string(&data).unwrap();
    let sender = Sender {
        from: "Rezerve <tickets@example.com>".parse().unwrap(),
        reply_to: None,
    };
    let render = || {
        email::render_stored(
            "booking-confirmed",
            black_box(&data),
            &sender,
            "priya@example.com",
            "ntf_01a24909b58d7690a4edc3f0b5c08301",
        )
        .unwrap()
    };
    eprintln!("confirmation of one ticket: {} bytes", render().len());
    c.bench_function("email/confirmation", |b| b.iter(render));
}

criterion_group!(benches, png, confirmation);
criterion_main!(benches);

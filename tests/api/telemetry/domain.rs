//! The domain series move as the business does: bookings confirmed, declined and refunded,
//! seats sold, money in and out per currency, payments by method, gateway callbacks, door
//! scans admitted and refused, emails, the job queue, the seat index, stores and process.

use super::day::concert;
use super::{Scrape, scrape};
use crate::bookings::binary::{
    PASSWORD, add_admin, book, buy, customer, gateway_succeeds, serve_with,
};
use crate::bookings::{CARD_DECLINED, EVENTUALLY, POLL, card, text, total};
use crate::cli::{Server, Workdir};
use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};
use std::time::Instant;

/// A callback signed with a key that is not the gateway's.
async fn forged_callback(server: &Server, payment_id: &str) -> Reply {
    let body = serde_json::to_vec(
        &json!({"event_id": "gw_forged", "payment_id": payment_id, "status": "succeeded"}),
    )
    .expect("JSON");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = rezerve::payment::webhook::sign(b"not-the-gateway-secret", now, &body);
    let response = server
        .http
        .post(format!(
            "{}/api/v1/payments/webhooks/webhook",
            server.base_url
        ))
        .header("Rezerve-Signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("callback sent");
    TestApp::reply(response).await
}

/// Scrapes until `done` holds (workers send emails in the background).
async fn scrape_until(server: &Server, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let s = scrape(server).await;
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "never settled:\n{}", s.0);
        tokio::time::sleep(POLL).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_sales_and_door_scans_moves_the_domain_series() {
    let work = Workdir::new();
    add_admin(&work);
    let server = serve_with(&work, 600, 10).await;
    let admin = server.login("admin@example.test", PASSWORD).await;
    admin.assert_status(200);
    let admin = text(&admin.body, "token");
    let alice = customer(&server, "alice").await;
    let event = concert(&server, &admin).await;

    let quiet = scrape(&server).await;
    for outcome in ["confirmed", "failed", "expired", "cancelled", "refunded"] {
        assert_eq!(
            quiet.value("rezerve_booking_outcomes_total", &[("outcome", outcome)]),
            0.0
        );
        assert!(
            quiet.0.contains(&format!(
                "rezerve_booking_outcomes_total{{outcome=\"{outcome}\"}} 0"
            )),
            "{outcome} is not exported at 0 before any booking:\n{}",
            quiet.0
        );
    }
    assert_eq!(quiet.value("rezerve_inventory_index_events", &[]), 1.0);
    assert_eq!(quiet.value("rezerve_inventory_index_seats", &[]), 10.0);

    // Two card sales (3 seats), one decline, one gateway sale confirmed by its callback.
    let first = buy(&server, &alice, &event, &["A-1", "A-2"]).await;
    let second = buy(&server, &alice, &event, &["A-3"]).await;
    let declined = book(&server, &alice, &event, &["A-4"]).await;
    server
        .post(
            &format!("/api/v1/bookings/{}/payments", text(&declined, "id")),
            Some(&alice),
            card(CARD_DECLINED, total(&declined)),
        )
        .await
        .assert_problem(402, "payment_declined");
    let gateway = book(&server, &alice, &event, &["B-1"]).await;
    let pending = server
        .post(
            &format!("/api/v1/bookings/{}/payments", text(&gateway, "id")),
            Some(&alice),
            json!({"method": "webhook", "amount_minor": total(&gateway)}),
        )
        .await;
    pending.assert_status(202);
    let payment_id = text(&pending.body["payment"], "id");
    forged_callback(&server, &payment_id)
        .await
        .assert_problem(401, "invalid_signature");
    gateway_succeeds(&server, &payment_id)
        .await
        .assert_status(200);
    gateway_succeeds(&server, &payment_id)
        .await
        .assert_status(200);

    // The first booking is cancelled by its owner: refunded in full.
    server
        .post(
            &format!("/api/v1/bookings/{}/cancel", text(&first, "id")),
            Some(&alice),
            json!({}),
        )
        .await
        .assert_status(200);

    // At the door: one admitted, the same ticket again, a garbled code, a void ticket.
    let tickets_of = |booking: &Value| {
        let path = format!("/api/v1/bookings/{}/tickets", text(booking, "id"));
        let (server, alice) = (&server, &alice);
        async move {
            let reply = server.get(&path, Some(alice)).await;
            reply.assert_status(200);
            reply.body.as_array().expect("tickets").clone()
        }
    };
    let good = text(&tickets_of(&second).await[0], "code");
    let void = text(&tickets_of(&first).await[0], "code");
    let scan = |code: String| {
        let (server, admin) = (&server, &admin);
        async move {
            server
                .post("/api/v1/checkins", Some(admin), json!({ "code": code }))
                .await
        }
    };
    scan(good.clone()).await.assert_status(200);
    scan(good).await.assert_problem(409, "already_checked_in");
    scan("not-a-ticket".into()).await.assert_status(422);
    scan(void).await.assert_problem(409, "ticket_void");

    let revenue = total(&first) + total(&second) + total(&gateway);
    let s = scrape_until(&server, |s| {
        s.value(
            "rezerve_notify_emails_total",
            &[("kind", "booking-confirmed"), ("outcome", "sent")],
        ) >= 3.0
            && s.value(
                "rezerve_notify_emails_total",
                &[("kind", "booking-cancelled")],
            ) >= 1.0
            && s.value("rezerve_notify_emails_total", &[("kind", "payment-failed")]) >= 1.0
    })
    .await;
    let outcome = |o: &str| s.value("rezerve_booking_outcomes_total", &[("outcome", o)]);
    assert_eq!(outcome("confirmed"), 3.0, "{}", s.0);
    assert_eq!(outcome("failed"), 1.0);
    assert_eq!(outcome("refunded"), 1.0);
    assert_eq!(outcome("cancelled"), 0.0);
    assert_eq!(outcome("expired"), 0.0);
    assert_eq!(s.value("rezerve_booking_seats_sold_total", &[]), 4.0);
    assert_eq!(s.value("rezerve_booking_flow_seconds_count", &[]), 3.0);
    assert_eq!(
        s.value(
            "rezerve_payment_revenue_minor_total",
            &[("currency", "INR")]
        ),
        revenue as f64
    );
    assert_eq!(
        s.value(
            "rezerve_payment_refunds_minor_total",
            &[("currency", "INR")]
        ),
        total(&first) as f64
    );
    let payments = |method: &str, outcome: &str| {
        s.value(
            "rezerve_payment_outcomes_total",
            &[("method", method), ("outcome", outcome)],
        )
    };
    assert_eq!(payments("test", "succeeded"), 2.0);
    assert_eq!(payments("test", "declined"), 1.0);
    assert_eq!(payments("webhook", "succeeded"), 1.0);
    let callbacks = |o: &str| s.value("rezerve_payment_webhooks_total", &[("outcome", o)]);
    assert_eq!(callbacks("applied"), 1.0);
    assert_eq!(callbacks("duplicate"), 1.0);
    assert_eq!(callbacks("bad_signature"), 1.0);
    assert_eq!(s.value("rezerve_checkin_admitted_total", &[]), 1.0);
    let refused = |r: &str| s.value("rezerve_checkin_refused_total", &[("reason", r)]);
    assert_eq!(refused("already_checked_in"), 1.0);
    assert_eq!(refused("invalid_code"), 1.0);
    assert_eq!(refused("ticket_void"), 1.0);
    assert_eq!(
        s.value(
            "rezerve_notify_emails_total",
            &[("kind", "booking-confirmed"), ("outcome", "sent")]
        ),
        3.0
    );
    assert_eq!(
        s.value("rezerve_notify_emails_total", &[("outcome", "dead")]),
        0.0
    );

    // The queue: every kind has its three gauges; nothing is dead; jobs ran and were timed.
    for kind in ["send-email", "payment-succeeded", "seats-changed"] {
        for gauge in [
            "rezerve_jobs_queued",
            "rezerve_jobs_running",
            "rezerve_jobs_dead",
        ] {
            assert!(
                s.samples()
                    .iter()
                    .any(|x| x.name == gauge && x.labels.contains(&("kind".into(), kind.into()))),
                "{gauge}{{kind={kind}}} missing:\n{}",
                s.0
            );
        }
    }
    assert_eq!(s.value("rezerve_jobs_dead", &[]), 0.0);
    assert!(s.value("rezerve_jobs_run_total", &[("status", "done")]) >= 5.0);
    assert!(s.value("rezerve_jobs_run_seconds_count", &[("kind", "send-email")]) >= 3.0);
    // Holds: four taken, three sold, one failed back; the index still knows its 10 seats.
    assert_eq!(s.value("rezerve_holds_created_total", &[]), 4.0);
    assert_eq!(
        s.value("rezerve_holds_ended_total", &[("how", "booked")]),
        3.0
    );
    assert_eq!(s.value("rezerve_inventory_index_seats", &[]), 10.0);

    // Stores, disk and process, read at scrape time.
    let db = std::fs::metadata(work.data_dir().join("rezerve.db"))
        .expect("db")
        .len() as f64;
    assert!(
        s.value("rezerve_store_sqlite_bytes", &[]) >= db.min(4096.0),
        "{}",
        s.0
    );
    assert!(s.value("rezerve_store_sqlite_wal_bytes", &[]) > 0.0);
    assert!(s.value("rezerve_store_holds_bytes", &[]) > 0.0);
    let free = s.value("rezerve_store_disk_free_bytes", &[]);
    let size = s.value("rezerve_store_disk_size_bytes", &[]);
    assert!(free > 0.0 && size >= free, "free {free}, size {size}");
    assert_eq!(
        s.value("rezerve_store_last_backup_timestamp_seconds", &[]),
        0.0
    );
    let rss = s.value("rezerve_process_resident_memory_bytes", &[]);
    assert!(rss > 1e6 && rss < 4e9, "resident memory {rss}");
    assert!(s.value("rezerve_process_memory_limit_bytes", &[]) >= rss);
    assert!(s.value("rezerve_process_open_fds", &[]) >= 5.0);
    assert!(s.value("rezerve_process_threads", &[]) >= 2.0);
    // CPU time in seconds with its fraction: what the kernel counted (in clock ticks) just
    // before and just after the scrape brackets it; whole seconds would fall below.
    let before = cpu_seconds(server.pid());
    let cpu = scrape(&server)
        .await
        .value("rezerve_process_cpu_seconds_total", &[]);
    let after = cpu_seconds(server.pid());
    assert!(
        before > 0.0 && before <= cpu && cpu <= after,
        "{before} ≤ {cpu} ≤ {after}"
    );
    assert!(
        s.0.contains("# TYPE rezerve_process_cpu_seconds_total counter"),
        "{}",
        s.0
    );
    // Both stores took the readiness write.
    assert_eq!(
        s.value("rezerve_store_writable", &[("store", "sqlite")]),
        1.0
    );
    assert_eq!(
        s.value("rezerve_store_writable", &[("store", "holds")]),
        1.0
    );
    assert_eq!(s.value("rezerve_holds_active", &[]), 0.0);
    let started = s.value("rezerve_process_start_time_seconds", &[]);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
    assert!(started > now - 600.0 && started <= now + 1.0, "{started}");
    assert!(s.value("rezerve_process_uptime_seconds", &[]) > 0.0);

    // No event, booking or payment id became a label value.
    for id in [event, text(&first, "id"), payment_id] {
        assert!(!s.0.contains(&id), "{id} leaked into /metrics");
    }
}

#[tokio::test]
async fn a_backup_sets_the_last_backup_time() {
    let work = Workdir::new();
    let server = serve_with(&work, 600, 10).await;
    assert_eq!(
        scrape(&server)
            .await
            .value("rezerve_store_last_backup_timestamp_seconds", &[]),
        0.0
    );
    let before = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
    let out = work.path().join("nightly.tar");
    work.run(&["backup", "--out", out.to_str().expect("utf-8 path")])
        .assert_success();
    let at = scrape(&server)
        .await
        .value("rezerve_store_last_backup_timestamp_seconds", &[]);
    let after = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
    assert!(
        at >= before - 1.0 && at <= after + 1.0,
        "{before} ≤ {at} ≤ {after}"
    );
}

/// User and system CPU seconds of a process, from `/proc/<pid>/stat` (the kernel's clock
/// ticks, 100 a second on Linux).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // Fields after the command name (which may hold spaces) start at the state, field 3;
    // utime and stime are fields 14 and 15.
    let after_name = &stat[stat.rfind(')').expect("command name") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    ticks as f64 / 100.0
}

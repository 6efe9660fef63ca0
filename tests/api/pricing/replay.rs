//! `seats-changed` jobs may run twice or out of order (retries, a crash between claim and
//! finish, a forged or stale payload): the current price must always be what the live
//! occupancy implies, and pricing must keep moving afterwards.

use super::*;
use crate::helpers::TestApp;
use rezerve::clock::Clock;
use rezerve::jobs::{JobKind, queue};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Numbers each replayed batch, so dedupe keys never collide.
static BATCH: AtomicUsize = AtomicUsize::new(0);

/// Enqueues every payload again, in the order given, with fresh dedupe keys; returns the
/// keys.
async fn enqueue_again(app: &TestApp, payloads: Vec<Value>) -> Vec<String> {
    let batch = BATCH.fetch_add(1, Ordering::Relaxed);
    let keys: Vec<String> = (0..payloads.len())
        .map(|i| format!("replay:{batch}:{i}"))
        .collect();
    let rows: Vec<(String, String)> = payloads
        .iter()
        .map(|p| p.to_string())
        .zip(keys.clone())
        .collect();
    let now_ms = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    app.core
        .sqlite
        .write(move |conn| {
            for (payload, key) in rows {
                let job = queue::NewJob {
                    kind: JobKind::SeatsChanged.as_str(),
                    payload,
                    dedupe_key: Some(key),
                    cause: "test:replay".into(),
                    run_at_ms: now_ms,
                    max_attempts: 3,
                };
                queue::enqueue(conn, &job, now_ms)?;
            }
            Ok(())
        })
        .await
        .expect("jobs enqueued");
    app.jobs.wake();
    keys
}

/// Waits until every job with one of `keys` is done.
async fn wait_done(app: &TestApp, event: &str, keys: &[String]) {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let done = seats_changed_jobs(app, event, "done").await;
        let finished = keys
            .iter()
            .filter(|k| done.iter().any(|j| j["dedupe_key"] == k.as_str()))
            .count();
        if finished == keys.len() {
            return;
        }
        let dead = seats_changed_jobs(app, event, "dead").await;
        assert!(dead.is_empty(), "replayed jobs died: {dead:#?}");
        assert!(
            Instant::now() < deadline,
            "replayed jobs never finished ({finished} of {})",
            keys.len()
        );
        tokio::time::sleep(POLL).await;
    }
}

#[tokio::test]
async fn replayed_and_reordered_jobs_leave_the_live_price() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;

    sell(&app, &alice, &event, &["A-1"]).await;
    wait_for_price(&app, &event, "standard", 94_500).await;
    sell(&app, &alice, &event, &["A-2", "A-3"]).await;
    wait_until_priced(&app, &event, |p| counted(p, "standard", "sold") == 3).await;
    let settled = wait_for_price(&app, &event, "standard", 103_500).await;
    let history_rows = settled["history"]["items"].as_array().map(Vec::len);

    // Every payload seen so far, newest first (reordered), twice (replayed), plus a stale
    // forgery (nothing sold, sequence 0) and one claiming a far-future sequence.
    let old: Vec<Value> = seats_changed_jobs(&app, &event, "done")
        .await
        .into_iter()
        .map(|job| job["payload"].clone())
        .collect();
    assert!(old.len() >= 2, "{old:#?}");
    let mut payloads: Vec<Value> = old.iter().rev().cloned().collect();
    payloads.extend(old.iter().rev().cloned());
    payloads.push(json!({
        "event_id": event, "seq": 0, "at_ms": 0,
        "categories": {"standard": {"total": 10, "available": 10, "held": 0, "sold": 0, "blocked": 0}}
    }));
    payloads.push(json!({"event_id": event, "seq": u64::MAX, "reason": "forged"}));
    let keys = enqueue_again(&app, payloads).await;
    wait_done(&app, &event, &keys).await;

    // The live occupancy (3 of 10 sold) decides, not any payload.
    let view = prices(&app, &event).await;
    let standard = category(&view, "standard");
    assert_eq!(standard["sold"], 3, "{view:#}");
    assert_eq!(
        minor(&standard["current_price"]),
        concert_price(BASE, 3, 10)
    );
    assert_eq!(minor(&standard["current_price"]), 103_500);
    assert_eq!(
        view["history"]["items"].as_array().map(Vec::len),
        history_rows,
        "replays recorded price changes: {view:#}"
    );
    let detail = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(minor(&detail.body["prices"]["standard"]), 103_500);

    // And the replays have not wedged pricing: the next sale still moves the price.
    sell(&app, &alice, &event, &["A-4"]).await;
    wait_for_price(&app, &event, "standard", 108_000).await;
}

#[tokio::test]
async fn concurrent_replays_while_selling_settle_on_the_live_price() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app.customer("bob").await;
    let event = app.create_concert(&admin, 2, 10).await;

    sell(&app, &bob, &event, &["A-1", "A-2"]).await;
    wait_until_priced(&app, &event, |p| counted(p, "standard", "sold") == 2).await;
    let stale: Vec<Value> = seats_changed_jobs(&app, &event, "done")
        .await
        .into_iter()
        .map(|job| job["payload"].clone())
        .collect();

    // Sales and a flood of stale replays race one another.
    let seats = ["A-3", "A-4", "A-5", "A-6", "A-7", "A-8"];
    let flood = stale.iter().cycle().take(40).cloned().collect::<Vec<_>>();
    let (_, keys) = tokio::join!(
        async {
            for seat in seats {
                sell(&app, &bob, &event, &[seat]).await;
            }
        },
        enqueue_again(&app, flood)
    );
    wait_done(&app, &event, &keys).await;
    wait_until_priced(&app, &event, |p| counted(p, "standard", "sold") == 8).await;

    // 8 of 20 sold.
    let view = prices(&app, &event).await;
    assert_eq!(category(&view, "standard")["sold"], 8);
    assert_eq!(
        minor(&category(&view, "standard")["current_price"]),
        concert_price(BASE, 8, 20),
        "{view:#}"
    );
}

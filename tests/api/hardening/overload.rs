//! Back-pressure (issue 12): while a store's write queue is full (`storage.max_queued_writes`),
//! a request that writes is refused with 503 `overloaded` and `Retry-After` before it does
//! anything; reads are still answered, and once the queue drains the same requests succeed.

use crate::bookings::book;
use crate::helpers::TestApp;
use crate::holds::{EVENTUALLY, held, hold_seats};
use crate::polling::eventually;
use std::sync::mpsc;

#[tokio::test]
async fn a_full_write_queue_refuses_writes_with_503_and_retry_after_and_does_nothing() {
    // Far above what the setup's own writes and the background queue at once.
    const LIMIT: usize = 64;
    let app = TestApp::spawn_with(|c| c.storage.max_queued_writes = LIMIT).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 4).await;
    let hold = held(&app, &alice, &event, &["A-1"]).await;

    // Keep the SQLite writer inside a write of ours, and queue LIMIT more writes behind it.
    let sqlite = app.core.sqlite.clone();
    let (unblock, blocked) = mpsc::channel::<()>();
    let (running, writer_inside) = tokio::sync::oneshot::channel::<()>();
    let stuck = tokio::spawn({
        let sqlite = sqlite.clone();
        async move {
            sqlite
                .write(move |_| {
                    let _ = running.send(());
                    let _ = blocked.recv();
                    Ok(())
                })
                .await
        }
    });
    writer_inside
        .await
        .expect("the writer runs the blocking write");
    let behind: Vec<_> = (0..LIMIT)
        .map(|_| {
            let sqlite = sqlite.clone();
            tokio::spawn(async move { sqlite.write(|_| Ok(())).await })
        })
        .collect();
    eventually("the queue is full", EVENTUALLY, || async {
        (sqlite.queued_writes() >= LIMIT).then_some(())
    })
    .await;

    // Writes are refused at once, with a stable code and when to come back.
    for refused in [
        book(&app, &alice, &hold).await,
        hold_seats(&app, &alice, &event, &["A-2"]).await,
    ] {
        refused.assert_problem(503, "overloaded");
        assert_eq!(
            refused
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("1"),
            "{:?}",
            refused.headers
        );
    }
    // Reads are not writes: still answered, and the hold is as it was.
    let still = app
        .get(&format!("/api/v1/holds/{hold}"), Some(&alice))
        .await;
    still.assert_status(200);
    assert_eq!(
        still.body["seats"],
        serde_json::json!(["A-1"]),
        "{}",
        still.text
    );

    unblock.send(()).expect("the blocking write waits");
    stuck
        .await
        .expect("joins")
        .expect("the blocking write commits");
    for write in behind {
        write.await.expect("joins").expect("a queued write commits");
    }

    // Nothing of the refused requests was done: no booking, A-2 free, the hold still live
    // and bookable.
    let bookings = app.get("/api/v1/bookings", Some(&alice)).await;
    bookings.assert_status(200);
    assert_eq!(
        bookings.body["items"],
        serde_json::json!([]),
        "{}",
        bookings.text
    );
    held(&app, &alice, &event, &["A-2"]).await;
    book(&app, &alice, &hold).await.assert_status(201);
}

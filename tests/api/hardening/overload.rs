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
    let full = FullQueue::fill(&app, LIMIT).await;

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

    full.drain().await;

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

#[tokio::test]
async fn a_refusal_for_a_full_write_queue_is_logged_as_a_warning_not_an_error() {
    // A rush brings thousands of these; at ERROR they buried the 500s, which are bugs.
    const LIMIT: usize = 64;
    let log = failed_responses_log();
    let app = TestApp::spawn_with(|c| c.storage.max_queued_writes = LIMIT).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 4).await;

    let full = FullQueue::fill(&app, LIMIT).await;
    hold_seats(&app, &alice, &event, &["A-1"])
        .await
        .assert_problem(503, "overloaded");
    full.drain().await;

    // Other tests' failed responses are in the log too: this one's names its event.
    let log = log.text();
    let refused: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&format!("/api/v1/events/{event}/holds")))
        .collect();
    assert_eq!(refused.len(), 1, "{log}");
    assert!(
        refused[0].contains(" WARN ") && refused[0].contains("503"),
        "{}",
        refused[0]
    );
}

/// The SQLite writer kept inside a write of the test's, with writes queued behind it.
struct FullQueue {
    unblock: mpsc::Sender<()>,
    stuck: tokio::task::JoinHandle<Result<(), rezerve::error::Error>>,
    behind: Vec<tokio::task::JoinHandle<Result<(), rezerve::error::Error>>>,
}

impl FullQueue {
    /// Blocks the writer and queues `limit` writes behind it: the queue is full.
    async fn fill(app: &TestApp, limit: usize) -> FullQueue {
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
        let behind: Vec<_> = (0..limit)
            .map(|_| {
                let sqlite = sqlite.clone();
                tokio::spawn(async move { sqlite.write(|_| Ok(())).await })
            })
            .collect();
        eventually("the queue is full", EVENTUALLY, || async {
            (sqlite.queued_writes() >= limit).then_some(())
        })
        .await;
        FullQueue {
            unblock,
            stuck,
            behind,
        }
    }

    /// Lets the writer go on; every queued write commits.
    async fn drain(self) {
        self.unblock.send(()).expect("the blocking write waits");
        self.stuck
            .await
            .expect("joins")
            .expect("the blocking write commits");
        for write in self.behind {
            write.await.expect("joins").expect("a queued write commits");
        }
    }
}

/// The request log's lines for failed responses (5xx), of every test in this process. A
/// subscriber of the whole process, not one set for this test's thread: tracing caches
/// whether a log line is wanted per line of code, and when the only subscriber is a
/// thread's, a line first reached on another thread (another test's 503) is cached as
/// unwanted everywhere.
fn failed_responses_log() -> &'static Captured {
    use tracing_subscriber::layer::{Layer, SubscriberExt};
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        let writer = log.clone();
        // The failure lines, and the request spans they are logged in (method, path).
        let wanted = tracing_subscriber::filter::filter_fn(|meta| {
            meta.target() == "tower_http::trace::on_failure"
                || (meta.is_span() && meta.name() == "request")
        });
        let lines = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .with_filter(wanted);
        let subscriber = tracing_subscriber::registry().with(lines);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test sets the process's log subscriber");
        log
    })
}

/// What a test's log subscriber wrote.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

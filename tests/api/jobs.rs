//! The durable job queue: exponential backoff on a moved clock, dead letters and their retry
//! (API and CLI), kinds nobody handles yet, dedupe keys, the transactional outbox of account
//! and hold changes, and jobs left running by a crash.
//!
//! Queue mechanics are driven in-process (an `App` built but not served, so no worker races
//! the test for a job); what clients and operators see goes through HTTP and the binary.
//!
//! The fixtures below drive the queue; each submodule owns one capability.

mod mechanics;
mod outbox;
mod restart;
mod retention;

use crate::helpers::{TestApp, test_config};
use rezerve::App;
use rezerve::clock::{Clock, ManualClock};
use rezerve::jobs::queue::{self, NewJob};
use rezerve::jobs::{JobRow, Jobs};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

/// The longest a worker or the relay may take to get to a job on a loaded machine.
const EVENTUALLY: Duration = Duration::from_secs(10);

/// An app built on a data dir but not served: no worker runs, the test calls `run_next`.
struct Local {
    app: Option<App>,
    clock: ManualClock,
    dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Local {
    /// A fresh app on its own temp data dir.
    async fn build() -> Local {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let mut local = Local::open(&dir).await;
        local._temp = Some(temp);
        local
    }

    /// An app on an existing data dir (as a restart would open it).
    async fn open(dir: &Path) -> Local {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let app = App::build_with_clock(test_config(dir), Arc::new(clock.clone()))
            .await
            .expect("app builds");
        Local {
            app: Some(app),
            clock,
            dir: dir.to_path_buf(),
            _temp: None,
        }
    }

    fn app(&self) -> &App {
        self.app.as_ref().expect("app is open")
    }

    fn jobs(&self) -> &Jobs {
        self.app().jobs()
    }

    /// Stops the stores (as a process exit would) and builds the app again on the same dir.
    async fn restart(mut self) -> Local {
        self.close().await;
        let mut next = Local::open(&self.dir).await;
        next._temp = self._temp.take();
        next
    }

    /// Lets the stores commit what they have and drops the app.
    async fn close(&mut self) {
        if let Some(app) = self.app.take() {
            app.close().await;
        }
    }

    fn now_ms(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn advance_ms(&self, ms: i64) {
        self.clock.advance(time::Duration::milliseconds(ms));
    }

    /// Enqueues a job due now (in its own transaction); returns whether it was new.
    async fn enqueue(&self, kind: &str, dedupe: Option<&str>, max_attempts: i64) -> bool {
        enqueue_in(
            &self.app().core().sqlite,
            kind,
            dedupe,
            max_attempts,
            self.now_ms(),
        )
        .await
    }

    /// The newest job of a kind.
    async fn newest(&self, kind: &str) -> JobRow {
        let rows = self
            .jobs()
            .list(None, Some(kind.into()), None, 10)
            .await
            .expect("list");
        rows.into_iter().next().expect("a job of this kind")
    }

    async fn get(&self, id: i64) -> JobRow {
        self.jobs().get(id).await.expect("job exists")
    }

    /// Runs the next due job and returns its new status, or `None` when nothing ran.
    async fn run_next(&self) -> Option<&'static str> {
        self.jobs()
            .run_next()
            .await
            .expect("run_next")
            .map(|ran| ran.status.as_str())
    }
}

/// Enqueues a job through a SQLite writer, as a domain does inside its own transaction.
async fn enqueue_in(
    sqlite: &rezerve::store::Sqlite,
    kind: &str,
    dedupe: Option<&str>,
    max_attempts: i64,
    now_ms: i64,
) -> bool {
    let (kind, dedupe) = (kind.to_string(), dedupe.map(str::to_string));
    sqlite
        .write(move |conn| {
            queue::enqueue(
                conn,
                &NewJob {
                    kind: &kind,
                    payload: json!({"n": 1}).to_string(),
                    dedupe_key: dedupe,
                    cause: "test:queue".into(),
                    run_at_ms: now_ms,
                    max_attempts,
                },
                now_ms,
            )
        })
        .await
        .expect("enqueue")
}

/// A handler that fails `failures` times ("attempt N failed"), then succeeds; counts calls.
fn flaky(jobs: &Jobs, kind: &str, failures: u32) -> Arc<AtomicU32> {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    jobs.register(kind, move |_job| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            if n <= failures {
                Err(format!("attempt {n} failed"))
            } else {
                Ok(())
            }
        }
    });
    calls
}

/// Polls `probe` until it returns `Some`, for at most [`EVENTUALLY`].
async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    crate::polling::eventually(what, EVENTUALLY, probe).await
}

/// Every job of a kind, as the admin API lists it (first 200).
async fn jobs_of(app: &TestApp, admin: &str, kind: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/jobs?kind={kind}&limit=200"), Some(admin))
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// The decoded payloads of the `seats-changed` jobs of one event.
async fn seats_changed(app: &TestApp, admin: &str, event: &str) -> Vec<(Value, Value)> {
    jobs_of(app, admin, "seats-changed")
        .await
        .into_iter()
        .filter_map(|job| {
            let payload: Value =
                serde_json::from_str(job["payload"].as_str().expect("payload")).expect("JSON");
            (payload["event_id"] == event).then_some((job, payload))
        })
        .collect()
}

/// Holds seats, asserting 201, and returns the hold's id.
async fn hold_seats(app: &TestApp, token: &str, event: &str, seats: Value) -> String {
    let path = format!("/api/v1/events/{event}/holds");
    let reply = app
        .post(&path, Some(token), json!({ "seats": seats }))
        .await;
    reply.assert_status(201);
    reply.body["id"].as_str().expect("id").to_string()
}

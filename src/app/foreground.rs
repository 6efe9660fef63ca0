//! The foreground: HTTP requests run on a runtime of their own whose threads sit a few nice
//! levels below everything else.
//!
//! Under a rush the requests alone can keep both cores busy, and the work they leave behind
//! (confirmation emails, seat history, prices, the stores' writer threads) then only gets
//! what they leave: after a 30 s flows level at 256 clients it went on for 10.9 s, emails
//! and prices trailing the sales by that much. On their own threads at a lower priority,
//! the requests take what the background leaves instead, so the background keeps pace and
//! a rush slows the intake rather than the confirmations. The stores' writer threads are
//! started by the main runtime and keep its priority: they serve the requests too, and a
//! writer waiting for a CPU holds up every commit behind it.
//!
//! Raising one's own nice value needs no privilege; if the system refuses it anyway, the
//! requests keep the normal priority and the server works as before.

use crate::error::Error;
use std::future::Future;

/// How far below the background the request threads run. Linux weighs a thread at nice 5
/// about a third of one at nice 0, so the background, when it has work, gets about three
/// quarters of a contended CPU.
const REQUEST_NICE: i32 = 5;

/// The runtime the HTTP server runs on.
pub struct Foreground {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Foreground {
    /// Starts the request threads (as many as there are cores, tokio's default).
    pub fn start() -> Result<Foreground, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("rezerve-http")
            .on_thread_start(|| lower_priority(REQUEST_NICE))
            .build()
            .map_err(|e| Error::internal(format!("cannot start the request threads: {e}")))?;
        Ok(Foreground {
            runtime: Some(runtime),
        })
    }

    /// Runs `work` on the request threads and waits for it.
    pub async fn run<F>(&self, work: F) -> Result<F::Output, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| Error::internal("the request threads have stopped"))?;
        runtime
            .spawn(work)
            .await
            .map_err(|e| Error::internal(format!("the server task failed: {e}")))
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        // Dropping a runtime waits for its threads, which an async caller must not do.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Lowers the calling thread's priority (on Linux a nice value is a thread's own).
fn lower_priority(nice: i32) {
    let thread = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(thread), nice) {
        tracing::debug!(error = %e, "request threads keep the normal priority");
    }
}

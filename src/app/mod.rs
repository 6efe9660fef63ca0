//! Wiring: open the stores, build the domain handles, serve, and shut down in order.
//!
//! `App::build` takes a `Config`; `App::serve` takes bound listeners (the API's, and the
//! metrics one if `/metrics` is to be served) and any future as its stop signal, so tests
//! bind `127.0.0.1:0` and stop the app themselves, and the binary passes SIGTERM/Ctrl-C.

mod domains;

pub use domains::{Core, OpenedStores};

use crate::booking::Bookings;
use crate::booking::tickets::TicketSigner;
use crate::catalog::live::LiveSeats;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::error::Error;
use crate::http::state::{AppState, Handles, Ops};
use crate::inventory::Inventory;
use crate::jobs::JobKind;
use crate::jobs::Jobs;
use crate::notify::Notifier;
use crate::payment::Providers;
use crate::pricing::Pricing;
use crate::shutdown::CancellationToken;
use crate::store::{self, DataDirLock, HoldDb};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;

/// Job workers per process: handlers mostly wait on I/O (SMTP, gateways), so a few suffice.
const JOB_WORKERS: usize = 2;

/// A built application, ready to serve.
pub struct App {
    core: Core,
    inventory: Inventory,
    bookings: Bookings,
    pricing: Pricing,
    notifier: Notifier,
    jobs: Jobs,
    tls: Option<crate::tls::TlsSetup>,
    stop: CancellationToken,
    tasks: TaskTracker,
    _lock: DataDirLock,
}

impl App {
    /// Builds the app on the system clock.
    pub async fn build(config: Config) -> Result<App, Error> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Builds the app on a given clock (tests move time instead of sleeping).
    pub async fn build_with_clock(config: Config, clock: SharedClock) -> Result<App, Error> {
        // The recorder first: start-up work (holds loaded, payments a crash interrupted)
        // is counted like any other.
        crate::telemetry::metrics_handle();
        let data_dir = config.storage.data_dir.clone();
        let lock = tokio::task::spawn_blocking(move || {
            store::ensure_data_dir(&data_dir)?;
            DataDirLock::acquire(&data_dir)
        })
        .await
        .map_err(Error::internal)??;
        let stores = OpenedStores::open(&config).await?;
        // A bad certificate stops start-up here, before anything is served.
        let tls_config = config.clone();
        let tls = tokio::task::spawn_blocking(move || crate::tls::load(&tls_config))
            .await
            .map_err(Error::internal)??;
        let redb_path = store::redb_path(&config.storage.data_dir);
        let holds = tokio::task::spawn_blocking(move || HoldDb::open(&redb_path))
            .await
            .map_err(Error::internal)??;
        // Rebuilds every seat index and releases holds that expired while we were down,
        // before anything is served.
        let inventory = Inventory::open(
            stores.sqlite.clone(),
            holds,
            Arc::clone(&clock),
            &config.holds,
        )
        .await?;
        let live: Arc<dyn LiveSeats> = Arc::new(inventory.clone());
        let core = Core::assemble(config, clock, stores, Some(live));
        let bookings = Bookings::new(
            core.sqlite.clone(),
            inventory.clone(),
            Arc::clone(&core.clock),
            Providers::built_in(Duration::from_secs(
                core.config.payments.provider_timeout_seconds,
            )),
            TicketSigner::new(&core.secrets.ticket_seed),
            core.secrets.webhook_secret.clone(),
        );
        // Payments a crash interrupted fail; holds of bookings confirmed just before it end.
        bookings.recover().await?;
        let jobs = Jobs::new(core.sqlite.clone(), Arc::clone(&core.clock));
        let pricing = Pricing::new(
            core.sqlite.clone(),
            inventory.clone(),
            Arc::clone(&core.clock),
        );
        let consumer = pricing.clone();
        jobs.register(JobKind::SeatsChanged.as_str(), move |job| {
            let pricing = consumer.clone();
            async move { pricing.on_seats_changed(job).await }
        });
        // An event's cancellation finishes here if the request that began it could not.
        let canceller = bookings.clone();
        jobs.register(JobKind::CancelEvent.as_str(), move |job| {
            let bookings = canceller.clone();
            async move { bookings.on_cancel_event(job).await }
        });
        let notifier = core.notifier()?;
        notifier.register(&jobs);
        let requeued = jobs.recover().await?;
        if requeued > 0 {
            tracing::warn!(
                jobs = requeued,
                "re-queued jobs left running by the previous process"
            );
        }
        Ok(App {
            core,
            inventory,
            bookings,
            pricing,
            notifier,
            jobs,
            tls,
            stop: CancellationToken::new(),
            tasks: TaskTracker::new(),
            _lock: lock,
        })
    }

    /// The domain handles.
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// The live seat index and holds.
    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// The booking saga.
    pub fn bookings(&self) -> &Bookings {
        &self.bookings
    }

    /// Dynamic pricing.
    pub fn pricing(&self) -> &Pricing {
        &self.pricing
    }

    /// How this app speaks TLS, if it does (its certificate's fingerprint for `serve` to
    /// print).
    pub fn tls(&self) -> Option<&crate::tls::TlsSetup> {
        self.tls.as_ref()
    }

    /// The job queue; register handlers before `serve`.
    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// Closes the stores without serving (CLI verbs that need the whole app).
    pub async fn close(self) {
        self.stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.jobs.close();
        self.inventory.close().await;
        self.core.close().await;
    }

    /// Serves HTTP on `listener` (and `/metrics` on `metrics`, when given) until `shutdown`
    /// resolves, then drains in-flight requests, stops background tasks and closes the stores.
    pub async fn serve(
        self,
        listener: TcpListener,
        metrics_listener: Option<TcpListener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let metrics = crate::telemetry::metrics_handle();
        let state = AppState::new(Handles {
            auth: self.core.auth.clone(),
            catalog: self.core.catalog.clone(),
            bookings: self.bookings.clone(),
            inventory: self.inventory.clone(),
            pricing: self.pricing.clone(),
            notifier: self.notifier.clone(),
            jobs: self.jobs.clone(),
            ops: Ops {
                sqlite: self.core.sqlite.clone(),
                inventory: self.inventory.clone(),
                max_queued_writes: self.core.config.storage.max_queued_writes,
                metrics: metrics.clone(),
                gauges: crate::telemetry::gauges::Sources {
                    jobs: self.jobs.clone(),
                    inventory: self.inventory.clone(),
                    data_dir: self.core.config.storage.data_dir.clone(),
                },
            },
            console: crate::http::admin::ConsoleEdge {
                secure_cookies: self.tls.is_some(),
            },
            dashboard: crate::dashboard::Dashboard::new(
                self.core.sqlite.clone(),
                self.core.catalog.clone(),
                Arc::clone(&self.core.clock),
            ),
        });
        if let Some(listener) = metrics_listener {
            self.tasks.spawn(crate::http::metrics::serve(
                listener,
                state.ops.clone(),
                self.core.config.server.clone(),
                self.stop.clone(),
            ));
        }
        let router = crate::http::router(state, &self.core.config.server);

        // Histograms buffer samples until rendered; drain them even if nobody scrapes.
        let stop = self.stop.clone();
        self.tasks.spawn(async move {
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(5)) => metrics.run_upkeep(),
                }
            }
        });

        self.tasks.spawn(crate::inventory::expiry::run_sweeper(
            self.inventory.clone(),
            self.stop.clone(),
        ));
        self.tasks.spawn(crate::inventory::relay::run_relay(
            self.inventory.clone(),
            self.jobs.clone(),
            self.stop.clone(),
        ));
        self.tasks.spawn(crate::booking::expiry::run_expiry(
            self.bookings.clone(),
            self.stop.clone(),
        ));
        let (pricing, stop) = (self.pricing.clone(), self.stop.clone());
        self.tasks.spawn(async move {
            // Time factors move prices without any seat changing.
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(60)) => {
                        if let Err(e) = pricing.recompute_upcoming().await {
                            tracing::warn!(error = %e, "cannot reprice upcoming events");
                        }
                    }
                }
            }
        });
        self.tasks.spawn(crate::retention::run_pruner(
            self.jobs.clone(),
            self.notifier.clone(),
            Arc::clone(&self.core.clock),
            self.core.config.storage.retention_days,
            self.stop.clone(),
        ));
        crate::jobs::worker::spawn_workers(&self.jobs, JOB_WORKERS, &self.tasks, &self.stop);

        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, data_dir = %self.core.config.storage.data_dir.display(), "serving");
        }
        let connections = crate::http::connections::Connections::new(
            crate::http::connections::ConnectionLimits::from_config(&self.core.config.server),
        );
        let listener = match &self.tls {
            Some(tls) => crate::http::listener::ServeListener::tls(
                listener,
                tls.acceptor.clone(),
                connections,
            )
            .map_err(|e| Error::internal(format!("cannot serve TLS: {e}")))?,
            None => crate::http::listener::ServeListener::plain(listener, connections),
        };
        let stop = self.stop.clone();
        crate::http::serve::serve(listener, router, async move {
            shutdown.await;
            stop.cancel();
        })
        .await;
        self.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

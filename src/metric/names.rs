//! Every series `/metrics` exports, named once: `rezerve_<domain>_<what>_<unit>`.
//!
//! A dashboard or alert author reads this file and nothing else; the dashboard test checks
//! that every query names a series declared here. Labels are bounded sets (outcomes,
//! reasons, kinds, currencies, route templates): event, booking or user ids never become
//! label values, since each distinct value is a series Prometheus keeps forever. Per-event
//! figures belong in the staff console.

use metrics::{KeyName, SharedString, Unit};

// --- HTTP -----------------------------------------------------------------------------

/// HTTP requests served, by method, route template and status.
pub const HTTP_REQUESTS_TOTAL: &str = "rezerve_http_requests_total";
/// HTTP request latency, by method and route template.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "rezerve_http_request_duration_seconds";

// --- Accounts and catalog ---------------------------------------------------------------

/// Logins, by outcome (`ok`, `invalid`, `disabled`).
pub const AUTH_LOGINS_TOTAL: &str = "rezerve_auth_logins_total";
/// Accounts created, by role.
pub const AUTH_USERS_CREATED_TOTAL: &str = "rezerve_auth_users_created_total";
/// Events created, by category.
pub const CATALOG_EVENTS_CREATED_TOTAL: &str = "rezerve_catalog_events_created_total";

// --- Holds and the seat index -----------------------------------------------------------

/// Seat holds created.
pub const HOLDS_CREATED_TOTAL: &str = "rezerve_holds_created_total";
/// Seat holds ended, by how (`released`, `expired`, `booked`).
pub const HOLDS_ENDED_TOTAL: &str = "rezerve_holds_ended_total";
/// Live seat holds.
pub const HOLDS_ACTIVE: &str = "rezerve_holds_active";
/// Holds refused because a seat was taken.
pub const HOLDS_CONFLICTS_TOTAL: &str = "rezerve_holds_conflicts_total";
/// Events whose seats the in-memory index holds.
pub const INVENTORY_INDEX_EVENTS: &str = "rezerve_inventory_index_events";
/// Seats (or, for general admission, categories) in the in-memory index.
pub const INVENTORY_INDEX_SEATS: &str = "rezerve_inventory_index_seats";

// --- Bookings, payments, check-in ------------------------------------------------------

/// Bookings that reached an end state, by outcome (`confirmed`, `failed`, `expired`,
/// `cancelled`, `refunded`).
pub const BOOKING_OUTCOMES_TOTAL: &str = "rezerve_booking_outcomes_total";
/// Seats and general-admission places sold (one per ticket issued).
pub const BOOKING_SEATS_SOLD_TOTAL: &str = "rezerve_booking_seats_sold_total";
/// From taking a hold to the booking's confirmation.
pub const BOOKING_FLOW_SECONDS: &str = "rezerve_booking_flow_seconds";
/// Money taken by succeeded payments, in minor units, by currency.
pub const PAYMENT_REVENUE_MINOR_TOTAL: &str = "rezerve_payment_revenue_minor_total";
/// Money refunded, in minor units, by currency.
pub const PAYMENT_REFUNDS_MINOR_TOTAL: &str = "rezerve_payment_refunds_minor_total";
/// Payments settled, by method and outcome (`succeeded`, `declined`, `failed`).
pub const PAYMENT_OUTCOMES_TOTAL: &str = "rezerve_payment_outcomes_total";
/// Gateway callbacks, by outcome (`applied`, `duplicate`, `already_settled`,
/// `bad_signature`, `invalid`, `unknown_payment`, `error`).
pub const PAYMENT_WEBHOOKS_TOTAL: &str = "rezerve_payment_webhooks_total";
/// Tickets admitted at the door.
pub const CHECKIN_ADMITTED_TOTAL: &str = "rezerve_checkin_admitted_total";
/// Scans refused at the door, by reason (`invalid_code`, `wrong_event`, `ticket_void`,
/// `already_checked_in`, `error`).
pub const CHECKIN_REFUSED_TOTAL: &str = "rezerve_checkin_refused_total";

// --- Pricing, email, jobs ---------------------------------------------------------------

/// Category prices that moved.
pub const PRICING_CHANGES_TOTAL: &str = "rezerve_pricing_changes_total";
/// Email delivery attempts, by kind and outcome (`sent`, `failed` — will retry — `dead`).
pub const NOTIFY_EMAILS_TOTAL: &str = "rezerve_notify_emails_total";
/// Jobs run, by kind and resulting status (`done`, `queued`, `dead`).
pub const JOBS_RUN_TOTAL: &str = "rezerve_jobs_run_total";
/// How long a job's handler ran, by kind.
pub const JOBS_RUN_SECONDS: &str = "rezerve_jobs_run_seconds";
/// Jobs waiting in the queue, by kind (read from the jobs table at each scrape).
pub const JOBS_QUEUED: &str = "rezerve_jobs_queued";
/// Jobs a worker is running, by kind.
pub const JOBS_RUNNING: &str = "rezerve_jobs_running";
/// Jobs parked after their last attempt, by kind: someone must look at them.
pub const JOBS_DEAD: &str = "rezerve_jobs_dead";

// --- Stores -----------------------------------------------------------------------------

/// How many writes one SQLite transaction carried (group commit at work).
pub const SQLITE_BATCH_SIZE: &str = "rezerve_store_sqlite_batch_size";
/// Requests that write refused with 503 `overloaded` (a store's write queue was full).
pub const WRITES_REFUSED_TOTAL: &str = "rezerve_store_writes_refused_total";
/// How many changes one hold-store commit carried.
pub const HOLDS_BATCH_SIZE: &str = "rezerve_store_holds_batch_size";
/// The SQLite database file.
pub const STORE_SQLITE_BYTES: &str = "rezerve_store_sqlite_bytes";
/// The SQLite write-ahead log (checkpoints shrink it back).
pub const STORE_SQLITE_WAL_BYTES: &str = "rezerve_store_sqlite_wal_bytes";
/// The redb hold store file.
pub const STORE_HOLDS_BYTES: &str = "rezerve_store_holds_bytes";
/// Space left for the data dir's file system (what an unprivileged process may use).
pub const STORE_DISK_FREE_BYTES: &str = "rezerve_store_disk_free_bytes";
/// Size of the data dir's file system.
pub const STORE_DISK_SIZE_BYTES: &str = "rezerve_store_disk_size_bytes";
/// 1 if the store took the readiness probe's write at the last scrape, else 0, by store
/// (`sqlite`, `holds`): what `/readyz` checks.
pub const STORE_WRITABLE: &str = "rezerve_store_writable";
/// When `rezerve backup` last finished a backup of this data dir, Unix seconds; 0 if never.
pub const STORE_LAST_BACKUP_TIMESTAMP_SECONDS: &str = "rezerve_store_last_backup_timestamp_seconds";

// --- The process ------------------------------------------------------------------------

/// CPU time used, user and system, in seconds (fractional: written by
/// `gauges::cpu_exposition`, not the recorder, whose counters are whole numbers).
pub const PROCESS_CPU_SECONDS_TOTAL: &str = "rezerve_process_cpu_seconds_total";
/// Resident memory (read from /proc at each scrape).
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "rezerve_process_resident_memory_bytes";
/// Virtual memory (read from /proc at each scrape).
pub const PROCESS_VIRTUAL_MEMORY_BYTES: &str = "rezerve_process_virtual_memory_bytes";
/// The address-space limit (read from /proc at each scrape).
pub const PROCESS_VIRTUAL_MEMORY_MAX_BYTES: &str = "rezerve_process_virtual_memory_max_bytes";
/// Open file descriptors (read from /proc at each scrape).
pub const PROCESS_OPEN_FDS: &str = "rezerve_process_open_fds";
/// The file-descriptor limit (read from /proc at each scrape).
pub const PROCESS_MAX_FDS: &str = "rezerve_process_max_fds";
/// Threads (read from /proc at each scrape).
pub const PROCESS_THREADS: &str = "rezerve_process_threads";
/// When the process started, Unix seconds (read from /proc at each scrape).
pub const PROCESS_START_TIME_SECONDS: &str = "rezerve_process_start_time_seconds";
/// Seconds since the process started.
pub const PROCESS_UPTIME_SECONDS: &str = "rezerve_process_uptime_seconds";
/// The memory the process may use: its cgroup's `memory.max` (systemd's `MemoryMax=`) or,
/// without one, the machine's memory.
pub const PROCESS_MEMORY_LIMIT_BYTES: &str = "rezerve_process_memory_limit_bytes";

/// Whether a series is a counter, a gauge or a histogram.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}
use Kind::{Counter, Gauge, Histogram};

const SECONDS: Option<Unit> = Some(Unit::Seconds);
const BYTES: Option<Unit> = Some(Unit::Bytes);

/// Every series the recorder describes: name, kind, unit and help text. (The CPU time is
/// written by `gauges::cpu_exposition` with its own help.)
const HELP: &[(&str, Kind, Option<Unit>, &str)] = &[
    (HTTP_REQUESTS_TOTAL, Counter, None, "HTTP requests served"),
    (
        HTTP_REQUEST_DURATION_SECONDS,
        Histogram,
        SECONDS,
        "HTTP request latency",
    ),
    (
        AUTH_LOGINS_TOTAL,
        Counter,
        None,
        "Login attempts by outcome",
    ),
    (
        AUTH_USERS_CREATED_TOTAL,
        Counter,
        None,
        "Accounts created by role",
    ),
    (
        CATALOG_EVENTS_CREATED_TOTAL,
        Counter,
        None,
        "Events created by category",
    ),
    (HOLDS_CREATED_TOTAL, Counter, None, "Seat holds created"),
    (HOLDS_ENDED_TOTAL, Counter, None, "Seat holds ended, by how"),
    (HOLDS_ACTIVE, Gauge, None, "Live seat holds"),
    (
        HOLDS_CONFLICTS_TOTAL,
        Counter,
        None,
        "Holds refused because a seat was taken",
    ),
    (
        INVENTORY_INDEX_EVENTS,
        Gauge,
        None,
        "Events in the in-memory seat index",
    ),
    (
        INVENTORY_INDEX_SEATS,
        Gauge,
        None,
        "Seats in the in-memory seat index",
    ),
    (
        BOOKING_OUTCOMES_TOTAL,
        Counter,
        None,
        "Bookings ended, by outcome",
    ),
    (
        BOOKING_SEATS_SOLD_TOTAL,
        Counter,
        None,
        "Seats and places sold",
    ),
    (
        BOOKING_FLOW_SECONDS,
        Histogram,
        SECONDS,
        "Time from hold to confirmed booking",
    ),
    (
        PAYMENT_REVENUE_MINOR_TOTAL,
        Counter,
        None,
        "Money taken, minor units, by currency",
    ),
    (
        PAYMENT_REFUNDS_MINOR_TOTAL,
        Counter,
        None,
        "Money refunded, minor units, by currency",
    ),
    (
        PAYMENT_OUTCOMES_TOTAL,
        Counter,
        None,
        "Payments settled, by method and outcome",
    ),
    (
        PAYMENT_WEBHOOKS_TOTAL,
        Counter,
        None,
        "Gateway callbacks, by outcome",
    ),
    (
        CHECKIN_ADMITTED_TOTAL,
        Counter,
        None,
        "Tickets admitted at the door",
    ),
    (
        CHECKIN_REFUSED_TOTAL,
        Counter,
        None,
        "Door scans refused, by reason",
    ),
    (
        PRICING_CHANGES_TOTAL,
        Counter,
        None,
        "Category prices that moved",
    ),
    (
        NOTIFY_EMAILS_TOTAL,
        Counter,
        None,
        "Email delivery attempts, by kind and outcome",
    ),
    (
        JOBS_RUN_TOTAL,
        Counter,
        None,
        "Jobs run by kind and outcome",
    ),
    (JOBS_RUN_SECONDS, Histogram, SECONDS, "Job handler run time"),
    (JOBS_QUEUED, Gauge, None, "Jobs waiting, by kind"),
    (JOBS_RUNNING, Gauge, None, "Jobs running, by kind"),
    (
        JOBS_DEAD,
        Gauge,
        None,
        "Jobs dead after their last attempt, by kind",
    ),
    (
        SQLITE_BATCH_SIZE,
        Histogram,
        None,
        "Writes per SQLite transaction",
    ),
    (
        HOLDS_BATCH_SIZE,
        Histogram,
        None,
        "Changes per hold-store commit",
    ),
    (
        WRITES_REFUSED_TOTAL,
        Counter,
        None,
        "Requests refused 503 overloaded: a store's write queue was full",
    ),
    (
        STORE_SQLITE_BYTES,
        Gauge,
        BYTES,
        "SQLite database file size",
    ),
    (STORE_SQLITE_WAL_BYTES, Gauge, BYTES, "SQLite WAL file size"),
    (STORE_HOLDS_BYTES, Gauge, BYTES, "Hold store file size"),
    (
        STORE_DISK_FREE_BYTES,
        Gauge,
        BYTES,
        "Free space on the data dir's file system",
    ),
    (
        STORE_DISK_SIZE_BYTES,
        Gauge,
        BYTES,
        "Size of the data dir's file system",
    ),
    (
        STORE_LAST_BACKUP_TIMESTAMP_SECONDS,
        Gauge,
        SECONDS,
        "When the last backup finished, Unix seconds (0: never)",
    ),
    (
        STORE_WRITABLE,
        Gauge,
        None,
        "1 if the store took the readiness write at this scrape, by store",
    ),
    (
        PROCESS_RESIDENT_MEMORY_BYTES,
        Gauge,
        BYTES,
        "Resident memory size in bytes",
    ),
    (
        PROCESS_VIRTUAL_MEMORY_BYTES,
        Gauge,
        BYTES,
        "Virtual memory size in bytes",
    ),
    (
        PROCESS_VIRTUAL_MEMORY_MAX_BYTES,
        Gauge,
        BYTES,
        "Maximum amount of virtual memory available in bytes (0: unlimited)",
    ),
    (
        PROCESS_OPEN_FDS,
        Gauge,
        None,
        "Number of open file descriptors",
    ),
    (
        PROCESS_MAX_FDS,
        Gauge,
        None,
        "Maximum number of open file descriptors",
    ),
    (
        PROCESS_THREADS,
        Gauge,
        None,
        "Number of OS threads in the process",
    ),
    (
        PROCESS_START_TIME_SECONDS,
        Gauge,
        SECONDS,
        "Start time of the process since unix epoch in seconds",
    ),
    (
        PROCESS_UPTIME_SECONDS,
        Gauge,
        SECONDS,
        "Seconds since the process started",
    ),
    (
        PROCESS_MEMORY_LIMIT_BYTES,
        Gauge,
        BYTES,
        "Memory the process may use (cgroup limit or machine memory)",
    ),
];

/// Gives every series its help text and unit (`promtool check metrics` wants help on all).
pub fn describe() {
    for &(name, kind, unit, help) in HELP {
        let (name, help) = (KeyName::from_const_str(name), SharedString::const_str(help));
        metrics::with_recorder(|recorder| match kind {
            Counter => recorder.describe_counter(name, unit, help),
            Gauge => recorder.describe_gauge(name, unit, help),
            Histogram => recorder.describe_histogram(name, unit, help),
        });
    }
}

//! The process's own sections: `[server]` (listeners, limits, TLS), `[storage]` (the data
//! dir and how long finished work is kept) and `[log]`.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The HTTP listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address the API, the pages and the health checks listen on.
    pub listen: String,
    /// Address `/metrics` (Prometheus text format) listens on: a listener of its own, so
    /// the business figures it exposes are not public with the API.
    pub metrics_listen: String,
    /// A request still running after this long is answered 503 and dropped.
    pub request_timeout_seconds: u64,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// A request head (first byte to last) that takes longer is dropped (slowloris).
    pub header_read_timeout_seconds: u64,
    /// A connection with no request in flight and no bytes moving for this long is closed
    /// (keep-alive connections between requests, and ones that never send anything).
    pub keep_alive_timeout_seconds: u64,
    /// Most connections open at once; at the cap the longest-quiet one makes room.
    pub max_connections: usize,
    /// `off` (plain HTTP) or `self-signed` (a certificate generated once into the data dir).
    pub tls: TlsMode,
    /// A PEM certificate chain; with `tls_key`, serves TLS with the operator's certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of `tls_cert`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
}

/// Whether and how the server speaks TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain HTTP, unless `tls_cert`/`tls_key` are set.
    #[default]
    Off,
    /// A self-signed certificate for this box's hostnames, generated into the data dir.
    SelfSigned,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            metrics_listen: "127.0.0.1:9464".into(),
            request_timeout_seconds: 30,
            max_body_bytes: 1024 * 1024,
            header_read_timeout_seconds: 10,
            keep_alive_timeout_seconds: 30,
            max_connections: 512,
            tls: TlsMode::Off,
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// Where data lives.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Holds the SQLite database, the hold store, secrets and mail files.
    pub data_dir: PathBuf,
    /// Days a finished background job and a sent email are kept before they are deleted.
    pub retention_days: u32,
    /// Writes that may wait for the SQLite writer (or change batches for the hold store)
    /// before a request that writes is refused with 503 `overloaded`.
    pub max_queued_writes: usize,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            retention_days: 30,
            max_queued_writes: 2048,
        }
    }
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter such as `info` or `rezerve=debug,tower_http=info`.
    pub level: String,
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

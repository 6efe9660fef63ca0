//! Configuration: one struct, loaded once at start-up and passed down.
//!
//! Layers, later wins: built-in defaults, then `rezerve.toml` (or `--config PATH`), then
//! `REZERVE_<SECTION>__<KEY>` environment variables. Unknown keys and bad values are errors
//! that name the key, raised before any data is touched. Nothing else in the crate reads the
//! environment.

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The config file read when `--config` is not given; its absence is fine.
pub const DEFAULT_CONFIG_PATH: &str = "rezerve.toml";

/// The commented config file shipped with the binary; `rezerve init` writes it out.
pub const DOCUMENTED_CONFIG: &str = include_str!("../rezerve.toml");

/// Every setting of a Rezerve process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub auth: AuthConfig,
    pub holds: HoldsConfig,
    pub console: ConsoleConfig,
    pub mail: MailConfig,
    pub payments: PaymentsConfig,
    pub log: LogConfig,
}

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
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            retention_days: 30,
        }
    }
}

/// Accounts, passwords and tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// JWT lifetime.
    pub token_ttl_seconds: u64,
    /// The `iss` claim written into and required of every token.
    pub issuer: String,
    /// Argon2id memory cost in KiB (OWASP's 2023 minimum for argon2id is 19 MiB with 2 passes).
    pub argon2_memory_kib: u32,
    /// Argon2id passes.
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
    /// Failed logins (API or console) an account may have within the window before further
    /// attempts on it are refused until the oldest failure leaves the window.
    pub login_max_failures_per_account: u32,
    /// Failed logins one client address may have within the window (many accounts tried
    /// from one place).
    pub login_max_failures_per_address: u32,
    /// The sliding window the two limits above count failures in.
    pub login_failure_window_seconds: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            token_ttl_seconds: 3600,
            issuer: "rezerve".into(),
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 20,
            login_failure_window_seconds: 900,
        }
    }
}

/// Seat holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoldsConfig {
    /// How long a hold (and a pending booking) lives.
    pub ttl_seconds: u64,
    /// The most a hold can be extended to, in all.
    pub max_lifetime_seconds: u64,
    /// The most seats (or places) one hold of a customer account may take; staff and
    /// admins are not limited by it.
    pub max_seats_per_customer_hold: u32,
    /// The most live holds a customer account may have at once (a hold with a booking
    /// waiting for payment is live); staff and admins are not limited by it.
    pub max_live_holds_per_customer: u32,
}

impl Default for HoldsConfig {
    fn default() -> Self {
        Self {
            ttl_seconds: 600,
            max_lifetime_seconds: 1800,
            // A cinema: a family or a group of friends, a couple of shows being weighed.
            max_seats_per_customer_hold: 10,
            max_live_holds_per_customer: 3,
        }
    }
}

/// The staff console under `/admin`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// A console session ends this long after sign-in, however busy it is.
    pub session_ttl_seconds: u64,
    /// A console session ends after this long without a request.
    pub session_idle_seconds: u64,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            session_ttl_seconds: 12 * 3600,
            session_idle_seconds: 3600,
        }
    }
}

/// How email leaves the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// Deliver over SMTP to `mail.smtp_url`.
    Smtp,
    /// Write one `.eml` file per message under the data dir.
    File,
    /// Only log that a message would have been sent.
    Log,
}

/// Email delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// e.g. `smtp://127.0.0.1:2525`; required when `transport = "smtp"`. `smtps://` is TLS
    /// from the first byte; `smtp_tls` chooses STARTTLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// `none`, `starttls` or `tls`; by default what the URL's scheme says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_tls: Option<SmtpTls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_password: Option<Secret>,
    /// How long one SMTP conversation may take.
    pub smtp_timeout_seconds: u64,
    /// The sender, as `Name <address>`.
    pub from: String,
    /// Where replies go, if not to `from`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The operator's name in every email (the venue, the bus company).
    pub operator_name: String,
    /// A line at the foot of every email (address, help line).
    pub footer: String,
    /// Delivery attempts before an email is parked as dead.
    pub max_attempts: u32,
}

/// How SMTP is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            smtp_url: None,
            smtp_tls: None,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_seconds: 10,
            from: "Rezerve <noreply@localhost>".into(),
            reply_to: None,
            operator_name: "Rezerve".into(),
            footer: "You receive this email because of a booking made with Rezerve.".into(),
            max_attempts: 8,
        }
    }
}

/// Payment providers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    /// HMAC secret of the webhook provider; generated into the data dir when unset. Either
    /// way the HMAC key is the secret's text (trimmed) as bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<Secret>,
    /// How long a synchronous charge may take before the saga gives up on it.
    pub provider_timeout_seconds: u64,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            webhook_secret: None,
            provider_timeout_seconds: 10,
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

/// A secret string that never shows in `Debug` output or logs.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("{0}")]
    Parse(String),
    #[error("config key `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// Loads defaults, then the file, then the environment, and validates the result.
    ///
    /// `path` is the `--config` flag: a named file must exist; without it `./rezerve.toml` is
    /// read when present.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(path, Env::prefixed("REZERVE_").split("__"))
    }

    fn load_from(path: Option<&Path>, env: Env) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) if !p.exists() => return Err(ConfigError::MissingFile(p.to_path_buf())),
            Some(p) => figment = figment.merge(Toml::file_exact(p)),
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_PATH))
            }
            None => {}
        }
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|e| ConfigError::Parse(describe_figment_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: ranges, addresses, and keys that depend on each other.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn invalid(key: &'static str, message: impl Into<String>) -> Result<(), ConfigError> {
            Err(ConfigError::Invalid {
                key,
                message: message.into(),
            })
        }
        if self.server.listen.parse::<SocketAddr>().is_err() {
            return invalid(
                "server.listen",
                format!(
                    "`{}` is not an address such as 127.0.0.1:8080",
                    self.server.listen
                ),
            );
        }
        match self.server.metrics_listen.parse::<SocketAddr>() {
            Err(_) => {
                return invalid(
                    "server.metrics_listen",
                    format!(
                        "`{}` is not an address such as 127.0.0.1:9464",
                        self.server.metrics_listen
                    ),
                );
            }
            Ok(metrics) if metrics.port() != 0 && self.listen_addr().ok() == Some(metrics) => {
                return invalid(
                    "server.metrics_listen",
                    "must differ from server.listen: /metrics has a listener of its own",
                );
            }
            Ok(_) => {}
        }
        if self.server.request_timeout_seconds == 0 {
            return invalid("server.request_timeout_seconds", "must be at least 1");
        }
        if self.server.max_body_bytes < 1024 {
            return invalid("server.max_body_bytes", "must be at least 1024");
        }
        if !(1..=300).contains(&self.server.header_read_timeout_seconds) {
            return invalid(
                "server.header_read_timeout_seconds",
                "must be between 1 and 300",
            );
        }
        if !(1..=3600).contains(&self.server.keep_alive_timeout_seconds) {
            return invalid(
                "server.keep_alive_timeout_seconds",
                "must be between 1 and 3600",
            );
        }
        if !(1..=100_000).contains(&self.server.max_connections) {
            return invalid("server.max_connections", "must be between 1 and 100000");
        }
        match (&self.server.tls_cert, &self.server.tls_key) {
            (Some(_), None) => {
                return invalid("server.tls_key", "is required with server.tls_cert");
            }
            (None, Some(_)) => {
                return invalid("server.tls_cert", "is required with server.tls_key");
            }
            (Some(_), Some(_)) if self.server.tls == TlsMode::SelfSigned => {
                return invalid(
                    "server.tls",
                    "choose either \"self-signed\" or server.tls_cert/server.tls_key, not both",
                );
            }
            (Some(cert), Some(key)) => {
                // Caught here, before the data dir is touched; what the files hold is
                // checked when the server loads them (`tls::load`).
                for (key, path) in [("server.tls_cert", cert), ("server.tls_key", key)] {
                    if let Err(e) = std::fs::File::open(path) {
                        return invalid(key, format!("cannot read {}: {e}", path.display()));
                    }
                }
            }
            _ => {}
        }
        if self.storage.data_dir.as_os_str().is_empty() {
            return invalid("storage.data_dir", "must not be empty");
        }
        if !(1..=3650).contains(&self.storage.retention_days) {
            return invalid("storage.retention_days", "must be between 1 and 3650");
        }
        if !(60..=30 * 24 * 3600).contains(&self.auth.token_ttl_seconds) {
            return invalid(
                "auth.token_ttl_seconds",
                "must be between 60 and 2592000 (30 days)",
            );
        }
        if self.auth.issuer.trim().is_empty() {
            return invalid("auth.issuer", "must not be empty");
        }
        if self.auth.argon2_parallelism == 0 || self.auth.argon2_parallelism > 16 {
            return invalid("auth.argon2_parallelism", "must be between 1 and 16");
        }
        if self.auth.argon2_memory_kib < 8 * self.auth.argon2_parallelism {
            return invalid(
                "auth.argon2_memory_kib",
                "must be at least 8 × auth.argon2_parallelism",
            );
        }
        if self.auth.argon2_iterations == 0 {
            return invalid("auth.argon2_iterations", "must be at least 1");
        }
        if self.auth.login_max_failures_per_account == 0 {
            return invalid("auth.login_max_failures_per_account", "must be at least 1");
        }
        if self.auth.login_max_failures_per_address == 0 {
            return invalid("auth.login_max_failures_per_address", "must be at least 1");
        }
        if !(1..=24 * 3600).contains(&self.auth.login_failure_window_seconds) {
            return invalid(
                "auth.login_failure_window_seconds",
                "must be between 1 and 86400 (a day)",
            );
        }
        if !(60..=30 * 24 * 3600).contains(&self.console.session_ttl_seconds) {
            return invalid(
                "console.session_ttl_seconds",
                "must be between 60 and 2592000 (30 days)",
            );
        }
        if self.console.session_idle_seconds < 60
            || self.console.session_idle_seconds > self.console.session_ttl_seconds
        {
            return invalid(
                "console.session_idle_seconds",
                "must be at least 60 and at most console.session_ttl_seconds",
            );
        }
        if self.holds.ttl_seconds == 0 {
            return invalid("holds.ttl_seconds", "must be at least 1");
        }
        if self.holds.max_lifetime_seconds < self.holds.ttl_seconds {
            return invalid(
                "holds.max_lifetime_seconds",
                "must be at least holds.ttl_seconds",
            );
        }
        let hard_cap = crate::inventory::hold::MAX_HOLD_SEATS as u32;
        if !(1..=hard_cap).contains(&self.holds.max_seats_per_customer_hold) {
            return invalid(
                "holds.max_seats_per_customer_hold",
                format!("must be between 1 and {hard_cap}"),
            );
        }
        if self.holds.max_live_holds_per_customer == 0 {
            return invalid("holds.max_live_holds_per_customer", "must be at least 1");
        }
        if self.mail.transport == MailTransport::Smtp {
            match &self.mail.smtp_url {
                None => {
                    return invalid(
                        "mail.smtp_url",
                        "is required when mail.transport = \"smtp\"",
                    );
                }
                Some(url) if !(url.starts_with("smtp://") || url.starts_with("smtps://")) => {
                    return invalid("mail.smtp_url", "must start with smtp:// or smtps://");
                }
                Some(_) => {}
            }
        }
        if !(1..=300).contains(&self.payments.provider_timeout_seconds) {
            return invalid(
                "payments.provider_timeout_seconds",
                "must be between 1 and 300",
            );
        }
        if !(1..=300).contains(&self.mail.smtp_timeout_seconds) {
            return invalid("mail.smtp_timeout_seconds", "must be between 1 and 300");
        }
        if !(1..=50).contains(&self.mail.max_attempts) {
            return invalid("mail.max_attempts", "must be between 1 and 50");
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid(
                "mail.from",
                "must be an address such as `Rezerve <noreply@example.com>`",
            );
        }
        if let Some(reply_to) = &self.mail.reply_to
            && reply_to.parse::<lettre::message::Mailbox>().is_err()
        {
            return invalid("mail.reply_to", "must be an email address");
        }
        if !self.mail.from.contains('@') {
            return invalid("mail.from", "must contain an email address");
        }
        if let Some(secret) = &self.payments.webhook_secret
            && secret.0.trim().len() < 16
        {
            return invalid("payments.webhook_secret", "must be at least 16 characters");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return invalid(
                "log.level",
                format!("`{}` is not a log filter", self.log.level),
            );
        }
        Ok(())
    }

    /// The listen address; valid once [`Config::validate`] has passed.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .listen
            .parse()
            .map_err(|_| ConfigError::Invalid {
                key: "server.listen",
                message: "not an address".into(),
            })
    }

    /// The `/metrics` address; valid once [`Config::validate`] has passed.
    pub fn metrics_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .metrics_listen
            .parse()
            .map_err(|_| ConfigError::Invalid {
                key: "server.metrics_listen",
                message: "not an address".into(),
            })
    }

    /// A configuration for tests: everything under `data_dir`, cheap password hashing so a
    /// test suite can create hundreds of accounts quickly.
    pub fn for_tests(data_dir: &Path) -> Config {
        let mut config = Config::default();
        config.storage.data_dir = data_dir.to_path_buf();
        config.server.listen = "127.0.0.1:0".into();
        config.server.metrics_listen = "127.0.0.1:0".into();
        config.auth.argon2_memory_kib = 64;
        config.auth.argon2_iterations = 1;
        config.mail.transport = MailTransport::Log;
        config.log.level = "warn".into();
        // Tests hold freely unless they test these limits (tests/api/holds/limits.rs sets
        // the shipped defaults back).
        config.holds.max_seats_per_customer_hold = crate::inventory::hold::MAX_HOLD_SEATS as u32;
        config.holds.max_live_holds_per_customer = 10_000;
        config
    }
}

/// Names the key and where its value came from (the file's path, or the environment); a
/// TOML syntax error has no key, so the path is what tells the operator which file to fix.
fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(file @ figment::Source::File(_)) => format!(" (from {} {file})", m.name),
                    _ => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{source}", e.kind)
            } else {
                format!("config key `{key}`: {}{source}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    // figment's Jail fixes the closure's error type; its size is not ours to choose.
    #[allow(clippy::result_large_err)]
    fn load_str(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rezerve.toml");
        std::fs::write(&path, toml).expect("write config");
        figment::Jail::expect_with(|jail| {
            for (k, v) in env {
                jail.set_env(k, v);
            }
            let result = Config::load_from(Some(&path), Env::prefixed("REZERVE_").split("__"));
            // Jail wants a figment error type; carry ours out through a cell instead.
            RESULT.with(|r| *r.borrow_mut() = Some(result));
            Ok(())
        });
        RESULT.with(|r| r.borrow_mut().take().expect("result set"))
    }

    thread_local! {
        static RESULT: std::cell::RefCell<Option<Result<Config, ConfigError>>> = const { std::cell::RefCell::new(None) };
    }

    #[test]
    fn the_shipped_file_parses_to_the_defaults() {
        let config = load_str(DOCUMENTED_CONFIG, &[]).expect("shipped config loads");
        let defaults = Config::default();
        assert_eq!(config.server.listen, defaults.server.listen);
        assert_eq!(config.server.metrics_listen, "127.0.0.1:9464");
        // Not public by default: the scrape is for the operator's Prometheus.
        assert!(
            config
                .metrics_addr()
                .expect("an address")
                .ip()
                .is_loopback()
        );
        assert_eq!(config.storage.data_dir, defaults.storage.data_dir);
        assert_eq!(config.auth.token_ttl_seconds, 3600);
        assert_eq!(config.server.header_read_timeout_seconds, 10);
        assert_eq!(config.server.keep_alive_timeout_seconds, 30);
        assert_eq!(config.server.max_connections, 512);
        assert_eq!(config.holds.ttl_seconds, 600);
        assert_eq!(config.holds.max_lifetime_seconds, 1800);
        assert_eq!(config.holds.max_seats_per_customer_hold, 10);
        assert_eq!(config.holds.max_live_holds_per_customer, 3);
        assert_eq!(config.mail.transport, MailTransport::File);
        assert_eq!(config.mail.from, defaults.mail.from);
    }

    #[test]
    fn environment_overrides_the_file() {
        let config = load_str(
            "[holds]\nttl_seconds = 100\n",
            &[
                ("REZERVE_HOLDS__TTL_SECONDS", "5"),
                ("REZERVE_SERVER__LISTEN", "0.0.0.0:9000"),
            ],
        )
        .expect("loads");
        assert_eq!(config.holds.ttl_seconds, 5);
        assert_eq!(config.server.listen, "0.0.0.0:9000");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = load_str("[holds]\nttl_secs = 5\n", &[]).expect_err("unknown key");
        assert!(err.to_string().contains("ttl_secs"), "{err}");
        let err = load_str("", &[("REZERVE_SERVER__PORT", "1")]).expect_err("unknown env key");
        assert!(err.to_string().contains("port"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = load_str("[server]\nlisten = \"nowhere\"\n", &[]).expect_err("bad addr");
        assert!(err.to_string().contains("server.listen"), "{err}");
        let err = load_str("[server]\nmetrics_listen = \"9464\"\n", &[]).expect_err("bad addr");
        assert!(err.to_string().contains("server.metrics_listen"), "{err}");
        let err = load_str(
            "[server]\nlisten = \"127.0.0.1:9000\"\nmetrics_listen = \"127.0.0.1:9000\"\n",
            &[],
        )
        .expect_err("one address for both");
        assert!(err.to_string().contains("must differ"), "{err}");
        let err = load_str("[holds]\nttl_seconds = \"soon\"\n", &[]).expect_err("bad type");
        assert!(err.to_string().contains("holds.ttl_seconds"), "{err}");
        let err = load_str(
            "[holds]\nttl_seconds = 600\nmax_lifetime_seconds = 60\n",
            &[],
        )
        .expect_err("max below ttl");
        assert!(
            err.to_string().contains("holds.max_lifetime_seconds"),
            "{err}"
        );
        let err = load_str("[mail]\ntransport = \"smtp\"\n", &[]).expect_err("smtp without url");
        assert!(err.to_string().contains("mail.smtp_url"), "{err}");
    }

    #[test]
    fn a_syntax_error_names_the_file() {
        let err = load_str("[server\nlisten = 1\n", &[]).expect_err("bad toml");
        assert!(err.to_string().contains("rezerve.toml"), "{err}");
    }

    #[test]
    fn a_named_missing_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/rezerve.toml"))).expect_err("missing");
        assert!(matches!(err, ConfigError::MissingFile(_)));
    }
}

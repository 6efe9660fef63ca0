//! Configuration: one struct, loaded once at start-up and passed down.
//!
//! Layers, later wins: built-in defaults, then `rezerve.toml` (or `--config PATH`), then
//! `REZERVE_<SECTION>__<KEY>` environment variables. Unknown keys and bad values are errors
//! that name the key, raised before any data is touched. Nothing else in the crate reads the
//! environment.

mod accounts;
mod mail;
mod sales;
mod server;
mod validate;

pub use accounts::{AuthConfig, ConsoleConfig};
pub use mail::{MailConfig, MailTransport, SmtpTls};
pub use sales::{HoldsConfig, MAX_HOLD_SEATS, PaymentsConfig};
pub use server::{LogConfig, LogFormat, ServerConfig, StorageConfig, TlsMode};

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
pub const DOCUMENTED_CONFIG: &str = include_str!("../../rezerve.toml");

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
        config.holds.max_seats_per_customer_hold = MAX_HOLD_SEATS as u32;
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
        assert_eq!(config.storage.max_queued_writes, 2048);
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
        let err = load_str("[storage]\nmax_queued_writes = 0\n", &[]).expect_err("no queue");
        assert!(
            err.to_string().contains("storage.max_queued_writes"),
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

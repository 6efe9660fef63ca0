//! What serde cannot check: ranges, addresses, files that must exist and keys that depend on
//! each other. The checks run in the file's order, so the first bad key is the one named.

use super::{Config, ConfigError, MAX_HOLD_SEATS, MailTransport, TlsMode};
use std::net::SocketAddr;

impl Config {
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
        if !(1..=1_000_000).contains(&self.storage.max_queued_writes) {
            return invalid("storage.max_queued_writes", "must be between 1 and 1000000");
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
        let hard_cap = MAX_HOLD_SEATS as u32;
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
}

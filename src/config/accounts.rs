//! The sections about people signing in: `[auth]` (tokens, password hashing, login
//! throttling) and `[console]` (staff sessions).

use serde::{Deserialize, Serialize};

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

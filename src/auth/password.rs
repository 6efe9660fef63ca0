//! Password hashing with Argon2id.
//!
//! Parameters come from `[auth]` in the config (defaults: 19 MiB, 2 passes, 1 lane, OWASP's
//! recommendation for argon2id). Stored hashes are PHC strings that carry their own
//! parameters, so raising the cost later does not lock anyone out. Hashing is deliberately
//! slow: callers run it through [`PasswordHasherConfig::hash_bounded`] and `verify_bounded`,
//! on the blocking pool and never more at once than the machine has cores.
//!
//! Why the bound: each hash holds its memory cost (19 MiB by default) for its whole run, and
//! the blocking pool would start a thread for every waiting login. A burst of logins (a
//! shift starting, a kiosk fleet rebooting, someone trying passwords from many addresses)
//! of 256 at once would take 4.8 GiB, on a box meant to run in 100 MiB. More hashes at once
//! than cores finish no sooner; the rest wait their turn without holding memory.

use crate::config::AuthConfig;
use crate::error::Error;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted; bounds the hashing work an attacker can ask for.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes and verifies passwords with one set of parameters.
#[derive(Clone)]
pub struct PasswordHasherConfig {
    params: Params,
    /// A hash of a random password, verified against when an email is unknown so that a
    /// login for a missing account costs what a wrong password costs.
    dummy_hash: String,
    slots: Arc<Slots>,
}

/// The hashes allowed to run at once, and how many ran at once at most.
#[derive(Debug)]
struct Slots {
    permits: Arc<Semaphore>,
    /// Counted where the hash runs, not where the permit is taken, so the unit test sees
    /// what the blocking pool really ran: two atomic adds per hash of some milliseconds.
    running: AtomicUsize,
    most_at_once: AtomicUsize,
}

impl std::fmt::Debug for PasswordHasherConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasherConfig")
            .field("m_cost", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .finish()
    }
}

impl PasswordHasherConfig {
    /// Builds the hasher from config and precomputes the dummy hash (blocking, start-up only).
    /// As many hashes run at once as the machine has cores.
    pub fn new(config: &AuthConfig) -> Result<Self, Error> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_slots(config, cores)
    }

    fn with_slots(config: &AuthConfig, slots: usize) -> Result<Self, Error> {
        let params = Params::new(
            config.argon2_memory_kib,
            config.argon2_iterations,
            config.argon2_parallelism,
            None,
        )
        .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
        let mut hasher = PasswordHasherConfig {
            params,
            dummy_hash: String::new(),
            slots: Arc::new(Slots {
                permits: Arc::new(Semaphore::new(slots.max(1))),
                running: AtomicUsize::new(0),
                most_at_once: AtomicUsize::new(0),
            }),
        };
        hasher.dummy_hash = hasher.hash(&crate::ids::new_id("dummy"))?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string for `password`, with a fresh random salt. Blocking.
    pub fn hash(&self, password: &str) -> Result<String, Error> {
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("argon2 hash: {e}")))
    }

    /// Whether `password` matches `stored`; `None` verifies against the dummy hash and
    /// always answers false. Blocking.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let phc = stored.unwrap_or(&self.dummy_hash);
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let matches = self
            .argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && stored.is_some()
    }

    /// [`Self::hash`] on the blocking pool, waiting for a free slot first.
    pub async fn hash_bounded(self: &Arc<Self>, password: String) -> Result<String, Error> {
        let hasher = Arc::clone(self);
        self.bounded(move || hasher.hash(&password)).await?
    }

    /// [`Self::verify`] on the blocking pool, waiting for a free slot first.
    pub async fn verify_bounded(
        self: &Arc<Self>,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, Error> {
        let hasher = Arc::clone(self);
        self.bounded(move || hasher.verify(&password, stored.as_deref()))
            .await
    }

    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = Arc::clone(&self.slots.permits)
            .acquire_owned()
            .await
            .map_err(Error::internal)?;
        let slots = Arc::clone(&self.slots);
        tokio::task::spawn_blocking(move || {
            // The permit lives with the work, not with the request: a login whose client
            // hangs up mid-hash still holds its slot until the hash ends.
            let _permit = permit;
            let now = slots.running.fetch_add(1, Ordering::AcqRel) + 1;
            slots.most_at_once.fetch_max(now, Ordering::AcqRel);
            let out = work();
            slots.running.fetch_sub(1, Ordering::AcqRel);
            out
        })
        .await
        .map_err(Error::internal)
    }
}

/// Checks a new password against the rules, naming the field.
pub fn validate_new_password(field: &str, password: &str, v: &mut crate::error::Validator) {
    v.check(
        password.chars().count() >= MIN_PASSWORD_CHARS,
        field,
        format!("must be at least {MIN_PASSWORD_CHARS} characters"),
    );
    v.check(
        password.len() <= MAX_PASSWORD_BYTES,
        field,
        format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
    );
}

/// Letters and digits a person reads aloud or copies from a screen without mixing them up
/// (no 0/O, 1/l/I).
const GENERATED_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new random password for an admin to hand over: four groups of five characters from a
/// 31-letter alphabet (about 99 bits), e.g. `k7mqa-2vxrt-h9wpe-c3fzn`.
pub fn generate() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut out = String::with_capacity(23);
    for group in 0..4 {
        if group > 0 {
            out.push('-');
        }
        for _ in 0..5 {
            let i = rng.random_range(0..GENERATED_ALPHABET.len());
            out.push(char::from(GENERATED_ALPHABET[i]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_pass_the_rules_and_differ() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        let mut v = crate::error::Validator::new();
        validate_new_password("password", &a, &mut v);
        assert!(v.is_clean());
        assert!(a.split('-').all(|g| g.len() == 5));
    }

    fn cheap() -> PasswordHasherConfig {
        let config = AuthConfig {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            ..AuthConfig::default()
        };
        PasswordHasherConfig::new(&config).expect("hasher")
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hasher = cheap();
        let stored = hasher.hash("correct horse").expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$"));
        assert!(hasher.verify("correct horse", Some(&stored)));
        assert!(!hasher.verify("correct horsf", Some(&stored)));
        assert!(!hasher.verify("correct horse", None));
        assert!(!hasher.verify("x", Some("not a phc string")));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_slots() {
        // Costly enough (4 MiB, 2 passes) that sixteen hashes started together overlap:
        // without the bound they run on sixteen blocking threads.
        let config = AuthConfig {
            argon2_memory_kib: 4096,
            argon2_iterations: 2,
            ..AuthConfig::default()
        };
        let hasher = Arc::new(PasswordHasherConfig::with_slots(&config, 2).expect("hasher"));
        let stored = hasher.hash("correct horse").expect("hash");
        let calls: Vec<_> = (0..16)
            .map(|i| {
                let (hasher, stored) = (Arc::clone(&hasher), stored.clone());
                tokio::spawn(async move {
                    if i % 2 == 0 {
                        hasher.hash_bounded(format!("password {i}")).await.map(drop)
                    } else {
                        let ok = hasher
                            .verify_bounded("correct horse".into(), Some(stored))
                            .await?;
                        assert!(ok);
                        Ok(())
                    }
                })
            })
            .collect();
        for call in calls {
            call.await.expect("joined").expect("hashed");
        }
        let most = hasher.slots.most_at_once.load(Ordering::Acquire);
        assert!((1..=2).contains(&most), "{most} hashes ran at once");
        assert_eq!(hasher.slots.running.load(Ordering::Acquire), 0);
    }

    #[test]
    fn salts_differ() {
        let hasher = cheap();
        assert_ne!(
            hasher.hash("same").expect("a"),
            hasher.hash("same").expect("b")
        );
    }
}

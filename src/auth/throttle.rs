//! The one login throttle, shared by the API's `POST /auth/login` and the console's sign-in
//! form: failures are counted per account (the email as typed, so an unknown email is
//! throttled exactly like a known one and its existence does not leak) and per client
//! address, in a sliding window. Kept in memory: a restart forgets it, which only ever
//! helps a legitimate user, and guessing at argon2's cost stays slow either way.
//!
//! It never decides whether a password is right; [`super::Auth::login`] asks it before
//! checking and tells it the outcome after.

use crate::config::AuthConfig;
use crate::error::Error;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

/// Keys kept before expired ones are swept, so random emails cannot grow the map forever.
const SWEEP_AT_KEYS: usize = 10_000;

/// The limits, from `[auth]`.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub per_account: u32,
    pub per_address: u32,
    pub window_seconds: i64,
}

impl LoginLimits {
    /// The limits the configuration asks for.
    pub fn from_config(config: &AuthConfig) -> LoginLimits {
        LoginLimits {
            per_account: config.login_max_failures_per_account,
            per_address: config.login_max_failures_per_address,
            window_seconds: config.login_failure_window_seconds as i64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// Failure times (Unix seconds) per account and per address.
#[derive(Debug)]
pub struct LoginThrottle {
    limits: LoginLimits,
    failures: Mutex<HashMap<Key, VecDeque<i64>>>,
}

impl LoginThrottle {
    /// An empty throttle.
    pub fn new(limits: LoginLimits) -> LoginThrottle {
        LoginThrottle {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email: &str, client: Option<IpAddr>) -> Vec<(Key, u32)> {
        vec![(Key::Account(email.to_string()), 0)]
            .into_iter()
            .chain(client.map(|ip| (Key::Address(canonical(ip)), 1)))
            .collect()
    }

    /// Refuses with `TooManyAttempts` (and how long to wait) when the account or the address
    /// has used up its failures in the window.
    pub fn check(&self, email: &str, client: Option<IpAddr>, now: i64) -> Result<(), Error> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0;
        for (key, which) in Self::keys(email, client) {
            let limit = if which == 0 {
                self.limits.per_account
            } else {
                self.limits.per_address
            } as usize;
            if let Some(times) = failures.get_mut(&key) {
                prune(times, now, self.limits.window_seconds);
                if times.len() >= limit {
                    // The attempt is allowed again once enough failures have aged out.
                    let oldest_that_must_go = times[times.len() - limit];
                    wait = wait.max(oldest_that_must_go + self.limits.window_seconds - now);
                }
            }
        }
        if wait > 0 {
            metrics::counter!(crate::metric::AUTH_LOGINS_TOTAL, "outcome" => "throttled")
                .increment(1);
            return Err(Error::TooManyAttempts {
                retry_after_seconds: wait as u64,
            });
        }
        Ok(())
    }

    /// Counts a failed attempt against the account and the address.
    pub fn record_failure(&self, email: &str, client: Option<IpAddr>, now: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= SWEEP_AT_KEYS {
            let window = self.limits.window_seconds;
            failures.retain(|_, times| {
                prune(times, now, window);
                !times.is_empty()
            });
        }
        for (key, _) in Self::keys(email, client) {
            let times = failures.entry(key).or_default();
            times.push_back(now);
            // More than the largest limit is never needed to compute a wait.
            let cap = self.limits.per_account.max(self.limits.per_address) as usize;
            while times.len() > cap {
                times.pop_front();
            }
        }
    }

    /// A correct password clears the account's failures (not the address's: one good login
    /// must not reset the count of someone trying many accounts).
    pub fn record_success(&self, email: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Key::Account(email.to_string()));
    }
}

fn prune(times: &mut VecDeque<i64>, now: i64, window: i64) {
    while times.front().is_some_and(|t| *t + window <= now) {
        times.pop_front();
    }
}

/// An IPv4 client seen through an IPv6 socket counts as its IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginLimits {
            per_account: 3,
            per_address: 5,
            window_seconds: 100,
        })
    }

    fn wait_of(result: Result<(), Error>) -> u64 {
        match result {
            Err(Error::TooManyAttempts {
                retry_after_seconds,
            }) => retry_after_seconds,
            other => panic!("expected a throttle, got {other:?}"),
        }
    }

    #[test]
    fn an_account_is_refused_after_its_failures_until_they_age_out() {
        let t = throttle();
        for s in 0..3 {
            t.check("a@x.io", None, s).expect("allowed");
            t.record_failure("a@x.io", None, s);
        }
        assert_eq!(wait_of(t.check("a@x.io", None, 10)), 90);
        t.check("b@x.io", None, 10)
            .expect("another account is not affected");
        t.check("a@x.io", None, 100)
            .expect("the first failure aged out");
    }

    #[test]
    fn an_address_trying_many_accounts_is_refused() {
        let t = throttle();
        let ip: IpAddr = "10.0.0.7".parse().expect("ip");
        for n in 0..5 {
            t.record_failure(&format!("u{n}@x.io"), Some(ip), 1);
        }
        assert_eq!(wait_of(t.check("fresh@x.io", Some(ip), 2)), 99);
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().expect("ip");
        assert!(t.check("fresh@x.io", Some(mapped), 2).is_err());
        t.check("fresh@x.io", Some("10.0.0.8".parse().expect("ip")), 2)
            .expect("another address is fine");
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let t = throttle();
        let ip: IpAddr = "10.0.0.7".parse().expect("ip");
        for _ in 0..2 {
            t.record_failure("a@x.io", Some(ip), 1);
        }
        t.record_success("a@x.io");
        for _ in 0..2 {
            t.record_failure("a@x.io", Some(ip), 2);
        }
        t.check("a@x.io", Some(ip), 3)
            .expect("two failures since success");
        t.record_failure("a@x.io", Some(ip), 3);
        assert!(t.check("other@x.io", Some(ip), 3).is_err(), "address at 5");
    }
}

//! The sections about selling: `[holds]` (how long and how big a customer's holds may be)
//! and `[payments]` (the webhook secret, the provider timeout).

use super::Secret;
use serde::{Deserialize, Serialize};

/// The most seats or places one hold may take, whoever holds: the ceiling of
/// `holds.max_seats_per_customer_hold` and of every hold request.
pub const MAX_HOLD_SEATS: usize = 50;

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

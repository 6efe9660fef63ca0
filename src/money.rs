//! Money: integer minor units with an ISO 4217 currency. Never a float.

use crate::error::Validator;
use serde::{Deserialize, Serialize};

/// The most a single price may be, in minor units (ten million major units): a guard
/// against typos and overflow when prices are multiplied and summed.
pub const MAX_PRICE_MINOR: i64 = 1_000_000_000;

/// An amount of money, e.g. `{"amount_minor": 129900, "currency": "INR"}` for ₹1,299.00.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// The amount in the currency's minor unit (paise, cents, …).
    pub amount_minor: i64,
    /// ISO 4217 code, three upper-case letters.
    pub currency: String,
}

impl Money {
    /// An amount in `currency`.
    pub fn new(amount_minor: i64, currency: &str) -> Money {
        Money {
            amount_minor,
            currency: currency.to_string(),
        }
    }

    /// Checks the amount is a price (0 to [`MAX_PRICE_MINOR`]) and the currency has the ISO
    /// 4217 shape.
    pub fn validate_price(&self, field: &str, v: &mut Validator) {
        v.check(
            (0..=MAX_PRICE_MINOR).contains(&self.amount_minor),
            format!("{field}.amount_minor"),
            format!("must be between 0 and {MAX_PRICE_MINOR}"),
        );
        v.check(
            is_currency_code(&self.currency),
            format!("{field}.currency"),
            "must be an ISO 4217 code such as INR, EUR or USD",
        );
    }
}

/// Three upper-case ASCII letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

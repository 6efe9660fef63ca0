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

/// Why a typed amount is not a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    NotANumber,
    TooManyDecimals,
    TooLarge,
}

impl AmountError {
    /// The message a form shows next to the amount.
    pub fn message(self) -> &'static str {
        match self {
            AmountError::Empty => "is required, e.g. 1299.00",
            AmountError::NotANumber => "must be an amount such as 1299.00 (digits, one '.')",
            AmountError::TooManyDecimals => "must have at most two decimals, e.g. 12.35",
            AmountError::TooLarge => "is larger than any price this system accepts",
        }
    }
}

/// Reads an amount typed by a person (`1299`, `1299.5`, `1299.00`, `1,299.00`) into minor
/// units, exactly: digit by digit, never through a float. Two decimals, as pages show them.
pub fn parse_amount(text: &str) -> Result<i64, AmountError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    // Thousands separators only between groups of three digits: `1,299`, never `1,2`.
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits: String = groups.concat();
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !grouped_ok
        || !all_digits(&digits)
        || fraction.is_some_and(|f| !all_digits(f))
        || (digits.is_empty() && fraction.is_none_or(str::is_empty))
    {
        return Err(AmountError::NotANumber);
    }
    let fraction = fraction.unwrap_or("");
    if fraction.len() > 2 {
        return Err(AmountError::TooManyDecimals);
    }
    let mut minor: i64 = 0;
    for b in digits.bytes().chain(format!("{fraction:0<2}").bytes()) {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or(AmountError::TooLarge)?;
    }
    if minor > MAX_PRICE_MINOR {
        return Err(AmountError::TooLarge);
    }
    Ok(minor)
}

/// Minor units as a person types them back: `1299.00`.
pub fn format_amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_become_exact_minor_units() {
        assert_eq!(parse_amount("1299.00"), Ok(129_900));
        assert_eq!(parse_amount(" 1299 "), Ok(129_900));
        assert_eq!(parse_amount("1299.5"), Ok(129_950));
        assert_eq!(parse_amount("0.07"), Ok(7));
        assert_eq!(parse_amount(".5"), Ok(50));
        assert_eq!(parse_amount("1,299.99"), Ok(129_999));
        assert_eq!(
            parse_amount("0.29"),
            Ok(29),
            "never 28.999… through a float"
        );
        assert_eq!(parse_amount("10000000.00"), Ok(MAX_PRICE_MINOR));
    }

    #[test]
    fn junk_amounts_are_refused_with_a_reason() {
        assert_eq!(parse_amount(""), Err(AmountError::Empty));
        assert_eq!(parse_amount("abc"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("12.345"), Err(AmountError::TooManyDecimals));
        assert_eq!(parse_amount("-5"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("1e3"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("."), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("1,2"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("+1"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("10000000.01"), Err(AmountError::TooLarge));
        assert_eq!(
            parse_amount("99999999999999999999999"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(format_amount(129_900), "1299.00");
        assert_eq!(format_amount(5), "0.05");
    }
}

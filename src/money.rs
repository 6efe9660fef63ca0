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

/// Money for people, in the currency's own decimals: `INR 1,299.00`, `JPY 12,000`.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_money(self.amount_minor, &self.currency))
    }
}

/// Three upper-case ASCII letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// How many digits a currency's minor unit has (ISO 4217): none for the yen, three for the
/// Bahraini dinar, two for most. Amounts are shown and typed with exactly these digits.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Minor units as digits with the currency's decimal point, ungrouped: `1299.00`, `1299`
/// (JPY), `1.250` (BHD). What a form shows for a person to type over.
pub fn format_amount(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(digits);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

/// Money for people: `INR 1,299.00`, `JPY 12,000`, `BHD 1.250`.
pub fn format_money(minor: i64, currency: &str) -> String {
    let plain = format_amount(minor, currency);
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{currency} {sign}{grouped}.{f}"),
        None => format!("{currency} {sign}{grouped}"),
    }
}

/// Why a typed amount is not a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    NotANumber,
    /// More decimals than the currency has (the number it has).
    TooManyDecimals(u32),
    TooLarge,
}

impl AmountError {
    /// The message a form shows next to the amount.
    pub fn message(self) -> String {
        match self {
            AmountError::Empty => "is required, e.g. 1299.00".into(),
            AmountError::NotANumber => "must be an amount such as 1299.00 (digits, one '.')".into(),
            AmountError::TooManyDecimals(0) => {
                "must be a whole amount: this currency has no decimals".into()
            }
            AmountError::TooManyDecimals(n) => {
                format!("must have at most {n} decimals in this currency")
            }
            AmountError::TooLarge => "is larger than any price this system accepts".into(),
        }
    }
}

/// Reads an amount typed by a person (`1299`, `1299.5`, `1299.00`, `1,299.00`) into minor
/// units of `currency`, exactly: digit by digit, never through a float, with at most the
/// currency's own decimals (none for JPY, three for BHD).
pub fn parse_amount(text: &str, currency: &str) -> Result<i64, AmountError> {
    let digits_after = minor_digits(currency) as usize;
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
    if fraction.len() > digits_after {
        return Err(AmountError::TooManyDecimals(digits_after as u32));
    }
    let mut minor: i64 = 0;
    let padded = format!("{fraction:0<digits_after$}");
    for b in digits.bytes().chain(padded.bytes()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_amount_inr(text: &str) -> Result<i64, AmountError> {
        parse_amount(text, "INR")
    }

    #[test]
    fn amounts_use_the_currencys_own_decimals() {
        assert_eq!(format_money(129900, "INR"), "INR 1,299.00");
        assert_eq!(format_money(12000, "JPY"), "JPY 12,000");
        assert_eq!(format_money(1250, "BHD"), "BHD 1.250");
        assert_eq!(format_money(-250, "USD"), "USD -2.50");
        assert_eq!(format_money(5, "EUR"), "EUR 0.05");
        assert_eq!(Money::new(12000, "JPY").to_string(), "JPY 12,000");
        assert_eq!(format_amount(12000, "JPY"), "12000");
        assert_eq!(parse_amount("12,000", "JPY"), Ok(12000));
        assert_eq!(
            parse_amount("12.5", "JPY"),
            Err(AmountError::TooManyDecimals(0))
        );
        assert_eq!(parse_amount("1.25", "BHD"), Ok(1250));
        assert_eq!(
            parse_amount("1.2505", "BHD"),
            Err(AmountError::TooManyDecimals(3))
        );
        for (minor, currency) in [(129900, "INR"), (7, "JPY"), (1, "BHD"), (0, "EUR")] {
            assert_eq!(
                parse_amount(&format_amount(minor, currency), currency),
                Ok(minor)
            );
        }
    }

    #[test]
    fn typed_amounts_become_exact_minor_units() {
        assert_eq!(parse_amount_inr("1299.00"), Ok(129_900));
        assert_eq!(parse_amount_inr(" 1299 "), Ok(129_900));
        assert_eq!(parse_amount_inr("1299.5"), Ok(129_950));
        assert_eq!(parse_amount_inr("0.07"), Ok(7));
        assert_eq!(parse_amount_inr(".5"), Ok(50));
        assert_eq!(parse_amount_inr("1,299.99"), Ok(129_999));
        assert_eq!(
            parse_amount_inr("0.29"),
            Ok(29),
            "never 28.999… through a float"
        );
        assert_eq!(parse_amount_inr("10000000.00"), Ok(MAX_PRICE_MINOR));
    }

    #[test]
    fn junk_amounts_are_refused_with_a_reason() {
        assert_eq!(parse_amount_inr(""), Err(AmountError::Empty));
        assert_eq!(parse_amount_inr("abc"), Err(AmountError::NotANumber));
        assert_eq!(
            parse_amount_inr("12.345"),
            Err(AmountError::TooManyDecimals(2))
        );
        assert_eq!(parse_amount_inr("-5"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount_inr("1e3"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount_inr("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount_inr("."), Err(AmountError::NotANumber));
        assert_eq!(parse_amount_inr("1,2"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount_inr("+1"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount_inr("10000000.01"), Err(AmountError::TooLarge));
        assert_eq!(
            parse_amount_inr("99999999999999999999999"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(format_amount(129_900, "INR"), "1299.00");
        assert_eq!(format_amount(5, "INR"), "0.05");
    }
}

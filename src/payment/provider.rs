//! Payment providers behind one trait: the card simulator, cash at the box office, and a
//! gateway that answers later through a signed webhook.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The card that always succeeds.
pub const CARD_OK: &str = "4242424242424242";
/// The card that is always declined.
pub const CARD_DECLINED: &str = "4000000000000002";
/// The card whose charge never answers: the saga's timeout path.
pub const CARD_NO_ANSWER: &str = "4000000000009995";

/// What a provider said about a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charge {
    /// The money is taken.
    Succeeded { provider_ref: String },
    /// The provider refused.
    Declined { reason: String },
    /// The provider will call back (webhook gateways).
    Pending { provider_ref: String },
}

/// A charge to make.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    pub payment_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub card_number: Option<String>,
}

/// A payment provider. `charge` is idempotent by `payment_id`.
pub trait Provider: Send + Sync {
    /// The method name clients send.
    fn method(&self) -> &'static str;
    /// Only staff may use it (cash at the box office).
    fn staff_only(&self) -> bool {
        false
    }
    /// Takes the money, or says why not.
    fn charge(&self, request: ChargeRequest) -> Pin<Box<dyn Future<Output = Charge> + Send>>;
}

/// The card simulator, for demos and tests.
pub struct TestCards {
    /// How long the never-answering card hangs before the caller's timeout fires.
    pub hang: Duration,
}

impl Provider for TestCards {
    fn method(&self) -> &'static str {
        "test"
    }

    fn charge(&self, request: ChargeRequest) -> Pin<Box<dyn Future<Output = Charge> + Send>> {
        let hang = self.hang;
        Box::pin(async move {
            match request.card_number.as_deref() {
                Some(CARD_OK) => Charge::Succeeded {
                    provider_ref: format!("test_{}", request.payment_id),
                },
                Some(CARD_NO_ANSWER) => {
                    tokio::time::sleep(hang).await;
                    Charge::Declined {
                        reason: "no answer".into(),
                    }
                }
                _ => Charge::Declined {
                    reason: "card_declined".into(),
                },
            }
        })
    }
}

/// Cash taken at the box office: staff only, always succeeds.
pub struct Cash;

impl Provider for Cash {
    fn method(&self) -> &'static str {
        "cash"
    }

    fn staff_only(&self) -> bool {
        true
    }

    fn charge(&self, request: ChargeRequest) -> Pin<Box<dyn Future<Output = Charge> + Send>> {
        Box::pin(async move {
            Charge::Succeeded {
                provider_ref: format!("cash_{}", request.payment_id),
            }
        })
    }
}

/// A real gateway: the charge is pending until its signed callback arrives.
pub struct Gateway;

impl Provider for Gateway {
    fn method(&self) -> &'static str {
        "webhook"
    }

    fn charge(&self, request: ChargeRequest) -> Pin<Box<dyn Future<Output = Charge> + Send>> {
        Box::pin(async move {
            Charge::Pending {
                provider_ref: request.payment_id,
            }
        })
    }
}

/// Luhn's checksum, so typos in card numbers are told apart from declines.
pub fn luhn_ok(number: &str) -> bool {
    if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_cards_pass_luhn_and_typos_do_not() {
        assert!(luhn_ok(CARD_OK));
        assert!(luhn_ok(CARD_DECLINED));
        assert!(luhn_ok(CARD_NO_ANSWER));
        assert!(!luhn_ok("4242424242424241"));
        assert!(!luhn_ok("42424242"));
        assert!(!luhn_ok("4242-4242-4242-4242"));
    }
}

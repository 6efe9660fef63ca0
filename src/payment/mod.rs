//! Money in and out: providers behind one trait, payments and refunds as records, webhook
//! signatures. The booking saga decides what a payment means.

pub mod provider;
pub mod repo;
pub mod status;
pub mod summary_repo;
pub mod webhook;

use crate::error::Error;
use provider::{Cash, Gateway, Provider, TestCards};
use std::sync::Arc;
use std::time::Duration;

pub use status::PaymentStatus;

/// The providers this process offers.
#[derive(Clone)]
pub struct Providers {
    all: Arc<Vec<Box<dyn Provider>>>,
    /// The most a synchronous charge may take before the saga gives up on it.
    pub timeout: Duration,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Providers {
    /// Test cards, cash and the webhook gateway, with a charge timeout.
    pub fn built_in(timeout: Duration) -> Providers {
        Providers {
            all: Arc::new(vec![
                Box::new(TestCards { hang: timeout * 4 }),
                Box::new(Cash),
                Box::new(Gateway),
            ]),
            timeout,
        }
    }

    /// The provider for a method name.
    pub fn get(&self, method: &str) -> Result<&dyn Provider, Error> {
        self.all
            .iter()
            .find(|p| p.method() == method)
            .map(|p| p.as_ref())
            .ok_or_else(|| Error::invalid("method", "must be test, cash or webhook"))
    }
}

//! The hold counters, resolved once per inventory. `metrics::counter!` looks its series up
//! in the recorder's registry on every call, and with a label builds the label list first;
//! every hold and every release counts one.

use super::Ending;
use metrics::Counter;
use std::sync::OnceLock;

/// `rezerve_holds_created_total` and `rezerve_holds_ended_total` by how, each resolved at
/// its first count (a series appears when it first counts, as before).
#[derive(Default)]
pub(super) struct HoldCounters {
    created: OnceLock<Counter>,
    released: OnceLock<Counter>,
    expired: OnceLock<Counter>,
}

impl HoldCounters {
    /// Holds taken.
    pub(super) fn created(&self) -> &Counter {
        self.created
            .get_or_init(|| metrics::counter!(crate::metric::HOLDS_CREATED_TOTAL))
    }

    /// Holds ended `how`.
    pub(super) fn ended(&self, how: Ending) -> &Counter {
        let slot = match how {
            Ending::Released => &self.released,
            Ending::Expired => &self.expired,
        };
        slot.get_or_init(
            || metrics::counter!(crate::metric::HOLDS_ENDED_TOTAL, "how" => how.name()),
        )
    }
}

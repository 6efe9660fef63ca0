//! Where a payment stands, as the `payments.status` column stores it.

crate::store::text_enum::text_enum! {
    /// A payment's state: waiting for its provider, then settled one way, once.
    pub enum PaymentStatus {
        /// Recorded and sent to the provider; a gateway's answer comes by callback.
        Pending = "pending",
        /// The money was taken.
        Succeeded = "succeeded",
        /// The provider refused it.
        Declined = "declined",
        /// No answer in time, interrupted by a restart, or a gateway that never called back.
        Failed = "failed",
    }
}

impl crate::metric::record::PaymentOutcome for PaymentStatus {
    fn label(&self) -> &'static str {
        self.as_str()
    }

    fn took_the_money(&self) -> bool {
        *self == PaymentStatus::Succeeded
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_payment_status_reads_back_as_written() {
        crate::store::text_enum::assert_reads_back(super::PaymentStatus::ALL);
    }
}

-- The expiry sweep looks for gateway payments still waiting for their callback twice a
-- second; this keeps that a look at the few pending ones, not a scan of every payment.
CREATE INDEX payments_pending ON payments (status) WHERE status = 'pending';

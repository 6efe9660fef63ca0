-- Pricing no longer queues price-changed jobs: nothing ever consumed them, so they only
-- piled up. The ones left waiting are deleted; every price change stays in price_history.
DELETE FROM jobs WHERE kind = 'price-changed';

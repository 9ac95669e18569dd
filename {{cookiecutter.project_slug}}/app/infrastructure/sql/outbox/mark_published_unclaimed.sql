-- A row delivered after its claim ran out: published all the same, or it would go out
-- for ever. The relay that holds it now keeps its claim, and marks or releases it as usual.
UPDATE outbox SET published_at = :now WHERE position = :position AND published_at IS NULL

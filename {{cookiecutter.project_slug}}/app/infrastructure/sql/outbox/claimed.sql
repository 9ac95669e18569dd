SELECT position, event_id, event_type, schema_version, aggregate_id, occurred_at, data
FROM outbox WHERE claim_token = :claim_token ORDER BY position

INSERT INTO outbox (event_id, event_type, schema_version, aggregate_id, occurred_at, data)
VALUES (:event_id, :event_type, :schema_version, :aggregate_id, :occurred_at, :data)

-- No row when the mark exists: the caller learns from the count that it ran before.
INSERT INTO processed_events (event_id, subscriber, processed_at)
VALUES (:event_id, :subscriber, :processed_at)
ON CONFLICT DO NOTHING

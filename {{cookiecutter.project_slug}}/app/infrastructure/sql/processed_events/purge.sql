DELETE FROM processed_events WHERE processed_at < :before

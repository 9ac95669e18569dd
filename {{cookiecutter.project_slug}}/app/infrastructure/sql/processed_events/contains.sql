SELECT 1 FROM processed_events WHERE event_id = :event_id AND subscriber = :subscriber

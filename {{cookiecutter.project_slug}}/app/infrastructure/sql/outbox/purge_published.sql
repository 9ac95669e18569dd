DELETE FROM outbox WHERE published_at < :before

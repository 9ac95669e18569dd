-- Versions are stored as text ('001'): compare them as numbers.
SELECT MAX(CAST(version AS INTEGER)) AS version FROM schema_migrations

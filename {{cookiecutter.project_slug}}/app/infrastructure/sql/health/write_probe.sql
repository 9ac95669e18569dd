-- Changes no row but is a write: a read-only database (file, mount, standby, or
-- default_transaction_read_only) refuses it.
UPDATE schema_migrations SET version = version WHERE 1 = 0

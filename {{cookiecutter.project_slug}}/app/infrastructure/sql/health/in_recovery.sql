-- True on a standby replaying the primary's WAL; false once it was promoted, when it
-- stops following the primary and what it holds grows stale.
SELECT pg_is_in_recovery() AS in_recovery

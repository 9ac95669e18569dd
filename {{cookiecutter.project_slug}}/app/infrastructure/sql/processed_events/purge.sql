-- A chunk at a time, as for the outbox. By the row's address ({% if cookiecutter.db_driver == "postgresql" %}ctid{% else %}rowid{% endif %}), the cheapest way
-- back to it: a mark is never updated, so the address the inner select found is the row's.
{%- if cookiecutter.db_driver == "postgresql" %}
DELETE FROM processed_events WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM processed_events WHERE processed_at < :before LIMIT :chunk
))
{%- else %}
DELETE FROM processed_events WHERE rowid IN (
    SELECT rowid FROM processed_events WHERE processed_at < :before LIMIT :chunk
)
{%- endif %}

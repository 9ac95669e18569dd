-- A chunk at a time, each in a transaction of its own: a day's events on a busy service
-- are more than one transaction may delete within DATABASE_QUERY_TIMEOUT_SECONDS.
{%- if cookiecutter.db_driver == "postgresql" %}
-- ARRAY(): the chunk's rows are found by their key; with `IN (SELECT ...)` the planner
-- joins the chunk to a scan of the whole table, once per chunk.
DELETE FROM outbox WHERE position = ANY(ARRAY(
    SELECT position FROM outbox WHERE published_at < :before LIMIT :chunk
))
{%- else %}
DELETE FROM outbox WHERE position IN (
    SELECT position FROM outbox WHERE published_at < :before LIMIT :chunk
)
{%- endif %}

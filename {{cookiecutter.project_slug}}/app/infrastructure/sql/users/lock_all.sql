{%- if cookiecutter.db_driver == "postgresql" -%}
-- Every account's lock, in id order: a refresh in flight commits first, and every later
-- one waits, then finds its token revoked.
SELECT count(*) FROM (SELECT id FROM users ORDER BY id FOR UPDATE) AS everyone
{%- else -%}
-- No row locks in SQLite: the unit of work's BEGIN IMMEDIATE already serialises writers.
SELECT count(*) FROM users
{%- endif %}

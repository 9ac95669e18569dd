{%- if cookiecutter.db_driver == "postgresql" -%}
-- Locked in id order, so every transaction that takes them waits in the same order.
SELECT count(*) FROM (
    SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id FOR UPDATE
) AS active_admins
{%- else -%}
-- No row locks in SQLite: the unit of work's BEGIN IMMEDIATE already serialises writers.
SELECT count(*) FROM users WHERE role = 'admin' AND is_active = 1
{%- endif %}

{%- if cookiecutter.db_driver == "postgresql" -%}
-- Row lock until commit: serialises token issue and revocation for one user.
SELECT id, email, password_hash, role, is_active, created_at FROM users WHERE id = :id FOR UPDATE
{%- else -%}
-- No row locks in SQLite: the unit of work's BEGIN IMMEDIATE already serialises writers.
SELECT id, email, password_hash, role, is_active, created_at FROM users WHERE id = :id
{%- endif %}

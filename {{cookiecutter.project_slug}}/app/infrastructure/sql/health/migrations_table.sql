{%- if cookiecutter.db_driver == "postgresql" -%}
SELECT to_regclass('schema_migrations') IS NOT NULL AS present
{%- else -%}
SELECT EXISTS (
    SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'
) AS present
{%- endif %}

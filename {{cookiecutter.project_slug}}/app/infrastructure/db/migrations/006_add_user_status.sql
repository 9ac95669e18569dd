-- Admins deactivate accounts instead of deleting them; existing accounts stay active.
{%- if cookiecutter.db_driver == "postgresql" %}
ALTER TABLE users ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE;
{%- else %}
ALTER TABLE users ADD COLUMN is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1));
{%- endif %}

-- The admin listing's keyset order.
CREATE INDEX users_created_at_id_idx ON users (created_at, id);

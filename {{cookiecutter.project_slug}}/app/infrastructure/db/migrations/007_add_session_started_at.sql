-- When the login a refresh token was rotated from happened: a session's absolute lifetime
-- (SESSION_MAX_LIFETIME_DAYS) counts from it, however often the token rotates. Tokens
-- issued before this migration take the oldest token their family still has.
{%- if cookiecutter.db_driver == "postgresql" %}
ALTER TABLE refresh_tokens ADD COLUMN session_started_at TIMESTAMPTZ;
{%- else %}
-- SQLite adds a NOT NULL column only with a default; every insert names the column.
ALTER TABLE refresh_tokens ADD COLUMN session_started_at TEXT NOT NULL DEFAULT '';
{%- endif %}

UPDATE refresh_tokens
SET session_started_at = (
    SELECT MIN(first.issued_at) FROM refresh_tokens AS first
    WHERE first.family_id = refresh_tokens.family_id
);
{%- if cookiecutter.db_driver == "postgresql" %}

ALTER TABLE refresh_tokens ALTER COLUMN session_started_at SET NOT NULL;
{%- endif %}

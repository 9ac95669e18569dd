{%- if cookiecutter.db_driver == "postgresql" %}
CREATE TABLE users (
    id UUID PRIMARY KEY,
    -- Stored normalised (trimmed, lower-case), so UNIQUE means one account per address.
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    created_at TIMESTAMPTZ NOT NULL
);
{%- else %}
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    -- Stored normalised (trimmed, lower-case), so UNIQUE means one account per address.
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    created_at TEXT NOT NULL
);
{%- endif %}

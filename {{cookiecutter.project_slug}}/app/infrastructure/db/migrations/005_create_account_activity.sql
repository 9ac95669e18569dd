-- What happened to each account, recorded by a subscriber (app/application/subscribers/).
{%- if cookiecutter.db_driver == "postgresql" %}
CREATE TABLE account_activity (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    activity TEXT NOT NULL,
    event_id UUID NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL
);
{%- else %}
CREATE TABLE account_activity (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    activity TEXT NOT NULL,
    event_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
{%- endif %}

CREATE INDEX account_activity_user_idx ON account_activity (user_id, occurred_at);

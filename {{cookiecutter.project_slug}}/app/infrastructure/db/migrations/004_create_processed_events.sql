-- Which subscriber handled which event, written in the subscriber's own transaction:
-- a second delivery of the event finds its mark and changes nothing.
{%- if cookiecutter.db_driver == "postgresql" %}
CREATE TABLE processed_events (
    event_id UUID NOT NULL,
    subscriber TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, subscriber)
);
{%- else %}
CREATE TABLE processed_events (
    event_id TEXT NOT NULL,
    subscriber TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (event_id, subscriber)
);
{%- endif %}

CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

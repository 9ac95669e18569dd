-- Domain events, written in the transaction of the change that recorded them and
-- published by `python -m app relay-events`.
{%- if cookiecutter.db_driver == "postgresql" %}
CREATE TABLE outbox (
    -- Write order; within one aggregate also commit order, as its writes hold its lock.
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id UUID NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    aggregate_id UUID NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    -- A JSON object: the fields the event type adds.
    data TEXT NOT NULL,
    -- The relay that took the row, until when: a dead relay's claim runs out.
    claim_token UUID,
    claimed_until TIMESTAMPTZ,
    published_at TIMESTAMPTZ
);
{%- else %}
CREATE TABLE outbox (
    -- Write order; with SQLite's single writer also commit order. AUTOINCREMENT: a
    -- position is never reused, even once every row was purged.
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    aggregate_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    -- A JSON object: the fields the event type adds.
    data TEXT NOT NULL,
    -- The relay that took the row, until when: a dead relay's claim runs out.
    claim_token TEXT,
    claimed_until TEXT,
    published_at TEXT
);
{%- endif %}

CREATE INDEX outbox_unpublished_idx ON outbox (position) WHERE published_at IS NULL;
CREATE INDEX outbox_unpublished_aggregate_idx ON outbox (aggregate_id, position)
    WHERE published_at IS NULL;
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
-- A relay finds, marks and releases its batch by claim: without this, each of those scans
-- the whole table, the published rows kept for EVENTS_RETENTION_DAYS included.
CREATE INDEX outbox_claim_idx ON outbox (claim_token) WHERE claim_token IS NOT NULL;

-- The oldest events no live claim holds, for one relay. An event waits while an earlier
-- one of its aggregate is unpublished: each aggregate's events leave in order.
UPDATE outbox SET claim_token = :claim_token, claimed_until = :claimed_until
WHERE position IN (
    SELECT candidate.position FROM outbox AS candidate
    WHERE candidate.published_at IS NULL
        AND (candidate.claimed_until IS NULL OR candidate.claimed_until < :now)
        AND NOT EXISTS (
            SELECT 1 FROM outbox AS earlier
            WHERE earlier.aggregate_id = candidate.aggregate_id
                AND earlier.published_at IS NULL
                AND earlier.position < candidate.position
        )
    ORDER BY candidate.position
    LIMIT :limit
{%- if cookiecutter.db_driver == "postgresql" %}
    -- Relays claiming at the same moment take other rows instead of waiting for these.
    FOR UPDATE SKIP LOCKED
{%- endif %}
)

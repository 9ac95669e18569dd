-- The delivered rows this claim still holds: the usual case, one statement. The relay
-- whose claim on a row ran out before this one took it over may have delivered and
-- marked it first: the first publication's time stays.
UPDATE outbox
SET published_at = COALESCE(published_at, :now), claim_token = NULL, claimed_until = NULL
WHERE claim_token = :claim_token AND position <= :through

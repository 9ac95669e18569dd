-- Only while the claim is still ours: once it ran out another relay owns the rows.
UPDATE outbox SET published_at = :now, claim_token = NULL, claimed_until = NULL
WHERE claim_token = :claim_token AND position <= :through

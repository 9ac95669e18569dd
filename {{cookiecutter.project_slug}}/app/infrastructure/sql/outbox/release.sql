-- Only while the claim is still ours. An event before `first_released` that failed by
-- itself keeps the claim until it runs out; one another relay marked meanwhile stays
-- published, without a claim.
UPDATE outbox SET claim_token = NULL, claimed_until = NULL
WHERE claim_token = :claim_token AND position >= :first_released

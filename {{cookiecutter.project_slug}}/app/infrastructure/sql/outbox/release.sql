UPDATE outbox SET claim_token = NULL, claimed_until = NULL
WHERE claim_token = :claim_token AND published_at IS NULL

-- Only the first redeemer changes the row; a concurrent second one sees rowcount 0.
UPDATE refresh_tokens
SET used_at = :used_at
WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL

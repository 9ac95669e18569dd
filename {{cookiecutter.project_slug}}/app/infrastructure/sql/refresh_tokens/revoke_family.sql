UPDATE refresh_tokens
SET revoked_at = :revoked_at
WHERE family_id = :family_id AND revoked_at IS NULL

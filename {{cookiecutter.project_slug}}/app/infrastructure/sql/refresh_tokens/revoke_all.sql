UPDATE refresh_tokens
SET revoked_at = :revoked_at
WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > :revoked_at

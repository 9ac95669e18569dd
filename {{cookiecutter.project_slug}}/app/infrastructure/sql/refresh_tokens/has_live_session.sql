SELECT 1 AS live
FROM refresh_tokens
WHERE user_id = :user_id
  AND family_id = :family_id
  AND used_at IS NULL
  AND revoked_at IS NULL
  AND expires_at > :now
LIMIT 1

-- Only the live token needs revoking: the family's used ones can never be redeemed, and
-- presenting one counts as reuse, which revokes the family anyway.
UPDATE refresh_tokens
SET revoked_at = :revoked_at
WHERE user_id = :user_id
  AND family_id = :family_id
  AND used_at IS NULL
  AND revoked_at IS NULL
  AND expires_at > :revoked_at

-- The sessions past the newest :keep (by when their login happened) end: the cap on
-- concurrent sessions (MAX_SESSIONS_PER_USER). The login just made is always kept, even
-- when a clock step made another look newer.
UPDATE refresh_tokens
SET revoked_at = :revoked_at
WHERE user_id = :user_id
  AND family_id <> :new_family_id
  AND used_at IS NULL
  AND revoked_at IS NULL
  AND expires_at > :revoked_at
  AND id NOT IN (
      SELECT id FROM refresh_tokens
      WHERE user_id = :user_id
        AND family_id <> :new_family_id
        AND used_at IS NULL
        AND revoked_at IS NULL
        AND expires_at > :revoked_at
      ORDER BY session_started_at DESC, id DESC
      LIMIT :others
  )

-- A user's sessions: the live token of each login (one per family), newest use first.
SELECT family_id AS id, session_started_at AS started_at, issued_at AS last_used_at, client
FROM refresh_tokens
WHERE user_id = :user_id
  AND used_at IS NULL
  AND revoked_at IS NULL
  AND expires_at > :now
ORDER BY issued_at DESC, id DESC
LIMIT :limit

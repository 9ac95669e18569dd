SELECT
    id, user_id, family_id, token_hash, session_started_at, issued_at, expires_at, used_at,
    revoked_at, client
FROM refresh_tokens
WHERE token_hash = :token_hash

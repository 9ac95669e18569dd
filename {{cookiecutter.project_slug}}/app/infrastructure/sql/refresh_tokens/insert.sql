INSERT INTO refresh_tokens (
    id, user_id, family_id, token_hash, session_started_at, issued_at, expires_at, client
)
VALUES (
    :id, :user_id, :family_id, :token_hash, :session_started_at, :issued_at, :expires_at,
    :client
)

INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at)
VALUES (:id, :user_id, :family_id, :token_hash, :issued_at, :expires_at)

-- Read side: the public columns only, never the password hash.
SELECT id, email, role, is_active, created_at FROM users WHERE id = :id

-- Write side: everything the UserEntity needs.
SELECT id, email, password_hash, role, created_at FROM users WHERE id = :id

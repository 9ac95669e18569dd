-- Write side: everything the UserEntity needs.
SELECT id, email, password_hash, role, is_active, created_at FROM users WHERE id = :id

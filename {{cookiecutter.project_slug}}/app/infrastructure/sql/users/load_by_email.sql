SELECT id, email, password_hash, role, created_at FROM users WHERE email = :email

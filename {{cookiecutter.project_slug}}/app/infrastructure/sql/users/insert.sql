INSERT INTO users (id, email, password_hash, role, is_active, created_at)
VALUES (:id, :email, :password_hash, :role, :is_active, :created_at)

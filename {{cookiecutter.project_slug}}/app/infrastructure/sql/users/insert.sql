INSERT INTO users (id, email, password_hash, role, created_at)
VALUES (:id, :email, :password_hash, :role, :created_at)

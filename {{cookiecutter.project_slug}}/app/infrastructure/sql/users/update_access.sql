UPDATE users SET role = :role, is_active = :is_active WHERE id = :id

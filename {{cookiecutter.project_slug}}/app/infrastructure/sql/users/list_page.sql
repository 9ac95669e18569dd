-- The admin listing: oldest first, (created_at, id) after the cursor's; NULL filters match all.
{%- if cookiecutter.db_driver == "postgresql" %}
SELECT id, email, role, is_active, created_at FROM users
WHERE (CAST(:role AS TEXT) IS NULL OR role = CAST(:role AS TEXT))
  AND (CAST(:is_active AS BOOLEAN) IS NULL OR is_active = CAST(:is_active AS BOOLEAN))
  AND (
    CAST(:after_created_at AS TIMESTAMPTZ) IS NULL
    OR (created_at, id) > (CAST(:after_created_at AS TIMESTAMPTZ), CAST(:after_id AS UUID))
  )
{%- else %}
SELECT id, email, role, is_active, created_at FROM users
WHERE (:role IS NULL OR role = :role)
  AND (:is_active IS NULL OR is_active = :is_active)
  AND (:after_created_at IS NULL OR (created_at, id) > (:after_created_at, :after_id))
{%- endif %}
ORDER BY created_at, id
LIMIT :limit

INSERT INTO account_activity (user_id, activity, event_id, occurred_at)
VALUES (:user_id, :activity, :event_id, :occurred_at)

-- What a session's client said it was (its User-Agent, shortened), for the list of
-- sessions a user reviews and ends; empty for tokens issued before this migration.
ALTER TABLE refresh_tokens ADD COLUMN client TEXT NOT NULL DEFAULT '';

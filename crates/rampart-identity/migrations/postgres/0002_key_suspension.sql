-- Automatic key suspension; see migrations/sqlite/0002_key_suspension.sql.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS suspended_at BIGINT;

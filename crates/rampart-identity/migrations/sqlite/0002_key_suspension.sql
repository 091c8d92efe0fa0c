-- Automatic key suspension ([auth.suspend]): when the gateway suspended the key (Unix
-- seconds), NULL when it is not suspended. `rampart keys unsuspend` sets it back to NULL.
ALTER TABLE api_keys ADD COLUMN suspended_at INTEGER;

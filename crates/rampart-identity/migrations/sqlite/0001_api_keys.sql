-- API keys. Only the SHA-256 of a key is stored; `prefix` is its non-secret start.
-- Times are Unix seconds (UTC). `models` is a JSON array of model names, NULL = all.
CREATE TABLE IF NOT EXISTS api_keys (
    id                   TEXT    PRIMARY KEY,
    key_hash             TEXT    NOT NULL UNIQUE,
    prefix               TEXT    NOT NULL,
    tenant               TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    models               TEXT,
    rpm                  INTEGER,
    tpm                  INTEGER,
    daily_token_budget   INTEGER,
    monthly_token_budget INTEGER,
    expires_at           INTEGER,
    created_at           INTEGER NOT NULL,
    revoked_at           INTEGER
);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant);

-- API keys (PostgreSQL). Same columns as the SQLite schema; see migrations/sqlite.
CREATE TABLE IF NOT EXISTS api_keys (
    id                   TEXT    PRIMARY KEY,
    key_hash             TEXT    NOT NULL UNIQUE,
    prefix               TEXT    NOT NULL,
    tenant               TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    models               TEXT,
    rpm                  BIGINT,
    tpm                  BIGINT,
    daily_token_budget   BIGINT,
    monthly_token_budget BIGINT,
    expires_at           BIGINT,
    created_at           BIGINT  NOT NULL,
    revoked_at           BIGINT
);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant);

-- The audit log: one row per gateway request, appended, never changed.
-- `record` is the canonical JSON of the record, exactly the bytes that were hashed;
-- `hash` = SHA-256("rampart-audit-v1" || prev_hash || record) links each row to the one
-- before it (`prev_hash` of the first row is 64 zeros). The columns beside `record` are
-- copies for querying; `verify` checks that they agree with it.
CREATE TABLE IF NOT EXISTS audit_records (
    seq        INTEGER PRIMARY KEY,
    time_ms    INTEGER NOT NULL,
    request_id TEXT    NOT NULL,
    tenant     TEXT,
    key_id     TEXT,
    record     TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time_ms);
CREATE INDEX IF NOT EXISTS audit_records_tenant ON audit_records (tenant, time_ms);

-- Refuse changes through SQL. Someone with the file can drop these triggers; the hash
-- chain is what makes that visible.
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END;

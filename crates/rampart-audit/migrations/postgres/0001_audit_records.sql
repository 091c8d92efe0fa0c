-- The audit log in PostgreSQL: the same rows as the SQLite store (see
-- ../sqlite/0001_audit_records.sql). Appends from every replica are serialised by a
-- transaction-scoped advisory lock, so `seq` and the chain have no gaps or forks.
CREATE TABLE IF NOT EXISTS audit_records (
    seq        BIGINT PRIMARY KEY,
    time_ms    BIGINT NOT NULL,
    request_id TEXT   NOT NULL,
    tenant     TEXT,
    key_id     TEXT,
    record     TEXT   NOT NULL,
    prev_hash  TEXT   NOT NULL,
    hash       TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time_ms);
CREATE INDEX IF NOT EXISTS audit_records_tenant ON audit_records (tenant, time_ms);

-- Refuse changes through SQL. A superuser can drop these triggers; the hash chain is
-- what makes that visible.
CREATE OR REPLACE FUNCTION rampart_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_records is append-only';
END;
$$;
DROP TRIGGER IF EXISTS audit_records_no_change ON audit_records;
CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION rampart_audit_append_only();
DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records;
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION rampart_audit_append_only();

-- The Merkle tree over the audit log: the same rows as the SQLite store (see
-- ../sqlite/0002_audit_tree.sql), written under the append lock with the records.
CREATE TABLE IF NOT EXISTS audit_tree (
    level SMALLINT NOT NULL,
    idx   BIGINT   NOT NULL,
    hash  BYTEA    NOT NULL,
    PRIMARY KEY (level, idx)
);
DROP TRIGGER IF EXISTS audit_tree_no_change ON audit_tree;
CREATE TRIGGER audit_tree_no_change BEFORE UPDATE OR DELETE ON audit_tree
    FOR EACH ROW EXECUTE FUNCTION rampart_audit_append_only();
DROP TRIGGER IF EXISTS audit_tree_no_truncate ON audit_tree;
CREATE TRIGGER audit_tree_no_truncate BEFORE TRUNCATE ON audit_tree
    FOR EACH STATEMENT EXECUTE FUNCTION rampart_audit_append_only();

CREATE TABLE IF NOT EXISTS audit_checkpoints (
    id        BIGSERIAL PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    time_ms   BIGINT NOT NULL,
    note      TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_checkpoints_size ON audit_checkpoints (tree_size);

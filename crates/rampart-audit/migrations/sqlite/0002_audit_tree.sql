-- The Merkle tree over the audit log (RFC 9162 hashing, see src/merkle.rs): every perfect
-- subtree, as (level, idx) = the hash of leaves idx·2^level .. (idx+1)·2^level - 1.
-- Level 0 holds the leaf hashes, SHA-256(0x00 || chain hash of record idx+1); they stay
-- when retention deletes record bodies, so proofs keep verifying. Written in the same
-- transaction as the records they cover; a log created before this table gets its tree
-- when the store next opens.
CREATE TABLE IF NOT EXISTS audit_tree (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS audit_tree_no_update BEFORE UPDATE ON audit_tree
BEGIN SELECT RAISE(ABORT, 'audit_tree is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_tree_no_delete BEFORE DELETE ON audit_tree
BEGIN SELECT RAISE(ABORT, 'audit_tree is append-only'); END;

-- Signed checkpoints (C2SP tlog-checkpoint notes) of the tree, newest by tree_size.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tree_size INTEGER NOT NULL,
    time_ms   INTEGER NOT NULL,
    note      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_checkpoints_size ON audit_checkpoints (tree_size);

//! The PostgreSQL audit store, for many gateway replicas writing one log. Same rows and
//! chain as the SQLite store.
//!
//! Each append takes `pg_advisory_xact_lock(APPEND_LOCK)` before reading the chain head,
//! so appends from every replica are serialised: each one sees the head the previous one
//! committed, and the lock is released by its commit or rollback (a replica that dies
//! mid-append holds nothing). One `INSERT … SELECT FROM UNNEST(…)` writes the whole batch
//! in one round trip. Migrations run under another advisory lock, as in the key store.

use super::tree::{TreeRows, extend_tree};
use super::{AuditQuery, AuditStore, StoredRecord, to_i64};
use crate::chain::{self, Verifier, VerifyReport};
use crate::error::AuditError;
use crate::merkle::{Hash, NodeId};
use crate::record::AuditRecord;
use async_trait::async_trait;
use rampart_migrate::{Migration, MigrationTable, migrate_postgres};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Row};
use std::collections::HashMap;
use std::str::FromStr;

/// Embedded migrations, applied in order, each once (recorded in
/// `rampart_audit_migrations`). Append only.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "audit_records",
        sql: include_str!("../../migrations/postgres/0001_audit_records.sql"),
    },
    Migration {
        version: 2,
        name: "audit_tree",
        sql: include_str!("../../migrations/postgres/0002_audit_tree.sql"),
    },
];

const MIGRATION_TABLE: MigrationTable = MigrationTable("rampart_audit_migrations");

/// Arbitrary constants naming Rampart audit locks in `pg_advisory_xact_lock` (distinct
/// from the identity crate's `0x7261_6d70_6964_0001`).
const MIGRATION_LOCK: i64 = 0x7261_6d70_6175_0001;
const APPEND_LOCK: i64 = 0x7261_6d70_6175_0002;

/// Rows fetched per round trip while verifying, so memory stays flat on a large log.
const VERIFY_PAGE: i64 = 1_000;

#[derive(Debug, Clone)]
pub struct PgAuditStore {
    pool: PgPool,
}

impl PgAuditStore {
    /// Connects to a `postgres://` URL and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, AuditError> {
        let options = PgConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        migrate(&pool).await?;
        let store = PgAuditStore { pool };
        // A tree that cannot catch up (records missing or altered) is reported by
        // `verify`; appends fail until then.
        if let Err(e) = store.catch_up_tree().await {
            tracing::error!(error = %e, "the audit log's Merkle tree cannot cover its records");
        }
        Ok(store)
    }

    /// Gives the records written before the tree existed their leaves.
    async fn catch_up_tree(&self) -> Result<(), AuditError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *tx)
            .await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_records")
            .fetch_one(&mut *tx)
            .await?;
        extend_tree(&mut *tx, last.unwrap_or(0) + 1, &[]).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Fetches tree nodes by id; absent ones are left out.
async fn fetch_nodes(
    conn: &mut PgConnection,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, AuditError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(super::NODES_PER_QUERY) {
        let mut sql = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "SELECT level::BIGINT AS level, idx, hash FROM audit_tree WHERE false",
        );
        for id in chunk {
            sql.push(" OR (level = ")
                .push_bind(i16::from(id.level))
                .push(" AND idx = ")
                .push_bind(to_i64(id.index))
                .push(")");
        }
        for row in sql.build().fetch_all(&mut *conn).await? {
            let level: i64 = row.try_get("level")?;
            let index: i64 = row.try_get("idx")?;
            let blob: Vec<u8> = row.try_get("hash")?;
            let id = NodeId {
                level: u8::try_from(level).unwrap_or(u8::MAX),
                index: u64::try_from(index).unwrap_or(u64::MAX),
            };
            out.insert(id, super::hash_from_blob(index, &blob)?);
        }
    }
    Ok(out)
}

async fn insert_nodes(conn: &mut PgConnection, nodes: &[(NodeId, Hash)]) -> Result<(), AuditError> {
    for chunk in nodes.chunks(super::NODES_PER_INSERT) {
        let mut sql =
            sqlx::QueryBuilder::<sqlx::Postgres>::new("INSERT INTO audit_tree (level, idx, hash) ");
        sql.push_values(chunk, |mut row, (id, hash)| {
            row.push_bind(i16::from(id.level))
                .push_bind(to_i64(id.index))
                .push_bind(hash.to_vec());
        });
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The tree's rows in this backend's SQL; `super::tree` extends the tree over them.
impl TreeRows for PgConnection {
    async fn tree_size(&mut self) -> Result<u64, AuditError> {
        let size: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_tree WHERE level = 0")
                .fetch_one(&mut *self)
                .await?;
        Ok(u64::try_from(size).unwrap_or(0))
    }

    async fn fetch_nodes(&mut self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, AuditError> {
        fetch_nodes(self, ids).await
    }

    async fn insert_nodes(&mut self, nodes: &[(NodeId, Hash)]) -> Result<(), AuditError> {
        insert_nodes(self, nodes).await
    }

    async fn chain_page(
        &mut self,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, AuditError> {
        let rows = sqlx::query(
            "SELECT seq, hash FROM audit_records WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&mut *self)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("seq")?, row.try_get("hash")?)))
            .collect()
    }
}

async fn migrate(pool: &PgPool) -> Result<(), sqlx::Error> {
    migrate_postgres(pool, MIGRATION_TABLE, MIGRATION_LOCK, MIGRATIONS).await
}

fn decode(row: &PgRow) -> Result<StoredRecord, AuditError> {
    let seq: i64 = row.try_get("seq")?;
    let json: String = row.try_get("record")?;
    let record = serde_json::from_str(&json).map_err(|_| AuditError::Corrupt {
        seq,
        reason: "record is not valid JSON of an audit record".to_owned(),
    })?;
    Ok(StoredRecord {
        seq,
        record,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

#[async_trait]
impl AuditStore for PgAuditStore {
    async fn append(&self, records: &[AuditRecord]) -> Result<(), AuditError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *tx)
            .await?;
        let last = sqlx::query("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (mut seq, mut prev) = match last {
            None => (0, chain::GENESIS),
            Some(row) => {
                let seq: i64 = row.try_get("seq")?;
                let hash: String = row.try_get("hash")?;
                let prev = chain::from_hex(&hash).ok_or_else(|| AuditError::Corrupt {
                    seq,
                    reason: "stored hash is not 64 hex digits".to_owned(),
                })?;
                (seq, prev)
            }
        };
        let n = records.len();
        let (mut seqs, mut times, mut ids) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut tenants, mut keys, mut texts) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut prevs, mut hashes) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut leaves = Vec::with_capacity(n);
        let first_new_seq = seq + 1;
        for record in records {
            let json = record.canonical_json();
            let hash = chain::link(&prev, &json);
            leaves.push(hash);
            seq += 1;
            seqs.push(seq);
            times.push(record.time_ms);
            ids.push(record.request_id.clone());
            tenants.push(record.tenant.clone());
            keys.push(record.key_id.clone());
            // The JSON of plain strings and numbers is valid UTF-8.
            texts.push(String::from_utf8_lossy(&json).into_owned());
            prevs.push(chain::to_hex(&prev));
            hashes.push(chain::to_hex(&hash));
            prev = hash;
        }
        sqlx::query(
            "INSERT INTO audit_records (seq, time_ms, request_id, tenant, key_id, record, prev_hash, hash) \
             SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
                                  $6::TEXT[], $7::TEXT[], $8::TEXT[])",
        )
        .bind(&seqs)
        .bind(&times)
        .bind(&ids)
        .bind(&tenants)
        .bind(&keys)
        .bind(&texts)
        .bind(&prevs)
        .bind(&hashes)
        .execute(&mut *tx)
        .await?;
        extend_tree(&mut *tx, first_new_seq, &leaves).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn tree_size(&self) -> Result<u64, AuditError> {
        TreeRows::tree_size(&mut *self.pool.acquire().await?).await
    }

    async fn tree_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, AuditError> {
        fetch_nodes(&mut *self.pool.acquire().await?, ids).await
    }

    async fn record(&self, seq: i64) -> Result<Option<StoredRecord>, AuditError> {
        sqlx::query("SELECT seq, record, prev_hash, hash FROM audit_records WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    async fn save_checkpoint(&self, size: u64, note: &str) -> Result<(), AuditError> {
        sqlx::query("INSERT INTO audit_checkpoints (tree_size, time_ms, note) VALUES ($1, $2, $3)")
            .bind(to_i64(size))
            .bind(super::now_ms())
            .bind(note)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn latest_checkpoint(&self) -> Result<Option<String>, AuditError> {
        Ok(sqlx::query_scalar(
            "SELECT note FROM audit_checkpoints ORDER BY tree_size DESC, id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn list(&self, limit: u32) -> Result<Vec<StoredRecord>, AuditError> {
        sqlx::query(
            "SELECT seq, record, prev_hash, hash FROM audit_records ORDER BY seq DESC LIMIT $1",
        )
        .bind(i64::from(limit.min(super::sqlite::MAX_LIST)))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    async fn query(&self, q: &AuditQuery) -> Result<Vec<StoredRecord>, AuditError> {
        let mut sql = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "SELECT seq, record, prev_hash, hash FROM audit_records WHERE 1 = 1",
        );
        if let Some(tenant) = &q.tenant {
            sql.push(" AND tenant = ").push_bind(tenant.clone());
        }
        if let Some(key_id) = &q.key_id {
            sql.push(" AND key_id = ").push_bind(key_id.clone());
        }
        if let Some(from) = q.from_ms {
            sql.push(" AND time_ms >= ").push_bind(from);
        }
        if let Some(to) = q.to_ms {
            sql.push(" AND time_ms < ").push_bind(to);
        }
        if let Some(decision) = &q.decision {
            // The decision lives only in the hashed record; the other filters narrow
            // the rows first through their indexed columns.
            sql.push(" AND (record::jsonb ->> 'decision') = ")
                .push_bind(decision.clone());
        }
        if let Some(before) = q.before_seq {
            sql.push(" AND seq < ").push_bind(before);
        }
        sql.push(" ORDER BY seq DESC LIMIT ")
            .push_bind(q.page_size());
        sql.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    async fn verify(&self) -> Result<VerifyReport, AuditError> {
        self.verify_with(Verifier::default()).await
    }

    async fn verify_with(&self, mut verifier: Verifier) -> Result<VerifyReport, AuditError> {
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(
                "SELECT seq, time_ms, request_id, tenant, key_id, record, prev_hash, hash \
                 FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(after)
            .bind(VERIFY_PAGE)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("seq")?;
            let page = rows.iter().map(chain_row).collect::<Result<Vec<_>, _>>()?;
            if !super::verify_page(&mut verifier, &page) {
                return Ok(verifier.finish());
            }
        }
        Ok(verifier.finish())
    }
}

/// A row of the `verify` query: the chain columns must decode, the query columns may not.
fn chain_row(row: &PgRow) -> Result<super::ChainRow, sqlx::Error> {
    Ok(super::ChainRow {
        seq: row.try_get("seq")?,
        record: row.try_get("record")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        time_ms: row.try_get("time_ms").ok(),
        request_id: row.try_get("request_id").ok(),
        tenant: row.try_get("tenant").ok(),
        key_id: row.try_get("key_id").ok(),
    })
}

//! The SQLite audit store. Appends run in `BEGIN IMMEDIATE` transactions, so that two
//! processes writing the same file (two gateways, or a gateway and a test) still extend
//! one chain in order; SQL triggers refuse `UPDATE` and `DELETE`.

use super::tree::{TreeRows, extend_tree};
use super::{AuditQuery, AuditStore, StoredRecord, to_i64};
use crate::chain::{self, Verifier, VerifyReport};
use crate::error::AuditError;
use crate::merkle::{Hash, NodeId};
use crate::record::AuditRecord;
use async_trait::async_trait;
use rampart_migrate::{Migration, MigrationTable, migrate_sqlite};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

/// Embedded migrations, applied in order, each once (recorded in
/// `rampart_audit_migrations`). Append only.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "audit_records",
        sql: include_str!("../../migrations/sqlite/0001_audit_records.sql"),
    },
    Migration {
        version: 2,
        name: "audit_tree",
        sql: include_str!("../../migrations/sqlite/0002_audit_tree.sql"),
    },
];

const MIGRATION_TABLE: MigrationTable = MigrationTable("rampart_audit_migrations");

/// Rows fetched per round trip while verifying, so memory stays flat on a large log.
const VERIFY_PAGE: i64 = 1_000;
/// Rows per `INSERT` statement when appending a batch: 8 bound values each, far below
/// SQLite's limit of 32,766 variables, and few enough distinct statements (one per row
/// count) for the connection's statement cache.
const ROWS_PER_INSERT: usize = 64;
/// The most records `list` returns, whatever is asked.
pub const MAX_LIST: u32 = 100_000;

#[derive(Debug, Clone)]
pub struct SqliteAuditStore {
    pool: SqlitePool,
}

async fn open_pool(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(5))
        .disable_statement_logging();
    if !memory {
        // NORMAL in WAL mode: a power cut may lose the last transactions, never corrupt
        // the file or the chain.
        options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
    }
    let pool = if memory {
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(2)
    };
    pool.connect_with(options).await
}

/// `INSERT INTO audit_records … VALUES (…), (…), …` with `rows` rows of placeholders.
fn insert_sql(rows: usize) -> String {
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?)";
    let mut sql = String::with_capacity(120 + rows * (ROW.len() + 2));
    sql.push_str(
        "INSERT INTO audit_records (seq, time_ms, request_id, tenant, key_id, record, prev_hash, hash) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(ROW);
    }
    sql
}

async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    migrate_sqlite(pool, MIGRATION_TABLE, MIGRATIONS).await
}

impl SqliteAuditStore {
    pub async fn open(url: &str) -> Result<Self, AuditError> {
        let pool = open_pool(url).await?;
        Self::with_pool(pool).await
    }

    /// Uses an existing pool (shared with other Rampart tables), applying migrations.
    pub async fn with_pool(pool: SqlitePool) -> Result<Self, AuditError> {
        migrate(&pool).await?;
        let store = SqliteAuditStore { pool };
        // A tree that cannot catch up (records missing or altered) is reported by
        // `verify`; appends fail until then.
        if let Err(e) = store.catch_up_tree().await {
            tracing::error!(error = %e, "the audit log's Merkle tree cannot cover its records");
        }
        Ok(store)
    }

    /// Gives the records written before the tree existed their leaves.
    async fn catch_up_tree(&self) -> Result<(), AuditError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
    conn: &mut SqliteConnection,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, AuditError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(super::NODES_PER_QUERY) {
        let mut sql = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT level, idx, hash FROM audit_tree WHERE 0",
        );
        for id in chunk {
            sql.push(" OR (level = ")
                .push_bind(i64::from(id.level))
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

async fn insert_nodes(
    conn: &mut SqliteConnection,
    nodes: &[(NodeId, Hash)],
) -> Result<(), AuditError> {
    for chunk in nodes.chunks(super::NODES_PER_INSERT) {
        let mut sql =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO audit_tree (level, idx, hash) ");
        sql.push_values(chunk, |mut row, (id, hash)| {
            row.push_bind(i64::from(id.level))
                .push_bind(to_i64(id.index))
                .push_bind(hash.to_vec());
        });
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The tree's rows in this backend's SQL; `super::tree` extends the tree over them.
impl TreeRows for SqliteConnection {
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
            "SELECT seq, hash FROM audit_records WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?",
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

fn decode(row: &SqliteRow) -> Result<StoredRecord, AuditError> {
    let seq: i64 = row.try_get("seq")?;
    let json: String = row.try_get("record")?;
    let record = serde_json::from_str(&json).map_err(|e| AuditError::Corrupt {
        seq,
        reason: format!(
            "record is not valid JSON of an audit record ({})",
            e.classify_name()
        ),
    })?;
    Ok(StoredRecord {
        seq,
        record,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    /// The error category only: serde messages can quote the offending content.
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "wrong shape",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

#[async_trait]
impl AuditStore for SqliteAuditStore {
    async fn append(&self, records: &[AuditRecord]) -> Result<(), AuditError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        // Hash the whole batch first, then insert it in multi-row statements: each
        // statement is one round trip to SQLite's worker thread, which costs far more
        // than the row itself.
        let mut rows = Vec::with_capacity(records.len());
        let mut leaves = Vec::with_capacity(records.len());
        let first_new_seq = seq + 1;
        for record in records {
            let json = record.canonical_json();
            let hash = chain::link(&prev, &json);
            leaves.push(hash);
            seq += 1;
            // The JSON of plain strings and numbers is valid UTF-8.
            let text = String::from_utf8(json)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            rows.push((
                seq,
                record,
                text,
                chain::to_hex(&prev),
                chain::to_hex(&hash),
            ));
            prev = hash;
        }
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let sql = insert_sql(chunk.len());
            let mut query = sqlx::query(&sql);
            for (seq, record, text, prev_hex, hash_hex) in chunk {
                query = query
                    .bind(*seq)
                    .bind(record.time_ms)
                    .bind(&record.request_id)
                    .bind(&record.tenant)
                    .bind(&record.key_id)
                    .bind(text)
                    .bind(prev_hex)
                    .bind(hash_hex);
            }
            query.execute(&mut *tx).await?;
        }
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
        sqlx::query("SELECT seq, record, prev_hash, hash FROM audit_records WHERE seq = ?")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    async fn save_checkpoint(&self, size: u64, note: &str) -> Result<(), AuditError> {
        sqlx::query("INSERT INTO audit_checkpoints (tree_size, time_ms, note) VALUES (?, ?, ?)")
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
            "SELECT seq, record, prev_hash, hash FROM audit_records ORDER BY seq DESC LIMIT ?",
        )
        .bind(i64::from(limit.min(MAX_LIST)))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    async fn query(&self, q: &AuditQuery) -> Result<Vec<StoredRecord>, AuditError> {
        let mut sql = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
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
            sql.push(" AND json_extract(record, '$.decision') = ")
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
                 FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?",
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
fn chain_row(row: &SqliteRow) -> Result<super::ChainRow, sqlx::Error> {
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

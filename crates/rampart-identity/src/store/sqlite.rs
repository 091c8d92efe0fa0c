//! The SQLite key store: one file next to the gateway (WAL mode, so the CLI can create and
//! revoke keys while `rampart serve` reads them), schema migrations embedded in the binary.

use super::KeyStore;
use crate::error::IdentityError;
use crate::key::KeyHash;
use crate::record::KeyRecord;
use async_trait::async_trait;
use rampart_migrate::{Migration, MigrationTable, migrate_sqlite};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Row};
use std::str::FromStr;
use std::time::Duration;

/// Embedded migrations, applied in order, each once (recorded in
/// `rampart_identity_migrations`). Append only: never edit a released migration.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "api_keys",
        sql: include_str!("../../migrations/sqlite/0001_api_keys.sql"),
    },
    Migration {
        version: 2,
        name: "key_suspension",
        sql: include_str!("../../migrations/sqlite/0002_key_suspension.sql"),
    },
];

const MIGRATION_TABLE: MigrationTable = MigrationTable("rampart_identity_migrations");

const COLUMNS: &str = "id, prefix, tenant, name, role, models, rpm, tpm, daily_token_budget, \
     monthly_token_budget, expires_at, created_at, revoked_at, suspended_at";

/// Keys in a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteKeyStore {
    pool: SqlitePool,
}

/// Opens a SQLite pool for a `sqlite:` URL with the settings every Rampart table wants:
/// created when missing, WAL, a busy timeout instead of immediate `SQLITE_BUSY`. An
/// in-memory database gets exactly one connection that is never recycled, since each
/// connection to `:memory:` is a separate database.
pub async fn open_pool(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        // Bound values are never logged by sqlx, but slow-statement warnings would still
        // add noise to the gateway's structured logs on every lookup.
        .disable_statement_logging();
    if !memory {
        options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
    }
    let mut pool = SqlitePoolOptions::new();
    pool = if memory {
        pool.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        pool.max_connections(4)
    };
    pool.connect_with(options).await
}

impl SqliteKeyStore {
    /// Opens (creating if needed) the database at `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, IdentityError> {
        let pool = open_pool(url).await?;
        migrate(&pool).await?;
        Ok(SqliteKeyStore { pool })
    }

    /// Uses an existing pool (shared with other Rampart tables), applying migrations.
    pub async fn with_pool(pool: SqlitePool) -> Result<Self, IdentityError> {
        migrate(&pool).await?;
        Ok(SqliteKeyStore { pool })
    }
}

async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    migrate_sqlite(pool, MIGRATION_TABLE, MIGRATIONS).await
}

fn to_i64(value: Option<u64>) -> Option<i64> {
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

fn from_row(row: &SqliteRow) -> Result<KeyRecord, IdentityError> {
    let id: String = row.try_get("id")?;
    let corrupt = |reason: &str| IdentityError::Corrupt {
        id: id.clone(),
        reason: reason.to_owned(),
    };
    let unsigned = |column: &str| -> Result<Option<u64>, IdentityError> {
        let value: Option<i64> = row.try_get(column)?;
        value
            .map(|v| u64::try_from(v).map_err(|_| corrupt(&format!("negative {column}"))))
            .transpose()
    };
    let models: Option<String> = row.try_get("models")?;
    let models = models
        .map(|json| {
            serde_json::from_str::<Vec<String>>(&json)
                .map_err(|_| corrupt("models is not a JSON list of strings"))
        })
        .transpose()?;
    let rpm = unsigned("rpm")?
        .map(|v| u32::try_from(v).map_err(|_| corrupt("rpm out of range")))
        .transpose()?;
    Ok(KeyRecord {
        prefix: row.try_get("prefix")?,
        tenant: row.try_get("tenant")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        models,
        rpm,
        tpm: unsigned("tpm")?,
        daily_token_budget: unsigned("daily_token_budget")?,
        monthly_token_budget: unsigned("monthly_token_budget")?,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
        suspended_at: row.try_get("suspended_at")?,
        id,
    })
}

#[async_trait]
impl KeyStore for SqliteKeyStore {
    async fn insert(&self, record: &KeyRecord, hash: &KeyHash) -> Result<(), IdentityError> {
        let models = record
            .models
            .as_ref()
            .map(|m| serde_json::to_string(m).unwrap_or_else(|_| "[]".to_owned()));
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, prefix, tenant, name, role, models, rpm, tpm, \
             daily_token_budget, monthly_token_budget, expires_at, created_at, revoked_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&record.id)
        .bind(hash.as_str())
        .bind(&record.prefix)
        .bind(&record.tenant)
        .bind(&record.name)
        .bind(&record.role)
        .bind(models)
        .bind(record.rpm.map(i64::from))
        .bind(to_i64(record.tpm))
        .bind(to_i64(record.daily_token_budget))
        .bind(to_i64(record.monthly_token_budget))
        .bind(record.expires_at)
        .bind(record.created_at)
        .bind(record.revoked_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<KeyRecord>, IdentityError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id");
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    async fn get(&self, id: &str) -> Result<Option<KeyRecord>, IdentityError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn revoke(&self, id: &str, at: i64) -> Result<KeyRecord, IdentityError> {
        sqlx::query(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND (revoked_at IS NULL OR revoked_at > ?)",
        )
        .bind(at)
        .bind(id)
        .bind(at)
        .execute(&self.pool)
            .await?;
        self.get(id)
            .await?
            .ok_or_else(|| IdentityError::NotFound(id.to_owned()))
    }

    async fn set_suspended(&self, id: &str, at: Option<i64>) -> Result<KeyRecord, IdentityError> {
        // Suspending twice keeps the first time; lifting clears it.
        let sql = match at {
            Some(_) => "UPDATE api_keys SET suspended_at = ? WHERE id = ? AND suspended_at IS NULL",
            None => "UPDATE api_keys SET suspended_at = ? WHERE id = ?",
        };
        sqlx::query(sql)
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.get(id)
            .await?
            .ok_or_else(|| IdentityError::NotFound(id.to_owned()))
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyRecord>, IdentityError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = ?");
        sqlx::query(&sql)
            .bind(hash.as_str())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }
}

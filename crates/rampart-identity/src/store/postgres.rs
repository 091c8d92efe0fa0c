//! The PostgreSQL key store, for many gateway replicas sharing one set of keys. Same
//! schema and semantics as the SQLite store; migrations run under an advisory lock so
//! replicas starting together do not race.

use super::KeyStore;
use crate::error::IdentityError;
use crate::key::KeyHash;
use crate::record::KeyRecord;
use async_trait::async_trait;
use rampart_migrate::{Migration, MigrationTable, migrate_postgres};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Row};
use std::str::FromStr;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "api_keys",
        sql: include_str!("../../migrations/postgres/0001_api_keys.sql"),
    },
    Migration {
        version: 2,
        name: "key_suspension",
        sql: include_str!("../../migrations/postgres/0002_key_suspension.sql"),
    },
];

const MIGRATION_TABLE: MigrationTable = MigrationTable("rampart_identity_migrations");

/// Arbitrary constant naming Rampart identity migrations in `pg_advisory_xact_lock`.
const MIGRATION_LOCK: i64 = 0x7261_6d70_6964_0001;

const COLUMNS: &str = "id, prefix, tenant, name, role, models, rpm, tpm, daily_token_budget, \
     monthly_token_budget, expires_at, created_at, revoked_at, suspended_at";

#[derive(Debug, Clone)]
pub struct PgKeyStore {
    pool: PgPool,
}

impl PgKeyStore {
    /// Connects to a `postgres://` URL and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, IdentityError> {
        let options = PgConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        migrate(&pool).await?;
        Ok(PgKeyStore { pool })
    }
}

async fn migrate(pool: &PgPool) -> Result<(), sqlx::Error> {
    migrate_postgres(pool, MIGRATION_TABLE, MIGRATION_LOCK, MIGRATIONS).await
}

fn to_i64(value: Option<u64>) -> Option<i64> {
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

fn from_row(row: &PgRow) -> Result<KeyRecord, IdentityError> {
    let id: String = row.try_get("id")?;
    let corrupt = |reason: String| IdentityError::Corrupt {
        id: id.clone(),
        reason,
    };
    let unsigned = |column: &str| -> Result<Option<u64>, IdentityError> {
        let value: Option<i64> = row.try_get(column)?;
        value
            .map(|v| u64::try_from(v).map_err(|_| corrupt(format!("negative {column}"))))
            .transpose()
    };
    let models: Option<String> = row.try_get("models")?;
    let models = models
        .map(|json| {
            serde_json::from_str::<Vec<String>>(&json)
                .map_err(|_| corrupt("models is not a JSON list of strings".to_owned()))
        })
        .transpose()?;
    let rpm = unsigned("rpm")?
        .map(|v| u32::try_from(v).map_err(|_| corrupt("rpm out of range".to_owned())))
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
impl KeyStore for PgKeyStore {
    async fn insert(&self, record: &KeyRecord, hash: &KeyHash) -> Result<(), IdentityError> {
        let models = record
            .models
            .as_ref()
            .map(|m| serde_json::to_string(m).unwrap_or_else(|_| "[]".to_owned()));
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, prefix, tenant, name, role, models, rpm, tpm, \
             daily_token_budget, monthly_token_budget, expires_at, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn revoke(&self, id: &str, at: i64) -> Result<KeyRecord, IdentityError> {
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND (revoked_at IS NULL OR revoked_at > $1)")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.get(id)
            .await?
            .ok_or_else(|| IdentityError::NotFound(id.to_owned()))
    }

    async fn set_suspended(&self, id: &str, at: Option<i64>) -> Result<KeyRecord, IdentityError> {
        // Suspending twice keeps the first time; lifting clears it.
        let sql = match at {
            Some(_) => {
                "UPDATE api_keys SET suspended_at = $1 WHERE id = $2 AND suspended_at IS NULL"
            }
            None => "UPDATE api_keys SET suspended_at = $1 WHERE id = $2",
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
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1");
        sqlx::query(&sql)
            .bind(hash.as_str())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }
}

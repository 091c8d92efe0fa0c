//! The embedded schema migration runner that every Rampart store uses.
//!
//! Each store (identity keys, audit log; SQLite and PostgreSQL) ships its SQL inside the
//! binary as a list of [`Migration`]s and records which ones ran in its own table
//! (`rampart_identity_migrations`, `rampart_audit_migrations`). All pending migrations
//! run in one transaction, so a store is never left half migrated. Two processes opening
//! the same database at once cannot both apply a migration: SQLite takes the write lock
//! up front (`BEGIN IMMEDIATE`), PostgreSQL takes a transaction-scoped advisory lock
//! named by the store.
//!
//! Migrations are append only: never edit one that has been released, add the next.

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

/// One schema step: applied once, in `version` order, and recorded with its `name`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Where a store records its applied migrations. The table name is spliced into SQL, so
/// it is a compile-time constant of the store, never input.
#[derive(Debug, Clone, Copy)]
pub struct MigrationTable(pub &'static str);

/// Applies the pending `migrations` to a SQLite database.
pub async fn migrate_sqlite(
    pool: &SqlitePool,
    table: MigrationTable,
    migrations: &[Migration],
) -> Result<(), sqlx::Error> {
    // IMMEDIATE: take the write lock before reading what is applied, so a second process
    // waits instead of applying the same migration.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    apply_pending::<sqlx::Sqlite>(&mut tx, SQLITE, table, migrations).await?;
    tx.commit().await
}

/// Applies the pending `migrations` to a PostgreSQL database, under the advisory lock
/// `lock` (a constant distinct per store) so replicas starting together do not race.
pub async fn migrate_postgres(
    pool: &PgPool,
    table: MigrationTable,
    lock: i64,
    migrations: &[Migration],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock)
        .execute(&mut *tx)
        .await?;
    apply_pending::<sqlx::Postgres>(&mut tx, POSTGRES, table, migrations).await?;
    tx.commit().await
}

/// What differs between the two databases in the ledger's SQL.
#[derive(Debug, Clone, Copy)]
struct Dialect {
    version_type: &'static str,
    /// The first and second bind parameters.
    params: [&'static str; 2],
}

const SQLITE: Dialect = Dialect {
    version_type: "INTEGER",
    params: ["?", "?"],
};
const POSTGRES: Dialect = Dialect {
    version_type: "BIGINT",
    params: ["$1", "$2"],
};

/// Creates the ledger if needed, then runs and records each migration it does not list,
/// inside the caller's transaction (which holds the lock).
async fn apply_pending<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    dialect: Dialect,
    table: MigrationTable,
    migrations: &[Migration],
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let MigrationTable(table) = table;
    let Dialect {
        version_type,
        params: [first, second],
    } = dialect;
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (version {version_type} PRIMARY KEY, name TEXT NOT NULL)"
    ))
    .execute(&mut **tx)
    .await?;
    let applied_query = format!("SELECT 1 FROM {table} WHERE version = {first}");
    let record_query = format!("INSERT INTO {table} (version, name) VALUES ({first}, {second})");
    for migration in migrations {
        let applied = sqlx::query(&applied_query)
            .bind(migration.version)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        if !applied {
            sqlx::raw_sql(migration.sql).execute(&mut **tx).await?;
            sqlx::query(&record_query)
                .bind(migration.version)
                .bind(migration.name.to_owned())
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;
    use sqlx::sqlite::SqlitePoolOptions;

    const TABLE: MigrationTable = MigrationTable("test_migrations");
    const FIRST: Migration = Migration {
        version: 1,
        name: "things",
        sql: "CREATE TABLE things (id INTEGER PRIMARY KEY); INSERT INTO things VALUES (1);",
    };
    const SECOND: Migration = Migration {
        version: 2,
        name: "more_things",
        sql: "INSERT INTO things VALUES (2);",
    };

    async fn memory_pool() -> SqlitePool {
        // One connection: every `sqlite::memory:` connection is its own database.
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("in-memory SQLite")
    }

    async fn count(pool: &SqlitePool, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(pool)
            .await
            .expect("query")
            .get(0)
    }

    #[tokio::test]
    async fn each_migration_runs_once_and_later_ones_are_added() {
        let pool = memory_pool().await;
        migrate_sqlite(&pool, TABLE, &[FIRST]).await.expect("first");
        migrate_sqlite(&pool, TABLE, &[FIRST]).await.expect("again");
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM things").await, 1);
        migrate_sqlite(&pool, TABLE, &[FIRST, SECOND])
            .await
            .expect("second");
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM things").await, 2);
        assert_eq!(
            count(&pool, "SELECT COUNT(*) FROM test_migrations").await,
            2
        );
    }

    #[tokio::test]
    async fn a_failing_migration_leaves_nothing_applied() {
        let pool = memory_pool().await;
        let broken = Migration {
            version: 2,
            name: "broken",
            sql: "INSERT INTO no_such_table VALUES (1);",
        };
        assert!(
            migrate_sqlite(&pool, TABLE, &[FIRST, broken])
                .await
                .is_err()
        );
        let tables = count(
            &pool,
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('things', 'test_migrations')",
        )
        .await;
        assert_eq!(tables, 0, "the whole batch is rolled back");
    }
}

//! The two backends' migrations make the same schema: the same tables, the same columns in each,
//! the same named indexes. Read from each database's own catalogue after the migrations ran, so
//! a migration written for one backend and forgotten for the other shows up here.

mod support;

use std::collections::BTreeSet;

use sqlx::{PgPool, SqlitePool};
use support::TestDb;

/// What is compared: names only (the column types are each backend's own).
#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    tables: BTreeSet<String>,
    /// (table, column)
    columns: BTreeSet<(String, String)>,
    /// (table, index): the indexes the migrations name. The ones a database makes by itself
    /// for a primary key or a unique constraint (`sqlite_autoindex_…`, PostgreSQL's `…_pkey`
    /// and `…_key`) have no name in common and are left out.
    indexes: BTreeSet<(String, String)>,
}

/// sqlx's own bookkeeping, not the product's schema.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

async fn sqlite_schema(url: &str) -> Schema {
    let pool = SqlitePool::connect(url).await.expect("sqlite");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> $1")
            .bind(MIGRATIONS_TABLE)
            .fetch_all(&pool)
            .await
            .expect("tables");
    let mut schema = Schema { tables: tables.iter().cloned().collect(), ..Schema::default() };
    for table in &tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)").bind(table).fetch_all(&pool).await.expect("columns");
        schema.columns.extend(columns.into_iter().map(|c| (table.clone(), c)));
    }
    // An index SQLite made for a PRIMARY KEY or UNIQUE constraint is `sqlite_autoindex_…` and
    // has no SQL of its own.
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\' AND tbl_name <> $1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&pool)
    .await
    .expect("indexes");
    schema.indexes.extend(indexes);
    pool.close().await;
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let pool = PgPool::connect(url).await.expect("postgres");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> $1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&pool)
    .await
    .expect("tables");
    let columns: Vec<(String, String)> =
        sqlx::query_as("SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> $1")
            .bind(MIGRATIONS_TABLE)
            .fetch_all(&pool)
            .await
            .expect("columns");
    // Indexes that back a primary key or unique constraint are PostgreSQL's own (`…_pkey`,
    // `…_key`); every other index was created by name.
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> $1 \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&pool)
    .await
    .expect("indexes");
    pool.close().await;
    Schema { tables: tables.into_iter().collect(), columns: columns.into_iter().collect(), indexes: indexes.into_iter().collect() }
}

/// What one backend has and the other has not, one line each.
fn differences<T: Ord + std::fmt::Debug>(what: &str, sqlite: &BTreeSet<T>, postgres: &BTreeSet<T>) -> Vec<String> {
    let only = |a: &BTreeSet<T>, b: &BTreeSet<T>, backend: &str| a.difference(b).map(|x| format!("{what} only in {backend}: {x:?}")).collect::<Vec<_>>();
    [only(sqlite, postgres, "SQLite"), only(postgres, sqlite, "PostgreSQL")].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_migrate_to_the_same_tables_columns_and_indexes() {
    let (lite, pg) = (TestDb::sqlite().await, TestDb::postgres().await);
    let sqlite = sqlite_schema(&lite.url).await;
    let postgres = postgres_schema(&pg.url).await;
    lite.cleanup().await;
    pg.cleanup().await;

    // Not an empty comparison: the product's tables are there.
    for table in ["clinics", "appointments", "patients", "staff", "notifications"] {
        assert!(sqlite.tables.contains(table), "SQLite has no {table}: {:?}", sqlite.tables);
    }
    assert!(!sqlite.indexes.is_empty(), "SQLite has no named index");
    let mut diff = differences("table", &sqlite.tables, &postgres.tables);
    diff.extend(differences("column", &sqlite.columns, &postgres.columns));
    diff.extend(differences("index", &sqlite.indexes, &postgres.indexes));
    assert!(diff.is_empty(), "the backends' schemas differ:\n{}", diff.join("\n"));
    assert_eq!(sqlite, postgres);
}

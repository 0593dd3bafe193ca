//! SQLite: the embedded default. WAL so readers never wait for the writer, foreign keys on, and
//! every write in an immediate transaction, which takes SQLite's single write lock up front: two
//! bookings can never interleave their check and their insert.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::error::DatabaseError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, SqliteConnection, Transaction};

use super::backend::{Backend, Record};
use super::sql::{bind, Sql};

#[async_trait]
impl Backend for Sqlite {
    type Db = Sqlite;
    const FOR_UPDATE: &'static str = "";
    const SKIP_LOCKED: &'static str = "";

    async fn connect(url: &str) -> anyhow::Result<Pool<Sqlite>> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // Migrations run on a connection of their own, closed before the pool opens: a migration
        // that edits a table's CHECK in the schema (0014) leaves its own connection with the old
        // definition parsed, while every new connection reads the new one.
        let migrating = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations/sqlite").run(&migrating).await?;
        migrating.close().await;
        Ok(SqlitePoolOptions::new().max_connections(8).connect_with(options).await?)
    }

    async fn begin_write(pool: &Pool<Sqlite>) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    async fn fetch_all<R: Record>(c: &mut SqliteConnection, q: Sql) -> Result<Vec<R>, sqlx::Error> {
        let rows = bind(sqlx::query(&q.text), q.args).fetch_all(&mut *c).await?;
        rows.iter().map(R::from_row).collect()
    }

    async fn fetch_optional<R: Record>(c: &mut SqliteConnection, q: Sql) -> Result<Option<R>, sqlx::Error> {
        let row = bind(sqlx::query(&q.text), q.args).fetch_optional(&mut *c).await?;
        row.as_ref().map(R::from_row).transpose()
    }

    async fn execute(c: &mut SqliteConnection, q: Sql) -> Result<u64, sqlx::Error> {
        Ok(bind(sqlx::query(&q.text), q.args).execute(&mut *c).await?.rows_affected())
    }

    fn transient(e: &dyn DatabaseError) -> bool {
        // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes (the busy timeout ran out).
        e.code().and_then(|code| code.parse::<i32>().ok()).is_some_and(|code| matches!(code & 0xff, 5 | 6))
    }

    fn broke(e: &dyn DatabaseError, _name: &str, columns: &str) -> bool {
        // `UNIQUE constraint failed: staff.email` names the columns, not the constraint.
        e.message().contains(columns)
    }
}

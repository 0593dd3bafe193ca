//! SQLite: the embedded default. WAL so readers never wait for the writer, foreign keys on, and
//! every write that re-checks capacity in an immediate transaction, which takes SQLite's single
//! write lock up front: two bookings can never interleave their check and their insert.

use std::str::FromStr;
use std::time::Duration;

use app::store::{NewBooking, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::DbError;

super::queries::shared_queries!(sqlx::Sqlite, SqliteStore, for_update = "", skip_locked = "");
super::patients::patients_queries!(sqlx::Sqlite, SqliteStore);
super::console::console_queries!(sqlx::Sqlite, SqliteStore);
super::settings::settings_queries!(sqlx::Sqlite, SqliteStore, for_update = "");

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, StoreError> {
        Ok(self.pool.acquire().await.map_err(DbError::from)?)
    }

    /// A transaction that holds SQLite's write lock from its first statement.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(DbError::from)?)
    }

    /// Nothing to lock: the immediate transaction already excludes every other writer.
    async fn lock_for_booking(_tx: &mut sqlx::SqliteConnection, _booking: &NewBooking) -> Result<(), StoreError> {
        Ok(())
    }
}


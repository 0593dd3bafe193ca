//! What differs between SQLite and PostgreSQL, named in one trait. Everything else (the SQL,
//! the row mapping, the [`Store`](app::store::Store) implementation) is written once for both.

use async_trait::async_trait;
use sqlx::error::DatabaseError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Pool, Transaction};

use super::sql::Sql;

/// The connection of a backend, as both a pooled connection and a transaction hold it.
pub type Conn<B> = <<B as Backend>::Db as sqlx::Database>::Connection;

/// A row type both backends can read (`#[derive(sqlx::FromRow)]`, or a tuple).
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}
impl<T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static> Record for T {}

#[async_trait]
pub trait Backend: Send + Sync + Sized + 'static {
    type Db: sqlx::Database;

    /// Appended to a `SELECT` whose rows the transaction goes on to change: nobody else changes
    /// them before it ends. SQLite needs nothing (its write transaction excludes every other
    /// writer).
    const FOR_UPDATE: &'static str;
    /// Appended to the outbox claim: rows another worker holds are left to it.
    const SKIP_LOCKED: &'static str;

    /// Connects, with the pool this backend wants, and brings the schema up to date.
    async fn connect(url: &str) -> anyhow::Result<Pool<Self::Db>>;
    /// A transaction that no other booking of the same resource can interleave with: SQLite's
    /// `BEGIN IMMEDIATE` (the database's one write lock, from the first statement); on PostgreSQL
    /// an ordinary transaction that locks the rows it needs.
    async fn begin_write(pool: &Pool<Self::Db>) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;

    async fn fetch_all<R: Record>(c: &mut Conn<Self>, q: Sql) -> Result<Vec<R>, sqlx::Error>;
    async fn fetch_optional<R: Record>(c: &mut Conn<Self>, q: Sql) -> Result<Option<R>, sqlx::Error>;
    /// Returns the number of rows affected.
    async fn execute(c: &mut Conn<Self>, q: Sql) -> Result<u64, sqlx::Error>;

    /// Whether a database error broke the constraint the migrations call `name`, over `columns`
    /// (`table.column, …`): PostgreSQL names the constraint, SQLite only its columns.
    fn broke(e: &dyn DatabaseError, name: &str, columns: &str) -> bool;

    /// Whether the error means "try again": nothing was wrong with the request (PostgreSQL's
    /// deadlocks and serialization failures, SQLite's busy database).
    fn transient(e: &dyn DatabaseError) -> bool;
}

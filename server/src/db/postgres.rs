//! PostgreSQL: for clinics and vendors that run several app instances on one database. A
//! booking locks its resource's row (`FOR UPDATE`) before re-checking capacity, so bookings of
//! the same practitioner or room queue up behind each other across all instances while other
//! resources book in parallel; status changes lock the appointment's row.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::error::DatabaseError;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgConnection, Pool, Postgres, Transaction};

use super::backend::{Backend, Record};
use super::sql::{bind, Sql};

#[async_trait]
impl Backend for Postgres {
    type Db = Postgres;
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";

    async fn connect(url: &str) -> anyhow::Result<Pool<Postgres>> {
        let pool = PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(30)).connect(url).await?;
        // sqlx holds an advisory lock while it migrates: instances starting together wait.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(pool)
    }

    async fn begin_write(pool: &Pool<Postgres>) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        pool.begin().await
    }

    async fn fetch_all<R: Record>(c: &mut PgConnection, q: Sql) -> Result<Vec<R>, sqlx::Error> {
        let rows = bind(sqlx::query(&q.text), q.args).fetch_all(&mut *c).await?;
        rows.iter().map(R::from_row).collect()
    }

    async fn fetch_optional<R: Record>(c: &mut PgConnection, q: Sql) -> Result<Option<R>, sqlx::Error> {
        let row = bind(sqlx::query(&q.text), q.args).fetch_optional(&mut *c).await?;
        row.as_ref().map(R::from_row).transpose()
    }

    async fn execute(c: &mut PgConnection, q: Sql) -> Result<u64, sqlx::Error> {
        Ok(bind(sqlx::query(&q.text), q.args).execute(&mut *c).await?.rows_affected())
    }

    fn transient(e: &dyn DatabaseError) -> bool {
        // Class 40: transaction rollback (40001 serialization failure, 40P01 deadlock).
        e.code().is_some_and(|code| code.starts_with("40"))
    }

    fn broke(e: &dyn DatabaseError, name: &str, _columns: &str) -> bool {
        e.constraint() == Some(name)
    }
}

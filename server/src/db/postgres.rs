//! PostgreSQL: for clinics and vendors that run several app instances on one database.
//! A booking locks its resource's row (`FOR UPDATE`) before re-checking capacity, so bookings of
//! the same practitioner or room queue up behind each other across all instances while other
//! resources book in parallel; status changes lock the appointment's row.

use std::time::Duration;

use app::store::{NewBooking, StoreError};
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::DbError;

super::queries::shared_queries!(sqlx::Postgres, PgStore, for_update = " FOR UPDATE", skip_locked = " FOR UPDATE SKIP LOCKED");
super::patients::patients_queries!(sqlx::Postgres, PgStore);
super::console::console_queries!(sqlx::Postgres, PgStore);
super::settings::settings_queries!(sqlx::Postgres, PgStore, for_update = " FOR UPDATE");

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, StoreError> {
        Ok(self.pool.acquire().await.map_err(DbError::from)?)
    }

    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await.map_err(DbError::from)?)
    }

    /// Takes the resource's row lock for the rest of the transaction.
    async fn lock_for_booking(tx: &mut sqlx::PgConnection, booking: &NewBooking) -> Result<(), StoreError> {
        let locked: Option<i64> = sqlx::query_scalar("SELECT id FROM resources WHERE id = $1 AND clinic_id = $2 FOR UPDATE")
            .bind(booking.resource_id.0)
            .bind(booking.clinic_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(DbError::from)?;
        locked.map(|_| ()).ok_or(StoreError::PlaceTaken)
    }
}

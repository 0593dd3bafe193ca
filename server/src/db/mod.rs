//! Storage: [`app::store::Store`] for SQLite and PostgreSQL, chosen by `DATABASE_URL`. What
//! differs between them is the [`Backend`] trait (`sqlite.rs`, `postgres.rs`); the SQL is written
//! once, by concern, on [`Session`].

mod access;
mod appointments;
mod backend;
mod clinics;
mod housekeeping;
mod idempotency;
mod notifications;
mod patients;
mod postgres;
mod rows;
pub mod secrets;
mod service_messages;
mod session;
mod sql;
mod sqlite;
mod staff;
mod web;

use std::sync::Arc;

use app::store::{Reads, SharedStore, Store, StoreError, Write};
use async_trait::async_trait;
use sqlx::{Pool, Postgres, Sqlite};

pub use backend::Backend;
use secrets::{SecretKey, Secrets};
use session::Session;

/// One database, through one backend.
pub struct Db<B: Backend> {
    pool: Pool<B::Db>,
    secrets: Secrets,
}

impl<B: Backend> Db<B> {
    pub async fn open(url: &str, secrets: Secrets) -> anyhow::Result<Self> {
        let pool = B::connect(url).await?;
        patients::fold_unfolded_names::<B>(&pool).await?;
        secrets::seal_plain_secrets::<B>(&pool, &secrets).await?;
        Ok(Db { pool, secrets })
    }

    fn session<C: session::Held<B>>(&self, conn: C) -> Session<B, C> {
        Session::new(conn, self.secrets.clone())
    }
}

#[async_trait]
impl<B: Backend> Store for Db<B> {
    async fn ping(&self) -> Result<(), StoreError> {
        let conn = self.pool.acquire().await.map_err(store_error::<B>)?;
        self.session(conn).execute(sql::sql("SELECT 1")).await.map(drop)
    }

    async fn read(&self) -> Result<Box<dyn Reads>, StoreError> {
        let conn = self.pool.acquire().await.map_err(store_error::<B>)?;
        Ok(Box::new(self.session(conn)))
    }

    async fn write(&self) -> Result<Box<dyn Write>, StoreError> {
        let tx = B::begin_write(&self.pool).await.map_err(store_error::<B>)?;
        Ok(Box::new(self.session(tx)))
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// Connects to the database named by `url` (`sqlite:…` or `postgres://…`) and brings its schema
/// up to date; the clinics' LINE credentials are sealed with `key`.
pub async fn open(url: &str, key: Option<SecretKey>) -> anyhow::Result<SharedStore> {
    let secrets = Secrets(key);
    match backend_of(url)? {
        Kind::Sqlite => Ok(Arc::new(Db::<Sqlite>::open(url, secrets).await?)),
        Kind::Postgres => Ok(Arc::new(Db::<Postgres>::open(url, secrets).await?)),
    }
}

/// Seals every stored secret again under `new`; answers how many there were.
pub async fn rotate_secret_key(url: &str, old: &SecretKey, new: &SecretKey) -> anyhow::Result<usize> {
    match backend_of(url)? {
        Kind::Sqlite => secrets::rotate::<Sqlite>(&Sqlite::connect(url).await?, old, new).await,
        Kind::Postgres => secrets::rotate::<Postgres>(&Postgres::connect(url).await?, old, new).await,
    }
}

enum Kind {
    Sqlite,
    Postgres,
}

fn backend_of(url: &str) -> anyhow::Result<Kind> {
    if url.starts_with("sqlite:") {
        Ok(Kind::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Kind::Postgres)
    } else {
        anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:// (got {url:?})")
    }
}

/// Session tokens are stored as their SHA-256 digest, so a copy of the database does not hold
/// working cookies.
pub(crate) fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A constraint an action can break: the name the migrations give it, the columns it covers
/// (SQLite names those instead), and what breaking it means.
struct Constraint {
    name: &'static str,
    columns: &'static str,
    meaning: fn() -> StoreError,
}

const CONSTRAINTS: [Constraint; 4] = [
    Constraint {
        name: "appointments_queue_place",
        columns: "appointments.resource_id, appointments.menu_id, appointments.service_date, appointments.queue_number",
        meaning: || StoreError::PlaceTaken,
    },
    Constraint { name: "clinics_slug_key", columns: "clinics.slug", meaning: || StoreError::SlugTaken },
    Constraint { name: "staff_email_key", columns: "staff.email", meaning: || StoreError::EmailTaken },
    Constraint { name: "idempotency_keys_once", columns: "idempotency_keys.actor, idempotency_keys.key", meaning: || StoreError::KeyTaken },
];

/// The one place where a database error becomes a [`StoreError`]: a broken constraint by its
/// name, an unreachable database as such, anything else as internal.
fn store_error<B: Backend>(e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error() {
        if let Some(broken) = CONSTRAINTS.iter().find(|c| B::broke(db, c.name, c.columns)) {
            return (broken.meaning)();
        }
        if B::transient(db) {
            return StoreError::Unavailable(Box::new(e));
        }
    }
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Unavailable(Box::new(e)),
        other => StoreError::Internal(Box::new(other)),
    }
}

//! Storage: one implementation of [`app::store::Store`] per backend, chosen by `DATABASE_URL`.

mod console;
mod postgres;
mod patients;
mod queries;
mod rows;
mod settings;
mod sqlite;

use std::sync::Arc;

use app::store::{SharedStore, StoreError};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Connects to the database named by `url` (`sqlite:…` or `postgres://…`) and brings its schema
/// up to date.
pub async fn open(url: &str) -> anyhow::Result<SharedStore> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
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

/// A database error on its way to becoming a [`StoreError`].
#[derive(Debug)]
pub struct DbError(sqlx::Error);

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        DbError(e)
    }
}

/// The one place where a broken constraint becomes an error a user can act on, by its name.
impl From<DbError> for StoreError {
    fn from(DbError(e): DbError) -> Self {
        match e.as_database_error().and_then(constraint_name) {
            Some("appointments_queue_place") => StoreError::PlaceTaken,
            Some("clinics_slug_key") => StoreError::SlugTaken,
            Some("staff_email_key") => StoreError::EmailTaken,
            Some("patients_line_user_key") => StoreError::Rejected("this LINE user is already a patient of the clinic"),
            _ => match e {
                sqlx::Error::RowNotFound => StoreError::NotFound,
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Unavailable(Box::new(e)),
                other => StoreError::Internal(Box::new(other)),
            },
        }
    }
}

/// PostgreSQL names the constraint; SQLite only names the columns, so they are mapped to the
/// names the migrations give the same constraints.
fn constraint_name(e: &dyn sqlx::error::DatabaseError) -> Option<&'static str> {
    const BY_NAME: [&str; 4] = ["appointments_queue_place", "clinics_slug_key", "staff_email_key", "patients_line_user_key"];
    const SQLITE_COLUMNS: [(&str, &str); 4] = [
        ("appointments.queue_number", "appointments_queue_place"),
        ("clinics.slug", "clinics_slug_key"),
        ("staff.email", "staff_email_key"),
        ("patients.line_user_id", "patients_line_user_key"),
    ];
    if let Some(name) = e.constraint() {
        return BY_NAME.into_iter().find(|n| *n == name);
    }
    let message = e.message();
    SQLITE_COLUMNS.into_iter().find(|(columns, _)| message.contains(columns)).map(|(_, name)| name)
}

//! A backend connection as the storage interface uses it: a pooled connection for reads
//! ([`app::store::Reads`]) or a write transaction ([`app::store::Write`]). The SQL of every
//! concern (`clinics.rs`, `appointments.rs` …) is implemented once on [`Session`], for both
//! backends and both kinds of connection.

use std::marker::PhantomData;
use std::ops::DerefMut;

use app::store::{StoreError, Write};
use async_trait::async_trait;
use sqlx::Transaction;

use super::backend::{Backend, Conn, Record};
use super::secrets::Secrets;
use super::sql::Sql;

/// What a session holds: a pooled connection or a transaction, both a backend connection.
pub trait Held<B: Backend>: DerefMut<Target = Conn<B>> + Send {}
impl<B: Backend, C: DerefMut<Target = Conn<B>> + Send> Held<B> for C {}

pub struct Session<B: Backend, C: Held<B>> {
    conn: C,
    /// What the clinics' LINE credentials are sealed with (`secrets.rs`).
    pub secrets: Secrets,
    backend: PhantomData<fn() -> B>,
}

impl<B: Backend, C: Held<B>> Session<B, C> {
    pub fn new(conn: C, secrets: Secrets) -> Self {
        Session { conn, secrets, backend: PhantomData }
    }

    pub async fn all<R: Record>(&mut self, q: Sql) -> Result<Vec<R>, StoreError> {
        B::fetch_all(&mut self.conn, q).await.map_err(super::store_error::<B>)
    }

    pub async fn optional<R: Record>(&mut self, q: Sql) -> Result<Option<R>, StoreError> {
        B::fetch_optional(&mut self.conn, q).await.map_err(super::store_error::<B>)
    }

    /// A statement that always answers one row (`INSERT … RETURNING`, `COUNT(*)`).
    pub async fn one<R: Record>(&mut self, q: Sql) -> Result<R, StoreError> {
        self.optional(q).await?.ok_or_else(|| StoreError::Internal("a statement that answers one row answered none".into()))
    }

    /// Returns the number of rows affected.
    pub async fn execute(&mut self, q: Sql) -> Result<u64, StoreError> {
        B::execute(&mut self.conn, q).await.map_err(super::store_error::<B>)
    }
}

#[async_trait]
impl<B: Backend> Write for Session<B, Transaction<'static, B::Db>> {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.conn.commit().await.map_err(super::store_error::<B>)
    }
}

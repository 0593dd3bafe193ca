//! The answers of state-changing actions, kept under the key the page made for one intention,
//! so a repeat of the same request gets the first answer instead of acting twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Actor, StoreError};

/// A kept answer: the digest of the request it answered, and the answer as sent (JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptAnswer {
    pub request: String,
    pub answer: String,
}

#[async_trait]
pub trait IdempotencyWrites {
    /// The answer `actor` got for `key`, if the action under it has committed.
    async fn kept_answer(&mut self, actor: Actor, key: &str) -> Result<Option<KeptAnswer>, StoreError>;
    /// Claims `key` for the action this transaction is about to run, before it runs: a concurrent
    /// duplicate then waits here for the first to end (PostgreSQL) and fails with
    /// [`StoreError::KeyTaken`], so it can read the first's answer instead of acting. A
    /// transaction that ends without commit releases the claim.
    async fn claim_key(&mut self, actor: Actor, key: &str, request: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Keeps the answer of the claimed key, in the action's transaction.
    async fn keep_answer(&mut self, actor: Actor, key: &str, answer: &str) -> Result<(), StoreError>;
}

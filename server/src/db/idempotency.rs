//! Kept answers of state-changing actions, for both backends.

use app::store::{Actor, IdempotencyWrites, KeptAnswer, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::session::{Held, Session};
use super::sql::sql;

#[async_trait]
impl<B: Backend, C: Held<B>> IdempotencyWrites for Session<B, C> {
    async fn kept_answer(&mut self, actor: Actor, key: &str) -> Result<Option<KeptAnswer>, StoreError> {
        let q = sql("SELECT request, answer FROM idempotency_keys WHERE actor = $1 AND key = $2").bind(actor.to_stored()).bind(key);
        Ok(self.optional::<(String, String)>(q).await?.map(|(request, answer)| KeptAnswer { request, answer }))
    }

    async fn claim_key(&mut self, actor: Actor, key: &str, request: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        // Not `ON CONFLICT DO NOTHING`: the conflict is the answer (`idempotency_keys_once`).
        let q = sql("INSERT INTO idempotency_keys (actor, key, request, answer, created_at) VALUES ($1, $2, $3, '', $4)");
        self.execute(q.bind(actor.to_stored()).bind(key).bind(request).bind(now)).await.map(drop)
    }

    async fn keep_answer(&mut self, actor: Actor, key: &str, answer: &str) -> Result<(), StoreError> {
        let q = sql("UPDATE idempotency_keys SET answer = $1 WHERE actor = $2 AND key = $3");
        match self.execute(q.bind(answer).bind(actor.to_stored()).bind(key)).await? {
            1 => Ok(()),
            n => Err(StoreError::Internal(format!("an answer kept under {n} claims").into())),
        }
    }
}

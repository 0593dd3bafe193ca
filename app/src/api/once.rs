//! Idempotent actions. The page makes one [`IdempotencyKey`] for one intention (this booking,
//! this approval) and sends it with every try; the server keeps the first answer under it, per
//! patient or staff member, in the action's own transaction. A repeat — a double tap, a retry
//! after a lost reply, the same request reaching another instance at the same moment — gets that
//! answer instead of acting again. A failed action keeps nothing: trying again acts. The kept
//! request digest never includes a password or a LINE secret; the page makes a new key when one
//! is typed anew ([`Intent::renewed_by`]).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A key for one intention: 16 to 64 letters, digits, `-` or `_` (a UUID fits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A fresh random key (128 bits).
    pub fn new() -> Self {
        IdempotencyKey(random_hex())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for IdempotencyKey {
    fn default() -> Self {
        Self::new()
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let fits = (16..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if fits {
            Ok(IdempotencyKey(s))
        } else {
            Err("an idempotency key is 16 to 64 letters, digits, - or _")
        }
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> String {
        key.0
    }
}

/// One intention on a page (this booking, this approval): every try of it sends the same key;
/// once it has succeeded, the next intention gets a new one.
#[derive(Clone, Copy, Debug)]
pub struct Intent(RwSignal<IdempotencyKey>);

impl Intent {
    pub fn new() -> Self {
        Intent(RwSignal::new(IdempotencyKey::new()))
    }

    /// The key to send with this try.
    pub fn key(self) -> IdempotencyKey {
        self.0.get_untracked()
    }

    /// The intention succeeded: what the page does next is another.
    pub fn done(self) {
        self.0.set(IdempotencyKey::new());
    }

    /// Every new value typed into `secret` makes a new intention. Passwords and LINE secrets
    /// never enter the digest the server keeps of a request, so the server could not tell a
    /// retry from a changed secret: the page must.
    pub fn renewed_by<T: Send + Sync + 'static>(self, secret: RwSignal<T>) -> Self {
        Effect::new(move |_| {
            secret.track();
            self.done();
        });
        self
    }
}

impl Default for Intent {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "hydrate")]
fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    // `getRandomValues` works outside secure contexts too (unlike `randomUUID`).
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        // No Web Crypto (very old browsers): a weaker but still unique-enough key.
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(all(feature = "ssr", not(feature = "hydrate")))]
fn random_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn random_hex() -> String {
    unreachable!("keys are made in the browser or on the server")
}

/// `let mut act = fresh!(once::ssr::begin(…).await?);` inside a server function's body: a repeat
/// returns its kept answer from there; a first try goes on with the claimed transaction
/// (`act.tx()`, then `act.finish(&answer)`).
#[cfg(feature = "ssr")]
macro_rules! fresh {
    ($begun:expr) => {
        match $begun {
            $crate::api::once::ssr::Once::Replay(answer) => return Ok(answer),
            $crate::api::once::ssr::Once::Fresh(fresh) => fresh,
        }
    };
}
#[cfg(feature = "ssr")]
pub(crate) use fresh;

#[cfg(feature = "ssr")]
pub mod ssr {
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use super::IdempotencyKey;
    use crate::error::Problem;
    use crate::store::{Actor, KeptAnswer, Store, StoreError, Write};

    /// What [`begin`] found: the first answer to this key, or the transaction to act in.
    pub enum Once<T> {
        Replay(T),
        Fresh(Fresh),
    }

    /// A claimed key and the transaction of its action: [`Fresh::finish`] keeps the answer and
    /// commits; dropping it keeps nothing.
    pub struct Fresh {
        tx: Box<dyn Write>,
        actor: Actor,
        key: IdempotencyKey,
    }

    impl Fresh {
        pub fn tx(&mut self) -> &mut dyn Write {
            self.tx.as_mut()
        }

        pub async fn finish<T: Serialize>(mut self, answer: &T) -> Result<(), Problem> {
            let answer = serde_json::to_string(answer).map_err(Problem::internal)?;
            self.tx.keep_answer(self.actor, self.key.as_str(), &answer).await?;
            Ok(self.tx.commit().await?)
        }
    }

    /// The digest a kept answer is checked against: the action's name and everything it was
    /// asked (a password among it is never stored, only this digest).
    fn digest(action: &str, request: &impl Serialize) -> Result<String, Problem> {
        use sha2::{Digest, Sha256};
        let body = serde_json::to_string(request).map_err(Problem::internal)?;
        let hash = Sha256::new().chain_update(action).chain_update([0]).chain_update(body).finalize();
        Ok(hash.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Starts `action` under `key` for `actor`: the first answer when the same request already
    /// ran, [`Problem::IdempotencyKeyReused`] when the key answered a different one, else a
    /// transaction with the key claimed.
    pub async fn begin<T: DeserializeOwned>(
        store: &dyn Store,
        actor: Actor,
        key: &IdempotencyKey,
        action: &str,
        request: &impl Serialize,
    ) -> Result<Once<T>, Problem> {
        let request = digest(action, request)?;
        // A concurrent duplicate that claimed the key first ends before the claim here fails;
        // the second look then finds its answer (or, if it failed, a free key).
        for _ in 0..3 {
            let mut tx = store.write().await?;
            if let Some(kept) = tx.kept_answer(actor, key.as_str()).await? {
                return replay(kept, &request).map(Once::Replay);
            }
            match tx.claim_key(actor, key.as_str(), &request, chrono::Utc::now()).await {
                Ok(()) => return Ok(Once::Fresh(Fresh { tx, actor, key: key.clone() })),
                Err(StoreError::KeyTaken) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Problem::internal("an idempotency key stayed claimed"))
    }

    fn replay<T: DeserializeOwned>(kept: KeptAnswer, request: &str) -> Result<T, Problem> {
        if kept.request != request {
            return Err(Problem::IdempotencyKeyReused);
        }
        serde_json::from_str(&kept.answer).map_err(Problem::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        assert!(IdempotencyKey::try_from("0123456789abcdef".to_string()).is_ok());
        assert!(IdempotencyKey::try_from("3f2b8c1e-7d4a-4e2b-9c1d-2a3b4c5d6e7f".to_string()).is_ok());
        assert!(IdempotencyKey::try_from("short".to_string()).is_err());
        assert!(IdempotencyKey::try_from("x".repeat(65)).is_err());
        assert!(IdempotencyKey::try_from("0123456789abcdef; DROP".to_string()).is_err());
        let fresh = IdempotencyKey::new();
        assert_eq!(IdempotencyKey::try_from(String::from(fresh.clone())), Ok(fresh.clone()));
        assert_ne!(fresh, IdempotencyKey::new());
    }
}

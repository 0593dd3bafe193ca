//! Secrets at rest: a clinic's LINE channel secret and access token are stored sealed with
//! XChaCha20-Poly1305 under a key from the environment (`YOYAKU_SECRET_KEY`), so a copy of the
//! database (a backup, a dump) holds no working credentials. Each sealed value is bound to its
//! clinic and column: moved to another row or column, it no longer opens.
//!
//! A stored value is `sealed:v1:` followed by base64 of the 24-byte nonce and the ciphertext.
//! Values written before sealing existed have no prefix; they are sealed at start-up
//! ([`seal_plain_secrets`]).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use app::booking::ids::{ClinicId, PatientId};
use app::store::{StoreError, Write};

use super::backend::Backend;
use super::session::Session;
use super::sql::sql;

pub const KEY_ENV: &str = "YOYAKU_SECRET_KEY";
const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;

/// The columns that hold secrets, each named in what it seals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretColumn {
    ChannelSecret,
    AccessToken,
    /// The LINE MINI App channel's secret (service messages).
    MiniAppSecret,
}

impl SecretColumn {
    /// The columns of `clinics` that hold secrets.
    pub const ALL: [SecretColumn; 3] = [SecretColumn::ChannelSecret, SecretColumn::AccessToken, SecretColumn::MiniAppSecret];

    pub fn name(self) -> &'static str {
        match self {
            SecretColumn::ChannelSecret => "line_channel_secret",
            SecretColumn::AccessToken => "line_channel_access_token",
            SecretColumn::MiniAppSecret => "line_mini_app_secret",
        }
    }
}

/// The key secrets are sealed with: 32 random bytes, written as base64.
#[derive(Clone)]
pub struct SecretKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl std::str::FromStr for SecretKey {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| anyhow::anyhow!("{KEY_ENV} is not base64 (make one with `server secret-key new`)"))?;
        anyhow::ensure!(bytes.len() == 32, "{KEY_ENV} must be 32 bytes of base64 (it is {} bytes); make one with `server secret-key new`", bytes.len());
        Ok(SecretKey { cipher: XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| anyhow::anyhow!("unusable key"))? })
    }
}

impl SecretKey {
    /// A new random key, as base64 (what `YOYAKU_SECRET_KEY` holds).
    pub fn generate() -> String {
        STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    pub fn seal(&self, clinic: ClinicId, column: SecretColumn, plain: &str) -> String {
        self.seal_bound(&associated_data(clinic, column), plain)
    }

    /// A patient's service notification token, bound to them: moved to another patient's row,
    /// it no longer opens.
    pub fn seal_token(&self, clinic: ClinicId, patient: PatientId, plain: &str) -> String {
        self.seal_bound(&token_associated_data(clinic, patient), plain)
    }

    pub fn open_token(&self, clinic: ClinicId, patient: PatientId, stored: &str) -> Option<String> {
        self.open_bound(&token_associated_data(clinic, patient), stored)
    }

    fn seal_bound(&self, aad: &str, plain: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encrypting into a Vec cannot fail for inputs of this size.
        let sealed = self.cipher.encrypt(&nonce, Payload { msg: plain.as_bytes(), aad: aad.as_bytes() }).expect("XChaCha20-Poly1305 encrypts");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{PREFIX}{}", STANDARD.encode(bytes))
    }

    /// `None` when the value was not sealed with this key for this clinic and column.
    pub fn open(&self, clinic: ClinicId, column: SecretColumn, stored: &str) -> Option<String> {
        self.open_bound(&associated_data(clinic, column), stored)
    }

    fn open_bound(&self, aad: &str, stored: &str) -> Option<String> {
        let bytes = STANDARD.decode(stored.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: aad.as_bytes() }).ok()?;
        String::from_utf8(plain).ok()
    }
}

fn associated_data(clinic: ClinicId, column: SecretColumn) -> String {
    format!("yoyaku:clinics.{}:{}", column.name(), clinic.0)
}

fn token_associated_data(clinic: ClinicId, patient: PatientId) -> String {
    format!("yoyaku:service_tokens.token:{}:{}", clinic.0, patient.0)
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// What storage seals and opens secrets with: the key, or none when the deployment has none
/// (then no secret can be saved, and start-up refuses a database that holds some).
#[derive(Clone, Debug, Default)]
pub struct Secrets(pub Option<SecretKey>);

impl Secrets {
    pub fn seal(&self, clinic: ClinicId, column: SecretColumn, plain: Option<&str>) -> Result<Option<String>, StoreError> {
        match (plain, &self.0) {
            (None, _) => Ok(None),
            (Some(plain), Some(key)) => Ok(Some(key.seal(clinic, column, plain))),
            (Some(_), None) => Err(StoreError::NoSecretKey),
        }
    }

    /// A patient's service notification token, sealed to them.
    pub fn seal_token(&self, clinic: ClinicId, patient: PatientId, plain: &str) -> Result<String, StoreError> {
        Ok(self.0.as_ref().ok_or(StoreError::NoSecretKey)?.seal_token(clinic, patient, plain))
    }

    /// `None` when it does not open (another key, or another patient's).
    pub fn open_token(&self, clinic: ClinicId, patient: PatientId, stored: &str) -> Option<String> {
        self.0.as_ref()?.open_token(clinic, patient, stored)
    }

    pub fn open(&self, clinic: ClinicId, column: SecretColumn, stored: Option<String>) -> Result<Option<String>, StoreError> {
        let Some(stored) = stored else { return Ok(None) };
        if !is_sealed(&stored) {
            // Only until start-up seals it; start-up refuses to run without a key while one exists.
            return Ok(Some(stored));
        }
        let key = self.0.as_ref().ok_or(StoreError::NoSecretKey)?;
        key.open(clinic, column, &stored)
            .map(Some)
            .ok_or_else(|| StoreError::Internal(format!("clinic {}'s {} does not open with {KEY_ENV}", clinic.0, column.name()).into()))
    }
}

/// Every stored secret: (clinic, column, stored value).
async fn stored_secrets<B: Backend, C: super::session::Held<B>>(session: &mut Session<B, C>) -> Result<Vec<(ClinicId, SecretColumn, String)>, StoreError> {
    /// A clinic's id and its secret columns, in the order of [`SecretColumn::ALL`].
    type Row = (i64, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = session.all(sql("SELECT id, line_channel_secret, line_channel_access_token, line_mini_app_secret FROM clinics ORDER BY id")).await?;
    let mut secrets = Vec::new();
    for (id, secret, token, mini_app) in rows {
        for (column, value) in SecretColumn::ALL.into_iter().zip([secret, token, mini_app]) {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                secrets.push((ClinicId(id), column, value));
            }
        }
    }
    Ok(secrets)
}

async fn store_secret<B: Backend, C: super::session::Held<B>>(
    session: &mut Session<B, C>,
    clinic: ClinicId,
    column: SecretColumn,
    value: String,
) -> Result<(), StoreError> {
    let q = sql(format!("UPDATE clinics SET {} = $1 WHERE id = $2", column.name()));
    session.execute(q.bind(value).bind(clinic)).await.map(drop)
}

/// At start-up: with no key, a database holding secrets is refused (the clinic's LINE would stop
/// working in ways only the logs explain); with a key, every secret must open with it, and the
/// ones stored before sealing existed are sealed now.
pub async fn seal_plain_secrets<B: Backend>(pool: &sqlx::Pool<B::Db>, secrets: &Secrets) -> anyhow::Result<()> {
    let tx = B::begin_write(pool).await.map_err(super::store_error::<B>)?;
    let mut session = Session::<B, _>::new(tx, secrets.clone());
    let stored = stored_secrets(&mut session).await?;
    let Some(key) = &secrets.0 else {
        if let Some((clinic, column, _)) = stored.first() {
            anyhow::bail!(
                "clinic {} stores LINE credentials ({}), which are sealed with a key: set {KEY_ENV} (make one with `server secret-key new`)",
                clinic.0,
                column.name()
            );
        }
        return Ok(());
    };
    for (clinic, column, value) in stored {
        if is_sealed(&value) {
            anyhow::ensure!(
                key.open(clinic, column, &value).is_some(),
                "clinic {}'s {} does not open with {KEY_ENV}: is it the key the database was sealed with?",
                clinic.0,
                column.name()
            );
        } else {
            store_secret(&mut session, clinic, column, key.seal(clinic, column, &value)).await?;
            tracing::info!(clinic = clinic.0, column = column.name(), "sealed a secret stored before sealing existed");
        }
    }
    Box::new(session).commit().await?;
    Ok(())
}

/// Seals every secret again under `new` (one transaction): run `server secret-key rotate`, then
/// start the servers with the new key.
pub async fn rotate<B: Backend>(pool: &sqlx::Pool<B::Db>, old: &SecretKey, new: &SecretKey) -> anyhow::Result<usize> {
    let tx = B::begin_write(pool).await.map_err(super::store_error::<B>)?;
    let mut session = Session::<B, _>::new(tx, Secrets(Some(old.clone())));
    let stored = stored_secrets(&mut session).await?;
    let count = stored.len();
    for (clinic, column, value) in stored {
        let plain = if is_sealed(&value) {
            old.open(clinic, column, &value)
                .ok_or_else(|| anyhow::anyhow!("clinic {}'s {} does not open with the current {KEY_ENV}", clinic.0, column.name()))?
        } else {
            value
        };
        store_secret(&mut session, clinic, column, new.seal(clinic, column, &plain)).await?;
    }
    // The patients' notification tokens, always sealed, each to its patient.
    let tokens: Vec<(i64, i64, String)> = session.all(sql("SELECT patient_id, clinic_id, token FROM service_tokens ORDER BY patient_id")).await?;
    for (patient, clinic, sealed) in &tokens {
        let (clinic, patient) = (ClinicId(*clinic), PatientId(*patient));
        let plain = old
            .open_token(clinic, patient, sealed)
            .ok_or_else(|| anyhow::anyhow!("a notification token of clinic {} does not open with the current {KEY_ENV}", clinic.0))?;
        session.execute(sql("UPDATE service_tokens SET token = $1 WHERE patient_id = $2").bind(new.seal_token(clinic, patient, &plain)).bind(patient)).await?;
    }
    Box::new(session).commit().await?;
    Ok(count + tokens.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::generate().parse().unwrap()
    }

    #[test]
    fn a_notification_token_opens_only_for_its_patient() {
        let key = key();
        let sealed = key.seal_token(ClinicId(7), PatientId(1), "notification-token");
        assert_eq!(key.open_token(ClinicId(7), PatientId(1), &sealed).as_deref(), Some("notification-token"));
        assert_eq!(key.open_token(ClinicId(7), PatientId(2), &sealed), None, "another patient's row");
        assert_eq!(key.open_token(ClinicId(8), PatientId(1), &sealed), None, "another clinic's");
        assert_eq!(key.open(ClinicId(7), SecretColumn::AccessToken, &sealed), None, "a clinic's column");
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_clinic_and_column() {
        let (key, other) = (key(), key());
        let sealed = key.seal(ClinicId(7), SecretColumn::ChannelSecret, "0123456789abcdef");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("0123456789abcdef"));
        assert_eq!(key.open(ClinicId(7), SecretColumn::ChannelSecret, &sealed).as_deref(), Some("0123456789abcdef"));
        assert_eq!(other.open(ClinicId(7), SecretColumn::ChannelSecret, &sealed), None);
        assert_eq!(key.open(ClinicId(8), SecretColumn::ChannelSecret, &sealed), None);
        assert_eq!(key.open(ClinicId(7), SecretColumn::AccessToken, &sealed), None);
        assert_eq!(key.open(ClinicId(7), SecretColumn::ChannelSecret, "sealed:v1:AAAA"), None);
        // The same secret sealed twice looks different (a fresh nonce each time).
        assert_ne!(sealed, key.seal(ClinicId(7), SecretColumn::ChannelSecret, "0123456789abcdef"));
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        assert!(SecretKey::generate().parse::<SecretKey>().is_ok());
        assert!("not base64!".parse::<SecretKey>().is_err());
        assert!(STANDARD.encode([1u8; 16]).parse::<SecretKey>().is_err());
    }

    #[test]
    fn without_a_key_nothing_can_be_saved_and_nothing_sealed_opens() {
        let none = Secrets(None);
        assert!(matches!(none.seal(ClinicId(1), SecretColumn::AccessToken, Some("t")), Err(StoreError::NoSecretKey)));
        assert_eq!(none.seal(ClinicId(1), SecretColumn::AccessToken, None).unwrap(), None);
        let sealed = key().seal(ClinicId(1), SecretColumn::AccessToken, "t");
        assert!(matches!(none.open(ClinicId(1), SecretColumn::AccessToken, Some(sealed)), Err(StoreError::NoSecretKey)));
    }
}

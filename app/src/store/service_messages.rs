//! LINE MINI App service messages: the clinic's MINI App channel and approved templates, and
//! each patient's service notification token (LINE renews it with every send).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::booking::ids::{ClinicId, PatientId};
use crate::i18n::Lang;
use crate::notify::NoticeType;

pub use crate::api::staff::settings::SERVICE_NOTICES;

/// A clinic whose LIFF app is a verified LINE MINI App: the MINI App channel's secret (its
/// channel id is the LIFF app's, `LineSettings::login_channel_id`), with which the server gets
/// stateless channel access tokens, and the template LINE approved for each notice.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ServiceMessages {
    /// Write-only, never shown or logged.
    pub channel_secret: Option<String>,
    /// Notice → template name without its language suffix (`reservation_confirm` is sent as
    /// `reservation_confirm_ja` or `_en`, after the patient's language). A notice without one
    /// goes by push.
    /// In the order of [`SERVICE_NOTICES`], each notice at most once.
    pub templates: Vec<(NoticeType, String)>,
}

impl ServiceMessages {
    /// The template name LINE knows for `notice` in `lang`, when the clinic has one.
    pub fn template_for(&self, notice: NoticeType, lang: Lang) -> Option<String> {
        let (_, name) = self.templates.iter().find(|(n, _)| *n == notice)?;
        Some(format!("{name}_{}", lang.code()))
    }
}

/// Secrets are never printed, not even in a debug log.
impl std::fmt::Debug for ServiceMessages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceMessages").field("channel_secret", &self.channel_secret.as_ref().map(|_| "<set>")).field("templates", &self.templates).finish()
    }
}

/// A patient's service notification token as LINE last answered it.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceToken {
    pub token: String,
    /// Sends it still allows.
    pub remaining: u32,
    pub expires_at: DateTime<Utc>,
}

impl ServiceToken {
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.remaining > 0 && self.expires_at > now
    }

    /// SHA-256 of the token, hex: what storage compares instead of the (sealed) token.
    pub fn digest(&self) -> String {
        digest(&self.token)
    }
}

/// SHA-256 of `token`, hex.
pub fn digest(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl std::fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceToken").field("remaining", &self.remaining).field("expires_at", &self.expires_at).finish()
    }
}

#[async_trait]
pub trait ServiceMessageReads {
    /// `None`: the clinic sends no service messages.
    async fn service_messages(&mut self, clinic: ClinicId) -> Result<Option<ServiceMessages>, StoreError>;
    async fn service_token(&mut self, clinic: ClinicId, patient: PatientId) -> Result<Option<ServiceToken>, StoreError>;
}

#[async_trait]
pub trait ServiceMessageWrites {
    /// `None` turns service messages off and forgets every patient's token.
    async fn set_service_messages(&mut self, clinic: ClinicId, settings: Option<&ServiceMessages>) -> Result<(), StoreError>;
    /// Keeps `token` (new from LINE at sign-in) as the patient's.
    async fn set_service_token(&mut self, clinic: ClinicId, patient: PatientId, token: &ServiceToken, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Replaces the token whose digest is `used` with LINE's renewal (`None`: forgets it, used
    /// up or refused); `false` when the patient's token is another by now (a sign-in brought a
    /// new one), which is then kept.
    async fn renew_service_token(
        &mut self,
        clinic: ClinicId,
        patient: PatientId,
        used: &str,
        renewed: Option<&ServiceToken>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

//! LINE MINI App service messages, for both backends: the clinic's MINI App channel secret and
//! templates (in `clinics`), and each patient's newest notification token (`service_tokens`).
//! Secret and tokens are stored sealed (each token to its patient).

use app::booking::ids::*;
use app::notify::NoticeType;
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::rows::to_u32;
use super::secrets::SecretColumn;
use super::session::{Held, Session};
use super::sql::sql;

/// The templates as stored: a JSON object of notice → template name.
fn templates_json(templates: &[(NoticeType, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = templates.iter().map(|(n, t)| (n.as_str().to_string(), t.clone().into())).collect();
    serde_json::Value::Object(map).to_string()
}

fn parse_templates(stored: &str) -> Result<Vec<(NoticeType, String)>, StoreError> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(stored).map_err(|e| StoreError::corrupt(format!("service templates: {e}")))?;
    // Kept in the order of SERVICE_NOTICES, whatever the JSON's.
    Ok(SERVICE_NOTICES.iter().filter_map(|n| map.get(n.as_str()).and_then(|v| v.as_str()).map(|t| (*n, t.to_string()))).collect())
}

#[async_trait]
impl<B: Backend, C: Held<B>> ServiceMessageReads for Session<B, C> {
    async fn service_messages(&mut self, clinic: ClinicId) -> Result<Option<ServiceMessages>, StoreError> {
        let q = sql("SELECT line_mini_app_secret, line_service_templates FROM clinics WHERE id = $1").bind(clinic);
        let Some((secret, templates)) = self.optional::<(Option<String>, Option<String>)>(q).await? else { return Ok(None) };
        let Some(templates) = templates else { return Ok(None) };
        Ok(Some(ServiceMessages { channel_secret: self.secrets.open(clinic, SecretColumn::MiniAppSecret, secret)?, templates: parse_templates(&templates)? }))
    }

    async fn service_token(&mut self, clinic: ClinicId, patient: PatientId) -> Result<Option<ServiceToken>, StoreError> {
        let q = sql("SELECT token, remaining, expires_at FROM service_tokens WHERE clinic_id = $1 AND patient_id = $2").bind(clinic).bind(patient);
        let Some((sealed, remaining, expires_at)) = self.optional::<(String, i64, DateTime<Utc>)>(q).await? else { return Ok(None) };
        // A token that no longer opens (another key) is as good as none: the next sign-in brings
        // a new one, and meanwhile the patient's notices are pushed.
        let Some(token) = self.secrets.open_token(clinic, patient, &sealed) else {
            tracing::warn!(clinic = clinic.0, patient = patient.0, "a service notification token does not open: ignored");
            return Ok(None);
        };
        Ok(Some(ServiceToken { token, remaining: to_u32(remaining, "remaining")?, expires_at }))
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> ServiceMessageWrites for Session<B, C> {
    async fn set_service_messages(&mut self, clinic: ClinicId, settings: Option<&ServiceMessages>) -> Result<(), StoreError> {
        let secret = self.secrets.seal(clinic, SecretColumn::MiniAppSecret, settings.and_then(|s| s.channel_secret.as_deref()))?;
        let templates = settings.map(|s| templates_json(&s.templates));
        let q = sql("UPDATE clinics SET line_mini_app_secret = $1, line_service_templates = $2 WHERE id = $3");
        self.execute(q.bind(secret).bind(templates).bind(clinic)).await?;
        if settings.is_none() {
            self.execute(sql("DELETE FROM service_tokens WHERE clinic_id = $1").bind(clinic)).await?;
        }
        Ok(())
    }

    async fn set_service_token(&mut self, clinic: ClinicId, patient: PatientId, token: &ServiceToken, now: DateTime<Utc>) -> Result<(), StoreError> {
        let sealed = self.secrets.seal_token(clinic, patient, &token.token)?;
        let q = sql("INSERT INTO service_tokens (patient_id, clinic_id, token, token_digest, remaining, expires_at, updated_at) \
             SELECT id, clinic_id, $3, $4, $5, $6, $7 FROM patients WHERE clinic_id = $1 AND id = $2 \
             ON CONFLICT (patient_id) DO UPDATE SET token = excluded.token, token_digest = excluded.token_digest, \
             remaining = excluded.remaining, expires_at = excluded.expires_at, updated_at = excluded.updated_at");
        let q = q.bind(clinic).bind(patient).bind(sealed).bind(token.digest()).bind(i64::from(token.remaining)).bind(token.expires_at).bind(now);
        self.execute(q).await.map(drop)
    }

    async fn renew_service_token(
        &mut self,
        clinic: ClinicId,
        patient: PatientId,
        used: &str,
        renewed: Option<&ServiceToken>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(token) = renewed else {
            let q = sql("DELETE FROM service_tokens WHERE clinic_id = $1 AND patient_id = $2 AND token_digest = $3");
            return Ok(self.execute(q.bind(clinic).bind(patient).bind(used)).await? == 1);
        };
        let sealed = self.secrets.seal_token(clinic, patient, &token.token)?;
        let q = sql("UPDATE service_tokens SET token = $1, token_digest = $2, remaining = $3, expires_at = $4, updated_at = $5 \
             WHERE clinic_id = $6 AND patient_id = $7 AND token_digest = $8");
        let q = q.bind(sealed).bind(token.digest()).bind(i64::from(token.remaining)).bind(token.expires_at).bind(now).bind(clinic).bind(patient).bind(used);
        Ok(self.execute(q).await? == 1)
    }
}

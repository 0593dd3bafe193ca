//! The client of LINE's API that the server uses.

use std::time::Duration;

use app::line::{IdentityError, LineIdentity, VerifiedLineUser};
use async_trait::async_trait;
use serde::Deserialize;

/// The issuer LINE puts in its ID tokens.
const LINE_ISSUER: &str = "https://access.line.me";

pub struct LineApi {
    http: reqwest::Client,
    base: String,
}

impl LineApi {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(LineApi { http, base: base.trim_end_matches('/').to_string() })
    }
}

/// `POST /oauth2/v2.1/verify`: 200 body.
#[derive(Debug, Deserialize)]
struct VerifiedClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    name: Option<String>,
}

/// LINE's error body: `{"error": "invalid_request", "error_description": "IdToken expired."}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error_description: Option<String>,
}

#[async_trait]
impl LineIdentity for LineApi {
    async fn verify_id_token(&self, id_token: &str, login_channel_id: &str) -> Result<VerifiedLineUser, IdentityError> {
        let response = self
            .http
            .post(format!("{}/oauth2/v2.1/verify", self.base))
            .form(&[("id_token", id_token), ("client_id", login_channel_id)])
            .send()
            .await
            .map_err(|e| IdentityError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(IdentityError::Unavailable(format!("LINE answered {status}")));
        }
        if !status.is_success() {
            let description = response.json::<ErrorBody>().await.ok().and_then(|b| b.error_description).unwrap_or_default();
            return Err(if description.to_ascii_lowercase().contains("expired") {
                IdentityError::Expired
            } else {
                IdentityError::Invalid(if description.is_empty() { format!("LINE answered {status}") } else { description })
            });
        }
        let claims: VerifiedClaims = response.json().await.map_err(|e| IdentityError::Invalid(format!("unreadable answer: {e}")))?;
        // LINE checked the signature and the audience against client_id; check again what we
        // rely on, so a misbehaving proxy or fake cannot hand us another channel's user.
        if claims.iss != LINE_ISSUER {
            return Err(IdentityError::Invalid(format!("issuer {}", claims.iss)));
        }
        if claims.aud != login_channel_id {
            return Err(IdentityError::Invalid("issued for another channel".into()));
        }
        if claims.exp <= chrono::Utc::now().timestamp() {
            return Err(IdentityError::Expired);
        }
        if claims.sub.is_empty() {
            return Err(IdentityError::Invalid("no user id".into()));
        }
        Ok(VerifiedLineUser { user_id: claims.sub, display_name: claims.name })
    }
}

//! The client of LINE's API that the server uses.

use std::time::Duration;

use app::line::{IdentityError, LinePlatform, MessageQuota, VerifiedLineUser};
use async_trait::async_trait;
use serde::Deserialize;

/// The issuer LINE puts in its ID tokens.
const LINE_ISSUER: &str = "https://access.line.me";

pub struct LineApi {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    /// Where uploads go: LINE's `api-data.line.me` beside `api.line.me`; any other base (a fake
    /// of LINE, a proxy) serves both.
    pub(super) data_base: String,
}

impl LineApi {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Self::with_timeout(base, Duration::from_secs(10))
    }

    pub fn with_timeout(base: &str, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).timeout(timeout).build()?;
        let base = base.trim_end_matches('/').to_string();
        let data_base = if base == super::DEFAULT_API_URL { super::DEFAULT_DATA_API_URL.to_string() } else { base.clone() };
        Ok(LineApi { http, base, data_base })
    }

    /// `POST /v2/bot/message/push` with a retry key. The caller stores the key before the first
    /// attempt and sends the identical body on every retry; LINE then delivers at most once.
    pub async fn push(&self, access_token: &str, to: &str, messages: &[serde_json::Value], retry_key: &str) -> PushOutcome {
        let body = serde_json::json!({ "to": to, "messages": messages });
        let sent = self
            .http
            .post(format!("{}/v2/bot/message/push", self.base))
            .bearer_auth(access_token)
            .header("X-Line-Retry-Key", retry_key)
            .json(&body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return PushOutcome::RetryLater { reason: e.to_string(), request_id: None },
        };
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from);
        let request_id = header("x-line-request-id");
        let accepted_request_id = header("x-line-accepted-request-id");
        let status = response.status();
        let message = response.json::<PushError>().await.map(|e| e.message).unwrap_or_default();
        match status.as_u16() {
            200..=299 => PushOutcome::Delivered { request_id },
            409 if accepted_request_id.is_some() => PushOutcome::AlreadyAccepted { request_id, accepted_request_id },
            429 => PushOutcome::RateLimited { request_id, quota_exhausted: message.to_ascii_lowercase().contains("monthly limit") },
            500..=599 => PushOutcome::RetryLater { reason: format!("LINE answered {status}: {message}"), request_id },
            code => PushOutcome::Rejected { status: code, message, request_id },
        }
    }
}

/// What became of one push attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Delivered {
        request_id: Option<String>,
    },
    /// 409 with `x-line-accepted-request-id`: an earlier attempt with this key was accepted.
    AlreadyAccepted {
        request_id: Option<String>,
        accepted_request_id: Option<String>,
    },
    /// 5xx, timeout or connection error: safe to retry with the same key and body.
    RetryLater {
        reason: String,
        request_id: Option<String>,
    },
    /// 429: back off; `quota_exhausted` when the monthly message quota is used up.
    RateLimited {
        request_id: Option<String>,
        quota_exhausted: bool,
    },
    /// Any other 4xx: retrying cannot help.
    Rejected {
        status: u16,
        message: String,
        request_id: Option<String>,
    },
}

impl PushOutcome {
    /// Whether LINE has the message (now or from an earlier attempt).
    pub fn delivered(&self) -> bool {
        matches!(self, PushOutcome::Delivered { .. } | PushOutcome::AlreadyAccepted { .. })
    }
}

/// LINE's error body: `{"message": "…", "details": [{"message", "property"}]}`.
#[derive(Debug, Deserialize)]
struct PushError {
    message: String,
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

/// `GET /oauth2/v2.1/verify?access_token=…`: 200 body.
#[derive(Debug, Deserialize)]
struct AccessTokenInfo {
    client_id: String,
    expires_in: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    user_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Friendship {
    friend_flag: bool,
}

/// `GET /v2/bot/message/quota`: `{"type": "none"}` or `{"type": "limited", "value": N}`.
#[derive(Debug, Deserialize)]
struct Quota {
    #[serde(rename = "type")]
    kind: String,
    value: Option<u64>,
}

/// `GET /v2/bot/message/quota/consumption`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Consumption {
    total_usage: u64,
}

/// LINE's error body: `{"error": "invalid_request", "error_description": "IdToken expired."}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error_description: Option<String>,
}

impl LineApi {
    /// A request to LINE's API answered as `T`; an unreachable or failing LINE is `Unavailable`, a
    /// refusal `Invalid`.
    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, IdentityError> {
        let response = request.send().await.map_err(|e| IdentityError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(IdentityError::Unavailable(format!("LINE answered {status}")));
        }
        if !status.is_success() {
            return Err(IdentityError::Invalid(format!("LINE answered {status}")));
        }
        response.json().await.map_err(|e| IdentityError::Invalid(format!("unreadable answer: {e}")))
    }
}

#[async_trait]
impl LinePlatform for LineApi {
    async fn is_friend(&self, access_token: &str, login_channel_id: &str, user_id: &str) -> Result<bool, IdentityError> {
        let verify = self.http.get(format!("{}/oauth2/v2.1/verify", self.base)).query(&[("access_token", access_token)]);
        let info: AccessTokenInfo = self.get_json(verify).await?;
        if info.client_id != login_channel_id || info.expires_in <= 0 {
            return Err(IdentityError::Invalid("an access token of another channel, or expired".into()));
        }
        let profile: Profile = self.get_json(self.http.get(format!("{}/v2/profile", self.base)).bearer_auth(access_token)).await?;
        if profile.user_id != user_id {
            return Err(IdentityError::Invalid("an access token of another user".into()));
        }
        let friendship: Friendship = self.get_json(self.http.get(format!("{}/friendship/v1/status", self.base)).bearer_auth(access_token)).await?;
        Ok(friendship.friend_flag)
    }

    async fn message_quota(&self, channel_access_token: &str) -> Result<MessageQuota, IdentityError> {
        let get = |path: &str| self.http.get(format!("{}{path}", self.base)).bearer_auth(channel_access_token);
        let quota: Quota = self.get_json(get("/v2/bot/message/quota")).await?;
        let used: Consumption = self.get_json(get("/v2/bot/message/quota/consumption")).await?;
        let limit = match (quota.kind.as_str(), quota.value) {
            ("limited", Some(value)) => Some(value),
            ("none", _) => None,
            // An answer we cannot read is LINE's to explain, not the clinic's token.
            (kind, _) => return Err(IdentityError::Unavailable(format!("a quota of type {kind:?}"))),
        };
        Ok(MessageQuota { limit, used: used.total_usage })
    }

    async fn issue_service_token(&self, channel_id: &str, channel_secret: &str, liff_access_token: &str) -> Result<app::store::ServiceToken, IdentityError> {
        self.issue_notification_token(channel_id, channel_secret, liff_access_token).await
    }

    async fn create_rich_menu(&self, channel_access_token: &str, menu: &serde_json::Value) -> Result<String, IdentityError> {
        self.create_menu(channel_access_token, menu).await
    }

    async fn upload_rich_menu_image(&self, channel_access_token: &str, rich_menu_id: &str, content_type: &str, image: Vec<u8>) -> Result<(), IdentityError> {
        self.upload_menu_image(channel_access_token, rich_menu_id, content_type, image).await
    }

    async fn set_default_rich_menu(&self, channel_access_token: &str, rich_menu_id: &str) -> Result<(), IdentityError> {
        self.set_default_menu(channel_access_token, rich_menu_id).await
    }

    async fn clear_default_rich_menu(&self, channel_access_token: &str) -> Result<(), IdentityError> {
        self.clear_default_menu(channel_access_token).await
    }

    async fn delete_rich_menu(&self, channel_access_token: &str, rich_menu_id: &str) -> Result<(), IdentityError> {
        self.delete_menu(channel_access_token, rich_menu_id).await
    }

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

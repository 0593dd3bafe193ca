//! LINE MINI App service messages: stateless channel access tokens of the MINI App channel,
//! issuing a patient's notification token, and sending a service message (which renews it).

use app::line::IdentityError;
use app::store::ServiceToken;
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::api::LineApi;

/// `POST /oauth2/v3/token`: 200 body.
#[derive(Debug, Deserialize)]
struct StatelessToken {
    access_token: String,
}

/// `POST /message/v3/notifier/token` and `/send`: 200 body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationToken {
    notification_token: String,
    expires_in: i64,
    remaining_count: u32,
}

impl From<NotificationToken> for ServiceToken {
    fn from(t: NotificationToken) -> Self {
        ServiceToken { token: t.notification_token, remaining: t.remaining_count, expires_at: Utc::now() + Duration::seconds(t.expires_in.max(0)) }
    }
}

/// LINE's error body: `{"message": "…"}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

/// What became of one service message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceOutcome {
    /// Sent; the renewed token replaces the one used.
    Sent(ServiceToken),
    /// LINE refused the notification token (used up, expired, or already renewed by a send).
    TokenRefused(String),
    /// LINE refused the message (a template or parameter it does not take): retrying cannot
    /// help, and the token stays good.
    Refused { status: u16, message: String },
    /// The MINI App channel's credentials were refused: no service message can go.
    ChannelRefused(String),
    /// Timeout, connection error or 5xx: LINE may or may not have sent it.
    Unknown(String),
}

impl LineApi {
    /// A stateless channel access token of the MINI App channel (valid 15 minutes; LINE
    /// issues any number, so none is kept).
    async fn stateless_token(&self, channel_id: &str, channel_secret: &str) -> Result<String, IdentityError> {
        let form = [("grant_type", "client_credentials"), ("client_id", channel_id), ("client_secret", channel_secret)];
        let request = self.http.post(format!("{}/oauth2/v3/token", self.base)).form(&form);
        let token: StatelessToken = self.get_json(request).await?;
        Ok(token.access_token)
    }

    pub(super) async fn issue_notification_token(
        &self,
        channel_id: &str,
        channel_secret: &str,
        liff_access_token: &str,
    ) -> Result<ServiceToken, IdentityError> {
        let channel_token = self.stateless_token(channel_id, channel_secret).await?;
        let request = self
            .http
            .post(format!("{}/message/v3/notifier/token", self.base))
            .bearer_auth(channel_token)
            .json(&serde_json::json!({ "liffAccessToken": liff_access_token }));
        let token: NotificationToken = self.get_json(request).await?;
        Ok(token.into())
    }

    /// `POST /message/v3/notifier/send?target=service` with `body` (`templateName`, `params`)
    /// and the patient's current token. LINE keeps no log of these: the caller logs the outcome.
    pub async fn send_service_message(&self, channel_id: &str, channel_secret: &str, token: &str, body: &serde_json::Value) -> ServiceOutcome {
        let channel_token = match self.stateless_token(channel_id, channel_secret).await {
            Ok(t) => t,
            Err(IdentityError::Unavailable(e)) => return ServiceOutcome::Unknown(format!("no channel access token: {e}")),
            Err(e) => return ServiceOutcome::ChannelRefused(e.to_string()),
        };
        let mut body = body.clone();
        body["notificationToken"] = token.into();
        let sent = self
            .http
            .post(format!("{}/message/v3/notifier/send", self.base))
            .query(&[("target", "service")])
            .bearer_auth(channel_token)
            .json(&body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return ServiceOutcome::Unknown(e.to_string()),
        };
        let status = response.status();
        if status.is_success() {
            return match response.json::<NotificationToken>().await {
                Ok(t) => ServiceOutcome::Sent(t.into()),
                // Sent, but the renewed token is unreadable: the next notice goes by push.
                Err(e) => ServiceOutcome::Sent(ServiceToken { token: format!("unreadable: {e}"), remaining: 0, expires_at: Utc::now() }),
            };
        }
        let message = response.json::<ErrorBody>().await.ok().and_then(|b| b.message).unwrap_or_default();
        match status.as_u16() {
            401 | 403 => ServiceOutcome::ChannelRefused(format!("LINE answered {status}: {message}")),
            429 | 500..=599 => ServiceOutcome::Unknown(format!("LINE answered {status}: {message}")),
            // LINE's reference does not list its error texts; a refusal naming the token is about it.
            _ if message.to_ascii_lowercase().contains("token") => ServiceOutcome::TokenRefused(format!("LINE answered {status}: {message}")),
            code => ServiceOutcome::Refused { status: code, message },
        }
    }
}

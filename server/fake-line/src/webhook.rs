//! Webhooks as LINE sends them: signed, with LINE's event fields, and redelivered on request.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use crate::FakeLine;

/// The bot user id put in `destination` when a test does not name one.
pub const DEFAULT_DESTINATION: &str = "U00000000000000000000000000000000";

#[derive(Clone, Debug)]
pub(crate) struct SentWebhook {
    pub(crate) url: String,
    pub(crate) channel_secret: String,
    pub(crate) destination: String,
    pub(crate) events: Vec<serde_json::Value>,
}

/// What the target of a webhook answered.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WebhookAnswer {
    pub status: u16,
    pub body: String,
    /// The exact body that was signed and sent.
    pub sent: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the webhook could not be delivered: {0}")]
    Unreachable(String),
}

impl FakeLine {
    /// Signs `events` with `channel_secret` and POSTs them to `url` as LINE does; missing
    /// event fields are filled in. Returns what the target answered.
    pub async fn send_webhook(
        &self,
        url: &str,
        channel_secret: &str,
        destination: Option<&str>,
        events: Vec<serde_json::Value>,
    ) -> Result<WebhookAnswer, WebhookError> {
        let now = chrono::Utc::now().timestamp_millis();
        let mut filled = Vec::with_capacity(events.len());
        for mut event in events {
            let Some(fields) = event.as_object_mut() else {
                return Err(WebhookError::BadRequest("every event must be a JSON object".into()));
            };
            fields.entry("webhookEventId").or_insert_with(|| json!(new_event_id()));
            fields.entry("timestamp").or_insert_with(|| json!(now));
            fields.entry("mode").or_insert_with(|| json!("active"));
            fields.entry("deliveryContext").or_insert_with(|| json!({ "isRedelivery": false }));
            filled.push(event);
        }
        let sent = SentWebhook {
            url: url.to_string(),
            channel_secret: channel_secret.to_string(),
            destination: destination.unwrap_or(DEFAULT_DESTINATION).to_string(),
            events: filled,
        };
        self.lock().last_webhook = Some(sent.clone());
        self.post_webhook(&sent).await
    }

    /// Sends the last webhook again, as LINE's redelivery: the same events (same
    /// `webhookEventId`s) with `deliveryContext.isRedelivery: true`.
    pub async fn redeliver_last_webhook(&self) -> Result<WebhookAnswer, WebhookError> {
        let Some(mut sent) = self.lock().last_webhook.clone() else {
            return Err(WebhookError::BadRequest("no webhook was sent yet".into()));
        };
        for event in &mut sent.events {
            event["deliveryContext"] = json!({ "isRedelivery": true });
        }
        self.post_webhook(&sent).await
    }

    async fn post_webhook(&self, webhook: &SentWebhook) -> Result<WebhookAnswer, WebhookError> {
        let body = json!({ "destination": webhook.destination, "events": webhook.events }).to_string();
        let signature = sign(&webhook.channel_secret, body.as_bytes()).map_err(WebhookError::BadRequest)?;
        let response = self
            .http
            .post(&webhook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header(reqwest::header::USER_AGENT, "LineBotWebhook/2.0")
            .header("x-line-signature", signature)
            .body(body.clone())
            .send()
            .await
            .map_err(|e| WebhookError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let answer = response.text().await.map_err(|e| WebhookError::Unreachable(e.to_string()))?;
        Ok(WebhookAnswer { status, body: answer, sent: body })
    }
}

#[derive(Deserialize)]
pub(crate) struct SendWebhook {
    url: Option<String>,
    channel_secret: Option<String>,
    #[serde(default)]
    events: Vec<serde_json::Value>,
    destination: Option<String>,
    #[serde(default)]
    redeliver_last: bool,
}

pub(crate) async fn send(State(fake): State<FakeLine>, Json(req): Json<SendWebhook>) -> Response {
    let sent = if req.redeliver_last {
        fake.redeliver_last_webhook().await
    } else {
        match (req.url, req.channel_secret) {
            (Some(url), Some(secret)) => fake.send_webhook(&url, &secret, req.destination.as_deref(), req.events).await,
            _ => Err(WebhookError::BadRequest("url and channel_secret are required".into())),
        }
    };
    match sent {
        Ok(answer) => Json(answer).into_response(),
        Err(e @ WebhookError::BadRequest(_)) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e.to_string() }))).into_response(),
        Err(e @ WebhookError::Unreachable(_)) => (StatusCode::BAD_GATEWAY, Json(json!({ "error": e.to_string() }))).into_response(),
    }
}

/// `x-line-signature`: base64(HMAC-SHA256(key = channel secret, data = raw body)).
pub fn sign(channel_secret: &str, body: &[u8]) -> Result<String, String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(channel_secret.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(body);
    Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// A ULID-shaped event id like LINE's (`01HZ…`, 26 characters of Crockford base32): 48 bits of
/// milliseconds, then 80 random bits.
fn new_event_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis = u128::from(chrono::Utc::now().timestamp_millis().max(0).unsigned_abs()) & ((1 << 48) - 1);
    let random = u128::from_be_bytes(*uuid::Uuid::new_v4().as_bytes()) & ((1 << 80) - 1);
    let value = (millis << 80) | random;
    (0..26).rev().map(|i| char::from(ALPHABET[((value >> (i * 5)) & 31) as usize])).collect()
}

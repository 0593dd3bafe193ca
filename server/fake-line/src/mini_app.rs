//! LINE MINI App service messages as LINE answers them: stateless channel access tokens
//! (`POST /oauth2/v3/token`), service notification tokens (`POST /message/v3/notifier/token`,
//! one per LIFF access token, 5 sends, a year) and sends (`POST
//! /message/v3/notifier/send?target=service`), each of which renews the token.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;

use crate::{new_request_id, FakeLine};

/// Sends a new notification token allows, as at LINE.
pub const SENDS_PER_TOKEN: u32 = 5;
const TOKEN_LIFETIME_SECS: i64 = 31_536_000;

/// A service message LINE accepted.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ServiceMessage {
    /// The LINE user the token belongs to.
    pub to: String,
    pub template_name: String,
    pub params: serde_json::Value,
}

#[derive(Clone, Debug)]
pub(crate) struct NotificationToken {
    sub: String,
    channel: String,
    remaining: u32,
    exp: i64,
}

/// What the fake keeps of MINI Apps.
#[derive(Default)]
pub(crate) struct MiniAppState {
    /// Channel id → channel secret of each MINI App channel.
    channels: HashMap<String, String>,
    /// Stateless channel access token → its channel id.
    channel_tokens: HashMap<String, String>,
    /// LIFF access tokens already exchanged (LINE issues one notification token per LIFF token).
    exchanged: Vec<String>,
    tokens: HashMap<String, NotificationToken>,
    pub(crate) sent: Vec<ServiceMessage>,
}

impl FakeLine {
    /// Makes `channel_id` a MINI App channel with this secret.
    pub fn register_mini_app(&self, channel_id: &str, channel_secret: &str) {
        self.lock().mini_app.channels.insert(channel_id.into(), channel_secret.into());
    }

    /// The service messages accepted so far, oldest first.
    pub fn service_messages(&self) -> Vec<ServiceMessage> {
        self.lock().mini_app.sent.clone()
    }

    /// How many notification tokens were issued in exchange for LIFF access tokens.
    pub fn notification_tokens_issued(&self) -> usize {
        self.lock().mini_app.exchanged.len()
    }

    /// Sends left on every live notification token of `sub`.
    pub fn notification_sends_left(&self, sub: &str) -> Vec<u32> {
        self.lock().mini_app.tokens.values().filter(|t| t.sub == sub).map(|t| t.remaining).collect()
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(json!({ "message": message }))).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

fn ok(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

/// The MINI App channel of the stateless token in `Authorization: Bearer …`.
fn channel_of(fake: &FakeLine, headers: &HeaderMap) -> Option<String> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))?;
    fake.lock().mini_app.channel_tokens.get(token).cloned()
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "Authentication failed. Confirm that the access token in the authorization header is valid.")
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /oauth2/v3/token` (client credentials): a stateless channel access token, 15 minutes.
pub(crate) async fn stateless_token(State(fake): State<FakeLine>, Form(form): Form<TokenForm>) -> Response {
    if let Some((status, _)) = fake.take_failure("/oauth2/v3/token").await {
        return error(status, "An error occurred in the server");
    }
    let invalid = |description: &str| {
        let body = json!({ "error": "invalid_client", "error_description": description });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    };
    if form.grant_type.as_deref() != Some("client_credentials") {
        return invalid("unsupported grant_type");
    }
    let (Some(id), Some(secret)) = (form.client_id, form.client_secret) else { return invalid("client_id and client_secret are required") };
    let mut state = fake.lock();
    if state.mini_app.channels.get(&id) != Some(&secret) {
        return invalid("invalid client_id or client_secret");
    }
    let token = format!("fake-stateless.{}", uuid::Uuid::new_v4().simple());
    state.mini_app.channel_tokens.insert(token.clone(), id);
    drop(state);
    ok(json!({ "token_type": "Bearer", "access_token": token, "expires_in": 900 }))
}

/// A token of `sub` expiring at `exp` (a renewal keeps the first token's year).
fn issue(state: &mut MiniAppState, sub: String, channel: String, remaining: u32, exp: i64) -> serde_json::Value {
    let token = format!("fake-notification-token.{}", uuid::Uuid::new_v4().simple());
    state.tokens.insert(token.clone(), NotificationToken { sub, channel, remaining, exp });
    json!({ "notificationToken": token, "expiresIn": exp - chrono::Utc::now().timestamp(), "remainingCount": remaining })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Exchange {
    liff_access_token: Option<String>,
}

/// `POST /message/v3/notifier/token {"liffAccessToken"}`.
pub(crate) async fn notification_token(State(fake): State<FakeLine>, headers: HeaderMap, Json(req): Json<Exchange>) -> Response {
    let Some(channel) = channel_of(&fake, &headers) else { return unauthorized() };
    if let Some((status, _)) = fake.take_failure("/message/v3/notifier/token").await {
        return error(status, "An error occurred in the server");
    }
    let Some(liff_token) = req.liff_access_token else { return error(StatusCode::BAD_REQUEST, "liffAccessToken is required") };
    let mut state = fake.lock();
    let Some(user) = state.access_tokens.get(&liff_token).cloned().filter(|t| t.exp > chrono::Utc::now().timestamp()) else {
        return error(StatusCode::BAD_REQUEST, "invalid liffAccessToken");
    };
    if user.aud != channel {
        return error(StatusCode::BAD_REQUEST, "the liffAccessToken is not of this channel");
    }
    if state.mini_app.exchanged.contains(&liff_token) {
        return error(StatusCode::BAD_REQUEST, "a notification token was already issued for this liffAccessToken");
    }
    state.mini_app.exchanged.push(liff_token);
    let body = issue(&mut state.mini_app, user.sub, channel, SENDS_PER_TOKEN, chrono::Utc::now().timestamp() + TOKEN_LIFETIME_SECS);
    drop(state);
    ok(body)
}

#[derive(Deserialize)]
pub(crate) struct Target {
    target: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Send {
    template_name: Option<String>,
    params: Option<serde_json::Value>,
    notification_token: Option<String>,
}

/// `POST /message/v3/notifier/send?target=service`. A failure queued for
/// `/message/v3/notifier/send#after` is answered after the message was sent (the answer lost
/// on its way back).
pub(crate) async fn send(State(fake): State<FakeLine>, Query(target): Query<Target>, headers: HeaderMap, Json(req): Json<Send>) -> Response {
    let Some(channel) = channel_of(&fake, &headers) else { return unauthorized() };
    if target.target.as_deref() != Some("service") {
        return error(StatusCode::BAD_REQUEST, "target must be service");
    }
    if let Some((status, _)) = fake.take_failure("/message/v3/notifier/send").await {
        return error(status, "An error occurred in the server");
    }
    let (Some(template_name), Some(params), Some(token)) =
        (req.template_name.filter(|t| !t.is_empty()), req.params.filter(|p| p.is_object()), req.notification_token)
    else {
        return error(StatusCode::BAD_REQUEST, "templateName, params and notificationToken are required");
    };
    let body = {
        let mut state = fake.lock();
        let now = chrono::Utc::now().timestamp();
        let Some(used) = state.mini_app.tokens.get(&token).cloned().filter(|t| t.channel == channel) else {
            return error(StatusCode::BAD_REQUEST, "invalid notificationToken");
        };
        if used.exp <= now || used.remaining == 0 {
            return error(StatusCode::BAD_REQUEST, "the notificationToken has expired or has no remaining count");
        }
        state.mini_app.tokens.remove(&token);
        state.mini_app.sent.push(ServiceMessage { to: used.sub.clone(), template_name, params });
        issue(&mut state.mini_app, used.sub, used.channel, used.remaining - 1, used.exp)
    };
    if let Some((status, _)) = fake.take_failure("/message/v3/notifier/send#after").await {
        return error(status, "An error occurred in the server");
    }
    ok(body)
}

pub(crate) async fn sent(State(fake): State<FakeLine>) -> Json<Vec<ServiceMessage>> {
    Json(fake.service_messages())
}

#[derive(Deserialize)]
pub(crate) struct Register {
    channel_id: String,
    channel_secret: String,
}

pub(crate) async fn register(State(fake): State<FakeLine>, Json(req): Json<Register>) -> StatusCode {
    fake.register_mini_app(&req.channel_id, &req.channel_secret);
    StatusCode::NO_CONTENT
}

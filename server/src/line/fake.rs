//! A local fake of LINE's HTTP API for development and tests, speaking LINE's wire format:
//! - `POST /oauth2/v2.1/verify` answers as LINE does (200 with the token's claims, or 400 with
//!   `{error, error_description}`).
//! - `POST /v2/bot/message/push` answers as LINE does, honouring `X-Line-Retry-Key` (409 with
//!   `x-line-accepted-request-id` for a key it already accepted) and the monthly quota (429
//!   `{"message":"You have reached your monthly limit."}` once the accepted pushes reach it).
//! - `GET /v2/bot/message/quota` (`{"type":"none"}` or `{"type":"limited","value":N}`) and
//!   `GET /v2/bot/message/quota/consumption` (`{"totalUsage":M}`). As at LINE, a push counts
//!   once per recipient however many message objects it carries. Like push, both need
//!   `Authorization: Bearer …` (401 otherwise).
//!
//! Test switches live under `/__fake/`:
//! - `POST /__fake/id-tokens` `{"sub","aud","name"?,"expires_in"?}` issues an ID token (the
//!   string a test hands to `@line/liff-mock` as `getIDToken`); only issued tokens verify.
//! - `POST /__fake/fail` `{"path","status","times","message"?}` makes the next `times` requests to `path`
//!   fail with `status` (0 = drop the connection after a delay, i.e. a timeout).
//! - `POST /__fake/quota` `{"limit": N | null}` sets the monthly limit (null: unlimited).
//! - `POST /__fake/accepted-keys` `{"retry_key"}` records a retry key as already accepted, as if
//!   LINE took the push and the answer never reached us; the next push with it gets 409. It
//!   counts towards the quota. Answers `{"accepted_request_id"}`.
//! - `GET /__fake/pushes` lists the pushes accepted through the API.
//! - `POST /__fake/webhook` `{"url","channel_secret","events":[…],"destination"?}` sends a
//!   webhook as LINE does: the body `{"destination","events"}` (each event gets
//!   `webhookEventId`, `timestamp`, `mode: "active"` and `deliveryContext.isRedelivery: false`
//!   when missing), signed in `x-line-signature` (base64 HMAC-SHA256 of the raw body with the
//!   channel secret). `{"redeliver_last": true}` sends the previous events again with
//!   `isRedelivery: true` (same `webhookEventId`s). Answers `{"status","body","sent"}`: the
//!   target's status code and body, and the body that was sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

/// LINE's answer to a push once the monthly quota is used up (`PushOutcome::RateLimited` with
/// `quota_exhausted` looks for "monthly limit").
pub const QUOTA_EXHAUSTED_MESSAGE: &str = "You have reached your monthly limit.";

/// The bot user id put in `destination` when a test does not name one.
pub const DEFAULT_DESTINATION: &str = "U00000000000000000000000000000000";

#[derive(Clone, Debug)]
struct IssuedToken {
    sub: String,
    aud: String,
    name: Option<String>,
    iat: i64,
    exp: i64,
}

/// A push LINE accepted.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AcceptedPush {
    pub to: String,
    pub messages: Vec<serde_json::Value>,
    pub retry_key: Option<String>,
    pub request_id: String,
    pub access_token: String,
}

#[derive(Default)]
struct FakeState {
    tokens: HashMap<String, IssuedToken>,
    /// Per path: the status to fail with, how many more times, and the error message (for a
    /// 429: LINE's monthly-limit text unless another is given, e.g. a plain rate limit).
    failures: HashMap<String, (u16, u32, Option<String>)>,
    pushes: Vec<AcceptedPush>,
    /// The retry key of every push attempt, accepted or not, in order.
    push_attempts: Vec<Option<String>>,
    /// Retry keys accepted outside the API (`/__fake/accepted-keys`) → their request id.
    preaccepted: HashMap<String, String>,
    /// The monthly message limit; `None`: unlimited.
    quota_limit: Option<u64>,
    /// The last webhook sent, for `redeliver_last`.
    last_webhook: Option<SentWebhook>,
}

impl FakeState {
    /// Messages counted this month: one per recipient of each accepted push.
    fn usage(&self) -> u64 {
        (self.pushes.len() + self.preaccepted.len()) as u64
    }

    /// The request id LINE gave the push accepted with `key`, if any.
    fn accepted_request_id(&self, key: &str) -> Option<String> {
        self.pushes
            .iter()
            .find(|p| p.retry_key.as_deref() == Some(key))
            .map(|p| p.request_id.clone())
            .or_else(|| self.preaccepted.get(key).cloned())
    }
}

#[derive(Clone, Debug)]
struct SentWebhook {
    url: String,
    channel_secret: String,
    destination: String,
    events: Vec<serde_json::Value>,
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

#[derive(Clone)]
pub struct FakeLine {
    state: Arc<Mutex<FakeState>>,
    http: reqwest::Client,
}

impl Default for FakeLine {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeLine {
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        FakeLine { state: Arc::default(), http }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/oauth2/v2.1/verify", post(verify))
            .route("/__fake/id-tokens", post(issue_token))
            .route("/__fake/fail", post(fail))
            .route("/v2/bot/message/push", post(push))
            .route("/__fake/pushes", get(pushes))
            .route("/v2/bot/message/quota", get(quota))
            .route("/v2/bot/message/quota/consumption", get(consumption))
            .route("/__fake/quota", post(set_quota))
            .route("/__fake/accepted-keys", post(accept_key))
            .route("/__fake/webhook", post(webhook))
            .with_state(self.clone())
    }

    /// Issues an ID token for `sub` on the Login channel `aud`, valid for `expires_in` seconds
    /// (negative: already expired).
    pub fn issue_id_token(&self, sub: &str, aud: &str, name: Option<&str>, expires_in: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let token = format!("fake-id-token.{}", uuid::Uuid::new_v4().simple());
        let issued = IssuedToken { sub: sub.into(), aud: aud.into(), name: name.map(String::from), iat: now, exp: now + expires_in };
        self.lock().tokens.insert(token.clone(), issued);
        token
    }

    /// Makes the next `times` requests to `path` answer `status` (0: time out).
    pub fn fail_next(&self, path: &str, status: u16, times: u32) {
        self.lock().failures.insert(path.to_string(), (status, times, None));
    }

    /// Like [`FakeLine::fail_next`], answering with `message` (LINE's `{"message"}` body).
    pub fn fail_next_with(&self, path: &str, status: u16, times: u32, message: &str) {
        self.lock().failures.insert(path.to_string(), (status, times, Some(message.to_string())));
    }

    /// The retry key of every push attempt so far (accepted, refused or failed), oldest first.
    pub fn push_attempt_keys(&self) -> Vec<Option<String>> {
        self.lock().push_attempts.clone()
    }

    /// The pushes accepted so far, oldest first.
    pub fn accepted_pushes(&self) -> Vec<AcceptedPush> {
        self.lock().pushes.clone()
    }

    /// Sets the monthly message limit (`None`: unlimited, the default).
    pub fn set_quota_limit(&self, limit: Option<u64>) {
        self.lock().quota_limit = limit;
    }

    /// Messages counted this month (`totalUsage`).
    pub fn quota_usage(&self) -> u64 {
        self.lock().usage()
    }

    /// Records `retry_key` as accepted (as if LINE took the push and its answer was lost) and
    /// returns the request id LINE will name in `x-line-accepted-request-id`.
    pub fn accept_retry_key(&self, retry_key: &str) -> String {
        let mut state = self.lock();
        if let Some(id) = state.accepted_request_id(retry_key) {
            return id;
        }
        let id = uuid::Uuid::new_v4().to_string();
        state.preaccepted.insert(retry_key.to_string(), id.clone());
        id
    }

    /// Signs `events` with `channel_secret` and POSTs them to `url` as LINE does; missing
    /// event fields are filled in. Returns what the target answered.
    pub async fn send_webhook(&self, url: &str, channel_secret: &str, destination: Option<&str>, events: Vec<serde_json::Value>) -> Result<WebhookAnswer, WebhookError> {
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

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A panic while holding the lock cannot leave the maps half-written; keep serving.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The status to fail `path` with, if a failure is queued (after the delay of a timeout).
    async fn take_failure(&self, path: &str) -> Option<(StatusCode, Option<String>)> {
        let (status, message) = {
            let mut state = self.lock();
            let entry = state.failures.get_mut(path)?;
            if entry.1 == 0 {
                return None;
            }
            entry.1 -= 1;
            (entry.0, entry.2.clone())
        };
        if status == 0 {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
        Some((StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), message))
    }

    /// Serves the fake on `addr` until the process ends.
    pub async fn serve(self, addr: std::net::SocketAddr) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        tracing::info!(%addr, "fake LINE API listening on http://{addr}");
        axum::serve(listener, self.router()).await?;
        Ok(())
    }
}

fn line_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

fn new_request_id() -> axum::http::HeaderValue {
    axum::http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap_or(axum::http::HeaderValue::from_static("0"))
}

#[derive(Deserialize)]
struct VerifyForm {
    id_token: Option<String>,
    client_id: Option<String>,
}

async fn verify(State(fake): State<FakeLine>, Form(form): Form<VerifyForm>) -> Response {
    if let Some((status, _)) = fake.take_failure("/oauth2/v2.1/verify").await {
        return line_error(status, "server_error", "injected failure");
    }
    let (Some(id_token), Some(client_id)) = (form.id_token, form.client_id) else {
        return line_error(StatusCode::BAD_REQUEST, "invalid_request", "Required parameter is missing.");
    };
    let Some(token) = fake.lock().tokens.get(&id_token).cloned() else {
        return line_error(StatusCode::BAD_REQUEST, "invalid_request", "Invalid IdToken.");
    };
    if token.aud != client_id {
        return line_error(StatusCode::BAD_REQUEST, "invalid_request", "Invalid IdToken Audience.");
    }
    if token.exp <= chrono::Utc::now().timestamp() {
        return line_error(StatusCode::BAD_REQUEST, "invalid_request", "IdToken expired.");
    }
    let mut body = json!({
        "iss": "https://access.line.me",
        "sub": token.sub,
        "aud": token.aud,
        "exp": token.exp,
        "iat": token.iat,
        "amr": ["linesso"],
    });
    if let Some(name) = token.name {
        body["name"] = json!(name);
    }
    let mut response = Json(body).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

#[derive(Deserialize)]
struct IssueToken {
    sub: String,
    aud: String,
    name: Option<String>,
    expires_in: Option<i64>,
}

async fn issue_token(State(fake): State<FakeLine>, Json(req): Json<IssueToken>) -> Json<serde_json::Value> {
    let token = fake.issue_id_token(&req.sub, &req.aud, req.name.as_deref(), req.expires_in.unwrap_or(3600));
    Json(json!({ "id_token": token }))
}

#[derive(Deserialize)]
struct Fail {
    path: String,
    status: u16,
    times: u32,
    /// The `{"message"}` of the error (a 429 defaults to the monthly-limit text).
    #[serde(default)]
    message: Option<String>,
}

async fn fail(State(fake): State<FakeLine>, Json(req): Json<Fail>) -> StatusCode {
    fake.lock().failures.insert(req.path, (req.status, req.times, req.message));
    StatusCode::NO_CONTENT
}

fn push_error(status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(json!({ "message": message }))).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

/// The channel access token of `Authorization: Bearer …`.
fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty())
        .map(String::from)
}

/// LINE's answer to a missing or invalid channel access token.
fn unauthorized() -> Response {
    push_error(StatusCode::UNAUTHORIZED, "Authentication failed. Confirm that the access token in the authorization header is valid.")
}

async fn push(State(fake): State<FakeLine>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Response {
    let Some(access_token) = bearer(&headers) else {
        return unauthorized();
    };
    let retry_key = headers.get("x-line-retry-key").and_then(|v| v.to_str().ok()).map(String::from);
    fake.lock().push_attempts.push(retry_key.clone());
    if retry_key.as_deref().is_some_and(|k| uuid::Uuid::parse_str(k).is_err()) {
        return push_error(StatusCode::BAD_REQUEST, "The value of the X-Line-Retry-Key header is invalid");
    }
    if let Some(key) = &retry_key {
        let accepted = fake.lock().accepted_request_id(key);
        if let Some(accepted) = accepted {
            let mut response = push_error(StatusCode::CONFLICT, "The retry key is already accepted");
            if let Ok(value) = axum::http::HeaderValue::from_str(&accepted) {
                response.headers_mut().insert("x-line-accepted-request-id", value);
            }
            return response;
        }
    }
    if let Some((status, message)) = fake.take_failure("/v2/bot/message/push").await {
        let default = match status {
            StatusCode::TOO_MANY_REQUESTS => QUOTA_EXHAUSTED_MESSAGE,
            _ => "An error occurred in the server",
        };
        return push_error(status, message.as_deref().unwrap_or(default));
    }
    let Ok(request) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return push_error(StatusCode::BAD_REQUEST, "The request body has 1 error(s)");
    };
    let to = request["to"].as_str().unwrap_or_default().to_string();
    let valid_to = to.len() == 33 && to.starts_with('U') && to[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !valid_to {
        return push_error(StatusCode::BAD_REQUEST, "The property, 'to', in the request body is invalid (line: -, column: -)");
    }
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    if messages.is_empty() || messages.len() > 5 {
        return push_error(StatusCode::BAD_REQUEST, "Size must be between 1 and 5");
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    {
        // Checked and counted under one lock: concurrent pushes cannot overshoot the limit.
        let mut state = fake.lock();
        if state.quota_limit.is_some_and(|limit| state.usage() >= limit) {
            drop(state);
            return push_error(StatusCode::TOO_MANY_REQUESTS, QUOTA_EXHAUSTED_MESSAGE);
        }
        state.pushes.push(AcceptedPush { to, messages, retry_key, request_id: request_id.clone(), access_token });
    }
    let mut response = Json(json!({ "sentMessages": [{ "id": request_id, "quoteToken": "fake" }] })).into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-line-request-id", value);
    }
    response
}

async fn pushes(State(fake): State<FakeLine>) -> Json<Vec<AcceptedPush>> {
    Json(fake.accepted_pushes())
}

fn with_request_id(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

async fn quota(State(fake): State<FakeLine>, headers: axum::http::HeaderMap) -> Response {
    if bearer(&headers).is_none() {
        return unauthorized();
    }
    if let Some((status, _)) = fake.take_failure("/v2/bot/message/quota").await {
        return push_error(status, "An error occurred in the server");
    }
    let limit = fake.lock().quota_limit;
    with_request_id(match limit {
        Some(value) => json!({ "type": "limited", "value": value }),
        None => json!({ "type": "none" }),
    })
}

async fn consumption(State(fake): State<FakeLine>, headers: axum::http::HeaderMap) -> Response {
    if bearer(&headers).is_none() {
        return unauthorized();
    }
    if let Some((status, _)) = fake.take_failure("/v2/bot/message/quota/consumption").await {
        return push_error(status, "An error occurred in the server");
    }
    with_request_id(json!({ "totalUsage": fake.quota_usage() }))
}

#[derive(Deserialize)]
struct SetQuota {
    limit: Option<u64>,
}

async fn set_quota(State(fake): State<FakeLine>, Json(req): Json<SetQuota>) -> StatusCode {
    fake.set_quota_limit(req.limit);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct AcceptKey {
    retry_key: String,
}

async fn accept_key(State(fake): State<FakeLine>, Json(req): Json<AcceptKey>) -> Response {
    if uuid::Uuid::parse_str(&req.retry_key).is_err() {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "retry_key must be a UUID, as LINE requires" }))).into_response();
    }
    Json(json!({ "accepted_request_id": fake.accept_retry_key(&req.retry_key) })).into_response()
}

#[derive(Deserialize)]
struct SendWebhook {
    url: Option<String>,
    channel_secret: Option<String>,
    #[serde(default)]
    events: Vec<serde_json::Value>,
    destination: Option<String>,
    #[serde(default)]
    redeliver_last: bool,
}

async fn webhook(State(fake): State<FakeLine>, Json(req): Json<SendWebhook>) -> Response {
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

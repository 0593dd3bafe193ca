//! A local fake of LINE's HTTP API for development and tests, speaking LINE's wire format:
//! `POST /oauth2/v2.1/verify` answers as LINE does (200 with the token's claims, or 400 with
//! `{error, error_description}`). Test helpers live under `/__fake/`:
//! - `POST /__fake/id-tokens` `{"sub","aud","name"?,"expires_in"?}` issues an ID token (the
//!   string a test hands to `@line/liff-mock` as `getIDToken`); only issued tokens verify.
//! - `POST /__fake/fail` `{"path","status","times"}` makes the next `times` requests to `path`
//!   fail with `status` (0 = drop the connection after a delay, i.e. a timeout).
//! - `POST /v2/bot/message/push` answers as LINE does, honouring `X-Line-Retry-Key` (409 with
//!   `x-line-accepted-request-id` for a key it already accepted); `GET /__fake/pushes` lists
//!   what it accepted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;

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
    failures: HashMap<String, (u16, u32)>,
    pushes: Vec<AcceptedPush>,
    /// The retry key of every push attempt, accepted or not, in order.
    push_attempts: Vec<Option<String>>,
}

#[derive(Clone, Default)]
pub struct FakeLine {
    state: Arc<Mutex<FakeState>>,
}

impl FakeLine {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/oauth2/v2.1/verify", post(verify))
            .route("/__fake/id-tokens", post(issue_token))
            .route("/__fake/fail", post(fail))
            .route("/v2/bot/message/push", post(push))
            .route("/__fake/pushes", axum::routing::get(pushes))
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
        self.lock().failures.insert(path.to_string(), (status, times));
    }

    /// The retry key of every push attempt so far (accepted, refused or failed), oldest first.
    pub fn push_attempt_keys(&self) -> Vec<Option<String>> {
        self.lock().push_attempts.clone()
    }

    /// The pushes accepted so far, oldest first.
    pub fn accepted_pushes(&self) -> Vec<AcceptedPush> {
        self.lock().pushes.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A panic while holding the lock cannot leave the maps half-written; keep serving.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The status to fail `path` with, if a failure is queued (after the delay of a timeout).
    async fn take_failure(&self, path: &str) -> Option<StatusCode> {
        let status = {
            let mut state = self.lock();
            let entry = state.failures.get_mut(path)?;
            if entry.1 == 0 {
                return None;
            }
            entry.1 -= 1;
            entry.0
        };
        if status == 0 {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
        Some(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
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
    if let Some(status) = fake.take_failure("/oauth2/v2.1/verify").await {
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
}

async fn fail(State(fake): State<FakeLine>, Json(req): Json<Fail>) -> StatusCode {
    fake.fail_next(&req.path, req.status, req.times);
    StatusCode::NO_CONTENT
}

fn push_error(status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(json!({ "message": message }))).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

async fn push(State(fake): State<FakeLine>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Response {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty())
        .map(String::from);
    let Some(access_token) = token else {
        return push_error(StatusCode::UNAUTHORIZED, "Authentication failed. Confirm that the access token in the authorization header is valid.");
    };
    let retry_key = headers.get("x-line-retry-key").and_then(|v| v.to_str().ok()).map(String::from);
    fake.lock().push_attempts.push(retry_key.clone());
    if retry_key.as_deref().is_some_and(|k| uuid::Uuid::parse_str(k).is_err()) {
        return push_error(StatusCode::BAD_REQUEST, "The value of the X-Line-Retry-Key header is invalid");
    }
    if let Some(key) = &retry_key {
        let accepted = fake.lock().pushes.iter().find(|p| p.retry_key.as_ref() == Some(key)).map(|p| p.request_id.clone());
        if let Some(accepted) = accepted {
            let mut response = push_error(StatusCode::CONFLICT, "The retry key is already accepted");
            if let Ok(value) = axum::http::HeaderValue::from_str(&accepted) {
                response.headers_mut().insert("x-line-accepted-request-id", value);
            }
            return response;
        }
    }
    if let Some(status) = fake.take_failure("/v2/bot/message/push").await {
        let message = match status {
            StatusCode::TOO_MANY_REQUESTS => "You have reached your monthly limit.",
            _ => "An error occurred in the server",
        };
        return push_error(status, message);
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
    fake.lock().pushes.push(AcceptedPush { to, messages, retry_key, request_id: request_id.clone(), access_token });
    let mut response = Json(json!({ "sentMessages": [{ "id": request_id, "quoteToken": "fake" }] })).into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-line-request-id", value);
    }
    response
}

async fn pushes(State(fake): State<FakeLine>) -> Json<Vec<AcceptedPush>> {
    Json(fake.accepted_pushes())
}

//! A local fake of LINE's HTTP API for development and tests, speaking LINE's wire format:
//! `POST /oauth2/v2.1/verify` answers as LINE does (200 with the token's claims, or 400 with
//! `{error, error_description}`). Test helpers live under `/__fake/`:
//! - `POST /__fake/id-tokens` `{"sub","aud","name"?,"expires_in"?}` issues an ID token (the
//!   string a test hands to `@line/liff-mock` as `getIDToken`); only issued tokens verify.
//! - `POST /__fake/fail` `{"path","status","times"}` makes the next `times` requests to `path`
//!   fail with `status` (0 = drop the connection after a delay, i.e. a timeout).

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

#[derive(Default)]
struct FakeState {
    tokens: HashMap<String, IssuedToken>,
    failures: HashMap<String, (u16, u32)>,
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

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A panic while holding the lock cannot leave the maps half-written; keep serving.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The failure to answer for `path`, if one is queued.
    async fn injected_failure(&self, path: &str) -> Option<Response> {
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
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Some(line_error(status, "server_error", "injected failure"))
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
    if let Some(failure) = fake.injected_failure("/oauth2/v2.1/verify").await {
        return failure;
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

//! LINE Login: ID tokens the fake issues, and `POST /oauth2/v2.1/verify` as LINE answers it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;

use crate::{new_request_id, FakeLine};

#[derive(Clone, Debug)]
pub(crate) struct IssuedToken {
    pub(crate) sub: String,
    pub(crate) aud: String,
    pub(crate) name: Option<String>,
    pub(crate) iat: i64,
    pub(crate) exp: i64,
}

impl FakeLine {
    /// Issues an ID token for `sub` on the Login channel `aud`, valid for `expires_in` seconds
    /// (negative: already expired).
    pub fn issue_id_token(&self, sub: &str, aud: &str, name: Option<&str>, expires_in: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let token = format!("fake-id-token.{}", uuid::Uuid::new_v4().simple());
        let issued = IssuedToken { sub: sub.into(), aud: aud.into(), name: name.map(String::from), iat: now, exp: now + expires_in };
        self.lock().tokens.insert(token.clone(), issued);
        token
    }
}

fn line_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

#[derive(Deserialize)]
pub(crate) struct VerifyForm {
    id_token: Option<String>,
    client_id: Option<String>,
}

pub(crate) async fn verify(State(fake): State<FakeLine>, Form(form): Form<VerifyForm>) -> Response {
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
pub(crate) struct IssueToken {
    sub: String,
    aud: String,
    name: Option<String>,
    expires_in: Option<i64>,
}

pub(crate) async fn issue_token(State(fake): State<FakeLine>, Json(req): Json<IssueToken>) -> Json<serde_json::Value> {
    let token = fake.issue_id_token(&req.sub, &req.aud, req.name.as_deref(), req.expires_in.unwrap_or(3600));
    Json(json!({ "id_token": token }))
}

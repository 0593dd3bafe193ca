//! LINE Login: ID tokens and LIFF access tokens the fake issues, `POST /oauth2/v2.1/verify` (an
//! ID token), `GET /oauth2/v2.1/verify` (an access token), `GET /v2/profile` and
//! `GET /friendship/v1/status` as LINE answers them.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
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

/// A LIFF access token: whose, for which Login channel, until when, and whether that user is a
/// friend of the channel's Official Account.
#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub(crate) sub: String,
    pub(crate) aud: String,
    pub(crate) exp: i64,
    pub(crate) friend: bool,
}

impl FakeLine {
    /// Issues a LIFF access token of `sub` on the Login channel `aud`; `friend`: whether `sub` is
    /// a friend of the channel's Official Account.
    pub fn issue_access_token(&self, sub: &str, aud: &str, friend: bool, expires_in: i64) -> String {
        let token = format!("fake-access-token.{}", uuid::Uuid::new_v4().simple());
        let issued = AccessToken { sub: sub.into(), aud: aud.into(), exp: chrono::Utc::now().timestamp() + expires_in, friend };
        self.lock().access_tokens.insert(token.clone(), issued);
        token
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
    /// Whether the user is a friend of the channel's Official Account (default: yes).
    friend: Option<bool>,
}

pub(crate) async fn issue_token(State(fake): State<FakeLine>, Json(req): Json<IssueToken>) -> Json<serde_json::Value> {
    let expires_in = req.expires_in.unwrap_or(3600);
    let token = fake.issue_id_token(&req.sub, &req.aud, req.name.as_deref(), expires_in);
    let access_token = fake.issue_access_token(&req.sub, &req.aud, req.friend.unwrap_or(true), expires_in);
    Json(json!({ "id_token": token, "access_token": access_token }))
}

/// The live access token in `Authorization: Bearer …`, if there is one.
fn bearer(fake: &FakeLine, headers: &HeaderMap) -> Option<AccessToken> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default();
    fake.lock().access_tokens.get(token).cloned().filter(|t| t.exp > chrono::Utc::now().timestamp())
}

fn unauthorized() -> Response {
    line_error(StatusCode::UNAUTHORIZED, "invalid_token", "The access token expired or is not valid.")
}

fn ok(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

#[derive(Deserialize)]
pub(crate) struct VerifyAccess {
    access_token: Option<String>,
}

/// `GET /oauth2/v2.1/verify?access_token=…`: `{scope, client_id, expires_in}`.
pub(crate) async fn verify_access_token(State(fake): State<FakeLine>, Query(q): Query<VerifyAccess>) -> Response {
    if let Some((status, _)) = fake.take_failure("/oauth2/v2.1/verify?access_token").await {
        return line_error(status, "server_error", "injected failure");
    }
    let now = chrono::Utc::now().timestamp();
    match q.access_token.and_then(|t| fake.lock().access_tokens.get(&t).cloned()) {
        Some(t) if t.exp > now => ok(json!({ "scope": "openid profile", "client_id": t.aud, "expires_in": t.exp - now })),
        Some(_) => line_error(StatusCode::BAD_REQUEST, "invalid_request", "access token expired"),
        None => line_error(StatusCode::BAD_REQUEST, "invalid_request", "invalid access token"),
    }
}

/// `GET /v2/profile`: the access token's user.
pub(crate) async fn profile(State(fake): State<FakeLine>, headers: HeaderMap) -> Response {
    match bearer(&fake, &headers) {
        Some(t) => ok(json!({ "userId": t.sub, "displayName": "LINE user" })),
        None => unauthorized(),
    }
}

/// `GET /friendship/v1/status`: whether the user is a friend of the channel's Official Account.
pub(crate) async fn friendship(State(fake): State<FakeLine>, headers: HeaderMap) -> Response {
    if let Some((status, _)) = fake.take_failure("/friendship/v1/status").await {
        return line_error(status, "server_error", "injected failure");
    }
    match bearer(&fake, &headers) {
        Some(t) => ok(json!({ "friendFlag": t.friend })),
        None => unauthorized(),
    }
}

#[derive(Deserialize)]
pub(crate) struct SetFriendship {
    sub: String,
    friend: bool,
}

/// `POST /__fake/friendship {"sub","friend"}`: the user adds (or blocks) the Official Account.
pub(crate) async fn set_friendship(State(fake): State<FakeLine>, Json(req): Json<SetFriendship>) -> StatusCode {
    for t in fake.lock().access_tokens.values_mut().filter(|t| t.sub == req.sub) {
        t.friend = req.friend;
    }
    StatusCode::NO_CONTENT
}

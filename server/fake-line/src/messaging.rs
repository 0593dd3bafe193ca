//! The Messaging API: push with retry keys, the monthly quota and its consumption.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::{new_request_id, FakeLine};

/// LINE's answer to a push once the monthly quota is used up (`PushOutcome::RateLimited` with
/// `quota_exhausted` looks for "monthly limit").
pub const QUOTA_EXHAUSTED_MESSAGE: &str = "You have reached your monthly limit.";

/// A push LINE accepted.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AcceptedPush {
    pub to: String,
    pub messages: Vec<serde_json::Value>,
    pub retry_key: Option<String>,
    pub request_id: String,
    pub access_token: String,
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

pub(crate) async fn push(State(fake): State<FakeLine>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Response {
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

pub(crate) async fn pushes(State(fake): State<FakeLine>) -> Json<Vec<AcceptedPush>> {
    Json(fake.accepted_pushes())
}

fn with_request_id(body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

pub(crate) async fn quota(State(fake): State<FakeLine>, headers: axum::http::HeaderMap) -> Response {
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

pub(crate) async fn consumption(State(fake): State<FakeLine>, headers: axum::http::HeaderMap) -> Response {
    if bearer(&headers).is_none() {
        return unauthorized();
    }
    if let Some((status, _)) = fake.take_failure("/v2/bot/message/quota/consumption").await {
        return push_error(status, "An error occurred in the server");
    }
    with_request_id(json!({ "totalUsage": fake.quota_usage() }))
}

#[derive(Deserialize)]
pub(crate) struct SetQuota {
    limit: Option<u64>,
}

pub(crate) async fn set_quota(State(fake): State<FakeLine>, Json(req): Json<SetQuota>) -> StatusCode {
    fake.set_quota_limit(req.limit);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub(crate) struct AcceptKey {
    retry_key: String,
}

pub(crate) async fn accept_key(State(fake): State<FakeLine>, Json(req): Json<AcceptKey>) -> Response {
    if uuid::Uuid::parse_str(&req.retry_key).is_err() {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "retry_key must be a UUID, as LINE requires" }))).into_response();
    }
    Json(json!({ "accepted_request_id": fake.accept_retry_key(&req.retry_key) })).into_response()
}

//! The session cookies of patients and staff: a random token read from the request and set on
//! the response, `HttpOnly`, `SameSite=Lax`, and `Secure` everywhere except plain-HTTP
//! development on this machine.

use axum::http::header::{COOKIE, HOST, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use leptos::prelude::*;

/// A new 256-bit random session token.
pub fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// The value of cookie `name` in these request headers, if set and not empty.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name && !value.is_empty()).then(|| value.to_string())
    })
}

/// The value of cookie `name` in the request being answered.
pub fn from_request(name: &str) -> Option<String> {
    read(&use_context::<Parts>()?.headers, name)
}

/// Sets cookie `name` on the response (`max_age_seconds` 0 removes it).
pub fn set(name: &str, value: &str, max_age_seconds: i64) {
    let host = use_context::<Parts>().and_then(|p| p.headers.get(HOST).and_then(|h| h.to_str().ok()).map(String::from)).unwrap_or_default();
    let local = host.starts_with("localhost") || host.starts_with("127.0.0.1") || host.starts_with("[::1]");
    let secure = if local { "" } else { "; Secure" };
    let cookie = format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}");
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie)) {
        response.append_header(SET_COOKIE, value);
    }
}

//! The patient's session: after the server has verified who the patient is (LINE's ID token, or
//! the sandbox sign-in), the browser holds only a random token in an HttpOnly cookie.

use axum::http::header::{COOKIE, HOST, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use chrono::{Duration, Utc};
use leptos::prelude::*;

use crate::booking::model::Clinic;
use crate::i18n::Lang;
use crate::store::Patient;

pub const COOKIE_NAME: &str = "yoyaku_patient";
pub const SESSION_DAYS: i64 = 30;

fn cookie_token() -> Option<String> {
    let parts = use_context::<Parts>()?;
    parts.headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE_NAME && !value.is_empty()).then(|| value.to_string())
    })
}

/// `Secure` everywhere except plain-HTTP development on this machine.
fn secure() -> bool {
    let host = use_context::<Parts>()
        .and_then(|p| p.headers.get(HOST).and_then(|h| h.to_str().ok()).map(String::from))
        .unwrap_or_default();
    !(host.starts_with("localhost") || host.starts_with("127.0.0.1") || host.starts_with("[::1]"))
}

fn set_cookie(value: &str, max_age_seconds: i64) {
    let secure = if secure() { "; Secure" } else { "" };
    let cookie = format!("{COOKIE_NAME}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}");
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie)) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Starts a session for a patient whose identity the server has verified.
pub async fn start(clinic: &Clinic, patient: &Patient) -> Result<(), ServerFnError> {
    let store = crate::state::store()?;
    let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let now = Utc::now();
    store
        .create_patient_session(clinic.id, patient.id, &token, now + Duration::days(SESSION_DAYS), now)
        .await
        .map_err(super::ssr::user_error)?;
    set_cookie(&token, SESSION_DAYS * 24 * 3600);
    Ok(())
}

pub async fn end() -> Result<(), ServerFnError> {
    if let Some(token) = cookie_token() {
        crate::state::store()?.end_patient_session(&token).await.map_err(super::ssr::user_error)?;
    }
    set_cookie("", 0);
    Ok(())
}

/// The signed-in patient of this clinic, if any.
pub async fn current(clinic: &Clinic) -> Result<Option<Patient>, ServerFnError> {
    let Some(token) = cookie_token() else { return Ok(None) };
    let store = crate::state::store()?;
    match store.patient_session(&token, Utc::now()).await.map_err(super::ssr::user_error)? {
        Some((clinic_id, patient_id)) if clinic_id == clinic.id => store.patient(clinic.id, patient_id).await.map_err(super::ssr::user_error),
        _ => Ok(None),
    }
}

/// The signed-in patient, or an error asking to sign in.
pub async fn require(clinic: &Clinic, lang: Lang) -> Result<Patient, ServerFnError> {
    current(clinic).await?.ok_or_else(|| {
        ServerFnError::new(lang.pick("ログインが必要です。ページを開き直してください。", "Please sign in again: reopen this page."))
    })
}

//! The patient's session: after the server has verified who the patient is (LINE's ID token, or
//! the sandbox sign-in), the browser holds only a random token in an HttpOnly cookie.

use chrono::{Duration, Utc};
use leptos::prelude::*;

use super::cookie;
use crate::booking::model::Clinic;
use crate::i18n::Lang;
use crate::store::Patient;

pub const COOKIE_NAME: &str = "yoyaku_patient";
pub const SESSION_DAYS: i64 = 30;

/// Starts a session for a patient whose identity the server has verified.
pub async fn start(clinic: &Clinic, patient: &Patient) -> Result<(), ServerFnError> {
    let store = crate::state::store()?;
    let token = cookie::random_token();
    let now = Utc::now();
    store
        .create_patient_session(clinic.id, patient.id, &token, now + Duration::days(SESSION_DAYS), now)
        .await
        .map_err(super::ssr::user_error)?;
    cookie::set(COOKIE_NAME, &token, SESSION_DAYS * 24 * 3600);
    Ok(())
}

pub async fn end() -> Result<(), ServerFnError> {
    if let Some(token) = cookie::from_request(COOKIE_NAME) {
        crate::state::store()?.end_patient_session(&token).await.map_err(super::ssr::user_error)?;
    }
    cookie::set(COOKIE_NAME, "", 0);
    Ok(())
}

/// The signed-in patient of this clinic, if any.
pub async fn current(clinic: &Clinic) -> Result<Option<Patient>, ServerFnError> {
    let Some(token) = cookie::from_request(COOKIE_NAME) else { return Ok(None) };
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

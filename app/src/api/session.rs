//! The patient's session: after the server has verified who the patient is (LINE's ID token, or
//! the sandbox sign-in), the browser holds only a random token in an HttpOnly cookie.

use chrono::{Duration, Utc};

use super::cookie;
use crate::booking::model::Clinic;
use crate::error::Problem;
use crate::store::{Patient, Reads};

pub const COOKIE_NAME: &str = "yoyaku_patient";
pub const SESSION_DAYS: i64 = 30;

/// Starts a session for a patient whose identity the server has verified.
pub async fn start(clinic: &Clinic, patient: &Patient) -> Result<(), Problem> {
    let token = cookie::random_token();
    let now = Utc::now();
    let mut tx = crate::state::store()?.write().await?;
    tx.insert_patient_session(&token, clinic.id, patient.id, now + Duration::days(SESSION_DAYS), now).await?;
    tx.commit().await?;
    cookie::set(COOKIE_NAME, &token, SESSION_DAYS * 24 * 3600);
    Ok(())
}

pub async fn end() -> Result<(), Problem> {
    if let Some(token) = cookie::from_request(COOKIE_NAME) {
        let mut tx = crate::state::store()?.write().await?;
        tx.delete_patient_session(&token).await?;
        tx.commit().await?;
    }
    cookie::set(COOKIE_NAME, "", 0);
    Ok(())
}

/// The signed-in patient of this clinic, if any, read on the request's connection (a second
/// connection per request could starve the pool under load).
pub async fn current(db: &mut dyn Reads, clinic: &Clinic) -> Result<Option<Patient>, Problem> {
    let Some(token) = cookie::from_request(COOKIE_NAME) else { return Ok(None) };
    match db.patient_session(&token, Utc::now()).await? {
        // An erased patient's sessions are deleted with them; one made at that very moment is not theirs.
        Some((clinic_id, patient_id)) if clinic_id == clinic.id => {
            Ok(db.patient(clinic.id, patient_id).await?.filter(|p| !matches!(p.identity, crate::store::Identity::Erased { .. })))
        }
        _ => Ok(None),
    }
}

/// The signed-in patient, or [`Problem::SignInRequired`].
pub async fn require(db: &mut dyn Reads, clinic: &Clinic) -> Result<Patient, Problem> {
    current(db, clinic).await?.ok_or(Problem::SignInRequired)
}

//! The patient arriving: signed in with LINE (after the server verified who they are) or with
//! the sandbox's demo sign-in, their session on the phone, and the details they give.

use chrono::{DateTime, Utc};

use crate::booking::ids::{AppointmentId, ClinicId, PatientId};
use crate::error::Problem;
use crate::i18n::Lang;
use crate::store::{Consent, ConsentChannel, Identity, NewPatient, Patient, PatientDetails, Write};

/// The patient known by this verified LINE user id, made on their first sign-in; their language
/// follows LINE's.
pub async fn line_patient(tx: &mut dyn Write, clinic: ClinicId, user_id: &str, lang: Lang, now: DateTime<Utc>) -> Result<Patient, Problem> {
    if let Some(mut patient) = tx.line_patient(clinic, user_id).await? {
        if patient.language != lang {
            tx.set_patient_language(clinic, patient.id, lang).await?;
            patient.language = lang;
        }
        return Ok(patient);
    }
    let new = NewPatient {
        clinic_id: clinic,
        identity: Identity::Line { user_id: user_id.to_string(), friend: None },
        details: PatientDetails::none(),
        language: lang,
    };
    // Two first sign-ins at once: the second finds the first's patient.
    if tx.insert_patient(&new, now).await?.is_none() {
        tracing::info!("a LINE patient signed in twice at once");
    }
    tx.line_patient(clinic, user_id).await?.ok_or_else(|| Problem::internal("a new LINE patient vanished"))
}

/// A new sandbox patient (the demo sign-in of a clinic without LINE channels).
pub async fn sandbox_patient(tx: &mut dyn Write, clinic: ClinicId, lang: Lang, now: DateTime<Utc>) -> Result<Patient, Problem> {
    let new = NewPatient { clinic_id: clinic, identity: Identity::Sandbox, details: PatientDetails::none(), language: lang };
    let id = tx.insert_patient(&new, now).await?.ok_or_else(|| Problem::internal("a sandbox patient was not inserted"))?;
    tx.patient(clinic, id).await?.ok_or_else(|| Problem::internal("a new sandbox patient vanished"))
}

/// Remembers the details the patient gave (already checked) for next time.
pub async fn save_details(tx: &mut dyn Write, clinic: ClinicId, patient: PatientId, details: &PatientDetails) -> Result<(), Problem> {
    Ok(tx.save_patient_details(clinic, patient, details).await?)
}

/// Whether the LINE patient is a friend of the clinic's Official Account, as LINE said (the
/// webhook's follow and unfollow, or the sign-in's friendship check). A new friend's notices that
/// were waiting for it are sent now.
pub async fn line_friend(tx: &mut dyn Write, clinic: ClinicId, user_id: &str, friend: bool, now: DateTime<Utc>) -> Result<(), Problem> {
    tx.set_line_friend(clinic, user_id, friend).await?;
    if friend {
        tx.wake_notifications(clinic, user_id, now).await?;
    }
    Ok(())
}

/// The patient consents to the clinic's privacy notice as it is now (its current version), with
/// the booking they make: kept for the owner to show, never changed after.
pub async fn consent(tx: &mut dyn Write, clinic: ClinicId, patient: &Patient, appointment: AppointmentId, now: DateTime<Utc>) -> Result<(), Problem> {
    let channel = match patient.identity {
        Identity::Line { .. } => ConsentChannel::Line,
        Identity::Email { .. } => ConsentChannel::Web,
        Identity::Sandbox => ConsentChannel::Sandbox,
        // Reception's phone bookings are not the patient's own: they consent at the desk.
        Identity::Offline => return Err(Problem::internal("a patient known to reception only has no channel to consent in")),
        Identity::Erased { .. } => return Err(Problem::internal("an erased patient books nothing")),
    };
    let notice_version = tx.privacy_version(clinic).await?;
    let consent = Consent { patient_id: patient.id, notice_version, channel, appointment_id: Some(appointment), at: now };
    Ok(tx.record_consent(clinic, &consent).await?)
}

//! Patients' rights over what the clinic holds about them (APPI: 開示 and 消去): the patient sees
//! it and asks for deletion; the owner exports it (開示請求) and carries the deletion out. Medical
//! visit records may have to be kept, so deletion makes the person anonymous: their details,
//! contact, sessions, answers and notices go, the visits stay (counts, times, attendance).

use chrono::{DateTime, Utc};

use crate::booking::ids::{ClinicId, PatientId, StaffId};
use crate::booking::status::AppointmentStatus;
use crate::error::{Missing, Problem};
use crate::store::{AccessKind, Appointment, Consent, ConsentChannel, DeletionRequest, Erasure, Identity, Patient, Question, Reads, Write};

/// Everything the clinic holds about one patient.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientData {
    pub patient: Patient,
    /// Newest visit first.
    pub appointments: Vec<Appointment>,
    pub answers: Vec<(crate::booking::ids::AppointmentId, crate::booking::ids::QuestionId, String)>,
    pub questions: Vec<Question>,
    /// Oldest first.
    pub consents: Vec<Consent>,
    /// Newest first.
    pub deletion_requests: Vec<DeletionRequest>,
}

pub async fn patient_data(db: &mut dyn Reads, clinic: ClinicId, patient: PatientId) -> Result<PatientData, Problem> {
    let patient = db.patient(clinic, patient).await?.ok_or(Problem::NotFound(Missing::Patient))?;
    let appointments = db.appointments_of(clinic, &[patient.id]).await?;
    let ids: Vec<_> = appointments.iter().map(|a| a.id).collect();
    Ok(PatientData {
        answers: db.answers(clinic, &ids).await?,
        questions: db.questions(clinic).await?,
        consents: db.consents(clinic, Some(patient.id)).await?,
        deletion_requests: db.deletion_requests(clinic, Some(patient.id)).await?,
        appointments,
        patient,
    })
}

/// The patient asks for deletion; asking again while a request is open changes nothing. The
/// owner sees it on the patients page.
pub async fn request_deletion(tx: &mut dyn Write, clinic: ClinicId, patient: &Patient, now: DateTime<Utc>) -> Result<(), Problem> {
    let channel = match patient.identity {
        Identity::Line { .. } => ConsentChannel::Line,
        Identity::Email { .. } => ConsentChannel::Web,
        Identity::Sandbox => ConsentChannel::Sandbox,
        // Reception's patients ask at the desk, and the owner erases them there.
        Identity::Offline | Identity::Erased { .. } => return Err(Problem::NotFound(Missing::Patient)),
    };
    let request = DeletionRequest { patient_id: patient.id, channel, requested_at: now, completed_at: None };
    if !tx.insert_deletion_request(clinic, &request).await? {
        tracing::info!(patient = patient.id.0, "a deletion request was sent again while one is open");
    }
    Ok(())
}

/// The owner erases the patient (at their request, or asked at the desk): refused while they
/// still have requests or visits to come (those are cancelled first, with a word to the
/// patient). Kept in the access log; erasing an erased patient again does nothing.
pub async fn erase(tx: &mut dyn Write, clinic: ClinicId, owner: StaffId, patient: PatientId, now: DateTime<Utc>) -> Result<Erasure, Problem> {
    // `lock_patient` passes over an erased patient: erasing one again does nothing.
    if !tx.lock_patient(clinic, patient).await? {
        return match tx.patient(clinic, patient).await? {
            Some(p) if matches!(p.identity, Identity::Erased { .. }) => Ok(Erasure::default()),
            _ => Err(Problem::NotFound(Missing::Patient)),
        };
    }
    let coming = tx.appointments_of(clinic, &[patient]).await?.into_iter().filter(|a| still_coming(a, now)).count();
    if coming > 0 {
        return Err(Problem::PatientHasVisits { count: coming });
    }
    let erasure = tx.erase_patient(clinic, patient, now).await?;
    tx.complete_deletion_requests(clinic, patient, owner, now).await?;
    let detail = format!("問診回答 answers {}, 通知 notices {}", erasure.answers, erasure.notices);
    super::access::record(tx, clinic, super::access::entries(owner, AccessKind::Erased, [(Some(patient), detail)], now)).await?;
    Ok(erasure)
}

/// A request (still held) or visit that has not ended yet.
fn still_coming(a: &Appointment, now: DateTime<Utc>) -> bool {
    a.ends_at > now && !a.lapsed(now) && matches!(a.status, AppointmentStatus::Verifying | AppointmentStatus::Requested | AppointmentStatus::Confirmed)
}

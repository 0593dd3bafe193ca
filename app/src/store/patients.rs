//! Patients: who they are (LINE, the sandbox, or a patient reception booked), the details they
//! give, their sessions on their phones, and search.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use crate::booking::ids::{AppointmentId, ClinicId, PatientId, StaffId};
use crate::i18n::Lang;
pub use crate::kinds::ConsentChannel;
use crate::patients::search::PatientQuery;

/// How the clinic knows a patient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// Signed in with LINE: the verified user id (`sub` of the ID token), and whether they are a
    /// friend of the clinic's Official Account (`None`: not known).
    Line { user_id: String, friend: Option<bool> },
    /// Signed in with the sandbox's demo sign-in (a clinic without LINE channels).
    Sandbox,
    /// Known to reception only (a phone booking).
    Offline,
    /// Booked on the clinic's website without LINE: their e-mail address (proved by a code)
    /// and the key of the links in the e-mails sent to it.
    Email { address: String, key: String },
    /// Erased at the patient's request: no details, no contact, no answers; only the visit
    /// records (times, menus, attendance) remain, under this anonymous patient.
    Erased { at: DateTime<Utc> },
}

impl Identity {
    pub fn line_user(&self) -> Option<&str> {
        match self {
            Identity::Line { user_id, .. } => Some(user_id),
            Identity::Sandbox | Identity::Offline | Identity::Email { .. } | Identity::Erased { .. } => None,
        }
    }
}

/// A patient of one clinic.
#[derive(Clone, Debug, PartialEq)]
pub struct Patient {
    pub id: PatientId,
    pub clinic_id: ClinicId,
    pub identity: Identity,
    pub details: PatientDetails,
    pub language: Lang,
}

/// The details a patient types in; remembered for next time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientDetails {
    pub name: String,
    pub furigana: String,
    pub phone: String,
    pub birth_date: Option<NaiveDate>,
}

impl PatientDetails {
    /// A patient who signed in and never booked.
    pub fn none() -> Self {
        PatientDetails { name: String::new(), furigana: String::new(), phone: String::new(), birth_date: None }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewPatient {
    pub clinic_id: ClinicId,
    pub identity: Identity,
    pub details: PatientDetails,
    pub language: Lang,
}

/// A patient's consent to the clinic's privacy notice: which version they read, when, how, and
/// with which booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub patient_id: PatientId,
    pub notice_version: u32,
    pub channel: ConsentChannel,
    pub appointment_id: Option<AppointmentId>,
    pub at: DateTime<Utc>,
}

/// A patient's request that the clinic delete what it holds about them; `completed_at` once the
/// owner has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletionRequest {
    pub patient_id: PatientId,
    /// Where they asked (the LIFF page or the e-mail's link).
    pub channel: ConsentChannel,
    pub requested_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// What erasing a patient removed, besides their details and contact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    pub answers: u64,
    pub notices: u64,
    pub sessions: u64,
}

#[async_trait]
pub trait PatientReads {
    async fn patient(&mut self, clinic: ClinicId, id: PatientId) -> Result<Option<Patient>, StoreError>;
    /// These patients of the clinic (others are left out).
    async fn patients(&mut self, clinic: ClinicId, ids: &[PatientId]) -> Result<Vec<Patient>, StoreError>;
    /// The patient known by this verified LINE user id.
    async fn line_patient(&mut self, clinic: ClinicId, line_user_id: &str) -> Result<Option<Patient>, StoreError>;
    /// The patient signed in with this session token, if the session is still valid.
    async fn patient_session(&mut self, token: &str, now: DateTime<Utc>) -> Result<Option<(ClinicId, PatientId)>, StoreError>;
    /// The clinic's patients whose name, furigana or phone contains the query (matched on the
    /// folded forms stored with each patient), by furigana, at most `limit`. Patients without a
    /// name (signed in, never booked) are left out.
    async fn search_patients(&mut self, clinic: ClinicId, query: &PatientQuery, limit: u32) -> Result<Vec<Patient>, StoreError>;
    /// The clinic's consents, oldest first: one patient's, or everyone's (`None`).
    async fn consents(&mut self, clinic: ClinicId, patient: Option<PatientId>) -> Result<Vec<Consent>, StoreError>;
    /// The clinic's deletion requests, newest first: one patient's, or the open ones of
    /// everyone (`None`).
    async fn deletion_requests(&mut self, clinic: ClinicId, patient: Option<PatientId>) -> Result<Vec<DeletionRequest>, StoreError>;
}

#[async_trait]
pub trait PatientWrites {
    /// A LINE patient is unique per clinic: a second insert of the same user id is `None`.
    async fn insert_patient(&mut self, patient: &NewPatient, now: DateTime<Utc>) -> Result<Option<PatientId>, StoreError>;
    /// Locks the patient's row until the transaction ends (two bookings of one patient then
    /// never interleave); `false` when the clinic has no such patient, or it was erased.
    async fn lock_patient(&mut self, clinic: ClinicId, id: PatientId) -> Result<bool, StoreError>;
    async fn save_patient_details(&mut self, clinic: ClinicId, id: PatientId, details: &PatientDetails) -> Result<(), StoreError>;
    async fn set_patient_language(&mut self, clinic: ClinicId, id: PatientId, lang: Lang) -> Result<(), StoreError>;
    /// Whether the LINE user is a friend of the clinic's Official Account.
    async fn set_line_friend(&mut self, clinic: ClinicId, line_user_id: &str, friend: bool) -> Result<(), StoreError>;
    /// Stores a session under the digest of `token`.
    async fn insert_patient_session(
        &mut self,
        token: &str,
        clinic: ClinicId,
        patient: PatientId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn delete_patient_session(&mut self, token: &str) -> Result<(), StoreError>;
    /// Keeps a consent (never changed or deleted after).
    async fn record_consent(&mut self, clinic: ClinicId, consent: &Consent) -> Result<(), StoreError>;
    /// `false` when the patient already has an open request.
    async fn insert_deletion_request(&mut self, clinic: ClinicId, request: &DeletionRequest) -> Result<bool, StoreError>;
    /// Marks the patient's open requests done by `staff`.
    async fn complete_deletion_requests(&mut self, clinic: ClinicId, patient: PatientId, staff: StaffId, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Makes the patient anonymous: details, contact (LINE, e-mail), sessions, questionnaire
    /// answers and the notices sent to them go; their visits stay.
    async fn erase_patient(&mut self, clinic: ClinicId, patient: PatientId, now: DateTime<Utc>) -> Result<Erasure, StoreError>;
}

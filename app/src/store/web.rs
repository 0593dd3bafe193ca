//! Website requests of patients without LINE: the e-mail code that proves the address before a
//! request reaches the clinic, and the patient known by that address.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Patient, StoreError};
use crate::booking::ids::{AppointmentId, ClinicId};

/// A website request as stored beside its appointment (status `verifying` until the code is
/// right). The flow token and the code are kept as digests only.
#[derive(Clone, Debug, PartialEq)]
pub struct WebRequest {
    pub appointment_id: AppointmentId,
    pub clinic_id: ClinicId,
    pub email: String,
    pub code_digest: String,
    /// Wrong codes typed so far.
    pub code_attempts: u32,
    /// Codes sent so far (the first one included).
    pub codes_sent: u32,
    pub code_sent_at: DateTime<Utc>,
    /// What the patient typed (`DetailsInput` as JSON): saved to the patient once the code
    /// proves the address, so nobody can change another person's details with their address.
    pub details: String,
    pub verified_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewWebRequest {
    pub appointment_id: AppointmentId,
    pub clinic_id: ClinicId,
    pub email: String,
    pub flow_digest: String,
    pub code_digest: String,
    pub details: String,
    pub now: DateTime<Utc>,
}

#[async_trait]
pub trait WebReads {
    /// The patient known by this e-mail address (already folded: trimmed, lower case).
    async fn email_patient(&mut self, clinic: ClinicId, email: &str) -> Result<Option<Patient>, StoreError>;
    /// The request a page's flow token belongs to (`flow_digest`: its digest).
    async fn web_request_by_flow(&mut self, clinic: ClinicId, flow_digest: &str) -> Result<Option<WebRequest>, StoreError>;
    async fn web_request(&mut self, clinic: ClinicId, appointment: AppointmentId) -> Result<Option<WebRequest>, StoreError>;
    /// Website requests still waiting for their code at `now`: the clinic's (`email: None`) or
    /// one address's.
    async fn web_requests_waiting(&mut self, clinic: ClinicId, email: Option<&str>, now: DateTime<Utc>) -> Result<u32, StoreError>;
}

#[async_trait]
pub trait WebWrites {
    async fn insert_web_request(&mut self, request: &NewWebRequest) -> Result<(), StoreError>;
    /// One more wrong code.
    async fn web_code_failed(&mut self, appointment: AppointmentId) -> Result<(), StoreError>;
    /// A new code replaces the old one (and counts as sent).
    async fn web_code_resent(&mut self, appointment: AppointmentId, code_digest: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn web_request_verified(&mut self, appointment: AppointmentId, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// How long a request holds its place (a verified website request gets the menu's hold).
    async fn set_hold_expiry(&mut self, clinic: ClinicId, appointment: AppointmentId, until: Option<DateTime<Utc>>) -> Result<(), StoreError>;
}

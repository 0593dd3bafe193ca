//! Appointments: what is booked, its life cycle's audit, the answers to the clinic's questions,
//! and the reads the console's pages are made of.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Actor, StoreError};
use crate::booking::availability::Booked;
use crate::booking::ids::{AppointmentId, ClinicId, MenuId, PatientId, QuestionId, ResourceId};
use crate::booking::status::AppointmentStatus;

#[derive(Clone, Debug, PartialEq)]
pub struct Appointment {
    pub id: AppointmentId,
    pub clinic_id: ClinicId,
    pub menu_id: MenuId,
    pub resource_id: ResourceId,
    pub patient_id: PatientId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The clinic-local date of the visit.
    pub service_date: NaiveDate,
    pub status: AppointmentStatus,
    /// The place in the day's queue, for queue menus.
    pub queue_number: Option<u32>,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Opaque reference used in URLs and messages instead of the id.
    pub reference: String,
    /// For a reschedule: the appointment this one replaces once confirmed.
    pub replaces_id: Option<AppointmentId>,
    /// The clinic's words to the patient with the last change (a decline's reason, why the
    /// clinic cancelled).
    pub note: Option<String>,
    /// A request the clinic made: another time it proposes, waiting for the patient's answer.
    pub proposal: bool,
    /// When reception marked the patient as arrived.
    pub arrived_at: Option<DateTime<Utc>>,
    /// When the patient said (with the reminder's button) that they will come.
    pub attendance_confirmed_at: Option<DateTime<Utc>>,
    /// A place in the day's queue: when reception last called it, and when it was skipped
    /// (called and not there: it waits aside to be recalled).
    pub called_at: Option<DateTime<Utc>>,
    pub skipped_at: Option<DateTime<Utc>>,
}

impl Appointment {
    /// A request (or a website request waiting for its e-mail code) whose hold has run out is as
    /// good as expired, whatever the worker has done yet.
    pub fn lapsed(&self, now: DateTime<Utc>) -> bool {
        matches!(self.status, AppointmentStatus::Requested | AppointmentStatus::Verifying) && self.hold_expires_at.is_some_and(|t| t <= now)
    }
}

/// A new appointment as the booking rules planned it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAppointment {
    pub clinic_id: ClinicId,
    pub menu_id: MenuId,
    pub resource_id: ResourceId,
    pub patient_id: PatientId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The time it keeps the resource busy (buffers included).
    pub held_from: DateTime<Utc>,
    pub held_until: DateTime<Utc>,
    pub service_date: NaiveDate,
    pub status: AppointmentStatus,
    pub queue_number: Option<u32>,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub reference: String,
    pub replaces_id: Option<AppointmentId>,
    pub proposal: bool,
    pub created_at: DateTime<Utc>,
}

/// One change of an appointment's status, as audited.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub appointment_id: AppointmentId,
    pub actor: Actor,
    pub from: Option<AppointmentStatus>,
    pub to: AppointmentStatus,
    pub at: DateTime<Utc>,
}

/// A page of a list read by keyset: the rows after `after` (in the list's order), at most
/// `limit` of them. A page's cost does not grow with the pages before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub after: Option<AppointmentId>,
    pub limit: u32,
}

impl Page {
    /// Everything (tests and small lists).
    pub const ALL: Page = Page { after: None, limit: u32::MAX };

    pub fn first(limit: u32) -> Page {
        Page { after: None, limit }
    }
}

/// Something that changes when the inbox does: the console's live updates compare it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InboxVersion {
    /// Requests waiting for the clinic's answer.
    pub pending: u32,
    /// The newest status change of any appointment of the clinic.
    pub last_change: i64,
}

/// One appointment as the CSV export lists it, with the names it refers to.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRow {
    pub id: AppointmentId,
    pub service_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub menu_name_ja: String,
    pub menu_name_en: String,
    pub resource_name_ja: String,
    pub resource_name_en: String,
    pub patient_name: String,
    pub furigana: String,
    pub phone: String,
    pub status: AppointmentStatus,
    pub queue_number: Option<u32>,
    pub reference: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait AppointmentReads {
    async fn appointment(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Option<Appointment>, StoreError>;
    async fn appointment_by_reference(&mut self, clinic: ClinicId, reference: &str) -> Result<Option<Appointment>, StoreError>;
    /// The appointments of these patients (one patient: their history), newest visit first.
    async fn appointments_of(&mut self, clinic: ClinicId, patients: &[PatientId]) -> Result<Vec<Appointment>, StoreError>;
    /// These appointments of the clinic (others are left out).
    async fn appointments_by_id(&mut self, clinic: ClinicId, ids: &[AppointmentId]) -> Result<Vec<Appointment>, StoreError>;
    /// Appointments on these resources of the clinic whose held time overlaps `[from, to)` and
    /// whose status holds capacity (a place is only ever blocked by its own resource's).
    async fn holding(&mut self, clinic: ClinicId, resources: &[ResourceId], from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Booked>, StoreError>;
    /// Every appointment whose clinic-local date is in `from..=to`, by time.
    async fn appointments_on(&mut self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<Appointment>, StoreError>;
    /// Requests waiting for the clinic, oldest first (`proposals: true`: the clinic's own
    /// proposals, waiting for the patient), a page at a time.
    async fn requests(&mut self, clinic: ClinicId, proposals: bool, page: Page) -> Result<Vec<Appointment>, StoreError>;
    /// How many requests (or proposals) wait in all.
    async fn count_requests(&mut self, clinic: ClinicId, proposals: bool) -> Result<u32, StoreError>;
    /// The answers to the clinic's questions of these appointments, in question order.
    async fn answers(&mut self, clinic: ClinicId, appointments: &[AppointmentId]) -> Result<Vec<(AppointmentId, QuestionId, String)>, StoreError>;
    async fn audit_trail(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<AuditEntry>, StoreError>;
    /// The steps of the day queue on this place (calls, skips, check-in …), oldest first.
    async fn queue_trail(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<QueueEntry>, StoreError>;
    async fn inbox_version(&mut self, clinic: ClinicId) -> Result<InboxVersion, StoreError>;
    /// Requests of every clinic whose hold ran out by `now` and are still `requested`.
    async fn lapsed_requests(&mut self, now: DateTime<Utc>) -> Result<Vec<(ClinicId, AppointmentId)>, StoreError>;
    /// The confirmed visits of the clinic-local `date` that have no reminder yet.
    async fn unreminded(&mut self, clinic: ClinicId, date: NaiveDate) -> Result<Vec<Appointment>, StoreError>;
    /// The appointments whose clinic-local date is in `from..=to` with the names they refer
    /// to, by time.
    async fn export(&mut self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<ExportRow>, StoreError>;
}

#[async_trait]
pub trait AppointmentWrites {
    /// The appointment, locked for the rest of the transaction where the backend locks rows.
    async fn appointment_for_update(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Option<Appointment>, StoreError>;
    /// The next number of the day's queue of `menu` on `resource`.
    async fn next_queue_number(&mut self, resource: ResourceId, menu: MenuId, date: NaiveDate) -> Result<u32, StoreError>;
    /// Inserts the appointment with its first audit row.
    async fn insert_appointment(&mut self, appointment: &NewAppointment, actor: Actor) -> Result<AppointmentId, StoreError>;
    /// Keeps the answers to the menu's questions (answers to other questions are dropped).
    async fn insert_answers(&mut self, id: AppointmentId, menu: MenuId, answers: &[(QuestionId, String)]) -> Result<(), StoreError>;
    async fn copy_answers(&mut self, from: AppointmentId, to: AppointmentId) -> Result<(), StoreError>;
    /// Moves the appointment from the status it was read with to `to`, with the clinic's words
    /// to the patient (kept when `None`) and an audit row. [`StoreError::StatusChanged`] when its
    /// status is no longer the one read: of two racing changes exactly one wins.
    async fn set_status(
        &mut self,
        appointment: &Appointment,
        to: AppointmentStatus,
        note: Option<&str>,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The patient is here (the first time counts).
    async fn mark_arrived(&mut self, clinic: ClinicId, id: AppointmentId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The patient said they will come (the first time counts).
    async fn confirm_attendance(&mut self, clinic: ClinicId, id: AppointmentId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Every place of one day's queue, locked for the rest of the transaction where the backend
    /// locks rows: of two receptionists pressing at once, the second sees the first's calls.
    async fn queue_for_update(&mut self, clinic: ClinicId, resource: ResourceId, menu: MenuId, date: NaiveDate) -> Result<Vec<Appointment>, StoreError>;
    /// Records a step of the queue on its place (a call clears a skip) with its audit row.
    async fn queue_step(&mut self, clinic: ClinicId, id: AppointmentId, step: QueueStep, actor: Actor, at: DateTime<Utc>) -> Result<(), StoreError>;
}

pub use crate::kinds::QueueStep;

/// One step of the day queue on a place, for the audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueEntry {
    pub step: QueueStep,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

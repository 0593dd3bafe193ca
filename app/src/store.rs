//! The one storage interface. The server implements it for SQLite and PostgreSQL
//! (`server/src/db/`); server functions reach it through [`crate::state::AppState`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::booking::availability::{AvailabilityQuery, Booked, Offer};
use crate::booking::ids::{AppointmentId, ClinicId, MenuId, PatientId, QuestionId, ResourceId, StaffId};
use crate::booking::model::{Clinic, DateException, Menu, OpeningHours, Resource, ResourceKind};
use crate::booking::schedule::Schedule;
use crate::booking::status::{AppointmentStatus, Transition};

pub mod console;
pub mod patients;
pub mod settings;

pub use crate::kinds::{QuestionKind, StaffRole};

pub type SharedStore = Arc<dyn Store>;

/// What storage can refuse or fail with. Broken constraints arrive here by name
/// (`server/src/db/mod.rs`); everything a user can act on is a variant of its own.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Not there, or another clinic's.
    #[error("not found")]
    NotFound,
    /// The place was taken (or closed) between showing it and booking it.
    #[error("this place is no longer available")]
    PlaceTaken,
    /// Someone else changed the appointment first (another staff member, the expiry task).
    #[error("the appointment was already changed (it is now {current})")]
    StatusChanged { current: AppointmentStatus },
    /// The request's hold ran out before the clinic answered.
    #[error("the hold has expired")]
    HoldExpired,
    #[error("a staff account with this e-mail address already exists")]
    EmailTaken,
    #[error("this clinic address name is already taken")]
    SlugTaken,
    /// The change would leave the clinic without an active owner.
    #[error("the clinic must keep at least one active owner")]
    LastOwner,
    /// The owner cannot disable or demote their own account.
    #[error("the owner's own account")]
    OwnAccount,
    /// Patients have answered the question: it is kept for their answers.
    #[error("the question has answers")]
    QuestionAnswered,
    /// A resend of a notice whose news is no longer true.
    #[error("the notice is out of date")]
    NoticeOutOfDate,
    #[error("only a failed notice can be sent again")]
    NoticeNotFailed,
    /// A value storage will not keep (the forms check it first; this is the second lock).
    #[error("rejected: {0}")]
    Rejected(&'static str),
    /// The database cannot be reached (connection refused, pool timed out).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else: logged, never shown to a user.
    #[error("storage failure: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Who changed an appointment, for the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Patient(PatientId),
    Staff(StaffId),
    /// Background work: hold expiry, reminders.
    System,
}

impl Actor {
    /// The form stored in the audit log: `patient:12`, `staff:3`, `system`.
    pub fn to_stored(self) -> String {
        match self {
            Actor::Patient(id) => format!("patient:{id}"),
            Actor::Staff(id) => format!("staff:{id}"),
            Actor::System => "system".to_string(),
        }
    }
    pub fn parse_stored(s: &str) -> Option<Self> {
        match s.split_once(':') {
            Some(("patient", id)) => id.parse().ok().map(|id| Actor::Patient(PatientId(id))),
            Some(("staff", id)) => id.parse().ok().map(|id| Actor::Staff(StaffId(id))),
            None if s == "system" => Some(Actor::System),
            _ => None,
        }
    }
}

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
}

#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub appointment_id: AppointmentId,
    pub actor: Actor,
    pub from: Option<AppointmentStatus>,
    pub to: AppointmentStatus,
    pub at: DateTime<Utc>,
}

/// A patient asks for a place. Only the key of the place comes from the client.
#[derive(Clone, Debug)]
pub struct NewBooking {
    pub clinic_id: ClinicId,
    pub menu_id: MenuId,
    pub resource_id: ResourceId,
    pub starts_at: DateTime<Utc>,
    pub patient_id: PatientId,
    pub actor: Actor,
    pub now: DateTime<Utc>,
    /// Answers to the menu's questions (already validated).
    pub answers: Vec<(QuestionId, String)>,
    /// A reschedule: the patient's confirmed appointment this one replaces when confirmed.
    pub replaces: Option<AppointmentId>,
    /// The patient, reception (confirmed at once) or the clinic's proposal.
    pub source: crate::booking::BookingSource,
}

/// A patient of one clinic.
#[derive(Clone, Debug, PartialEq)]
pub struct Patient {
    pub id: PatientId,
    pub clinic_id: ClinicId,
    /// The verified LINE user id (`sub` of the ID token), or a sandbox id.
    pub line_user_id: Option<String>,
    pub details: PatientDetails,
    pub language: crate::i18n::Lang,
}

/// The details a patient types in; remembered for next time.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientDetails {
    pub name: String,
    pub furigana: String,
    pub phone: String,
    pub birth_date: Option<NaiveDate>,
}

/// A clinic's LINE channels. A clinic without them runs in sandbox mode.
#[derive(Clone, Debug, PartialEq)]
pub struct LineSettings {
    pub liff_id: String,
    pub login_channel_id: String,
    /// Messaging API secrets: write-only, never shown or logged.
    pub channel_secret: Option<String>,
    pub channel_access_token: Option<String>,
    /// The Official Account's add-friend link (`https://line.me/R/ti/p/@…`).
    pub add_friend_url: Option<String>,
}

/// One of the clinic's questions for a menu (問診).
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: QuestionId,
    pub menu_id: MenuId,
    pub label_ja: String,
    pub label_en: String,
    pub kind: QuestionKind,
    /// For `Choice`: the same choices in both languages; the Japanese text is stored.
    pub choices_ja: Vec<String>,
    pub choices_en: Vec<String>,
    pub required: bool,
}

#[derive(Clone, Debug)]
pub struct NewClinic {
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    pub time_zone: chrono_tz::Tz,
    pub open_on_holidays: bool,
}

#[derive(Clone, Debug)]
pub struct NewResource {
    pub clinic_id: ClinicId,
    pub name_ja: String,
    pub name_en: String,
    pub kind: ResourceKind,
}

#[derive(Clone, Debug)]
pub struct NewPatient {
    pub clinic_id: ClinicId,
    pub line_user_id: Option<String>,
    pub details: PatientDetails,
}

#[derive(Clone, Debug)]
pub struct NewStaff {
    pub clinic_id: ClinicId,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    /// An Argon2id PHC string; the plain password never reaches storage.
    pub password_hash: String,
}

/// A queued LINE message, as a worker claims it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxMessage {
    pub id: i64,
    pub clinic_id: ClinicId,
    pub recipient: String,
    /// The messages array (JSON), identical on every attempt.
    pub payload: String,
    pub retry_key: String,
    pub attempts: u32,
    pub first_attempt_at: Option<DateTime<Utc>>,
}

/// What a delivery attempt ended in, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub enum DeliveryRecord {
    Sent { request_id: Option<String> },
    RetryAt { at: DateTime<Utc>, error: String, request_id: Option<String> },
    Failed { error: String, request_id: Option<String> },
}

/// A notification's state, for staff and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationState {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: u32,
    pub retry_key: String,
    pub line_request_id: Option<String>,
    pub last_error: Option<String>,
}

#[async_trait]
pub trait Store: console::ConsoleStore + settings::SettingsStore + patients::PatientsStore + Send + Sync + 'static {
    /// Checks that the database answers (for `/healthz`).
    async fn ping(&self) -> Result<(), StoreError>;

    async fn clinics(&self) -> Result<Vec<Clinic>, StoreError>;
    async fn clinic(&self, id: ClinicId) -> Result<Option<Clinic>, StoreError>;
    async fn clinic_by_slug(&self, slug: &str) -> Result<Option<Clinic>, StoreError>;
    async fn resources(&self, clinic: ClinicId) -> Result<Vec<Resource>, StoreError>;
    /// Active menus, in display order.
    async fn menus(&self, clinic: ClinicId) -> Result<Vec<Menu>, StoreError>;
    async fn opening_hours(&self, clinic: ClinicId) -> Result<Vec<OpeningHours>, StoreError>;
    async fn exceptions(&self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DateException>, StoreError>;
    /// Appointments of the clinic whose held time overlaps `[from, to)` and whose status holds
    /// capacity.
    async fn holding_appointments(&self, clinic: ClinicId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Booked>, StoreError>;

    /// Books a place: re-checks availability inside one write transaction that no other booking
    /// of the same resource can interleave with, and writes the appointment and its audit row.
    async fn book(&self, booking: NewBooking) -> Result<Appointment, StoreError>;
    /// Moves an appointment through its life cycle, atomically, with an audit row.
    async fn transition(&self, clinic: ClinicId, id: AppointmentId, transition: Transition, actor: Actor, now: DateTime<Utc>) -> Result<Appointment, StoreError>;
    async fn appointment(&self, clinic: ClinicId, id: AppointmentId) -> Result<Option<Appointment>, StoreError>;
    async fn audit_trail(&self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<AuditEntry>, StoreError>;

    async fn create_clinic(&self, clinic: NewClinic) -> Result<ClinicId, StoreError>;
    async fn create_resource(&self, resource: NewResource) -> Result<ResourceId, StoreError>;
    /// Creates a menu (its `id` is ignored) with its resources.
    async fn create_menu(&self, menu: Menu) -> Result<MenuId, StoreError>;
    async fn add_opening_hours(&self, hours: OpeningHours) -> Result<(), StoreError>;
    async fn add_exception(&self, clinic: ClinicId, exception: DateException) -> Result<(), StoreError>;
    async fn create_patient(&self, patient: NewPatient) -> Result<PatientId, StoreError>;
    async fn create_staff(&self, staff: NewStaff) -> Result<StaffId, StoreError>;

    async fn line_settings(&self, clinic: ClinicId) -> Result<Option<LineSettings>, StoreError>;
    /// `None` removes the LINE channels (the clinic goes back to sandbox mode).
    async fn set_line_settings(&self, clinic: ClinicId, settings: Option<LineSettings>) -> Result<(), StoreError>;
    /// The privacy notice patients consent to, in Japanese and English.
    async fn privacy_notice(&self, clinic: ClinicId) -> Result<(String, String), StoreError>;
    async fn set_privacy_notice(&self, clinic: ClinicId, ja: &str, en: &str) -> Result<(), StoreError>;

    async fn questions(&self, menu: MenuId) -> Result<Vec<Question>, StoreError>;
    /// Adds a question at the end of the menu's list (its `id` is ignored).
    async fn add_question(&self, question: Question) -> Result<QuestionId, StoreError>;
    async fn answers(&self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<(QuestionId, String)>, StoreError>;

    async fn patient(&self, clinic: ClinicId, id: PatientId) -> Result<Option<Patient>, StoreError>;
    /// The patient known by this verified LINE user id, created on first sign-in.
    async fn line_patient(&self, clinic: ClinicId, line_user_id: &str, lang: crate::i18n::Lang) -> Result<Patient, StoreError>;
    async fn save_patient_details(&self, clinic: ClinicId, id: PatientId, details: PatientDetails) -> Result<(), StoreError>;
    async fn create_patient_session(&self, clinic: ClinicId, patient: PatientId, token: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The patient signed in with this session token, if it is still valid.
    async fn patient_session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<(ClinicId, PatientId)>, StoreError>;
    async fn end_patient_session(&self, token: &str) -> Result<(), StoreError>;

    async fn appointment_by_reference(&self, clinic: ClinicId, reference: &str) -> Result<Option<Appointment>, StoreError>;
    /// All of a patient's appointments, newest visit first.
    async fn patient_appointments(&self, clinic: ClinicId, patient: PatientId) -> Result<Vec<Appointment>, StoreError>;

    /// Claims up to `limit` notifications that are due, for one worker until `lease_until`
    /// (several workers never claim the same row; a dead worker's claim runs out).
    async fn claim_notifications(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxMessage>, StoreError>;
    async fn record_delivery(&self, id: i64, record: DeliveryRecord, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn notifications(&self, clinic: ClinicId, appointment: AppointmentId) -> Result<Vec<NotificationState>, StoreError>;

    /// Requests whose hold ran out by `now` and are still `requested`.
    async fn lapsed_requests(&self, now: DateTime<Utc>) -> Result<Vec<(ClinicId, AppointmentId)>, StoreError>;

    /// Queues tomorrow's reminders for clinics whose reminder hour has come (clinic-local),
    /// once per confirmed appointment. Returns how many were queued now.
    async fn queue_reminders(&self, now: DateTime<Utc>) -> Result<usize, StoreError>;

    /// Remembers a webhook event id; `false` when it was already processed (a redelivery).
    async fn record_webhook_event(&self, clinic: ClinicId, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Forgets an event id whose processing failed, so LINE's redelivery is processed.
    async fn forget_webhook_event(&self, clinic: ClinicId, event_id: &str) -> Result<(), StoreError>;
    /// Whether the LINE user is a friend of the clinic's Official Account (`None`: unknown).
    async fn set_line_friend(&self, clinic: ClinicId, line_user_id: &str, friend: bool) -> Result<(), StoreError>;
    async fn line_friend(&self, clinic: ClinicId, line_user_id: &str) -> Result<Option<bool>, StoreError>;
    /// The patient said they will come (from the reminder's button); idempotent.
    async fn confirm_attendance(&self, clinic: ClinicId, id: AppointmentId, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn attendance_confirmed_at(&self, clinic: ClinicId, id: AppointmentId) -> Result<Option<DateTime<Utc>>, StoreError>;
}

/// The free places of `menu` between two clinic-local dates (both included).
pub async fn availability(
    store: &dyn Store,
    clinic: &Clinic,
    menu: &Menu,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Offer>, StoreError> {
    let hours = store.opening_hours(clinic.id).await?;
    let exceptions = store.exceptions(clinic.id, from, to).await?;
    let (window_from, window_to) = held_window(from, to);
    let booked = store.holding_appointments(clinic.id, window_from, window_to).await?;
    let schedule = Schedule { clinic, hours: &hours, exceptions: &exceptions };
    Ok(AvailabilityQuery { schedule, menu, from, to, now, booked: &booked }.offers())
}

/// A UTC window that surely covers every appointment that can block a place on the local dates
/// `from..=to`, buffers and any time zone included.
pub fn held_window(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = from - Days::new(2);
    let end = to + Days::new(3);
    (start.and_time(chrono::NaiveTime::MIN).and_utc(), end.and_time(chrono::NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_round_trip() {
        for a in [Actor::Patient(PatientId(7)), Actor::Staff(StaffId(3)), Actor::System] {
            assert_eq!(Actor::parse_stored(&a.to_stored()), Some(a));
        }
        assert_eq!(Actor::parse_stored("patient:x"), None);
        assert_eq!(Actor::parse_stored("robot"), None);
    }
}

//! What the staff console reads and writes beyond the booking flow: staff accounts, their
//! sessions and sign-in attempts, the requests inbox, status changes with a message for the
//! patient, proposals of another time, arrivals, the calendar and the notifications.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Actor, Appointment, StaffRole, StoreError};
use crate::booking::ids::{AppointmentId, ClinicId, ResourceId, StaffId};
use crate::booking::status::Transition;

/// A staff member of one clinic, as sign-in sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffAccount {
    pub id: StaffId,
    pub clinic_id: ClinicId,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Disabled by the owner: cannot sign in, and has no session.
    pub disabled: bool,
}

/// A signed-in staff member's session. The browser holds only the random token (HttpOnly
/// cookie); the CSRF token is handed to the page and must come back with every change.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffSession {
    pub staff_id: StaffId,
    pub clinic_id: ClinicId,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Failed sign-ins counted for rate limiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FailedSignIns {
    /// For the e-mail address tried, from any address.
    pub account: u32,
    /// From the network address, for any account.
    pub address: u32,
}

/// Something that changes when the inbox does: the console's live updates compare it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InboxVersion {
    /// Requests waiting for the clinic's answer.
    pub pending: u32,
    /// The newest status change of any appointment of the clinic.
    pub last_change: i64,
}

/// A notification with what staff need to see about it.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationRecord {
    pub id: i64,
    pub appointment_id: Option<AppointmentId>,
    pub kind: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub line_request_id: Option<String>,
    /// The messages array exactly as sent (the sandbox inbox renders it).
    pub payload: String,
    pub recipient: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ConsoleStore: Send + Sync {
    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffAccount>, StoreError>;
    async fn staff_account(&self, id: StaffId) -> Result<Option<StaffAccount>, StoreError>;
    /// Stores a session under the digest of `token`.
    async fn create_staff_session(&self, token: &str, session: &StaffSession, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The session of this token if it has not expired.
    async fn staff_session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<StaffSession>, StoreError>;
    async fn end_staff_session(&self, token: &str) -> Result<(), StoreError>;
    /// Ends all of a staff member's sessions but the one of `keep_token`.
    async fn end_staff_sessions_except(&self, staff: StaffId, keep_token: &str) -> Result<(), StoreError>;
    /// Records a sign-in attempt; returns its id.
    async fn record_sign_in(&self, email: &str, address: &str, succeeded: bool, now: DateTime<Utc>) -> Result<i64, StoreError>;
    /// The attempt turned out to be the right password.
    async fn sign_in_succeeded(&self, attempt: i64) -> Result<(), StoreError>;
    /// Failed sign-ins since `since` (a success clears the account's count).
    async fn failed_sign_ins(&self, email: &str, address: &str, since: DateTime<Utc>) -> Result<FailedSignIns, StoreError>;

    /// Requests waiting for the clinic, oldest first (proposals wait for the patient instead).
    async fn pending_requests(&self, clinic: ClinicId) -> Result<Vec<Appointment>, StoreError>;
    /// The clinic's proposals the patient has not answered yet.
    async fn open_proposals(&self, clinic: ClinicId) -> Result<Vec<Appointment>, StoreError>;
    async fn inbox_version(&self, clinic: ClinicId) -> Result<InboxVersion, StoreError>;
    /// A transition with a message for the patient (the reason of a decline, the clinic's words
    /// when it cancels), kept on the appointment and put in the notice, in one transaction.
    async fn change_status(
        &self,
        clinic: ClinicId,
        id: AppointmentId,
        transition: Transition,
        note: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<Appointment, StoreError>;
    /// Declines request `id` and offers the patient another place instead, in one transaction:
    /// the new place is re-checked against capacity and held as a request marked as the
    /// clinic's proposal, which the patient accepts (`Confirm`) or turns down (`Decline`).
    async fn propose_time(
        &self,
        clinic: ClinicId,
        id: AppointmentId,
        resource: ResourceId,
        starts_at: DateTime<Utc>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<Appointment, StoreError>;
    /// The patient is here (idempotent; the first time counts).
    async fn mark_arrived(&self, clinic: ClinicId, id: AppointmentId, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Every appointment whose clinic-local date is in `from..=to`, by time.
    async fn appointments_on(&self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<Appointment>, StoreError>;

    /// Deletes what has served its time: expired staff and patient sessions, and sign-in
    /// attempts older than `attempts_before` (kept a day, for rate limiting and review).
    async fn forget_expired(&self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> Result<u64, StoreError>;

    /// The clinic's failed notifications, newest first, at most `limit`.
    async fn failed_notifications(&self, clinic: ClinicId, limit: u32) -> Result<Vec<NotificationRecord>, StoreError>;
    /// The notifications of the clinic's visits on the clinic-local dates `from..=to`.
    async fn visit_notifications(&self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<NotificationRecord>, StoreError>;
    /// The clinic's newest notifications first, at most `limit`.
    async fn clinic_notifications(&self, clinic: ClinicId, limit: u32) -> Result<Vec<NotificationRecord>, StoreError>;
    /// Queues a failed notification again. It keeps its retry key while LINE still remembers it
    /// (so a message LINE did accept is not sent twice), and gets a new one after that.
    async fn resend_notification(&self, clinic: ClinicId, id: i64, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Queues a notice about appointment `id` that goes with no status change (e.g. a refused
    /// cancellation), through the outbox like every other. `false` when there is nobody to send
    /// it to (no LINE channel or no LINE patient); `NotFound` for another clinic's appointment.
    async fn queue_notice(&self, clinic: ClinicId, id: AppointmentId, kind: crate::notify::flex::NoticeKind, now: DateTime<Utc>) -> Result<bool, StoreError>;
}

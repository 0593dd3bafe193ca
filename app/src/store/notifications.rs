//! The outbox of patient notices: written in the same transaction as the change they announce,
//! claimed and delivered by the worker exactly once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::booking::ids::{AppointmentId, ClinicId, NotificationId};
use crate::notify::{Channel, DeliveryStatus, NoticeType, SentVia};

/// A notice to queue: the body is fixed now, so every attempt sends the identical message.
#[derive(Clone, Debug, PartialEq)]
pub struct NewNotification {
    pub clinic_id: ClinicId,
    pub appointment_id: AppointmentId,
    pub notice: NoticeType,
    pub channel: Channel,
    /// The LINE user id for [`Channel::Line`]; empty for the sandbox.
    pub recipient: String,
    /// The messages array (JSON).
    pub payload: String,
    /// For a LINE patient of a clinic with service messages: the service message
    /// (`{"templateName", "params"}`) sent instead of the push while their token allows.
    pub service: Option<String>,
    /// LINE's `X-Line-Retry-Key`, stored before the first attempt.
    pub retry_key: String,
    pub queued_at: DateTime<Utc>,
}

/// A queued notice as a worker claims it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxMessage {
    pub id: NotificationId,
    pub clinic_id: ClinicId,
    pub channel: Channel,
    pub recipient: String,
    pub payload: String,
    pub service: Option<String>,
    pub retry_key: String,
    pub attempts: u32,
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// The way chosen at its first attempt, kept for every retry.
    pub route: Option<Route>,
}

/// The way a LINE notice goes, chosen before its first attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// A push (its retry key makes a retry safe).
    Push,
    /// A service message sent with the token of this digest: it may have reached LINE, so it is
    /// only ever retried with that token, and never pushed as well.
    ServiceMessage { token_digest: String },
}

/// What a delivery attempt ended in, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub enum DeliveryRecord {
    Sent { request_id: Option<String>, via: SentVia },
    RetryAt { at: DateTime<Utc>, error: String, request_id: Option<String> },
    Failed { error: String, request_id: Option<String> },
}

/// A notice with what staff (and tests) need to see about it.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationRecord {
    pub id: NotificationId,
    pub appointment_id: Option<AppointmentId>,
    pub notice: NoticeType,
    pub channel: Channel,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub retry_key: String,
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub line_request_id: Option<String>,
    /// The messages array exactly as sent (the sandbox inbox renders it).
    pub payload: String,
    pub recipient: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_via: Option<SentVia>,
}

#[async_trait]
pub trait NotificationReads {
    async fn notification(&mut self, clinic: ClinicId, id: NotificationId) -> Result<Option<NotificationRecord>, StoreError>;
    /// The notices of these appointments, oldest first.
    async fn notifications(&mut self, clinic: ClinicId, appointments: &[AppointmentId]) -> Result<Vec<NotificationRecord>, StoreError>;
    /// The clinic's notices, newest first, at most `limit` (`failed`: those that failed only).
    async fn clinic_notifications(&mut self, clinic: ClinicId, failed: bool, limit: u32) -> Result<Vec<NotificationRecord>, StoreError>;
    /// How many LINE notices of the clinic wait in the outbox (queued, being sent or backing off),
    /// leaving out those to patients known not to be friends (they wait, and LINE counts nothing).
    async fn pending_line_notices(&mut self, clinic: ClinicId) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait NotificationWrites {
    /// Queues a notice; `false` when it is a reminder already queued (the unique index
    /// `notifications_one_reminder`).
    async fn queue_notification(&mut self, notice: &NewNotification) -> Result<bool, StoreError>;
    /// Claims up to `limit` notices that are due, for one worker until `lease_until`: several
    /// workers never claim the same row, and a dead worker's claim runs out.
    async fn claim_notifications(&mut self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxMessage>, StoreError>;
    async fn record_delivery(&mut self, id: NotificationId, record: &DeliveryRecord, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Fixes the way a claimed LINE notice goes, before it is tried (committed on its own).
    async fn set_route(&mut self, id: NotificationId, route: &Route) -> Result<(), StoreError>;
    /// Makes the queued LINE notices to `line_user` due at `now` (they waited for the patient to
    /// become a friend). Returns how many.
    async fn wake_notifications(&mut self, clinic: ClinicId, line_user: &str, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Queues a failed notice again, at `now`, with this retry key (and its first attempt
    /// forgotten when the key is new). `false` when it is not (or no longer) failed.
    async fn requeue_notification(
        &mut self,
        clinic: ClinicId,
        id: NotificationId,
        retry_key: &str,
        new_key: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

//! The one storage interface: what is kept, and how it is read and written. The server
//! implements it once for SQLite and PostgreSQL (`server/src/db/`).
//!
//! Storage decides nothing. The rules are pure (`booking`, `notify`, `patients`); each user
//! action is one function in `actions` that runs in one [`Write`] transaction of this interface:
//! it reads what it needs, asks the rules, and writes what they decided. A transaction that is
//! dropped without [`Write::commit`] leaves nothing behind.

mod access;
mod appointments;
mod clinics;
mod idempotency;
mod notifications;
mod patients;
mod service_messages;
mod staff;
mod web;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

pub use access::*;
pub use appointments::*;
pub use clinics::*;
pub use idempotency::*;
pub use notifications::*;
pub use patients::*;
pub use service_messages::*;
pub use staff::*;
pub use web::*;

use crate::booking::ids::{ClinicId, PatientId, StaffId};
use crate::booking::status::AppointmentStatus;
pub use crate::kinds::{QuestionKind, StaffRole};

pub type SharedStore = Arc<dyn Store>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the database answers (for `/healthz`).
    async fn ping(&self) -> Result<(), StoreError>;
    /// A connection for reads: each read sees what was committed when it ran.
    async fn read(&self) -> Result<Box<dyn Reads>, StoreError>;
    /// A write transaction. On SQLite it holds the database's one write lock from its start; on
    /// PostgreSQL the rows it locks (`lock_…`, `…_for_update`) stay locked until it ends. Keep it
    /// short: no waiting on anything but the database inside.
    async fn write(&self) -> Result<Box<dyn Write>, StoreError>;
    /// Closes every connection (waiting for those in use): the database file is then free.
    async fn close(&self);
}

/// Everything that can be read, on a connection or inside a transaction.
pub trait Reads: ClinicReads + AppointmentReads + PatientReads + StaffReads + NotificationReads + ServiceMessageReads + WebReads + AccessReads + Send {}
impl<T: ClinicReads + AppointmentReads + PatientReads + StaffReads + NotificationReads + ServiceMessageReads + WebReads + AccessReads + Send + ?Sized> Reads
    for T
{
}

/// A write transaction: everything that can be read, and written.
#[async_trait]
pub trait Write:
    Reads
    + ClinicWrites
    + AppointmentWrites
    + PatientWrites
    + StaffWrites
    + NotificationWrites
    + ServiceMessageWrites
    + IdempotencyWrites
    + WebWrites
    + AccessWrites
    + Housekeeping
{
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// What storage can refuse or fail with. A broken constraint arrives here by its name, in one
/// place (`server/src/db/mod.rs`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The appointment's status is no longer the one it was read with: someone else (another
    /// receptionist, the expiry task, the patient) changed it first.
    #[error("the appointment was already changed (it is now {current})")]
    StatusChanged { current: AppointmentStatus },
    /// A queue number handed out twice at once (`appointments_queue_place`).
    #[error("this place is no longer available")]
    PlaceTaken,
    #[error("a staff account with this e-mail address already exists")]
    EmailTaken,
    #[error("this clinic address name is already taken")]
    SlugTaken,
    /// The same idempotency key sent twice at once (the second waits, then finds the first).
    #[error("the idempotency key is taken")]
    KeyTaken,
    /// A secret (a LINE channel secret or token) cannot be sealed or opened: the deployment has
    /// no key for them (`YOYAKU_SECRET_KEY`).
    #[error("no key to seal secrets with")]
    NoSecretKey,
    /// The database cannot be reached (connection refused, pool timed out).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else: logged, never shown to a user.
    #[error("storage failure: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A stored value that the types cannot hold (a status no migration wrote, say).
    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Internal(format!("unexpected stored value: {what}").into())
    }
}

/// Who changed something, for the audit logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Patient(PatientId),
    Staff(StaffId),
    /// Background work and set-up: hold expiry, reminders, seeding, the command line.
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
    pub fn staff(self) -> Option<StaffId> {
        match self {
            Actor::Staff(id) => Some(id),
            Actor::Patient(_) | Actor::System => None,
        }
    }
}

/// Who changes a clinic's settings, and when: the owner in the console, or the system (seeding,
/// the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Editor {
    pub clinic: ClinicId,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Deletes what has served its time, and remembers LINE's webhook events.
#[async_trait]
pub trait Housekeeping {
    /// Expired staff and patient sessions, and sign-in attempts, kept answers of actions and
    /// website requests (their typed details and tokens) older than `attempts_before` (kept a
    /// day: for rate limiting and review, for a retry of a lost reply, for the code page).
    /// Returns how many rows went.
    async fn forget_expired(&mut self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Remembers a webhook event id, in the transaction that processes the event; `false` when it
    /// was already processed (a redelivery). A concurrent redelivery waits for the first.
    async fn record_webhook_event(&mut self, clinic: ClinicId, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Deletes the questionnaire answers of the clinic's visits dated before `before`; returns
    /// how many visits lost answers and how many answers went.
    async fn delete_answers_before(&mut self, clinic: ClinicId, before: NaiveDate) -> Result<(u64, u64), StoreError>;
    async fn record_answer_deletion(&mut self, clinic: ClinicId, deletion: &AnswerDeletion) -> Result<(), StoreError>;
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

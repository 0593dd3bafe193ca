//! Staff accounts, their sessions and sign-in attempts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::booking::ids::{ClinicId, StaffId};
use crate::kinds::StaffRole;

/// A staff member of one clinic, as sign-in sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: StaffId,
    pub clinic_id: ClinicId,
    /// Stored trimmed and in lower case.
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Disabled by the owner: cannot sign in, and has no session.
    pub disabled: bool,
}

/// The hash is never printed.
impl std::fmt::Debug for StaffAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffAccount")
            .field("id", &self.id)
            .field("clinic_id", &self.clinic_id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub clinic_id: ClinicId,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    /// An Argon2id PHC string; the plain password never reaches storage.
    pub password_hash: String,
}

/// The hash is never printed.
impl std::fmt::Debug for NewStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaff").field("email", &self.email).field("display_name", &self.display_name).field("role", &self.role).finish_non_exhaustive()
    }
}

/// A signed-in staff member's session. The browser holds only the random token (HttpOnly
/// cookie); the CSRF token is handed to the page and must come back with every change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffSession {
    pub staff_id: StaffId,
    pub clinic_id: ClinicId,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Failed sign-ins counted for rate limiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FailedSignIns {
    /// For the e-mail address tried, from any address, since its last success.
    pub account: u32,
    /// From the network address, for any account.
    pub address: u32,
}

#[async_trait]
pub trait StaffReads {
    async fn staff_by_email(&mut self, email: &str) -> Result<Option<StaffAccount>, StoreError>;
    async fn staff_account(&mut self, id: StaffId) -> Result<Option<StaffAccount>, StoreError>;
    /// The clinic's accounts: active ones first, owners first among them, then by age; disabled
    /// ones last.
    async fn staff_members(&mut self, clinic: ClinicId) -> Result<Vec<StaffAccount>, StoreError>;
    /// The session of this token if it has not expired.
    async fn staff_session(&mut self, token: &str, now: DateTime<Utc>) -> Result<Option<StaffSession>, StoreError>;
    /// Failed sign-ins since `since` (a success clears the account's count).
    async fn failed_sign_ins(&mut self, email: &str, address: &str, since: DateTime<Utc>) -> Result<FailedSignIns, StoreError>;
}

#[async_trait]
pub trait StaffWrites {
    /// [`StoreError::EmailTaken`] for an address any clinic's account already has.
    async fn insert_staff(&mut self, staff: &NewStaff, now: DateTime<Utc>) -> Result<StaffId, StoreError>;
    async fn set_staff_role(&mut self, clinic: ClinicId, id: StaffId, role: StaffRole) -> Result<(), StoreError>;
    /// `Some(at)`: disabled since then; `None`: enabled.
    async fn set_staff_disabled(&mut self, clinic: ClinicId, id: StaffId, since: Option<DateTime<Utc>>) -> Result<(), StoreError>;
    async fn set_staff_password(&mut self, clinic: ClinicId, id: StaffId, password_hash: &str) -> Result<(), StoreError>;
    /// Stores a session under the digest of `token`.
    async fn insert_staff_session(&mut self, token: &str, session: &StaffSession, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn delete_staff_session(&mut self, token: &str) -> Result<(), StoreError>;
    /// Ends every session of the staff member, but the one of `keep` if given.
    async fn delete_staff_sessions(&mut self, staff: StaffId, keep: Option<&str>) -> Result<(), StoreError>;
    /// Records a sign-in attempt (a failure until [`Self::sign_in_succeeded`]); returns its id.
    async fn record_sign_in(&mut self, email: &str, address: &str, now: DateTime<Utc>) -> Result<i64, StoreError>;
    async fn sign_in_succeeded(&mut self, attempt: i64) -> Result<(), StoreError>;
}

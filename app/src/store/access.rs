//! The access log: which staff member read or changed which patient's data, and when. Kept for
//! the owner (the MHLW guideline's 操作記録); nothing in the app changes or deletes an entry, and
//! the database refuses to (a trigger).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::booking::ids::{ClinicId, PatientId, StaffId};
pub use crate::kinds::AccessKind;

/// One entry to keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccess {
    pub staff_id: StaffId,
    /// `None`: nobody in particular (an export of many).
    pub patient_id: Option<PatientId>,
    pub kind: AccessKind,
    /// What exactly, without medical content: a reference, a date, an export's range.
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// One kept entry, with the staff member's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub entry: NewAccess,
    pub staff_name: String,
}

/// Whose entries to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccessFilter {
    pub patient: Option<PatientId>,
    pub staff: Option<StaffId>,
}

#[async_trait]
pub trait AccessReads {
    /// The clinic's entries that `filter` selects, newest first, at most `limit`.
    async fn access_log(&mut self, clinic: ClinicId, filter: AccessFilter, limit: u32) -> Result<Vec<AccessEntry>, StoreError>;
}

#[async_trait]
pub trait AccessWrites {
    async fn record_access(&mut self, clinic: ClinicId, entries: &[NewAccess]) -> Result<(), StoreError>;
}

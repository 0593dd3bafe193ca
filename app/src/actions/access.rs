//! Keeping the access log: what a staff member read or changed of patients' data. A read the
//! log already holds from the last [`READ_AGAIN_MINUTES`] (the same staff member, patient, kind
//! and detail) is not kept again, so a page that refreshes itself does not flood the log.

use chrono::{DateTime, Duration, Utc};

use crate::booking::ids::{ClinicId, PatientId, StaffId};
use crate::error::Problem;
use crate::kinds::READ_AGAIN_MINUTES;
use crate::store::{AccessFilter, AccessKind, NewAccess, Reads, Write};

/// How many of a staff member's newest entries are compared for repeats.
const RECENT: u32 = 2_000;

/// What `staff` did, as one entry per patient (`None`: none in particular).
pub fn entries(staff: StaffId, kind: AccessKind, patients: impl IntoIterator<Item = (Option<PatientId>, String)>, at: DateTime<Utc>) -> Vec<NewAccess> {
    patients.into_iter().map(|(patient_id, detail)| NewAccess { staff_id: staff, patient_id, kind, detail, at }).collect()
}

/// `entries` (all of one staff member) less the reads the log already holds from the last
/// [`READ_AGAIN_MINUTES`]: read on any connection, so that a page shown again needs no write.
pub async fn not_yet_kept(db: &mut dyn Reads, clinic: ClinicId, mut entries: Vec<NewAccess>) -> Result<Vec<NewAccess>, Problem> {
    let same = |a: &NewAccess, b: &NewAccess| (a.staff_id, a.patient_id, a.kind, &a.detail) == (b.staff_id, b.patient_id, b.kind, &b.detail);
    entries.sort_by(|a, b| (a.patient_id, &a.detail).cmp(&(b.patient_id, &b.detail)));
    entries.dedup_by(|a, b| same(a, b) && a.kind.is_read());
    let Some(first) = entries.first() else { return Ok(entries) };
    if entries.iter().any(|e| e.kind.is_read()) {
        let since = first.at - Duration::minutes(READ_AGAIN_MINUTES);
        let recent = db.access_log(clinic, AccessFilter { staff: Some(first.staff_id), patient: None }, RECENT).await?;
        let recent: Vec<_> = recent.into_iter().map(|e| e.entry).filter(|e| e.at > since).collect();
        entries.retain(|e| !e.kind.is_read() || !recent.iter().any(|r| same(r, e)));
    }
    Ok(entries)
}

/// Keeps `entries` (all of one staff member), reads already kept lately left out.
pub async fn record(tx: &mut dyn Write, clinic: ClinicId, entries: Vec<NewAccess>) -> Result<(), Problem> {
    let entries = not_yet_kept(tx, clinic, entries).await?;
    Ok(tx.record_access(clinic, &entries).await?)
}

//! The access log (`app::store::AccessReads`, `AccessWrites`).

use app::booking::ids::*;
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::session::{Held, Session};
use super::sql::sql;

#[async_trait]
impl<B: Backend, C: Held<B>> AccessReads for Session<B, C> {
    async fn access_log(&mut self, clinic: ClinicId, filter: AccessFilter, limit: u32) -> Result<Vec<AccessEntry>, StoreError> {
        let mut q = sql("").bind(clinic);
        let mut conditions = String::new();
        if let Some(patient) = filter.patient {
            conditions.push_str(&format!(" AND a.patient_id = {}", q.next_placeholder()));
            q = q.bind(patient);
        }
        if let Some(staff) = filter.staff {
            conditions.push_str(&format!(" AND a.staff_id = {}", q.next_placeholder()));
            q = q.bind(staff);
        }
        let text = format!(
            "SELECT a.staff_id, s.display_name, a.patient_id, a.kind, a.detail, a.at FROM access_log a JOIN staff s ON s.id = a.staff_id \
             WHERE a.clinic_id = $1{conditions} ORDER BY a.at DESC, a.id DESC LIMIT {}",
            q.next_placeholder()
        );
        let mut q = q.bind(limit);
        q.text = text;
        let rows: Vec<(i64, String, Option<i64>, String, String, DateTime<Utc>)> = self.all(q).await?;
        rows.into_iter()
            .map(|(staff, staff_name, patient, kind, detail, at)| {
                let kind = AccessKind::parse(&kind).ok_or_else(|| StoreError::corrupt(format!("access kind {kind}")))?;
                Ok(AccessEntry { entry: NewAccess { staff_id: StaffId(staff), patient_id: patient.map(PatientId), kind, detail, at }, staff_name })
            })
            .collect()
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> AccessWrites for Session<B, C> {
    async fn record_access(&mut self, clinic: ClinicId, entries: &[NewAccess]) -> Result<(), StoreError> {
        for e in entries {
            let q = sql("INSERT INTO access_log (clinic_id, staff_id, patient_id, kind, detail, at) VALUES ($1, $2, $3, $4, $5, $6)");
            self.execute(q.bind(clinic).bind(e.staff_id).bind(e.patient_id).bind(e.kind.as_str()).bind(&e.detail).bind(e.at)).await?;
        }
        Ok(())
    }
}

//! The access log in the console: what staff read or changed of patients' data. Reads are kept
//! by the server functions that show the data ([`ssr::log`], before the data leaves); changes
//! by the actions that make them. Only the owner reads the log.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::booking::ids::{PatientId, StaffId};
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

/// How many entries the console shows at once.
pub const SHOWN: u32 = 200;

/// One entry as the owner reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessItem {
    /// In the clinic's time zone, as people read it: `12月1日(火) 10:30`.
    pub when: String,
    /// The same in full, for files: `2026-12-01 10:30:05`.
    pub at: String,
    pub staff_id: StaffId,
    pub staff_name: String,
    pub patient_id: Option<PatientId>,
    pub patient_name: String,
    pub what: String,
    pub detail: String,
}

/// The newest entries, of one staff member or one patient (or all).
#[server(endpoint = "staff/access_log")]
pub async fn access_log(
    #[server(default)] staff: Option<StaffId>,
    #[server(default)] patient: Option<PatientId>,
    lang: Lang,
) -> Result<Vec<AccessItem>, AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(None).await?;
        let mut db = crate::state::store()?.read().await?;
        ssr::items(db.as_mut(), &ctx.clinic, crate::store::AccessFilter { staff, patient }, SHOWN, lang).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::api::staff::auth::StaffContext;
    use crate::booking::model::Clinic;
    use crate::error::Problem;
    use crate::store::{AccessFilter, AccessKind, Reads, Store};

    /// Keeps what the signed-in staff member is about to be shown, before it is shown: a read
    /// that cannot be logged is not made.
    pub async fn log(
        store: &dyn Store,
        ctx: &StaffContext,
        kind: AccessKind,
        patients: impl IntoIterator<Item = (Option<PatientId>, String)>,
    ) -> Result<(), Problem> {
        let entries = crate::actions::access::entries(ctx.staff.id, kind, patients, chrono::Utc::now());
        // A page shown again (it refreshes itself) is already kept: no write, no write lock.
        let entries = crate::actions::access::not_yet_kept(store.read().await?.as_mut(), ctx.clinic.id, entries).await?;
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = store.write().await?;
        crate::actions::access::record(tx.as_mut(), ctx.clinic.id, entries).await?;
        Ok(tx.commit().await?)
    }

    pub async fn items(db: &mut dyn Reads, clinic: &Clinic, filter: AccessFilter, limit: u32, lang: Lang) -> Result<Vec<AccessItem>, Problem> {
        let entries = db.access_log(clinic.id, filter, limit).await?;
        let mut ids: Vec<_> = entries.iter().filter_map(|e| e.entry.patient_id).collect();
        ids.sort();
        ids.dedup();
        let patients = db.patients(clinic.id, &ids).await?;
        Ok(entries
            .into_iter()
            .map(|e| AccessItem {
                when: crate::booking::format::datetime_label(e.entry.at, clinic.time_zone, lang),
                at: e.entry.at.with_timezone(&clinic.time_zone).format("%Y-%m-%d %H:%M:%S").to_string(),
                staff_id: e.entry.staff_id,
                staff_name: e.staff_name,
                patient_id: e.entry.patient_id,
                patient_name: e.entry.patient_id.and_then(|id| patients.iter().find(|p| p.id == id)).map(|p| p.details.name.clone()).unwrap_or_default(),
                what: e.entry.kind.label(lang).to_string(),
                detail: e.entry.detail,
            })
            .collect())
    }
}

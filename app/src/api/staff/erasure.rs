//! The owner and patients' deletion requests: the open ones, and carrying one out (the patient
//! becomes anonymous; see `actions::data_rights`). One patient's data for a 開示請求 is a plain
//! download (`/staff/patients/{id}/data.json`, `server/src/export.rs`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::once::IdempotencyKey;
use crate::booking::ids::PatientId;
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionItem {
    pub patient_id: PatientId,
    pub name: String,
    pub furigana: String,
    /// When (the clinic's time zone) and where they asked.
    pub requested: String,
    pub channel: String,
}

/// The open deletion requests, newest first.
#[server(endpoint = "staff/deletion_requests")]
pub async fn deletion_requests(lang: Lang) -> Result<Vec<DeletionItem>, AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(None).await?;
        let mut db = crate::state::store()?.read().await?;
        let requests = db.deletion_requests(ctx.clinic.id, None).await?;
        let ids: Vec<_> = requests.iter().map(|r| r.patient_id).collect();
        let patients = db.patients(ctx.clinic.id, &ids).await?;
        Ok(requests
            .iter()
            .filter_map(|r| {
                let p = patients.iter().find(|p| p.id == r.patient_id)?;
                Some(DeletionItem {
                    patient_id: p.id,
                    name: p.details.name.clone(),
                    furigana: p.details.furigana.clone(),
                    requested: crate::booking::format::datetime_label(r.requested_at, ctx.clinic.time_zone, lang),
                    channel: r.channel.label(lang).to_string(),
                })
            })
            .collect())
    })
    .await
}

/// Erases the patient (owner only): refused while they have requests or visits to come.
#[server(endpoint = "staff/patient_erase")]
pub async fn erase_patient(#[server(default)] csrf: String, key: IdempotencyKey, id: PatientId, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = crate::api::once::fresh!(super::ssr::begin(&ctx, &key, "staff/patient_erase", &id).await?);
        crate::actions::data_rights::erase(once.tx(), ctx.clinic.id, ctx.staff.id, id, chrono::Utc::now()).await?;
        once.finish(&()).await
    })
    .await
}

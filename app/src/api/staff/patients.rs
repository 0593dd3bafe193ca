//! Server functions of the console's patients page: search by name, furigana or phone, and one
//! patient's details and history. Everything is read from the signed-in staff member's clinic
//! only, whatever id the browser sends. (The CSV export is a plain download:
//! `server/src/export.rs`.)

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::booking::ids::PatientId;
use crate::booking::status::AppointmentStatus;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Missing, Problem};
use crate::i18n::Lang;
use crate::patients::HistoryCounts;

/// How many patients one search shows.
pub const SEARCH_LIMIT: u32 = 50;
/// Longer queries are cut to this many characters.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub id: PatientId,
    pub name: String,
    pub furigana: String,
    /// As written for people: `090-1234-5678`.
    pub phone: String,
    /// `YYYY-MM-DD`, or empty.
    pub birth_date: String,
    /// Signed in with LINE (not the sandbox).
    pub line: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    pub reference: String,
    /// In the clinic's time zone: `12月1日(火) 10:30〜11:00`.
    pub when: String,
    pub menu: String,
    pub resource: String,
    pub status: AppointmentStatus,
    pub status_label: String,
    pub queue_number: Option<u32>,
    pub upcoming: bool,
}

/// One consent to the clinic's privacy notice, as the owner shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsentItem {
    /// In the clinic's time zone.
    pub when: String,
    pub notice_version: u32,
    pub channel: String,
    /// The booking it came with.
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatientDetailView {
    pub patient: PatientSummary,
    pub counts: HistoryCounts,
    /// Newest visit first.
    pub appointments: Vec<HistoryItem>,
    /// Newest first.
    pub consents: Vec<ConsentItem>,
    /// Who read or changed the patient's data, newest first (for the owner only; empty for
    /// other staff).
    pub access: Vec<super::access::AccessItem>,
    /// When the patient asked for their data to be deleted (open request), and where.
    pub deletion_requested: Option<String>,
    /// When the patient was erased (their visits remain, anonymous).
    pub erased: Option<String>,
}

/// How many access log entries a patient's page shows.
pub const PATIENT_ACCESS_SHOWN: u32 = 50;

/// A stored phone number (digits only) as people write it: mobiles `090-1234-5678`; other
/// numbers as stored (their area codes differ in length).
pub fn phone_label(phone: &str) -> String {
    let mobile = ["050", "070", "080", "090"].iter().any(|p| phone.starts_with(p));
    if mobile && phone.len() == 11 && phone.chars().all(|c| c.is_ascii_digit()) {
        format!("{}-{}-{}", &phone[..3], &phone[3..7], &phone[7..])
    } else {
        phone.to_string()
    }
}

/// The clinic's patients whose name, furigana or phone number contains `query`.
#[server(endpoint = "staff/patients_search")]
pub async fn search_patients(query: String, lang: Lang) -> Result<Vec<PatientSummary>, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        let query = crate::patients::search::PatientQuery::new(&query);
        let store = crate::state::store()?;
        let found = store.read().await?.search_patients(ctx.clinic.id, &query, SEARCH_LIMIT).await?;
        super::access::ssr::log(store.as_ref(), &ctx, crate::store::AccessKind::Searched, found.iter().map(|p| (Some(p.id), String::new()))).await?;
        Ok(found.iter().map(ssr::summary).collect())
    })
    .await
}

/// One patient of the clinic with their history.
#[server(endpoint = "staff/patient_details")]
pub async fn patient_details(id: PatientId, lang: Lang) -> Result<PatientDetailView, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let now = chrono::Utc::now();
        let store = crate::state::store()?;
        let mut db = store.read().await?;
        let patient = db.patient(ctx.clinic.id, id).await?.ok_or(Problem::NotFound(Missing::Patient))?;
        let appointments = db.appointments_of(ctx.clinic.id, &[id]).await?;
        let menus = db.menus(ctx.clinic.id).await?;
        let resources = db.resources(ctx.clinic.id).await?;
        let consents = db.consents(ctx.clinic.id, Some(id)).await?;
        let tz = ctx.clinic.time_zone;
        let mut view = ssr::detail(&patient, &appointments, &menus, &resources, tz, now, lang);
        view.consents = ssr::consents(&consents, &appointments, tz, lang);
        let open = db.deletion_requests(ctx.clinic.id, Some(id)).await?.into_iter().find(|r| r.completed_at.is_none());
        view.deletion_requested = open.map(|r| format!("{} ({})", crate::booking::format::datetime_label(r.requested_at, tz, lang), r.channel.label(lang)));
        if let crate::store::Identity::Erased { at } = patient.identity {
            view.erased = Some(crate::booking::format::datetime_label(at, tz, lang));
        }
        // Who read this patient's record: the owner sees it here.
        if ctx.staff.role == crate::store::StaffRole::Owner {
            let filter = crate::store::AccessFilter { patient: Some(id), staff: None };
            view.access = super::access::ssr::items(db.as_mut(), &ctx.clinic, filter, PATIENT_ACCESS_SHOWN, lang).await?;
        }
        drop(db);
        super::access::ssr::log(store.as_ref(), &ctx, crate::store::AccessKind::PatientViewed, [(Some(id), String::new())]).await?;
        Ok(view)
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;

    use super::*;
    use crate::booking::format::{datetime_label, time_label};
    use crate::booking::model::{Menu, Resource};
    use crate::store::{Appointment, Consent, Identity, Patient};

    /// The patient's consents, newest first, each with the reference of its booking.
    pub fn consents(consents: &[Consent], appointments: &[Appointment], tz: Tz, lang: Lang) -> Vec<ConsentItem> {
        consents
            .iter()
            .rev()
            .map(|c| ConsentItem {
                when: datetime_label(c.at, tz, lang),
                notice_version: c.notice_version,
                channel: c.channel.label(lang).to_string(),
                reference: c.appointment_id.and_then(|id| appointments.iter().find(|a| a.id == id)).map(|a| a.reference.clone()),
            })
            .collect()
    }

    pub fn summary(p: &Patient) -> PatientSummary {
        PatientSummary {
            id: p.id,
            name: p.details.name.clone(),
            furigana: p.details.furigana.clone(),
            phone: phone_label(&p.details.phone),
            birth_date: p.details.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            line: matches!(p.identity, Identity::Line { .. }),
        }
    }

    /// The patient with their appointments (newest visit first) and what they add up to; menus
    /// and resources retired since keep their names.
    pub fn detail(
        patient: &Patient,
        appointments: &[Appointment],
        menus: &[Menu],
        resources: &[Resource],
        tz: Tz,
        now: DateTime<Utc>,
        lang: Lang,
    ) -> PatientDetailView {
        let menu = |a: &Appointment| menus.iter().find(|m| m.id == a.menu_id).map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default();
        let resource =
            |a: &Appointment| resources.iter().find(|r| r.id == a.resource_id).map(|r| lang.pick(&r.name_ja, &r.name_en).to_string()).unwrap_or_default();
        PatientDetailView {
            patient: summary(patient),
            counts: HistoryCounts::of(appointments, now),
            appointments: appointments
                .iter()
                .map(|a| HistoryItem {
                    reference: a.reference.clone(),
                    when: format!("{}〜{}", datetime_label(a.starts_at, tz, lang), time_label(a.ends_at, tz)),
                    menu: menu(a),
                    resource: resource(a),
                    status: a.status,
                    status_label: a.status.label(lang).to_string(),
                    queue_number: a.queue_number,
                    upcoming: a.starts_at > now && matches!(a.status, AppointmentStatus::Requested | AppointmentStatus::Confirmed),
                })
                .collect(),
            consents: Vec::new(),
            access: Vec::new(),
            deletion_requested: None,
            erased: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_get_their_hyphens() {
        assert_eq!(phone_label("09012345678"), "090-1234-5678");
        assert_eq!(phone_label("0312345678"), "0312345678");
        assert_eq!(phone_label(""), "");
    }
}

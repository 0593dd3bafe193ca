//! What the clinic holds about a patient, as the patient reads it (and the owner exports it for a
//! 開示請求), and the patient's request to delete it: from the LIFF page (signed in) and from the
//! e-mail's link (its key). The owner carries deletions out in the console (`staff::erasure`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDataView {
    pub clinic_name: String,
    pub name: String,
    pub furigana: String,
    pub phone: String,
    /// `YYYY-MM-DD`, or empty.
    pub birth_date: String,
    pub email: Option<String>,
    /// Known by their LINE account.
    pub line: bool,
    /// Newest visit first.
    pub visits: Vec<VisitData>,
    /// Newest first.
    pub consents: Vec<ConsentData>,
    /// When the open deletion request was sent (the clinic's time zone).
    pub deletion_requested: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitData {
    pub reference: String,
    pub when: String,
    pub menu: String,
    pub status: String,
    pub answers: Vec<AnswerData>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerData {
    pub question: String,
    pub answer: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentData {
    pub when: String,
    pub notice_version: u32,
    pub channel: String,
}

/// The signed-in LINE (or sandbox) patient's data.
#[server(endpoint = "liff/my_data")]
pub async fn my_data(slug: String, lang: Lang) -> Result<PatientDataView, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::liff::ssr::clinic(db.as_mut(), &slug).await?;
        let patient = crate::api::session::require(db.as_mut(), &clinic).await?;
        ssr::view_of(db.as_mut(), &clinic, patient.id, lang).await
    })
    .await
}

/// The signed-in patient asks the clinic to delete their data.
#[server(endpoint = "liff/request_deletion")]
pub async fn request_deletion(slug: String, lang: Lang) -> Result<PatientDataView, AppError> {
    respond(lang, async move {
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let patient = crate::api::session::require(tx.as_mut(), &clinic).await?;
        crate::actions::data_rights::request_deletion(tx.as_mut(), clinic.id, &patient, chrono::Utc::now()).await?;
        let view = ssr::view_of(tx.as_mut(), &clinic, patient.id, lang).await?;
        tx.commit().await?;
        Ok(view)
    })
    .await
}

/// The website patient's data, from the e-mail's link (`key`: its `k`).
#[server(endpoint = "widget/my_data")]
pub async fn web_my_data(slug: String, reference: String, key: String, lang: Lang) -> Result<PatientDataView, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::liff::ssr::clinic(db.as_mut(), &slug).await?;
        let a = crate::actions::web::linked_appointment(db.as_mut(), clinic.id, reference.trim(), key.trim()).await?;
        ssr::view_of(db.as_mut(), &clinic, a.patient_id, lang).await
    })
    .await
}

/// The website patient asks for deletion from the e-mail's link (a plain form): back to the
/// data page, which says it was asked.
#[server(endpoint = "widget/request_deletion")]
pub async fn web_request_deletion(slug: String, reference: String, key: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let a = crate::actions::web::linked_appointment(tx.as_mut(), clinic.id, reference.trim(), key.trim()).await?;
        let patient = tx.patient(clinic.id, a.patient_id).await?.ok_or(crate::error::Problem::NotFound(crate::error::Missing::Appointment))?;
        crate::actions::data_rights::request_deletion(tx.as_mut(), clinic.id, &patient, chrono::Utc::now()).await?;
        tx.commit().await?;
        let k = super::web_booking::urlencoding(key.trim());
        leptos_axum::redirect(&format!("/w/{}/a/{}/data?k={k}&lang={}", clinic.slug, a.reference, lang.code()));
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::actions::data_rights::{patient_data, PatientData};
    use crate::booking::format::{datetime_label, time_label};
    use crate::booking::ids::PatientId;
    use crate::booking::model::Clinic;
    use crate::error::Problem;
    use crate::store::{Identity, Reads};

    pub async fn view_of(db: &mut dyn Reads, clinic: &Clinic, patient: PatientId, lang: Lang) -> Result<PatientDataView, Problem> {
        let data = patient_data(db, clinic.id, patient).await?;
        let menus = db.menus(clinic.id).await?;
        let name = |m: &crate::booking::model::Menu| lang.pick(&m.name_ja, &m.name_en).to_string();
        Ok(view(&data, clinic, |id| menus.iter().find(|m| m.id == id).map(name).unwrap_or_default(), lang))
    }

    /// The data in the reader's language and the clinic's time zone.
    pub fn view(data: &PatientData, clinic: &Clinic, menu: impl Fn(crate::booking::ids::MenuId) -> String, lang: Lang) -> PatientDataView {
        let tz = clinic.time_zone;
        let p = &data.patient;
        let question = |id| data.questions.iter().find(|q| q.id == id).map(|q| lang.pick(&q.spec.label_ja, &q.spec.label_en).to_string()).unwrap_or_default();
        PatientDataView {
            clinic_name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(),
            name: p.details.name.clone(),
            furigana: p.details.furigana.clone(),
            phone: crate::api::staff::patients::phone_label(&p.details.phone),
            birth_date: p.details.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            email: match &p.identity {
                Identity::Email { address, .. } => Some(address.clone()),
                _ => None,
            },
            line: matches!(p.identity, Identity::Line { .. }),
            visits: data
                .appointments
                .iter()
                .map(|a| VisitData {
                    reference: a.reference.clone(),
                    when: format!("{}〜{}", datetime_label(a.starts_at, tz, lang), time_label(a.ends_at, tz)),
                    menu: menu(a.menu_id),
                    status: a.status.label(lang).to_string(),
                    answers: data
                        .answers
                        .iter()
                        .filter(|(id, _, _)| *id == a.id)
                        .map(|(_, q, answer)| AnswerData { question: question(*q), answer: answer.clone() })
                        .collect(),
                })
                .collect(),
            consents: data
                .consents
                .iter()
                .rev()
                .map(|c| ConsentData { when: datetime_label(c.at, tz, lang), notice_version: c.notice_version, channel: c.channel.label(lang).to_string() })
                .collect(),
            deletion_requested: data.deletion_requests.iter().find(|r| r.completed_at.is_none()).map(|r| datetime_label(r.requested_at, tz, lang)),
        }
    }
}

//! The patient's own appointments: the list, one appointment's status, the answer to the
//! clinic's proposal, and cancelling.

use leptos::prelude::*;

use super::AppointmentView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Problem};
use crate::i18n::Lang;

#[server(endpoint = "liff/appointments")]
pub async fn my_appointments(slug: String, lang: Lang) -> Result<Vec<AppointmentView>, AppError> {
    respond(lang, async move {
        let store = crate::state::store()?;
        let clinic = super::ssr::clinic(&slug).await?;
        let patient = crate::api::session::require(&clinic).await?;
        let menus = store.menus(clinic.id).await?;
        let now = chrono::Utc::now();
        let list = store.patient_appointments(clinic.id, patient.id).await?;
        Ok(list.iter().map(|a| super::ssr::appointment_view(&clinic, &menus, a, now, lang)).collect())
    })
    .await
}

#[server(endpoint = "liff/appointment")]
pub async fn load_appointment(slug: String, reference: String, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, async move {
        let store = crate::state::store()?;
        let clinic = super::ssr::clinic(&slug).await?;
        let patient = crate::api::session::require(&clinic).await?;
        let appointment = super::ssr::own_appointment(&clinic, patient.id, &reference).await?;
        let menus = store.menus(clinic.id).await?;
        Ok(super::ssr::appointment_view(&clinic, &menus, &appointment, chrono::Utc::now(), lang))
    })
    .await
}

/// The patient's answer to the clinic's proposal of another time: accepting confirms it (and,
/// for a reschedule, releases the old visit); turning it down frees the place.
#[server(endpoint = "liff/answer_proposal")]
pub async fn answer_proposal(slug: String, reference: String, accept: bool, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, async move {
        use crate::booking::status::Transition;
        use crate::store::Actor;
        let store = crate::state::store()?;
        let clinic = super::ssr::clinic(&slug).await?;
        let patient = crate::api::session::require(&clinic).await?;
        let appointment = super::ssr::own_appointment(&clinic, patient.id, &reference).await?;
        if !appointment.proposal {
            return Err(Problem::NotAProposal);
        }
        let now = chrono::Utc::now();
        let transition = if accept { Transition::Confirm } else { Transition::Decline };
        let updated = store.transition(clinic.id, appointment.id, transition, Actor::Patient(patient.id), now).await?;
        let menus = store.menus(clinic.id).await?;
        Ok(super::ssr::appointment_view(&clinic, &menus, &updated, now, lang))
    })
    .await
}

/// Cancels a confirmed visit inside the menu's cut-off; after it, refuses with the deadline.
#[server(endpoint = "liff/cancel")]
pub async fn cancel_appointment(slug: String, reference: String, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, async move {
        use crate::booking::patient_may_cancel;
        use crate::booking::status::Transition;
        use crate::error::Missing;
        use crate::store::Actor;
        let store = crate::state::store()?;
        let clinic = super::ssr::clinic(&slug).await?;
        let patient = crate::api::session::require(&clinic).await?;
        let appointment = super::ssr::own_appointment(&clinic, patient.id, &reference).await?;
        let menus = store.menus(clinic.id).await?;
        let menu = menus.iter().find(|m| m.id == appointment.menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
        let now = chrono::Utc::now();
        patient_may_cancel(menu, appointment.status, appointment.starts_at, now)
            .map_err(|refusal| Problem::cancel_refused(refusal, clinic.time_zone))?;
        let updated = store.transition(clinic.id, appointment.id, Transition::CancelByPatient, Actor::Patient(patient.id), now).await?;
        Ok(super::ssr::appointment_view(&clinic, &menus, &updated, now, lang))
    })
    .await
}

//! The patient's own appointments: the list, one appointment's status, and what the patient
//! does about them (withdraw a request, answer the clinic's proposal, cancel a visit).

use leptos::prelude::*;

use super::AppointmentView;
use crate::api::once::IdempotencyKey;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Problem};
use crate::i18n::Lang;

#[server(endpoint = "liff/appointments")]
pub async fn my_appointments(slug: String, lang: Lang) -> Result<Vec<AppointmentView>, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        let patient = crate::api::session::require(db.as_mut(), &clinic).await?;
        let menus = db.menus(clinic.id).await?;
        let now = chrono::Utc::now();
        let list = db.appointments_of(clinic.id, &[patient.id]).await?;
        Ok(list.iter().map(|a| super::ssr::appointment_view(&clinic, &menus, a, now, lang)).collect())
    })
    .await
}

#[server(endpoint = "liff/appointment")]
pub async fn load_appointment(slug: String, reference: String, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        let patient = crate::api::session::require(db.as_mut(), &clinic).await?;
        let appointment = super::ssr::own_appointment(db.as_mut(), &clinic, patient.id, &reference).await?;
        let menus = db.menus(clinic.id).await?;
        Ok(super::ssr::appointment_view(&clinic, &menus, &appointment, chrono::Utc::now(), lang))
    })
    .await
}

/// What the patient does about one of their appointments.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    Withdraw,
    Answer { accept: bool },
    Cancel,
    CheckIn,
}

#[cfg(feature = "ssr")]
async fn act(slug: &str, reference: &str, act: Act, key: &IdempotencyKey, lang: Lang) -> Result<AppointmentView, Problem> {
    use crate::actions::booking;
    use crate::api::once::{fresh, ssr::begin};
    let store = crate::state::store()?;
    let mut db = store.read().await?;
    let clinic = super::ssr::clinic(db.as_mut(), slug).await?;
    let patient = crate::api::session::require(db.as_mut(), &clinic).await?;
    let id = super::ssr::own_appointment(db.as_mut(), &clinic, patient.id, reference).await?.id;
    drop(db);
    let now = chrono::Utc::now();
    let request = (slug, reference, format!("{act:?}"));
    let mut once = fresh!(begin(store.as_ref(), crate::store::Actor::Patient(patient.id), key, "liff/appointment-change", &request).await?);
    let tx = once.tx();
    let changed = match act {
        Act::Withdraw => booking::withdraw(tx, clinic.id, patient.id, id, now).await?,
        Act::Answer { accept } => booking::answer_proposal(tx, clinic.id, patient.id, id, accept, now).await?,
        Act::Cancel => booking::cancel(tx, clinic.id, patient.id, id, now).await?,
        Act::CheckIn => crate::actions::queue::check_in(tx, &clinic, patient.id, id, now).await?,
    };
    let menus = tx.menus(clinic.id).await?;
    let view = super::ssr::appointment_view(&clinic, &menus, &changed, now, lang);
    once.finish(&view).await?;
    Ok(view)
}

/// Takes back a request the clinic has not answered yet: the place frees at once.
#[server(endpoint = "liff/withdraw")]
pub async fn withdraw_request(slug: String, reference: String, key: IdempotencyKey, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, act(&slug, &reference, Act::Withdraw, &key, lang)).await
}

/// The patient's answer to the clinic's proposal of another time: accepting confirms it (and,
/// for a reschedule, releases the old visit); turning it down frees the place.
#[server(endpoint = "liff/answer_proposal")]
pub async fn answer_proposal(slug: String, reference: String, accept: bool, key: IdempotencyKey, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, act(&slug, &reference, Act::Answer { accept }, &key, lang)).await
}

/// Cancels a confirmed visit inside the menu's cut-off; after it, refuses with the deadline.
#[server(endpoint = "liff/cancel")]
pub async fn cancel_appointment(slug: String, reference: String, key: IdempotencyKey, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, act(&slug, &reference, Act::Cancel, &key, lang)).await
}

/// The patient tells reception they have arrived (a confirmed visit of today): from the button
/// on their appointment, or by scanning the QR code at reception, which opens it.
#[server(endpoint = "liff/check_in")]
pub async fn check_in(slug: String, reference: String, key: IdempotencyKey, lang: Lang) -> Result<AppointmentView, AppError> {
    respond(lang, act(&slug, &reference, Act::CheckIn, &key, lang)).await
}

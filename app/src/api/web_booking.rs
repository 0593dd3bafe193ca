//! Booking on the clinic's website without LINE (`actions::web`), as server functions the
//! widget's plain HTML forms post to: every one answers with a redirect to the next page (or, on
//! a refusal, back to the form with the error in the query, which the page shows), so the flow
//! is the same with JavaScript and without it. Nothing here reads a cookie: the page's flow
//! token says which request a code belongs to, and the e-mail's link key which patient a page
//! is for.

// A server function's arguments are its form's fields, one each.
#![allow(clippy::too_many_arguments)]

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::liff::AppointmentView;
use crate::booking::status::AppointmentStatus;
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

/// How the embedding page asked the widget to look: carried from page to page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LookParams {
    pub lang: Lang,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub accent: String,
}

#[cfg(feature = "ssr")]
impl LookParams {
    fn query(&self) -> String {
        let mut q = format!("lang={}", self.lang.code());
        for (k, v) in [("origin", &self.origin), ("accent", &self.accent)] {
            if !v.is_empty() {
                q.push_str(&format!("&{k}={}", urlencoding(v)));
            }
        }
        q
    }
}

/// A query value, percent-encoded (everything but RFC 3986's unreserved characters).
pub fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A website request where the patient stands: waiting for the code, or sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowView {
    pub reference: String,
    pub status: AppointmentStatus,
    pub status_label: String,
    pub menu_name: String,
    pub when: String,
    /// The address the code went to, partly hidden: `ha***@example.jp`.
    pub email_hint: String,
    /// Until when the place is held for the code (clinic-local), while it waits for it.
    pub code_until: Option<String>,
}

/// The appointment page a website patient opens from an e-mail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedAppointment {
    pub clinic_name: String,
    pub appointment: AppointmentView,
}

/// What the e-mail booking form asks besides the patient's details.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookingForm {
    pub questions: Vec<super::liff::QuestionView>,
    pub privacy_notice: String,
}

#[server(endpoint = "widget/form")]
pub async fn web_form(slug: String, menu_id: crate::booking::ids::MenuId, lang: Lang) -> Result<BookingForm, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::liff::ssr::clinic(db.as_mut(), &slug).await?;
        let menu = super::liff::ssr::bookable_menu(db.as_mut(), &clinic, menu_id).await?;
        let (questions, privacy_notice) = super::liff::menu_questions(db.as_mut(), &clinic, menu.id, lang).await?;
        Ok(BookingForm { questions, privacy_notice })
    })
    .await
}

/// `a***@example.jp`: enough for the patient to recognise, not for others to learn.
pub fn email_hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().take(2).collect::<String>()),
        None => "***".into(),
    }
}

/// Sends the request: holds the place and e-mails the code; then the code page. The arguments
/// are the form's fields, as the browser posts them (the answers as `answers[{question id}]`).
#[server(endpoint = "widget/send")]
pub async fn widget_send(
    slug: String,
    menu: String,
    place: String,
    name: String,
    furigana: String,
    phone: String,
    #[server(default)] birth_era: String,
    #[server(default)] birth_year: String,
    #[server(default)] birth_month: String,
    #[server(default)] birth_day: String,
    email: String,
    #[server(default)] answers: BTreeMap<String, String>,
    #[server(default)] consent: Option<String>,
    lang: Lang,
    #[server(default)] origin: String,
    #[server(default)] accent: String,
) -> Result<(), AppError> {
    let look = LookParams { lang, origin, accent };
    respond(lang, async move {
        use crate::actions::web::{request_by_email, Secrets, WebBooking};
        use crate::error::{BadField, Problem, Reason};
        use crate::patients::birth::{BirthParts, Era};
        use crate::patients::DetailsInput;
        use chrono::Utc;
        crate::api::limits::check(crate::api::limits::Limited::BookingRequest)?;
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let menu_id = menu.trim().parse().map(crate::booking::ids::MenuId).map_err(|_| Problem::NotFound(crate::error::Missing::Menu))?;
        let menu = super::liff::ssr::bookable_menu(tx.as_mut(), &clinic, menu_id).await?;
        let (resource, starts_at) = crate::pages::parse_place(place.trim()).ok_or_else(|| Problem::BadRequest("place".into()))?;
        let questions: Vec<_> = tx.questions(clinic.id).await?.into_iter().filter(|q| q.menu_id == menu.id).collect();
        let now = Utc::now();
        let today = now.with_timezone(&clinic.time_zone).date_naive();
        let birth = BirthParts { era: Era::from_code(&birth_era), year: birth_year, month: birth_month, day: birth_day }.compose();
        let typed = DetailsInput { name, furigana, phone, birth_date: birth };
        let answers: Vec<_> = answers.into_iter().filter_map(|(id, answer)| Some((crate::booking::ids::QuestionId(id.parse().ok()?), answer))).collect();

        let mut errors = Vec::new();
        let details = crate::patients::validate::details(&typed, today).map_err(|e| errors.extend(e)).ok();
        let answers = crate::patients::validate::answers(&questions, &answers).map_err(|e| errors.extend(e)).ok();
        let email = email.trim().to_lowercase();
        if !crate::settings::is_email(&email) {
            errors.push(BadField::new("email", Reason::NotEmail));
        }
        if consent.is_none() {
            errors.push(BadField::new("consent", Reason::MustConsent));
        }
        let (Some(_), Some(answers), true) = (details, answers, errors.is_empty()) else {
            return Err(Problem::Invalid(errors));
        };
        let booking = WebBooking {
            clinic: clinic.id,
            menu: menu.id,
            resource,
            starts_at: crate::api::ssr::timestamp("place", starts_at)?,
            email,
            typed,
            answers,
            lang,
            now,
        };
        let secrets = Secrets::new();
        request_by_email(tx.as_mut(), &booking, &secrets).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/w/{}/code?{}&flow={}", clinic.slug, look.query(), secrets.flow));
        Ok(())
    })
    .await
}

/// Where the page's request stands.
#[server(endpoint = "widget/flow")]
pub async fn widget_flow(slug: String, flow: String, lang: Lang) -> Result<FlowView, AppError> {
    respond(lang, async move {
        use crate::booking::format::{datetime_label, place_label};
        use crate::error::{Missing, Problem};
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::liff::ssr::clinic(db.as_mut(), &slug).await?;
        let digest = crate::actions::web::digest(flow.trim(), "flow");
        let request = db.web_request_by_flow(clinic.id, &digest).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
        let a = db.appointment(clinic.id, request.appointment_id).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
        let menu = db.menus(clinic.id).await?.into_iter().find(|m| m.id == a.menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
        let now = chrono::Utc::now();
        // A request past its hold reads as what the worker is about to make it.
        let status = if a.lapsed(now) { AppointmentStatus::Expired } else { a.status };
        Ok(FlowView {
            reference: a.reference.clone(),
            status,
            status_label: status.label(lang).to_string(),
            menu_name: lang.pick(&menu.name_ja, &menu.name_en).to_string(),
            when: place_label(menu.mode, a.starts_at, a.ends_at, clinic.time_zone, lang),
            email_hint: email_hint(&request.email),
            code_until: (status == AppointmentStatus::Verifying).then(|| a.hold_expires_at.map(|t| datetime_label(t, clinic.time_zone, lang))).flatten(),
        })
    })
    .await
}

/// The code from the e-mail. Right: the page says the request was sent; wrong: the form again.
#[server(endpoint = "widget/verify")]
pub async fn widget_verify(
    slug: String,
    flow: String,
    code: String,
    lang: Lang,
    #[server(default)] origin: String,
    #[server(default)] accent: String,
) -> Result<(), AppError> {
    let look = LookParams { lang, origin, accent };
    respond(lang, async move {
        use crate::actions::web::{verify, Verified};
        use crate::error::Problem;
        crate::api::limits::check(crate::api::limits::Limited::BookingRequest)?;
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let outcome = verify(tx.as_mut(), clinic.id, flow.trim(), &code, chrono::Utc::now()).await?;
        // A wrong code counts: it is kept before the patient is told.
        tx.commit().await?;
        match outcome {
            Verified::Done(_) => {
                leptos_axum::redirect(&format!("/w/{}/code?{}&flow={}&sent=1", clinic.slug, look.query(), flow.trim()));
                Ok(())
            }
            Verified::WrongCode { left } => Err(Problem::WrongCode { left }),
            Verified::UsedUp => Err(Problem::CodesUsedUp),
            Verified::NoLongerFree => Err(Problem::PlaceTaken),
        }
    })
    .await
}

/// A new code, for a patient whose e-mail did not come.
#[server(endpoint = "widget/resend")]
pub async fn widget_resend(
    slug: String,
    flow: String,
    lang: Lang,
    #[server(default)] origin: String,
    #[server(default)] accent: String,
) -> Result<(), AppError> {
    let look = LookParams { lang, origin, accent };
    respond(lang, async move {
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        crate::actions::web::resend_code(tx.as_mut(), clinic.id, flow.trim(), look.lang, chrono::Utc::now()).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/w/{}/code?{}&flow={}&resent=1", clinic.slug, look.query(), flow.trim()));
        Ok(())
    })
    .await
}

/// The appointment of an e-mail's link (`k`: the patient's link key).
#[server(endpoint = "widget/appointment")]
pub async fn web_appointment(slug: String, reference: String, key: String, lang: Lang) -> Result<LinkedAppointment, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::liff::ssr::clinic(db.as_mut(), &slug).await?;
        let a = crate::actions::web::linked_appointment(db.as_mut(), clinic.id, reference.trim(), key.trim()).await?;
        let menus = db.menus(clinic.id).await?;
        let appointment = super::liff::ssr::appointment_view(&clinic, &menus, &a, chrono::Utc::now(), lang);
        Ok(LinkedAppointment { clinic_name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(), appointment })
    })
    .await
}

/// The website patient cancels a confirmed visit (inside the menu's cut-off) or takes back a
/// request, from the e-mail's link.
#[server(endpoint = "widget/cancel")]
pub async fn web_cancel(slug: String, reference: String, key: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        use crate::booking::status::AppointmentStatus;
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let a = crate::actions::web::linked_appointment(tx.as_mut(), clinic.id, reference.trim(), key.trim()).await?;
        let now = chrono::Utc::now();
        match a.status {
            AppointmentStatus::Requested => crate::actions::booking::withdraw(tx.as_mut(), clinic.id, a.patient_id, a.id, now).await?,
            _ => crate::actions::booking::cancel(tx.as_mut(), clinic.id, a.patient_id, a.id, now).await?,
        };
        tx.commit().await?;
        leptos_axum::redirect(&format!("/w/{}/a/{}?k={}&lang={}&cancelled=1", clinic.slug, a.reference, urlencoding(key.trim()), lang.code()));
        Ok(())
    })
    .await
}

/// The website patient tells reception they have arrived (a confirmed visit of today), from
/// the e-mail's link.
#[server(endpoint = "widget/check_in")]
pub async fn web_check_in(slug: String, reference: String, key: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let a = crate::actions::web::linked_appointment(tx.as_mut(), clinic.id, reference.trim(), key.trim()).await?;
        crate::actions::queue::check_in(tx.as_mut(), &clinic, a.patient_id, a.id, chrono::Utc::now()).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/w/{}/a/{}?k={}&lang={}&arrived=1", clinic.slug, a.reference, urlencoding(key.trim()), lang.code()));
        Ok(())
    })
    .await
}

/// The website patient moves a confirmed visit to `place` (`{resource}-{start}`), from the
/// e-mail's link; then the new request's (or visit's) page.
#[server(endpoint = "widget/move")]
pub async fn web_move(slug: String, reference: String, key: String, place: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        use crate::error::Problem;
        crate::api::limits::check(crate::api::limits::Limited::BookingRequest)?;
        let (resource, starts_at) = crate::pages::parse_place(place.trim()).ok_or_else(|| Problem::BadRequest("place".into()))?;
        let starts_at = crate::api::ssr::timestamp("place", starts_at)?;
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let moved = crate::actions::web::move_by_link(tx.as_mut(), clinic.id, reference.trim(), key.trim(), (resource, starts_at), chrono::Utc::now()).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/w/{}/a/{}?k={}&lang={}&moved=1", clinic.slug, moved.reference, urlencoding(key.trim()), lang.code()));
        Ok(())
    })
    .await
}

/// The website patient's answer to the clinic's proposal of another time (`answer`: `accept`
/// or `decline`), from the e-mail's link.
#[server(endpoint = "widget/answer")]
pub async fn web_answer(slug: String, reference: String, key: String, answer: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let accept = match answer.as_str() {
            "accept" => true,
            "decline" => false,
            _ => return Err(crate::error::Problem::BadRequest("answer".into())),
        };
        let store = crate::state::store()?;
        let mut tx = store.write().await?;
        let clinic = super::liff::ssr::clinic(tx.as_mut(), &slug).await?;
        let a = crate::actions::web::linked_appointment(tx.as_mut(), clinic.id, reference.trim(), key.trim()).await?;
        crate::actions::booking::answer_proposal(tx.as_mut(), clinic.id, a.patient_id, a.id, accept, chrono::Utc::now()).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/w/{}/a/{}?k={}&lang={}", clinic.slug, a.reference, urlencoding(key.trim()), lang.code()));
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The `.ics` file of a website patient's appointment (`GET /w/{clinic}/a/{reference}/ics?k=…`).

    use axum::extract::{Path, Query, State};
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Response};

    #[derive(serde::Deserialize)]
    pub struct Key {
        #[serde(default)]
        k: String,
    }

    pub async fn ics(State(state): State<crate::state::AppState>, Path((slug, reference)): Path<(String, String)>, Query(key): Query<Key>) -> Response {
        match calendar_file(state.store.as_ref(), &slug, &reference, &key.k).await {
            Ok(body) => ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body).into_response(),
            Err(crate::error::Problem::NotFound(_)) => StatusCode::NOT_FOUND.into_response(),
            Err(e) => {
                tracing::error!(error = %e, "the calendar file could not be made");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        }
    }

    async fn calendar_file(store: &dyn crate::store::Store, slug: &str, reference: &str, key: &str) -> Result<String, crate::error::Problem> {
        let mut db = store.read().await?;
        let clinic = super::super::liff::ssr::clinic(db.as_mut(), slug).await?;
        let a = crate::actions::web::linked_appointment(db.as_mut(), clinic.id, reference, key).await?;
        let menu = db.menus(clinic.id).await?.into_iter().find(|m| m.id == a.menu_id);
        let title = format!("{} {}", clinic.name_ja, menu.map(|m| m.name_ja.clone()).unwrap_or_default());
        Ok(crate::booking::ics::ics(&a.reference, &title, a.starts_at, a.ends_at, chrono::Utc::now()))
    }
}

//! Server functions of the patient's booking flow (the LIFF mini-app, later also the website
//! widget). Identity comes only from the session cookie set after the server verified the
//! patient; nothing in a request body says who the patient is.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::PlaceView;
use crate::booking::ids::{MenuId, QuestionId, ResourceId};
use crate::booking::status::AppointmentStatus;
use crate::i18n::Lang;
use crate::patients::{DetailsInput, FieldError};

/// The error text that tells the page to log in to LINE again (the ID token has expired).
pub const SIGN_IN_EXPIRED: &str = "LINE_SIGN_IN_EXPIRED";

/// How the page signs the patient in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiffSetup {
    pub clinic_name: String,
    /// No LINE channels: the demo sign-in, clearly marked.
    pub sandbox: bool,
    pub liff_id: Option<String>,
    /// Where to load the LIFF SDK from.
    pub sdk_url: String,
    /// The SDK is LINE's mock (tests, development): `liff.init` gets `mock: true`.
    pub mock: bool,
    pub add_friend_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatientView {
    pub sandbox: bool,
    /// The details remembered from last time (empty the first time).
    pub details: DetailsInput,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuChoice {
    pub id: MenuId,
    pub name: String,
    pub duration_minutes: u32,
    pub mode: String,
    pub capacity: u32,
    pub needs_approval: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub day: u32,
    /// Free places that day (0: full, closed or not bookable).
    pub free: u32,
    /// For screen readers: `12月1日(火) 空きあり`.
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub label: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Empty cells before the 1st in a Sunday-first week.
    pub leading_blanks: u32,
    pub days: Vec<CalendarDay>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: QuestionId,
    pub label: String,
    /// `text`, `choice` or `yes_no`.
    pub kind: String,
    pub choices: Vec<String>,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookingSetup {
    pub questions: Vec<QuestionView>,
    pub details: DetailsInput,
    pub privacy_notice: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookingRequest {
    pub slug: String,
    pub menu_id: MenuId,
    pub resource_id: ResourceId,
    /// The start of the chosen place (seconds since the epoch): a key, re-checked by the server.
    pub starts_at: i64,
    pub details: DetailsInput,
    pub answers: Vec<(QuestionId, String)>,
    pub consent: bool,
    /// Reschedule: the reference of the appointment this request replaces once confirmed.
    pub replaces: Option<String>,
    pub lang: Lang,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    Sent(AppointmentView),
    /// Fix these fields and send again; nothing was lost.
    Invalid(Vec<FieldError>),
    /// The place was taken meanwhile: choose again.
    Taken(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub reference: String,
    pub menu_id: MenuId,
    pub menu_name: String,
    pub when: String,
    pub status: AppointmentStatus,
    pub status_label: String,
    pub queue_number: Option<u32>,
    /// For a request: until when the clinic holds the place.
    pub hold_until: Option<String>,
    pub upcoming: bool,
    pub can_cancel: bool,
    /// `12月1日(火) 10:30まで` / after it, why not.
    pub cancel_note: String,
    pub can_reschedule: bool,
    /// Another time the clinic proposes: the patient accepts or turns it down.
    pub proposal: bool,
    /// The clinic's words with its last change (why it declined or cancelled).
    pub note: Option<String>,
}

#[server(endpoint = "liff/setup")]
pub async fn load_liff_setup(slug: String, lang: Lang) -> Result<LiffSetup, ServerFnError> {
    let state = crate::state::app_state()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let line = state.store.line_settings(clinic.id).await.map_err(super::ssr::user_error)?;
    Ok(LiffSetup {
        clinic_name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(),
        sandbox: line.is_none(),
        liff_id: line.as_ref().map(|l| l.liff_id.clone()),
        sdk_url: state.liff_sdk.url().to_string(),
        mock: state.liff_sdk == crate::state::LiffSdk::Mock,
        add_friend_url: line.and_then(|l| l.add_friend_url),
    })
}

/// Signs in with LINE: the server asks LINE who the ID token belongs to.
#[server(endpoint = "liff/sign_in")]
pub async fn line_sign_in(slug: String, id_token: String, lang: Lang) -> Result<PatientView, ServerFnError> {
    use crate::line::IdentityError;
    let state = crate::state::app_state()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let Some(line) = state.store.line_settings(clinic.id).await.map_err(super::ssr::user_error)? else {
        return Err(ServerFnError::new(lang.pick("この医院はLINE連携が設定されていません。", "This clinic is not connected to LINE.")));
    };
    let user = match state.line.verify_id_token(&id_token, &line.login_channel_id).await {
        Ok(user) => user,
        Err(IdentityError::Expired) => return Err(ServerFnError::new(SIGN_IN_EXPIRED)),
        Err(IdentityError::Invalid(why)) => {
            tracing::warn!(clinic = %clinic.slug, %why, "rejected a LINE ID token");
            return Err(ServerFnError::new(lang.pick("LINEのログインを確認できませんでした。もう一度お試しください。", "Your LINE sign-in could not be verified. Please try again.")));
        }
        Err(IdentityError::Unavailable(why)) => {
            tracing::error!(%why, "LINE verify endpoint unavailable");
            return Err(ServerFnError::new(lang.pick("LINEに接続できませんでした。しばらくしてからお試しください。", "LINE cannot be reached right now. Please try again shortly.")));
        }
    };
    let patient = state.store.line_patient(clinic.id, &user.user_id, lang).await.map_err(super::ssr::user_error)?;
    super::session::start(&clinic, &patient).await?;
    Ok(ssr::patient_view(&patient, false))
}

/// The demo sign-in of a clinic without LINE channels. Refused for any clinic that has them.
#[server(endpoint = "liff/sandbox_sign_in")]
pub async fn sandbox_sign_in(slug: String, lang: Lang) -> Result<PatientView, ServerFnError> {
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    if store.line_settings(clinic.id).await.map_err(super::ssr::user_error)?.is_some() {
        return Err(ServerFnError::new(lang.pick("この医院ではLINEでログインしてください。", "Please sign in with LINE for this clinic.")));
    }
    if let Some(patient) = super::session::current(&clinic).await? {
        return Ok(ssr::patient_view(&patient, true));
    }
    let sandbox_id = format!("sandbox-{}", uuid::Uuid::new_v4().simple());
    let patient = store.line_patient(clinic.id, &sandbox_id, lang).await.map_err(super::ssr::user_error)?;
    super::session::start(&clinic, &patient).await?;
    Ok(ssr::patient_view(&patient, true))
}

/// The patient already signed in on this device, if any.
#[server(endpoint = "liff/current")]
pub async fn current_patient(slug: String, lang: Lang) -> Result<Option<PatientView>, ServerFnError> {
    let clinic = ssr::clinic(&slug, lang).await?;
    Ok(super::session::current(&clinic).await?.map(|p| ssr::patient_view(&p, false)))
}

#[server(endpoint = "liff/sign_out")]
pub async fn sign_out() -> Result<(), ServerFnError> {
    super::session::end().await
}

#[server(endpoint = "liff/menus")]
pub async fn liff_menus(slug: String, lang: Lang) -> Result<Vec<MenuChoice>, ServerFnError> {
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let menus = store.menus(clinic.id).await.map_err(super::ssr::user_error)?;
    Ok(menus
        .into_iter()
        .map(|m| MenuChoice {
            id: m.id,
            name: lang.pick(&m.name_ja, &m.name_en).to_string(),
            duration_minutes: m.duration_minutes,
            mode: m.mode.kind().to_string(),
            capacity: m.mode.capacity(),
            needs_approval: m.approval == crate::booking::model::Approval::RequiresStaff,
        })
        .collect())
}

/// A month of the menu's calendar: which days have room.
#[server(endpoint = "liff/calendar")]
pub async fn menu_calendar(slug: String, menu_id: MenuId, month: Option<String>, lang: Lang) -> Result<CalendarMonth, ServerFnError> {
    use chrono::{Datelike, Days, NaiveDate, Utc};
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let menu = ssr::menu(&clinic, menu_id, lang).await?;
    let now = Utc::now();
    let today = now.with_timezone(&clinic.time_zone).date_naive();
    let horizon = today + Days::new(menu.horizon_days.into());
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).ok_or_else(|| ServerFnError::new("date"))?;
    let first = match month.as_deref() {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| ServerFnError::new(lang.pick("月の指定が正しくありません。", "Invalid month.")))?,
        None => this_month,
    };
    let first = first.max(this_month);
    let next_first = first.checked_add_months(chrono::Months::new(1)).ok_or_else(|| ServerFnError::new("date"))?;
    let last = next_first.pred_opt().ok_or_else(|| ServerFnError::new("date"))?;
    let offers = if first.max(today) <= last.min(horizon) {
        crate::store::availability(store.as_ref(), &clinic, &menu, first.max(today), last.min(horizon), now)
            .await
            .map_err(super::ssr::user_error)?
    } else {
        Vec::new()
    };
    let days = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| {
            let free: u32 = offers.iter().filter(|o| o.date == date).map(|o| o.remaining).sum();
            let date_label = crate::booking::format::date_label(date, lang);
            let state = if free > 0 { lang.pick("空きあり", "available") } else { lang.pick("空きなし", "not available") };
            CalendarDay { date: date.format("%Y-%m-%d").to_string(), day: date.day(), free, label: format!("{date_label} {state}") }
        })
        .collect();
    let label = match lang {
        Lang::Ja => format!("{}年{}月", first.year(), first.month()),
        Lang::En => first.format("%B %Y").to_string(),
    };
    Ok(CalendarMonth {
        month: first.format("%Y-%m").to_string(),
        label,
        prev: (first > this_month).then(|| first.checked_sub_months(chrono::Months::new(1)).map(|d| d.format("%Y-%m").to_string())).flatten(),
        next: (next_first <= horizon).then(|| next_first.format("%Y-%m").to_string()),
        leading_blanks: first.weekday().num_days_from_sunday(),
        days,
    })
}

/// The free places of one day.
#[server(endpoint = "liff/day")]
pub async fn day_places(slug: String, menu_id: MenuId, date: String, lang: Lang) -> Result<Vec<PlaceView>, ServerFnError> {
    use chrono::{NaiveDate, Utc};
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let menu = ssr::menu(&clinic, menu_id, lang).await?;
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| ServerFnError::new(lang.pick("日付が正しくありません。", "Invalid date.")))?;
    let resources = store.resources(clinic.id).await.map_err(super::ssr::user_error)?;
    let offers = crate::store::availability(store.as_ref(), &clinic, &menu, date, date, Utc::now()).await.map_err(super::ssr::user_error)?;
    Ok(offers.iter().map(|o| super::ssr::place_view(o, &menu, &resources, clinic.time_zone, lang)).collect())
}

/// The menu's questions, the remembered details and the privacy notice.
#[server(endpoint = "liff/booking_setup")]
pub async fn load_booking_setup(slug: String, menu_id: MenuId, lang: Lang) -> Result<BookingSetup, ServerFnError> {
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let patient = super::session::require(&clinic, lang).await?;
    let menu = ssr::menu(&clinic, menu_id, lang).await?;
    let questions = store.questions(menu.id).await.map_err(super::ssr::user_error)?;
    let (notice_ja, notice_en) = store.privacy_notice(clinic.id).await.map_err(super::ssr::user_error)?;
    Ok(BookingSetup {
        questions: questions
            .into_iter()
            .map(|q| QuestionView {
                id: q.id,
                label: lang.pick(&q.label_ja, &q.label_en).to_string(),
                kind: q.kind.as_str().to_string(),
                choices: match lang {
                    Lang::Ja => q.choices_ja,
                    Lang::En => q.choices_en,
                },
                required: q.required,
            })
            .collect(),
        details: ssr::patient_view(&patient, false).details,
        privacy_notice: lang.pick(&notice_ja, &notice_en).to_string(),
    })
}

/// Sends the request. Everything is checked again here; the place is re-checked inside the
/// booking's write transaction.
#[server(endpoint = "liff/submit", input = Json)]
pub async fn submit_booking(request: BookingRequest) -> Result<SubmitOutcome, ServerFnError> {
    use crate::booking::BookingSource;
    use crate::store::{Actor, NewBooking, StoreError};
    use chrono::{DateTime, Utc};
    let lang = request.lang;
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&request.slug, lang).await?;
    let patient = super::session::require(&clinic, lang).await?;
    let menu = ssr::menu(&clinic, request.menu_id, lang).await?;
    let questions = store.questions(menu.id).await.map_err(super::ssr::user_error)?;
    let now = Utc::now();
    let today = now.with_timezone(&clinic.time_zone).date_naive();

    let mut errors = Vec::new();
    let details = crate::patients::validate::details(&request.details, lang, today).map_err(|e| errors.extend(e)).ok();
    let answers = crate::patients::validate::answers(&questions, &request.answers, lang).map_err(|e| errors.extend(e)).ok();
    if !request.consent {
        errors.push(FieldError {
            field: "consent".into(),
            message: lang.pick("個人情報の取り扱いに同意してください。", "Please agree to the privacy notice.").into(),
        });
    }
    let (Some(details), Some(answers), true) = (details, answers, errors.is_empty()) else {
        return Ok(SubmitOutcome::Invalid(errors));
    };
    store.save_patient_details(clinic.id, patient.id, details).await.map_err(super::ssr::user_error)?;

    let replaces = match &request.replaces {
        Some(reference) => Some(ssr::own_appointment(&clinic, patient.id, reference, lang).await?.id),
        None => None,
    };
    let starts_at = DateTime::from_timestamp(request.starts_at, 0).ok_or_else(|| ServerFnError::new("invalid time"))?;
    let booking = NewBooking {
        clinic_id: clinic.id,
        menu_id: menu.id,
        resource_id: request.resource_id,
        starts_at,
        patient_id: patient.id,
        actor: Actor::Patient(patient.id),
        now,
        answers,
        replaces,
        source: BookingSource::Patient,
    };
    match store.book(booking).await {
        Ok(appointment) => Ok(SubmitOutcome::Sent(ssr::appointment_view(&clinic, &[menu], &appointment, now, lang))),
        Err(StoreError::NoLongerAvailable) => Ok(SubmitOutcome::Taken(
            lang.pick("申し訳ありません。この枠は先ほど埋まりました。別の時間をお選びください。", "Sorry, this place was just taken. Please choose another time.").into(),
        )),
        Err(StoreError::Conflict { .. }) => Err(ServerFnError::new(lang.pick("変更元の予約はもう変更できません。", "The appointment you are changing can no longer be changed."))),
        Err(e) => Err(super::ssr::user_error(e)),
    }
}

#[server(endpoint = "liff/appointments")]
pub async fn my_appointments(slug: String, lang: Lang) -> Result<Vec<AppointmentView>, ServerFnError> {
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let patient = super::session::require(&clinic, lang).await?;
    let menus = store.menus(clinic.id).await.map_err(super::ssr::user_error)?;
    let now = chrono::Utc::now();
    let list = store.patient_appointments(clinic.id, patient.id).await.map_err(super::ssr::user_error)?;
    Ok(list.iter().map(|a| ssr::appointment_view(&clinic, &menus, a, now, lang)).collect())
}

#[server(endpoint = "liff/appointment")]
pub async fn load_appointment(slug: String, reference: String, lang: Lang) -> Result<AppointmentView, ServerFnError> {
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let patient = super::session::require(&clinic, lang).await?;
    let appointment = ssr::own_appointment(&clinic, patient.id, &reference, lang).await?;
    let menus = store.menus(clinic.id).await.map_err(super::ssr::user_error)?;
    Ok(ssr::appointment_view(&clinic, &menus, &appointment, chrono::Utc::now(), lang))
}

/// The patient's answer to the clinic's proposal of another time: accepting confirms it (and,
/// for a reschedule, releases the old visit); turning it down frees the place.
#[server(endpoint = "liff/answer_proposal")]
pub async fn answer_proposal(slug: String, reference: String, accept: bool, lang: Lang) -> Result<AppointmentView, ServerFnError> {
    use crate::booking::status::Transition;
    use crate::store::{Actor, StoreError};
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let patient = super::session::require(&clinic, lang).await?;
    let appointment = ssr::own_appointment(&clinic, patient.id, &reference, lang).await?;
    if !appointment.proposal {
        return Err(ServerFnError::new(lang.pick("この予約はご提案ではありません。", "This is not a proposal from the clinic.")));
    }
    let now = chrono::Utc::now();
    let transition = if accept { Transition::Confirm } else { Transition::Decline };
    let updated = match store.transition(clinic.id, appointment.id, transition, Actor::Patient(patient.id), now).await {
        Ok(updated) => updated,
        Err(StoreError::HoldExpired) => {
            return Err(ServerFnError::new(lang.pick("ご提案の期限が過ぎました。お手数ですが、もう一度ご予約ください。", "This proposal has expired. Please book again.")))
        }
        Err(StoreError::Conflict { .. }) => {
            return Err(ServerFnError::new(lang.pick("このご提案にはすでにお返事済みです。", "This proposal was already answered.")))
        }
        Err(e) => return Err(super::ssr::user_error(e)),
    };
    let menus = store.menus(clinic.id).await.map_err(super::ssr::user_error)?;
    Ok(ssr::appointment_view(&clinic, &menus, &updated, now, lang))
}

/// Cancels a confirmed visit inside the menu's cut-off; after it, refuses with the deadline.
#[server(endpoint = "liff/cancel")]
pub async fn cancel_appointment(slug: String, reference: String, lang: Lang) -> Result<AppointmentView, ServerFnError> {
    use crate::booking::status::Transition;
    use crate::booking::{patient_may_cancel, CancelRefusal};
    use crate::store::Actor;
    let store = crate::state::store()?;
    let clinic = ssr::clinic(&slug, lang).await?;
    let patient = super::session::require(&clinic, lang).await?;
    let appointment = ssr::own_appointment(&clinic, patient.id, &reference, lang).await?;
    let menus = store.menus(clinic.id).await.map_err(super::ssr::user_error)?;
    let menu = menus.iter().find(|m| m.id == appointment.menu_id).ok_or_else(|| ServerFnError::new("menu"))?;
    let now = chrono::Utc::now();
    match patient_may_cancel(menu, appointment.status, appointment.starts_at, now) {
        Ok(_) => {}
        Err(CancelRefusal::PastCutOff { deadline }) => {
            let deadline = crate::booking::format::datetime_label(deadline, clinic.time_zone, lang);
            return Err(ServerFnError::new(match lang {
                Lang::Ja => format!("キャンセル期限({deadline})を過ぎているため、ここではキャンセルできません。お電話で医院にご連絡ください。"),
                Lang::En => format!("The cancellation deadline ({deadline}) has passed, so this visit cannot be cancelled here. Please call the clinic."),
            }));
        }
        Err(CancelRefusal::NotConfirmed(_)) => {
            return Err(ServerFnError::new(lang.pick("この予約はキャンセルできる状態ではありません。", "This appointment cannot be cancelled in its current state.")));
        }
    }
    let updated = store
        .transition(clinic.id, appointment.id, Transition::CancelByPatient, Actor::Patient(patient.id), now)
        .await
        .map_err(super::ssr::user_error)?;
    Ok(ssr::appointment_view(&clinic, &menus, &updated, now, lang))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::{DateTime, Utc};
    use leptos::prelude::ServerFnError;

    use super::{AppointmentView, PatientView};
    use crate::booking::ids::{MenuId, PatientId};
    use crate::booking::model::{Clinic, Menu};
    use crate::booking::patient_may_cancel;
    use crate::booking::status::AppointmentStatus;
    use crate::i18n::Lang;
    use crate::patients::DetailsInput;
    use crate::store::{Appointment, Patient};

    pub async fn clinic(slug: &str, lang: Lang) -> Result<Clinic, ServerFnError> {
        crate::state::store()?
            .clinic_by_slug(slug)
            .await
            .map_err(crate::api::ssr::user_error)?
            .ok_or_else(|| ServerFnError::new(lang.pick("医院が見つかりません。", "Clinic not found.")))
    }

    pub async fn menu(clinic: &Clinic, id: MenuId, lang: Lang) -> Result<Menu, ServerFnError> {
        crate::state::store()?
            .menus(clinic.id)
            .await
            .map_err(crate::api::ssr::user_error)?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ServerFnError::new(lang.pick("このメニューは予約できません。", "This menu cannot be booked.")))
    }

    /// One of the patient's own appointments; anyone else's is "not found".
    pub async fn own_appointment(clinic: &Clinic, patient: PatientId, reference: &str, lang: Lang) -> Result<Appointment, ServerFnError> {
        crate::state::store()?
            .appointment_by_reference(clinic.id, reference)
            .await
            .map_err(crate::api::ssr::user_error)?
            .filter(|a| a.patient_id == patient)
            .ok_or_else(|| ServerFnError::new(lang.pick("予約が見つかりません。", "Appointment not found.")))
    }

    pub fn patient_view(p: &Patient, sandbox: bool) -> PatientView {
        PatientView {
            sandbox: sandbox || p.line_user_id.as_deref().is_some_and(|id| id.starts_with("sandbox-")),
            details: DetailsInput {
                name: p.details.name.clone(),
                furigana: p.details.furigana.clone(),
                phone: p.details.phone.clone(),
                birth_date: p.details.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            },
        }
    }

    pub fn status_label(status: AppointmentStatus, lang: Lang) -> &'static str {
        match lang {
            Lang::Ja => status.label_ja(),
            Lang::En => match status {
                AppointmentStatus::Requested => "Waiting for the clinic",
                AppointmentStatus::Confirmed => "Confirmed",
                AppointmentStatus::Declined => "Declined by the clinic",
                AppointmentStatus::Expired => "Expired (no answer in time)",
                AppointmentStatus::CancelledByPatient => "Cancelled",
                AppointmentStatus::CancelledByClinic => "Cancelled by the clinic",
                AppointmentStatus::NoShow => "Missed",
                AppointmentStatus::Completed => "Visited",
            },
        }
    }

    pub fn appointment_view(clinic: &Clinic, menus: &[Menu], a: &Appointment, now: DateTime<Utc>, lang: Lang) -> AppointmentView {
        use crate::booking::format::{datetime_label, place_label};
        let tz = clinic.time_zone;
        let menu = menus.iter().find(|m| m.id == a.menu_id);
        let when = match menu {
            Some(m) => place_label(m.mode, a.starts_at, a.ends_at, tz, lang),
            None => datetime_label(a.starts_at, tz, lang),
        };
        let (can_cancel, cancel_note) = match menu.map(|m| patient_may_cancel(m, a.status, a.starts_at, now)) {
            Some(Ok(deadline)) => {
                let deadline = datetime_label(deadline, tz, lang);
                (true, match lang {
                    Lang::Ja => format!("{deadline}までキャンセルできます。"),
                    Lang::En => format!("You can cancel until {deadline}."),
                })
            }
            Some(Err(crate::booking::CancelRefusal::PastCutOff { deadline })) if a.ends_at > now => {
                let deadline = datetime_label(deadline, tz, lang);
                (false, match lang {
                    Lang::Ja => format!("キャンセル期限({deadline})を過ぎました。変更はお電話でお願いします。"),
                    Lang::En => format!("The cancellation deadline ({deadline}) has passed; please call the clinic to change it."),
                })
            }
            _ => (false, String::new()),
        };
        AppointmentView {
            reference: a.reference.clone(),
            menu_id: a.menu_id,
            menu_name: menu.map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default(),
            when,
            status: a.status,
            status_label: status_label(a.status, lang).to_string(),
            queue_number: a.queue_number,
            hold_until: (a.status == AppointmentStatus::Requested).then(|| a.hold_expires_at.map(|t| datetime_label(t, tz, lang))).flatten(),
            // Cancelled, declined and expired visits are listed with the past ones.
            upcoming: a.ends_at > now && a.status.holds_capacity(),
            can_cancel,
            cancel_note,
            can_reschedule: can_cancel,
            proposal: a.proposal && a.status == AppointmentStatus::Requested,
            note: a.note.clone().filter(|_| matches!(a.status, AppointmentStatus::Declined | AppointmentStatus::CancelledByClinic)),
        }
    }
}

//! The booking flow: the clinic's menus, a month of days with room, a day's free places, the
//! menu's questions, and sending the request.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::AppointmentView;
use crate::api::PlaceView;
use crate::booking::ids::{MenuId, QuestionId, ResourceId};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Problem, Reason};
use crate::i18n::Lang;
use crate::kinds::{ModeKind, QuestionKind};
use crate::patients::DetailsInput;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuChoice {
    pub id: MenuId,
    pub name: String,
    pub duration_minutes: u32,
    pub mode: ModeKind,
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
    pub kind: QuestionKind,
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

#[server(endpoint = "liff/menus")]
pub async fn liff_menus(slug: String, lang: Lang) -> Result<Vec<MenuChoice>, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        let menus = db.menus(clinic.id).await?;
        Ok(menus
            .into_iter()
            .filter(|m| m.active)
            .map(|m| MenuChoice {
                id: m.id,
                name: lang.pick(&m.name_ja, &m.name_en).to_string(),
                duration_minutes: m.duration_minutes,
                mode: m.mode.kind(),
                capacity: m.mode.capacity(),
                needs_approval: m.approval == crate::booking::model::Approval::RequiresStaff,
            })
            .collect())
    })
    .await
}

/// A month of the menu's calendar: which days have room. `month` is `YYYY-MM` (empty: this
/// month).
#[server(endpoint = "liff/calendar")]
pub async fn menu_calendar(slug: String, menu_id: MenuId, month: Option<String>, lang: Lang) -> Result<CalendarMonth, AppError> {
    respond(lang, calendar(slug, menu_id, month, lang)).await
}

#[cfg(feature = "ssr")]
async fn calendar(slug: String, menu_id: MenuId, month: Option<String>, lang: Lang) -> Result<CalendarMonth, Problem> {
    use crate::api::cache::Cache;
    use crate::store::ChangeVersion;
    use chrono::{Datelike, Days, Months, NaiveDate, Utc};
    /// The months patients look at, per clinic version: at most 15 seconds old.
    type Key = (crate::booking::ids::ClinicId, MenuId, Option<String>, Lang, ChangeVersion);
    static MONTHS: std::sync::LazyLock<Cache<Key, CalendarMonth>> = std::sync::LazyLock::new(|| Cache::new(std::time::Duration::from_secs(15), 10_000));

    let mut db = crate::state::store()?.read().await?;
    let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
    let key: Key = (clinic.id, menu_id, month.clone(), lang, db.change_version(clinic.id).await?);
    if let Some(month) = MONTHS.get(&key) {
        return Ok(month);
    }
    let menu = super::ssr::bookable_menu(db.as_mut(), &clinic, menu_id).await?;
    let now = Utc::now();
    let today = now.with_timezone(&clinic.time_zone).date_naive();
    let horizon = today + Days::new(menu.horizon_days.into());
    let this_month = today.with_day(1).ok_or_else(|| Problem::internal("today has no first day"))?;
    let first = match month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        // A month of the booking horizon at most: anything else cannot be booked anyway.
        Some(m) => {
            NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok().filter(|d| *d <= horizon).ok_or_else(|| Problem::field("month", Reason::NotDate))?
        }
        None => this_month,
    };
    let first = first.max(this_month);
    let next_first = first + Months::new(1);
    let last = next_first.pred_opt().ok_or_else(|| Problem::internal("a month without a last day"))?;
    let offers = if first.max(today) <= last.min(horizon) {
        crate::actions::booking::availability(db.as_mut(), &clinic, &menu, first.max(today), last.min(horizon), now).await?
    } else {
        Vec::new()
    };
    let mut free_by_date = std::collections::HashMap::new();
    for o in &offers {
        *free_by_date.entry(o.date).or_insert(0u32) += o.remaining;
    }
    let days = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| {
            let free: u32 = free_by_date.get(&date).copied().unwrap_or(0);
            let date_label = crate::booking::format::date_label(date, lang);
            let state = if free > 0 { lang.pick("空きあり", "available") } else { lang.pick("空きなし", "not available") };
            CalendarDay { date: date.format("%Y-%m-%d").to_string(), day: date.day(), free, label: format!("{date_label} {state}") }
        })
        .collect();
    let label = match lang {
        Lang::Ja => format!("{}年{}月", first.year(), first.month()),
        Lang::En => first.format("%B %Y").to_string(),
    };
    let calendar = CalendarMonth {
        month: first.format("%Y-%m").to_string(),
        label,
        prev: (first > this_month).then(|| (first - Months::new(1)).format("%Y-%m").to_string()),
        next: (next_first <= horizon).then(|| next_first.format("%Y-%m").to_string()),
        leading_blanks: first.weekday().num_days_from_sunday(),
        days,
    };
    MONTHS.put(key, calendar.clone());
    Ok(calendar)
}

/// The free places of one day (`YYYY-MM-DD`).
#[server(endpoint = "liff/day")]
pub async fn day_places(slug: String, menu_id: MenuId, date: String, lang: Lang) -> Result<Vec<PlaceView>, AppError> {
    respond(lang, async move {
        use chrono::Utc;
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        let menu = super::ssr::bookable_menu(db.as_mut(), &clinic, menu_id).await?;
        let date = crate::api::ssr::parse_date("date", &date)?;
        let resources = db.resources(clinic.id).await?;
        let offers = crate::actions::booking::availability(db.as_mut(), &clinic, &menu, date, date, Utc::now()).await?;
        Ok(offers.iter().map(|o| crate::api::ssr::place_view(o, &menu, &resources, clinic.time_zone, lang)).collect())
    })
    .await
}

/// The menu's questions, the remembered details and the privacy notice.
#[server(endpoint = "liff/booking_setup")]
pub async fn load_booking_setup(slug: String, menu_id: MenuId, lang: Lang) -> Result<BookingSetup, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        let patient = crate::api::session::require(db.as_mut(), &clinic).await?;
        let menu = super::ssr::bookable_menu(db.as_mut(), &clinic, menu_id).await?;
        let (questions, privacy_notice) = menu_questions(db.as_mut(), &clinic, menu.id, lang).await?;
        Ok(BookingSetup { questions, details: super::ssr::patient_view(&patient).details, privacy_notice })
    })
    .await
}

/// The menu's questions and the clinic's privacy notice, in `lang` (the LIFF page's and the
/// widget's booking forms).
#[cfg(feature = "ssr")]
pub async fn menu_questions(
    db: &mut dyn crate::store::Reads,
    clinic: &crate::booking::model::Clinic,
    menu: MenuId,
    lang: Lang,
) -> Result<(Vec<QuestionView>, String), Problem> {
    let questions = db.questions(clinic.id).await?;
    let (notice_ja, notice_en) = db.privacy_notice(clinic.id).await?;
    let views = questions
        .into_iter()
        .filter(|q| q.menu_id == menu)
        .map(|q| QuestionView {
            id: q.id,
            label: lang.pick(&q.label_ja, &q.label_en).to_string(),
            kind: q.kind,
            required: q.required,
            choices: match lang {
                Lang::Ja => q.spec.choices_ja,
                Lang::En => q.spec.choices_en,
            },
        })
        .collect();
    Ok((views, lang.pick(&notice_ja, &notice_en).to_string()))
}

/// Sends the request. Everything is checked again here; the place is re-checked inside the
/// booking's write transaction. Fields to fix are [`ErrorCode::Invalid`], a place taken
/// meanwhile [`ErrorCode::PlaceTaken`] (nothing was lost: the page goes back to the times).
///
/// [`ErrorCode::Invalid`]: crate::error::ErrorCode::Invalid
/// [`ErrorCode::PlaceTaken`]: crate::error::ErrorCode::PlaceTaken
#[server(endpoint = "liff/submit", input = Json)]
/// `key`: made by the page for this booking; every try of it sends the same one.
pub async fn submit_booking(request: BookingRequest, key: crate::api::once::IdempotencyKey) -> Result<AppointmentView, AppError> {
    let lang = request.lang;
    respond(lang, submit(request, key)).await
}

#[cfg(feature = "ssr")]
async fn submit(request: BookingRequest, key: crate::api::once::IdempotencyKey) -> Result<AppointmentView, Problem> {
    use crate::actions::booking::{book, Booking};
    use crate::api::once::{fresh, ssr::begin};
    use crate::booking::BookingSource;
    use crate::error::BadField;
    use crate::store::Actor;
    use chrono::Utc;
    let lang = request.lang;
    crate::api::limits::check(crate::api::limits::Limited::BookingRequest)?;
    let store = crate::state::store()?;
    let mut db = store.read().await?;
    let clinic = super::ssr::clinic(db.as_mut(), &request.slug).await?;
    let patient = crate::api::session::require(db.as_mut(), &clinic).await?;
    drop(db);
    // A repeat gets the first answer before anything is checked again (the menu may have been
    // hidden since the booking it repeats).
    let mut once = fresh!(begin(store.as_ref(), Actor::Patient(patient.id), &key, "liff/submit", &request).await?);
    let tx = once.tx();
    let menu = super::ssr::bookable_menu(tx, &clinic, request.menu_id).await?;
    let questions: Vec<_> = tx.questions(clinic.id).await?.into_iter().filter(|q| q.menu_id == menu.id).collect();
    let replaces = match &request.replaces {
        Some(reference) => Some(super::ssr::own_appointment(tx, &clinic, patient.id, reference).await?.id),
        None => None,
    };
    let now = Utc::now();
    let today = now.with_timezone(&clinic.time_zone).date_naive();

    let mut errors = Vec::new();
    let details = crate::patients::validate::details(&request.details, today).map_err(|e| errors.extend(e)).ok();
    let answers = crate::patients::validate::answers(&questions, &request.answers).map_err(|e| errors.extend(e)).ok();
    if !request.consent {
        errors.push(BadField::new("consent", Reason::MustConsent));
    }
    let (Some(details), Some(answers), true) = (details, answers, errors.is_empty()) else {
        return Err(Problem::Invalid(errors));
    };
    let starts_at = crate::api::ssr::timestamp("starts_at", request.starts_at)?;
    let booking = Booking {
        clinic: clinic.id,
        menu: menu.id,
        resource: request.resource_id,
        starts_at,
        patient: patient.id,
        actor: Actor::Patient(patient.id),
        source: BookingSource::Patient,
        answers,
        replaces,
        now,
    };
    crate::actions::patients::save_details(tx, clinic.id, patient.id, &details).await?;
    let appointment = book(tx, &booking).await?;
    crate::actions::patients::consent(tx, clinic.id, &patient, appointment.id, now).await?;
    let menus = tx.menus(clinic.id).await?;
    let view = super::ssr::appointment_view(&clinic, &menus, &appointment, now, lang);
    once.finish(&view).await?;
    Ok(view)
}

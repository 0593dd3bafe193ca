//! The day's work: the calendar of one day or one week per practitioner/room, in the clinic's
//! time zone, with the capacity used per place and the queue of queue-mode menus; reception's
//! actions on a visit (arrived, completed, no-show, cancel with a message); and booking a phone
//! call (confirmed at once).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::inbox::NotificationView;
use crate::api::PlaceView;
use crate::booking::ids::{AppointmentId, MenuId, ResourceId};
use crate::booking::status::AppointmentStatus;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Missing, Problem};
use crate::i18n::Lang;
use crate::patients::DetailsInput;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub id: AppointmentId,
    pub reference: String,
    /// `10:30` or `10:00〜11:00`; a queue place shows its number instead.
    pub time: String,
    pub menu_name: String,
    pub patient_name: String,
    pub phone: String,
    pub status: AppointmentStatus,
    pub status_label: String,
    pub queue_number: Option<u32>,
    pub arrived: bool,
    /// The clinic's message with the last change (a decline's reason …).
    pub note: Option<String>,
    /// A confirmed visit of today.
    pub can_arrive: bool,
    /// A confirmed visit that has begun: completed or no-show.
    pub can_finish: bool,
    /// A confirmed visit: the clinic may still cancel it.
    pub can_cancel: bool,
    pub notifications: Vec<NotificationView>,
}

/// How full one place is: `10:00 初診 2/3`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceUse {
    pub label: String,
    pub used: u32,
    pub capacity: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceDay {
    pub resource_id: ResourceId,
    pub name: String,
    pub entries: Vec<CalendarEntry>,
    pub usage: Vec<PlaceUse>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarDayView {
    pub date: String,
    pub label: String,
    pub resources: Vec<ResourceDay>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarView {
    /// The first day shown (`YYYY-MM-DD`).
    pub date: String,
    pub title: String,
    pub prev: String,
    pub next: String,
    pub today: String,
    pub days: Vec<CalendarDayView>,
    /// For the phone-booking form.
    pub menus: Vec<(MenuId, String)>,
}

/// What reception does to a confirmed visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitAction {
    Arrived,
    Completed,
    NoShow,
    CancelByClinic,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhoneBooking {
    pub menu_id: MenuId,
    pub resource_id: ResourceId,
    pub starts_at: i64,
    pub details: DetailsInput,
    pub lang: Lang,
    /// Missing: refused like a wrong one (403).
    #[serde(default)]
    pub csrf: String,
}

/// `date` empty: today (clinic-local). `days`: 1 (day view) or 7 (week view).
#[server(endpoint = "staff/calendar")]
pub async fn load_calendar(date: String, days: u32, lang: Lang) -> Result<CalendarView, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        ssr::calendar(&ctx.clinic, &date, if days >= 7 { 7 } else { 1 }, lang).await
    })
    .await
}

#[server(endpoint = "staff/free_places")]
pub async fn free_places(menu_id: MenuId, date: String, lang: Lang) -> Result<Vec<PlaceView>, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        ssr::free_places(&ctx.clinic, menu_id, &date, lang).await
    })
    .await
}

#[server(endpoint = "staff/visit")]
pub async fn update_visit(id: AppointmentId, action: VisitAction, message: String, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        use crate::booking::status::Transition;
        let ctx = super::auth::staff(Some(&csrf)).await?;
        ssr::visit_has_come(&ctx, id, action).await?;
        match action {
            VisitAction::Arrived => Ok(crate::state::store()?
                .mark_arrived(ctx.clinic.id, id, chrono::Utc::now())
                .await
                .map_err(|e| Problem::from(e).missing(Missing::Appointment))?),
            VisitAction::Completed => super::inbox::ssr::change(&ctx, id, Transition::Complete, None).await,
            VisitAction::NoShow => super::inbox::ssr::change(&ctx, id, Transition::MarkNoShow, None).await,
            VisitAction::CancelByClinic => {
                let message = super::inbox::ssr::note("message", &message, true)?;
                super::inbox::ssr::change(&ctx, id, Transition::CancelByClinic, message).await
            }
        }
    })
    .await
}

/// Reception books a phone call: the patient's details are checked like the patient's own
/// form, and the visit is confirmed at once (the patient is on the phone). Answers how the
/// booked place reads.
#[server(endpoint = "staff/book_by_phone", input = Json)]
pub async fn book_by_phone(booking: PhoneBooking) -> Result<String, AppError> {
    let lang = booking.lang;
    respond(lang, ssr::book_by_phone(booking)).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::BTreeMap;

    use chrono::{Days, NaiveDate, Utc};

    use super::*;
    use crate::api::staff::auth::StaffContext;
    use crate::booking::format::{date_label, time_label};
    use crate::booking::model::{BookingMode, Clinic};

    /// A visit is marked arrived on its day, and completed or missed once it has begun: a click
    /// on next week's visit must not end it early (its reminder and the patient's cancel would
    /// be lost).
    pub async fn visit_has_come(ctx: &StaffContext, id: AppointmentId, action: VisitAction) -> Result<(), Problem> {
        let a = crate::state::store()?.appointment(ctx.clinic.id, id).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
        let now = Utc::now();
        let too_early = match action {
            VisitAction::Arrived => a.service_date != now.with_timezone(&ctx.clinic.time_zone).date_naive(),
            VisitAction::Completed | VisitAction::NoShow => a.starts_at > now,
            VisitAction::CancelByClinic => false,
        };
        if too_early {
            return Err(Problem::VisitNotYet);
        }
        Ok(())
    }

    /// A clinic-local date as typed; empty: today.
    fn date_or_today(date: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
        if date.trim().is_empty() {
            return Ok(today);
        }
        crate::api::ssr::parse_date("date", date)
    }

    pub async fn free_places(clinic: &Clinic, menu_id: MenuId, date: &str, lang: Lang) -> Result<Vec<PlaceView>, Problem> {
        let store = crate::state::store()?;
        let now = Utc::now();
        let day = date_or_today(date, now.with_timezone(&clinic.time_zone).date_naive())?;
        let menus = store.menus(clinic.id).await?;
        let menu = menus.iter().find(|m| m.id == menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
        let resources = store.resources(clinic.id).await?;
        let offers = crate::store::availability(store.as_ref(), clinic, menu, day, day, now).await?;
        Ok(offers.iter().map(|o| crate::api::ssr::place_view(o, menu, &resources, clinic.time_zone, lang)).collect())
    }

    pub async fn book_by_phone(booking: PhoneBooking) -> Result<String, Problem> {
        use crate::booking::BookingSource;
        use crate::store::{Actor, NewBooking, NewPatient};
        let lang = booking.lang;
        let ctx = crate::api::staff::auth::staff(Some(&booking.csrf)).await?;
        let store = crate::state::store()?;
        let now = Utc::now();
        let today = now.with_timezone(&ctx.clinic.time_zone).date_naive();
        let details = crate::patients::validate::details(&booking.details, today)?;
        let menus = store.menus(ctx.clinic.id).await?;
        let menu = menus.iter().find(|m| m.id == booking.menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
        let starts_at = crate::api::ssr::timestamp("starts_at", booking.starts_at)?;
        // Checked before the patient is recorded, so a place taken meanwhile leaves nothing behind
        // (the booking itself re-checks inside its transaction).
        let day = starts_at.with_timezone(&ctx.clinic.time_zone).date_naive();
        let free = crate::store::availability(store.as_ref(), &ctx.clinic, menu, day, day, now).await?;
        if !free.iter().any(|o| o.resource_id == booking.resource_id && o.starts_at == starts_at) {
            return Err(Problem::PlaceTaken);
        }
        // A phone patient has no LINE account here; reception keeps their details with the visit.
        let patient_id = store.create_patient(NewPatient { clinic_id: ctx.clinic.id, line_user_id: None, details }).await?;
        let booked = store
            .book(NewBooking {
                clinic_id: ctx.clinic.id,
                menu_id: menu.id,
                resource_id: booking.resource_id,
                starts_at,
                patient_id,
                actor: Actor::Staff(ctx.staff.id),
                now,
                answers: Vec::new(),
                replaces: None,
                source: BookingSource::Reception,
            })
            .await?;
        Ok(crate::booking::format::place_label(menu.mode, booked.starts_at, booked.ends_at, ctx.clinic.time_zone, lang))
    }

    pub async fn calendar(clinic: &Clinic, date: &str, days: u64, lang: Lang) -> Result<CalendarView, Problem> {
        let store = crate::state::store()?;
        let tz = clinic.time_zone;
        let today = Utc::now().with_timezone(&tz).date_naive();
        let first = date_or_today(date, today)?;
        let last = first + Days::new(days - 1);
        let appointments = store.appointments_on(clinic.id, first, last).await?;
        let menus = store.menus(clinic.id).await?;
        let resources = store.resources(clinic.id).await?;
        let notifications = store.visit_notifications(clinic.id, first, last).await?;
        let mut patients = BTreeMap::new();
        for a in &appointments {
            if let std::collections::btree_map::Entry::Vacant(slot) = patients.entry(a.patient_id) {
                slot.insert(store.patient(clinic.id, a.patient_id).await?);
            }
        }
        let mut day_views = Vec::new();
        for offset in 0..days {
            let day = first + Days::new(offset);
            let mut columns = Vec::new();
            for resource in &resources {
                let on_day: Vec<_> = appointments.iter().filter(|a| a.service_date == day && a.resource_id == resource.id).collect();
                let mut usage: BTreeMap<(chrono::DateTime<Utc>, crate::booking::ids::MenuId), u32> = BTreeMap::new();
                let mut entries = Vec::new();
                for a in &on_day {
                    let menu = menus.iter().find(|m| m.id == a.menu_id);
                    if a.status.holds_capacity() && !(a.status == AppointmentStatus::Requested && a.hold_expires_at.is_some_and(|t| t <= Utc::now())) {
                        *usage.entry((a.starts_at, a.menu_id)).or_default() += 1;
                    }
                    let patient = patients.get(&a.patient_id).cloned().flatten();
                    let time = match (menu.map(|m| m.mode), a.queue_number) {
                        (Some(BookingMode::DayQueue { .. }), Some(n)) => lang.pick(&format!("{n}番"), &format!("No. {n}")).to_string(),
                        (Some(BookingMode::TimeBand { .. }), _) => format!("{}〜{}", time_label(a.starts_at, tz), time_label(a.ends_at, tz)),
                        _ => time_label(a.starts_at, tz),
                    };
                    entries.push(CalendarEntry {
                        id: a.id,
                        reference: a.reference.clone(),
                        time,
                        menu_name: menu.map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default(),
                        patient_name: patient.as_ref().map(|p| p.details.name.clone()).unwrap_or_default(),
                        phone: patient.as_ref().map(|p| p.details.phone.clone()).unwrap_or_default(),
                        status: a.status,
                        status_label: a.status.label(lang).to_string(),
                        queue_number: a.queue_number,
                        arrived: a.arrived_at.is_some(),
                        note: a.note.clone(),
                        can_arrive: a.status == AppointmentStatus::Confirmed && a.arrived_at.is_none() && a.service_date == today,
                        can_finish: a.status == AppointmentStatus::Confirmed && a.starts_at <= Utc::now(),
                        can_cancel: a.status == AppointmentStatus::Confirmed,
                        notifications: notifications
                            .iter()
                            .filter(|n| n.appointment_id == Some(a.id))
                            .map(|n| crate::api::staff::inbox::ssr::notification_view(n, clinic, lang))
                            .collect(),
                    });
                }
                let usage = usage
                    .into_iter()
                    .filter_map(|((starts_at, menu_id), used)| {
                        let menu = menus.iter().find(|m| m.id == menu_id)?;
                        let at = match menu.mode {
                            BookingMode::DayQueue { .. } => lang.pick("順番", "queue").to_string(),
                            _ => time_label(starts_at, tz),
                        };
                        Some(PlaceUse { label: format!("{at} {}", lang.pick(&menu.name_ja, &menu.name_en)), used, capacity: menu.mode.capacity() })
                    })
                    .collect();
                columns.push(ResourceDay { resource_id: resource.id, name: lang.pick(&resource.name_ja, &resource.name_en).to_string(), entries, usage });
            }
            day_views.push(CalendarDayView { date: day.format("%Y-%m-%d").to_string(), label: date_label(day, lang), resources: columns });
        }
        let title = if days == 1 { date_label(first, lang) } else { format!("{} – {}", date_label(first, lang), date_label(last, lang)) };
        Ok(CalendarView {
            date: first.format("%Y-%m-%d").to_string(),
            title,
            prev: (first - Days::new(days)).format("%Y-%m-%d").to_string(),
            next: (first + Days::new(days)).format("%Y-%m-%d").to_string(),
            today: today.format("%Y-%m-%d").to_string(),
            days: day_views,
            menus: menus.iter().map(|m| (m.id, lang.pick(&m.name_ja, &m.name_en).to_string())).collect(),
        })
    }
}

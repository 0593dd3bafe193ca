//! The day's work: the calendar of one day or one week per practitioner/room, in the clinic's
//! time zone, with the capacity used per place and the queue of queue-mode menus; reception's
//! actions on a visit (arrived, completed, no-show, cancel with a message); and booking a phone
//! call (confirmed at once).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::inbox::NotificationView;
#[cfg(feature = "ssr")]
use crate::api::once::fresh;
use crate::api::once::IdempotencyKey;
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

pub use crate::booking::status::VisitAction;

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
        let store = crate::state::store()?;
        let mut db = store.read().await?;
        let (view, seen) = ssr::calendar(db.as_mut(), &ctx.clinic, &date, if days >= 7 { 7 } else { 1 }, lang).await?;
        drop(db);
        super::access::ssr::log(store.as_ref(), &ctx, crate::store::AccessKind::DayViewed, seen).await?;
        Ok(view)
    })
    .await
}

#[server(endpoint = "staff/free_places")]
pub async fn free_places(menu_id: MenuId, date: String, lang: Lang) -> Result<Vec<PlaceView>, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        ssr::free_places(crate::state::store()?.read().await?.as_mut(), &ctx.clinic, menu_id, &date, lang).await
    })
    .await
}

#[server(endpoint = "staff/visit")]
pub async fn update_visit(
    id: AppointmentId,
    action: VisitAction,
    message: String,
    key: IdempotencyKey,
    #[server(default)] csrf: String,
    lang: Lang,
) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let message = match action {
            VisitAction::CancelByClinic => Some(super::inbox::ssr::note("message", &message)?),
            VisitAction::Arrived | VisitAction::Completed | VisitAction::NoShow => None,
        };
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/visit", &(id, action, &message)).await?);
        crate::actions::reception::visit(once.tx(), super::inbox::ssr::desk(&ctx), id, action, message.as_deref()).await?;
        once.finish(&()).await
    })
    .await
}

/// Reception books a phone call: the patient's details are checked like the patient's own
/// form, and the visit is confirmed at once (the patient is on the phone). Answers how the
/// booked place reads.
#[server(endpoint = "staff/book_by_phone", input = Json)]
/// `key`: made by the page for this booking; every try of it sends the same one.
pub async fn book_by_phone(booking: PhoneBooking, key: IdempotencyKey) -> Result<String, AppError> {
    let lang = booking.lang;
    respond(lang, ssr::book_by_phone(booking, key)).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::BTreeMap;

    use chrono::{Days, NaiveDate, Utc};

    use super::*;
    use crate::booking::format::{date_label, time_label};
    use crate::booking::ids::PatientId;
    use crate::booking::model::{BookingMode, Clinic};
    use crate::store::Reads;

    /// A clinic-local date as typed; empty: today.
    fn date_or_today(date: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
        if date.trim().is_empty() {
            return Ok(today);
        }
        crate::api::ssr::parse_date("date", date)
    }

    /// The free places of one of the clinic's menus on a day (a hidden menu's too: reception
    /// proposes times for requests made before it was hidden).
    pub async fn free_places(db: &mut dyn Reads, clinic: &Clinic, menu_id: MenuId, date: &str, lang: Lang) -> Result<Vec<PlaceView>, Problem> {
        let now = Utc::now();
        let day = date_or_today(date, now.with_timezone(&clinic.time_zone).date_naive())?;
        let menu = db.menus(clinic.id).await?.into_iter().find(|m| m.id == menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
        let resources = db.resources(clinic.id).await?;
        let offers = crate::actions::booking::availability(db, clinic, &menu, day, day, now).await?;
        Ok(offers.iter().map(|o| crate::api::ssr::place_view(o, &menu, &resources, clinic.time_zone, lang)).collect())
    }

    pub async fn book_by_phone(booking: PhoneBooking, key: IdempotencyKey) -> Result<String, Problem> {
        let lang = booking.lang;
        let ctx = crate::api::staff::auth::staff(Some(&booking.csrf)).await?;
        let now = Utc::now();
        let today = now.with_timezone(&ctx.clinic.time_zone).date_naive();
        let details = crate::patients::validate::details(&booking.details, today)?;
        let starts_at = crate::api::ssr::timestamp("starts_at", booking.starts_at)?;
        let request = (booking.menu_id, booking.resource_id, booking.starts_at, &booking.details, lang);
        let mut once = crate::api::once::fresh!(crate::api::staff::ssr::begin(&ctx, &key, "staff/book_by_phone", &request).await?);
        let desk = crate::api::staff::inbox::ssr::desk(&ctx);
        let booked = crate::actions::reception::book_by_phone(once.tx(), desk, booking.menu_id, booking.resource_id, starts_at, details, lang).await?;
        let menus = once.tx().menus(ctx.clinic.id).await?;
        let mode = menus.iter().find(|m| m.id == booked.menu_id).map(|m| m.mode).ok_or_else(|| Problem::internal("a booked menu vanished"))?;
        let label = crate::booking::format::place_label(mode, booked.starts_at, booked.ends_at, ctx.clinic.time_zone, lang);
        once.finish(&label).await?;
        Ok(label)
    }

    /// The calendar of `days` days from `date`, and whom it shows (each patient with the day),
    /// for the access log.
    pub async fn calendar(
        db: &mut dyn Reads,
        clinic: &Clinic,
        date: &str,
        days: u64,
        lang: Lang,
    ) -> Result<(CalendarView, Vec<(Option<PatientId>, String)>), Problem> {
        let tz = clinic.time_zone;
        let now = Utc::now();
        let today = now.with_timezone(&tz).date_naive();
        let first = date_or_today(date, today)?;
        let last = first + Days::new(days - 1);
        let appointments = db.appointments_on(clinic.id, first, last).await?;
        let menus = db.menus(clinic.id).await?;
        let resources = db.resources(clinic.id).await?;
        let ids: Vec<_> = appointments.iter().map(|a| a.id).collect();
        let notifications = db.notifications(clinic.id, &ids).await?;
        let patient_ids: Vec<_> = appointments.iter().map(|a| a.patient_id).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let patients: BTreeMap<_, _> = db.patients(clinic.id, &patient_ids).await?.into_iter().map(|p| (p.id, p)).collect();
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
                    if a.status.holds_capacity() && !a.lapsed(now) {
                        *usage.entry((a.starts_at, a.menu_id)).or_default() += 1;
                    }
                    let patient = patients.get(&a.patient_id);
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
                        // A new website patient has no details until their e-mail code proves the address.
                        patient_name: match patient.as_ref().map(|p| p.details.name.clone()).unwrap_or_default() {
                            name if name.is_empty() => lang.pick("(お名前はメール確認後)", "(name after the e-mail code)").to_string(),
                            name => name,
                        },
                        phone: patient.as_ref().map(|p| p.details.phone.clone()).unwrap_or_default(),
                        status: a.status,
                        status_label: a.status.label(lang).to_string(),
                        queue_number: a.queue_number,
                        arrived: a.arrived_at.is_some(),
                        note: a.note.clone(),
                        can_arrive: a.status == AppointmentStatus::Confirmed && a.arrived_at.is_none() && a.service_date == today,
                        can_finish: a.status == AppointmentStatus::Confirmed && a.starts_at <= now,
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
        let seen = appointments.iter().map(|a| (Some(a.patient_id), a.service_date.format("%Y-%m-%d").to_string())).collect();
        let view = CalendarView {
            date: first.format("%Y-%m-%d").to_string(),
            title,
            prev: (first - Days::new(days)).format("%Y-%m-%d").to_string(),
            next: (first + Days::new(days)).format("%Y-%m-%d").to_string(),
            today: today.format("%Y-%m-%d").to_string(),
            days: day_views,
            // Phone bookings are for menus patients can book.
            menus: menus.iter().filter(|m| m.active).map(|m| (m.id, lang.pick(&m.name_ja, &m.name_en).to_string())).collect(),
        };
        Ok((view, seen))
    }
}

//! Reception's view of today's day queues (who is being called, who waits, who waits aside,
//! who has arrived) and its buttons: 「次の方」, skip, recall, absent.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::api::once::fresh;
use crate::api::once::IdempotencyKey;
use crate::booking::ids::{AppointmentId, MenuId, ResourceId};
pub use crate::booking::queue_action::QueueAction;
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

/// One numbered place, as reception sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuePlace {
    pub id: AppointmentId,
    pub number: u32,
    pub patient_name: String,
    pub arrived: bool,
}

/// One queue of today.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueDesk {
    pub resource_id: ResourceId,
    pub menu_id: MenuId,
    /// `一般外来 山田医師`.
    pub name: String,
    pub calling: Option<QueuePlace>,
    pub waiting: Vec<QueuePlace>,
    pub skipped: Vec<QueuePlace>,
    /// Turns over today (seen or absent).
    pub done: u32,
    /// `約6分ごと(本日の実績)` or `約10分ごと(メニューの所要時間)`.
    pub pace: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueDay {
    /// `12月4日(金)`.
    pub date: String,
    pub queues: Vec<QueueDesk>,
    /// The waiting room's display: `/d/{clinic}`.
    pub display_url: String,
}

#[server(endpoint = "staff/queue")]
pub async fn load_queue(lang: Lang) -> Result<QueueDay, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let store = crate::state::store()?;
        let mut db = store.read().await?;
        let (day, seen) = ssr::queue_day(db.as_mut(), &ctx.clinic, lang).await?;
        drop(db);
        super::access::ssr::log(store.as_ref(), &ctx, crate::store::AccessKind::DayViewed, seen).await?;
        Ok(day)
    })
    .await
}

/// Presses a button of one queue.
#[server(endpoint = "staff/queue/press")]
pub async fn press_queue(
    resource_id: ResourceId,
    menu_id: MenuId,
    action: QueueAction,
    /// The place the page showed being called (none: nobody): a page that is behind is refused.
    calling: Option<AppointmentId>,
    key: IdempotencyKey,
    #[server(default)] csrf: String,
    lang: Lang,
) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let queue = crate::actions::queue::QueueKey { resource: resource_id, menu: menu_id };
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/queue/press", &(queue, action, calling)).await?);
        crate::actions::queue::press(once.tx(), super::inbox::ssr::desk(&ctx), queue, action, calling).await?;
        once.finish(&()).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{QueueDay, QueueDesk, QueuePlace};
    use crate::actions::queue::{board_with_places, line_in, today, QueueKey};
    use crate::booking::ids::PatientId;
    use crate::booking::model::Clinic;
    use crate::booking::queue::Standing;
    use crate::error::Problem;
    use crate::i18n::Lang;
    use crate::store::Reads;

    /// Today's queues with the patients' names, and who was seen (for the access log).
    pub async fn queue_day(db: &mut dyn Reads, clinic: &Clinic, lang: Lang) -> Result<(QueueDay, Vec<(Option<PatientId>, String)>), Problem> {
        let now = chrono::Utc::now();
        let day = today(clinic, now);
        let (board, appointments) = board_with_places(db, clinic, now).await?;
        let ids: Vec<PatientId> = appointments.iter().map(|a| a.patient_id).collect();
        let patients = db.patients(clinic.id, &ids).await?;
        let place = |v: &crate::booking::queue::QueueVisit| {
            let patient = appointments.iter().find(|a| a.id == v.id).and_then(|a| patients.iter().find(|p| p.id == a.patient_id));
            QueuePlace { id: v.id, number: v.number, patient_name: patient.map(|p| p.details.name.clone()).unwrap_or_default(), arrived: v.arrived }
        };
        let seen = appointments.iter().map(|a| (Some(a.patient_id), day.format("%Y-%m-%d").to_string())).collect();
        let mut queues = Vec::new();
        for q in &board.queues {
            let line = line_in(QueueKey { resource: q.resource_id, menu: q.menu_id }, &appointments);
            let done = line.visits().iter().filter(|v| v.called_at.is_some() && line.standing(v) == Standing::Out).count() as u32;
            let pace = match (lang, q.measured) {
                (Lang::Ja, true) => format!("約{}分ごと(本日の実績)", q.pace_minutes),
                (Lang::Ja, false) => format!("約{}分ごと(メニューの所要時間)", q.pace_minutes),
                (Lang::En, true) => format!("about every {} min (today's pace)", q.pace_minutes),
                (Lang::En, false) => format!("about every {} min (the menu's duration)", q.pace_minutes),
            };
            queues.push(QueueDesk {
                resource_id: q.resource_id,
                menu_id: q.menu_id,
                name: q.name(lang),
                calling: line.calling().map(place),
                waiting: line.waiting().map(place).collect(),
                skipped: line.skipped().map(place).collect(),
                done,
                pace,
            });
        }
        let date = crate::booking::format::date_label(day, lang);
        Ok((QueueDay { date, queues, display_url: format!("/d/{}", clinic.slug) }, seen))
    }
}

//! The live day queue: reception's buttons (「次の方」, skip, recall, absent), the patient's
//! check-in on arrival, the one near-turn notice per visit, and the board the waiting room and
//! the patients' pages show.

use chrono::{DateTime, NaiveDate, Utc};

use super::booking::{apply, Change};
use super::notices;
use super::reception::Desk;
use crate::booking::board::{ClinicBoard, QueueBoard};
use crate::booking::ids::{AppointmentId, MenuId, PatientId, ResourceId};
use crate::booking::model::{BookingMode, Clinic, Menu, Resource};
use crate::booking::queue::{after, Line, QueueAction, QueueVisit, Step};
use crate::booking::schedule::Schedule;
use crate::booking::status::{AppointmentStatus, Transition};
use crate::error::{Missing, Problem};
use crate::notify::flex::NoticeKind;
use crate::store::{Actor, Appointment, QueueStep, Reads, Write};

/// One queue: a queue-mode menu on one practitioner or room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueKey {
    pub resource: ResourceId,
    pub menu: MenuId,
}

pub fn today(clinic: &Clinic, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&clinic.time_zone).date_naive()
}

fn visit_of(a: &Appointment) -> Option<QueueVisit> {
    Some(QueueVisit {
        id: a.id,
        resource_id: a.resource_id,
        menu_id: a.menu_id,
        number: a.queue_number?,
        status: a.status,
        called_at: a.called_at,
        skipped: a.skipped_at.is_some(),
        arrived: a.arrived_at.is_some(),
    })
}

fn line_of<'a>(places: impl IntoIterator<Item = &'a Appointment>) -> Line {
    Line::new(places.into_iter().filter_map(visit_of).collect())
}

async fn queue_menu(tx: &mut dyn Reads, clinic: &Clinic, key: QueueKey) -> Result<Menu, Problem> {
    tx.menus(clinic.id)
        .await?
        .into_iter()
        .find(|m| m.id == key.menu && matches!(m.mode, BookingMode::DayQueue { .. }) && m.resource_ids.contains(&key.resource))
        .ok_or(Problem::NotFound(Missing::Menu))
}

/// Reception presses a button of today's queue `key` on a page that showed `shown` being
/// called. The queue's places are locked first, so two receptionists pressing at once act one
/// after the other, and the second is refused: its page is behind. Returns the queue as it is.
pub async fn press(tx: &mut dyn Write, desk: Desk<'_>, key: QueueKey, action: QueueAction, shown: Option<AppointmentId>) -> Result<Line, Problem> {
    let menu = queue_menu(tx, desk.clinic, key).await?;
    let places = tx.queue_for_update(desk.clinic.id, key.resource, key.menu, today(desk.clinic, desk.now)).await?;
    let mut line = line_of(&places);
    let actor = Actor::Staff(desk.staff);
    for step in line.plan(action, shown)? {
        let (id, queue_step) = match step {
            Step::Call(id) => (id, QueueStep::Called),
            Step::Skip(id) => (id, QueueStep::Skipped),
            Step::Complete(id) => (id, QueueStep::Completed),
            Step::Absent(id) => (id, QueueStep::Absent),
        };
        let place = places.iter().find(|a| a.id == id).ok_or_else(|| Problem::internal("a planned place is not in the queue"))?;
        match step {
            Step::Complete(_) => drop(apply(tx, desk.clinic, place, Change::new(Transition::Complete, actor, desk.now)).await?),
            Step::Absent(_) => drop(apply(tx, desk.clinic, place, Change::new(Transition::MarkNoShow, actor, desk.now)).await?),
            Step::Call(_) | Step::Skip(_) => {}
        }
        tx.queue_step(desk.clinic.id, id, queue_step, actor, desk.now).await?;
        line = after(&line, step, desk.now);
    }
    tell_near_turn(tx, desk.clinic, &menu, &line, &places, desk.now).await?;
    Ok(line)
}

/// Tells each patient whose turn is near, once per visit: the outbox keeps one near-turn notice
/// per appointment (a second is not queued), so a queue that jumps several places, or two
/// presses at once, still tell each patient exactly once.
async fn tell_near_turn(tx: &mut dyn Write, clinic: &Clinic, menu: &Menu, line: &Line, places: &[Appointment], now: DateTime<Utc>) -> Result<(), Problem> {
    for (id, ahead) in line.near_turn(menu.near_turn) {
        if let Some(place) = places.iter().find(|a| a.id == id) {
            notices::queue(tx, clinic, place, NoticeKind::NearTurn { ahead }, now).await?;
        }
    }
    Ok(())
}

/// One place left today's queue other than by its turn (the patient cancelled or withdrew, or
/// reception cancelled or declined it): once the queue runs, those behind it moved up, and
/// whoever is now near their turn is told (once, as ever). Before the first call nobody is told:
/// the morning's cancellations are no reason to come in. Not called when the clinic closes the
/// day: those behind are cancelled too, and must not first be told to come.
pub async fn place_left(tx: &mut dyn Write, clinic: &Clinic, place: &Appointment, now: DateTime<Utc>) -> Result<(), Problem> {
    if place.queue_number.is_none() || place.service_date != today(clinic, now) {
        return Ok(());
    }
    let key = QueueKey { resource: place.resource_id, menu: place.menu_id };
    let menu = match queue_menu(tx, clinic, key).await {
        Ok(menu) => menu,
        Err(Problem::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    // Read, not locked: this transaction already holds the cancelled place, and locking the
    // others after it would invert a press's order (all of them, by id). A press meanwhile tells
    // whoever it brings near; the outbox still tells each patient once.
    let (line, places) = places(tx, clinic, key, now).await?;
    if line.visits().iter().all(|v| v.called_at.is_none()) {
        return Ok(());
    }
    tell_near_turn(tx, clinic, &menu, &line, &places, now).await
}

/// The patient checks in on arrival, from their phone: a confirmed visit of today. Reception
/// sees them as arrived; the first check-in counts.
pub async fn check_in(tx: &mut dyn Write, clinic: &Clinic, patient: PatientId, id: AppointmentId, now: DateTime<Utc>) -> Result<Appointment, Problem> {
    let visit = tx.appointment_for_update(clinic.id, id).await?.filter(|a| a.patient_id == patient).ok_or(Problem::NotFound(Missing::Appointment))?;
    if visit.status != AppointmentStatus::Confirmed {
        return Err(Problem::StatusChanged { current: visit.status });
    }
    if visit.service_date != today(clinic, now) {
        return Err(Problem::NotToday);
    }
    if visit.arrived_at.is_none() {
        tx.queue_step(clinic.id, id, QueueStep::Arrived, Actor::Patient(patient), now).await?;
    }
    Ok(Appointment { arrived_at: visit.arrived_at.or(Some(now)), ..visit })
}

/// Today's queues of the clinic, numbers only: every active queue menu on each of its
/// practitioners and rooms that works today, and any other queue that has places today.
pub async fn board(db: &mut dyn Reads, clinic: &Clinic, now: DateTime<Utc>) -> Result<ClinicBoard, Problem> {
    Ok(board_with_places(db, clinic, now).await?.0)
}

/// [`board`], and today's queue places it was made of (for reception, who sees the names).
pub async fn board_with_places(db: &mut dyn Reads, clinic: &Clinic, now: DateTime<Utc>) -> Result<(ClinicBoard, Vec<Appointment>), Problem> {
    let day = today(clinic, now);
    let menus = db.menus(clinic.id).await?;
    let resources = db.resources(clinic.id).await?;
    let hours = db.opening_hours(clinic.id).await?;
    let exceptions = db.exceptions(clinic.id, day, day).await?;
    let schedule = Schedule { clinic, hours: &hours, exceptions: &exceptions };
    let places: Vec<Appointment> = db.appointments_on(clinic.id, day, day).await?.into_iter().filter(|a| a.queue_number.is_some()).collect();
    let mut keys: Vec<QueueKey> = menus
        .iter()
        .filter(|m| m.active && matches!(m.mode, BookingMode::DayQueue { .. }))
        .flat_map(|m| m.resource_ids.iter().map(|r| QueueKey { resource: *r, menu: m.id }))
        .filter(|key| !schedule.open_intervals(key.resource, day).is_empty())
        .collect();
    for a in &places {
        let key = QueueKey { resource: a.resource_id, menu: a.menu_id };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let queues = keys.into_iter().filter_map(|key| queue_board(key, &menus, &resources, &places)).collect();
    Ok((ClinicBoard { clinic_name_ja: clinic.name_ja.clone(), clinic_name_en: clinic.name_en.clone(), queues }, places))
}

fn queue_board(key: QueueKey, menus: &[Menu], resources: &[Resource], places: &[Appointment]) -> Option<QueueBoard> {
    let menu = menus.iter().find(|m| m.id == key.menu)?;
    let resource = resources.iter().find(|r| r.id == key.resource)?;
    let line = line_in(key, places);
    Some(QueueBoard {
        resource_name_ja: resource.name_ja.clone(),
        resource_name_en: resource.name_en.clone(),
        menu_name_ja: menu.name_ja.clone(),
        menu_name_en: menu.name_en.clone(),
        ..line.board(key.resource, key.menu, menu.duration())
    })
}

/// The queue `key` among a day's places.
pub fn line_in(key: QueueKey, places: &[Appointment]) -> Line {
    line_of(places.iter().filter(|a| a.resource_id == key.resource && a.menu_id == key.menu))
}

/// Today's places of one queue.
pub async fn places(db: &mut dyn Reads, clinic: &Clinic, key: QueueKey, now: DateTime<Utc>) -> Result<(Line, Vec<Appointment>), Problem> {
    let day = today(clinic, now);
    let places: Vec<Appointment> = db
        .appointments_on(clinic.id, day, day)
        .await?
        .into_iter()
        .filter(|a| a.queue_number.is_some() && a.resource_id == key.resource && a.menu_id == key.menu)
        .collect();
    Ok((line_of(&places), places))
}

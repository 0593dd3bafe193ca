//! Booking and the patient's own actions on an appointment: book (or reschedule), withdraw a
//! request, answer the clinic's proposal, cancel a visit. The status changes every action here
//! and in `reception` makes go through [`apply`].

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::notices;
use crate::booking::availability::{AvailabilityQuery, Offer};
use crate::booking::ids::{AppointmentId, ClinicId, MenuId, PatientId, QuestionId, ResourceId};
use crate::booking::model::{BookingMode, Clinic, Menu};
use crate::booking::schedule::Schedule;
use crate::booking::status::{AppointmentStatus, Transition};
use crate::booking::{one_a_day, patient_may_cancel, plan_booking_as, within_booking_limit, BookingSource, HeldPlace};
use crate::error::{Missing, Problem};
use crate::notify::{notice_for, Event};
use crate::store::{Actor, Appointment, NewAppointment, Reads, Write};

/// A request for a place. Only its key (resource and start) comes from outside; everything
/// else is decided again inside the transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Booking {
    pub clinic: ClinicId,
    pub menu: MenuId,
    pub resource: ResourceId,
    pub starts_at: DateTime<Utc>,
    pub patient: PatientId,
    pub actor: Actor,
    /// The patient, reception (confirmed at once) or the clinic's proposal.
    pub source: BookingSource,
    /// Answers to the menu's questions (already checked against them).
    pub answers: Vec<(QuestionId, String)>,
    /// A reschedule: the patient's confirmed visit this one replaces once it is confirmed.
    pub replaces: Option<AppointmentId>,
    pub now: DateTime<Utc>,
}

/// A UTC window that surely covers every appointment that can block a place on the local dates
/// `from..=to`, buffers and any time zone included.
pub fn held_window(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = from - Days::new(2);
    let end = to + Days::new(3);
    (start.and_time(chrono::NaiveTime::MIN).and_utc(), end.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The free places of `menu` between two clinic-local dates (both included).
pub async fn availability(db: &mut dyn Reads, clinic: &Clinic, menu: &Menu, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>) -> Result<Vec<Offer>, Problem> {
    let hours = db.opening_hours(clinic.id).await?;
    let exceptions = db.exceptions(clinic.id, from, to).await?;
    let (window_from, window_to) = held_window(from, to);
    let booked = db.holding(clinic.id, &menu.resource_ids, window_from, window_to).await?;
    let schedule = Schedule { clinic, hours: &hours, exceptions: &exceptions };
    Ok(AvailabilityQuery { schedule, menu, from, to, now, booked: &booked }.offers())
}

/// Books a place. The patient and then the resource are locked first (PostgreSQL; SQLite's
/// transaction already holds the one write lock), so the facts read here stay true until the
/// commit: over-booking cannot happen, whatever runs at the same moment. (Every path locks in
/// this order — an appointment being changed, its patient, the resource — so two bookings never
/// wait for each other.)
pub async fn book(tx: &mut dyn Write, b: &Booking) -> Result<Appointment, Problem> {
    // One place of a menu a day per patient: their row locked, two of their bookings on
    // different practitioners cannot both pass the check below.
    if !tx.lock_patient(b.clinic, b.patient).await? {
        return Err(Problem::NotFound(Missing::Patient));
    }
    if !tx.lock_resource(b.clinic, b.resource).await? {
        return Err(Problem::PlaceTaken);
    }
    let clinic = tx.clinic(b.clinic).await?.ok_or(Problem::NotFound(Missing::Clinic))?;
    let menu = tx.menus(b.clinic).await?.into_iter().find(|m| m.id == b.menu).ok_or(Problem::NotFound(Missing::Menu))?;
    // A hidden menu takes no new bookings; the clinic may still propose another time for a
    // request made before it was hidden.
    if !menu.active && b.source != BookingSource::Proposal {
        return Err(Problem::NotFound(Missing::Menu));
    }
    let date = b.starts_at.with_timezone(&clinic.time_zone).date_naive();
    let hours = tx.opening_hours(clinic.id).await?;
    let exceptions = tx.exceptions(clinic.id, date, date).await?;
    let (from, to) = held_window(date, date);
    let booked = tx.holding(clinic.id, &[b.resource], from, to).await?;
    let schedule = Schedule { clinic: &clinic, hours: &hours, exceptions: &exceptions };
    let plan = plan_booking_as(schedule, &menu, &booked, b.resource, b.starts_at, b.now, b.source)?;
    let theirs = tx.appointments_of(b.clinic, &[b.patient]).await?;
    let places: Vec<HeldPlace> = theirs
        .iter()
        .map(|a| {
            let to_come = matches!(a.status, AppointmentStatus::Verifying | AppointmentStatus::Requested | AppointmentStatus::Confirmed) && !a.lapsed(b.now);
            HeldPlace { id: a.id, menu_id: a.menu_id, date: a.service_date, holds: to_come }
        })
        .collect();
    one_a_day(&menu, plan.offer.date, &places, b.replaces)?;
    // The clinic's limit protects its calendar from a patient (or a script) taking every
    // place; reception and the clinic's proposals are the clinic's own decision.
    if matches!(b.source, BookingSource::Patient | BookingSource::Website) {
        let to_come: Vec<HeldPlace> = theirs
            .iter()
            .map(|a| {
                let upcoming = match a.status {
                    AppointmentStatus::Requested | AppointmentStatus::Verifying => !a.lapsed(b.now),
                    AppointmentStatus::Confirmed => a.ends_at > b.now,
                    _ => false,
                };
                HeldPlace { id: a.id, menu_id: a.menu_id, date: a.service_date, holds: upcoming }
            })
            .collect();
        within_booking_limit(clinic.booking_limit, &to_come, b.replaces)?;
    }
    if let Some(replaced) = b.replaces {
        let old = theirs.iter().find(|a| a.id == replaced).ok_or(Problem::NotFound(Missing::Appointment))?;
        if old.status != AppointmentStatus::Confirmed {
            return Err(Problem::StatusChanged { current: old.status });
        }
        // A patient moving their visit lets go of it: only inside its menu's cut-off, as a
        // cancellation would (the clinic's own proposals are the clinic's decision).
        if matches!(b.source, BookingSource::Patient | BookingSource::Website) {
            let old_menu = tx.menus(b.clinic).await?.into_iter().find(|m| m.id == old.menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
            patient_may_cancel(&old_menu, old.status, old.starts_at, b.now).map_err(|refusal| Problem::cancel_refused(refusal, clinic.time_zone))?;
        }
        // One move at a time: a visit another pending request already replaces is not moved again.
        let moving = theirs.iter().any(|a| a.replaces_id == Some(replaced) && a.status == AppointmentStatus::Requested && !a.lapsed(b.now));
        if moving {
            return Err(Problem::AlreadyMoving);
        }
    }
    let queue_number = match menu.mode {
        BookingMode::DayQueue { .. } => Some(tx.next_queue_number(b.resource, menu.id, plan.offer.date).await?),
        BookingMode::TimeSlot { .. } | BookingMode::TimeBand { .. } => None,
    };
    let o = &plan.offer;
    let new = NewAppointment {
        clinic_id: b.clinic,
        menu_id: menu.id,
        resource_id: o.resource_id,
        patient_id: b.patient,
        starts_at: o.starts_at,
        ends_at: o.ends_at,
        held_from: o.held_from,
        held_until: o.held_until,
        service_date: o.date,
        status: plan.status,
        queue_number,
        hold_expires_at: plan.hold_expires_at,
        reference: uuid::Uuid::new_v4().simple().to_string(),
        replaces_id: b.replaces,
        proposal: b.source == BookingSource::Proposal,
        created_at: b.now,
    };
    let id = tx.insert_appointment(&new, b.actor).await?;
    tx.insert_answers(id, menu.id, &b.answers).await?;
    if let (Some(replaced), AppointmentStatus::Confirmed) = (b.replaces, plan.status) {
        release_replaced(tx, b.clinic, replaced, b.patient, b.now).await?;
    }
    let booked = tx.appointment(b.clinic, id).await?.ok_or_else(|| Problem::internal("the new appointment vanished"))?;
    if let Actor::Staff(staff) = b.actor {
        staff_changed(tx, b.clinic, staff, &booked, &format!("booked {}", booked.status), b.now).await?;
    }
    if let Some(kind) = notice_for(Event::Booked { status: booked.status, proposal: booked.proposal }) {
        notices::queue(tx, &clinic, &booked, kind, b.now).await?;
    }
    Ok(booked)
}

/// Whether the patient who makes a change is told of it: staff changes and the worker's are
/// told by [`notice_for`]; [`Tell::Nobody`] is the clinic's quiet decline when it proposes
/// another time (the proposal itself tells the patient).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tell {
    AsTheRulesSay,
    Nobody,
}

/// One status change: what happens, who does it and when, the clinic's words to the patient
/// (kept when `None`), and whether the patient is told.
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    pub transition: Transition,
    pub actor: Actor,
    pub now: DateTime<Utc>,
    pub note: Option<&'a str>,
    pub tell: Tell,
}

impl<'a> Change<'a> {
    pub fn new(transition: Transition, actor: Actor, now: DateTime<Utc>) -> Self {
        Change { transition, actor, now, note: None, tell: Tell::AsTheRulesSay }
    }

    pub fn noting(self, note: Option<&'a str>) -> Self {
        Change { note, ..self }
    }

    pub fn quietly(self) -> Self {
        Change { tell: Tell::Nobody, ..self }
    }
}

/// Moves `current` (read for update in this transaction) through its life cycle: the one place
/// every status change goes through. A confirmation of a lapsed request is refused; a confirmed
/// reschedule releases the visit it replaces; the patient's notice is queued in the same
/// transaction.
pub async fn apply(tx: &mut dyn Write, clinic: &Clinic, current: &Appointment, change: Change<'_>) -> Result<Appointment, Problem> {
    let Change { transition, actor, now, note, tell } = change;
    let next = current.status.apply(transition)?;
    if transition == Transition::Confirm && current.lapsed(now) {
        return Err(Problem::HoldExpired);
    }
    tx.set_status(current, next, note, actor, now).await?;
    if let (Some(replaced), AppointmentStatus::Confirmed) = (current.replaces_id, next) {
        release_replaced(tx, clinic.id, replaced, current.patient_id, now).await?;
    }
    if let Actor::Staff(staff) = actor {
        staff_changed(tx, clinic.id, staff, current, &format!("{} → {}", current.status, next), now).await?;
    }
    let changed = Appointment { status: next, note: note.map(str::to_string).or_else(|| current.note.clone()), ..current.clone() };
    let event = Event::Changed { from: current.status, to: next, by_patient: matches!(actor, Actor::Patient(_)), note };
    if let (Tell::AsTheRulesSay, Some(kind)) = (tell, notice_for(event)) {
        notices::queue(tx, clinic, &changed, kind, now).await?;
    }
    Ok(changed)
}

/// A staff member's change of a patient's appointment, in the access log (in the change's own
/// transaction: no change without its entry).
pub async fn staff_changed(
    tx: &mut dyn Write,
    clinic: ClinicId,
    staff: crate::booking::ids::StaffId,
    a: &Appointment,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), Problem> {
    let detail = format!("{} {what}", a.reference);
    let entries = super::access::entries(staff, crate::store::AccessKind::Changed, [(Some(a.patient_id), detail)], now);
    super::access::record(tx, clinic, entries).await
}

/// The visit a confirmed reschedule replaces is cancelled, in the same transaction, without a
/// notice of its own (the new visit's confirmation says it all).
async fn release_replaced(tx: &mut dyn Write, clinic: ClinicId, replaced: AppointmentId, patient: PatientId, now: DateTime<Utc>) -> Result<(), Problem> {
    let Some(old) = tx.appointment_for_update(clinic, replaced).await? else { return Ok(()) };
    if let Ok(next) = old.status.cancel_by_patient() {
        tx.set_status(&old, next, None, Actor::Patient(patient), now).await?;
    }
    Ok(())
}

/// The clinic, and one of the patient's own appointments locked for a change; anyone else's is
/// "not found".
async fn own_appointment(tx: &mut dyn Write, clinic: ClinicId, patient: PatientId, id: AppointmentId) -> Result<(Clinic, Appointment), Problem> {
    let clinic = tx.clinic(clinic).await?.ok_or(Problem::NotFound(Missing::Clinic))?;
    let appointment = tx.appointment_for_update(clinic.id, id).await?.filter(|a| a.patient_id == patient).ok_or(Problem::NotFound(Missing::Appointment))?;
    Ok((clinic, appointment))
}

/// The patient withdraws a request the clinic has not answered yet: the place frees at once and
/// the request leaves the inbox.
pub async fn withdraw(tx: &mut dyn Write, clinic: ClinicId, patient: PatientId, id: AppointmentId, now: DateTime<Utc>) -> Result<Appointment, Problem> {
    let (clinic, current) = own_appointment(tx, clinic, patient, id).await?;
    let withdrawn = apply(tx, &clinic, &current, Change::new(Transition::Withdraw, Actor::Patient(patient), now)).await?;
    super::queue::place_left(tx, &clinic, &withdrawn, now).await?;
    Ok(withdrawn)
}

/// The patient's answer to the clinic's proposal of another time: accepting confirms it (and,
/// for a reschedule, releases the old visit); turning it down frees the place.
pub async fn answer_proposal(
    tx: &mut dyn Write,
    clinic: ClinicId,
    patient: PatientId,
    id: AppointmentId,
    accept: bool,
    now: DateTime<Utc>,
) -> Result<Appointment, Problem> {
    let (clinic, current) = own_appointment(tx, clinic, patient, id).await?;
    if !current.proposal {
        return Err(Problem::NotAProposal);
    }
    let transition = if accept { Transition::Confirm } else { Transition::Decline };
    apply(tx, &clinic, &current, Change::new(transition, Actor::Patient(patient), now)).await
}

/// The patient cancels a confirmed visit, inside its menu's cut-off (a menu hidden since still
/// has its rules). From the LIFF page and from the reminder's button alike.
pub async fn cancel(tx: &mut dyn Write, clinic: ClinicId, patient: PatientId, id: AppointmentId, now: DateTime<Utc>) -> Result<Appointment, Problem> {
    let (clinic, current) = own_appointment(tx, clinic, patient, id).await?;
    let menu = tx.menus(clinic.id).await?.into_iter().find(|m| m.id == current.menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
    patient_may_cancel(&menu, current.status, current.starts_at, now).map_err(|refusal| Problem::cancel_refused(refusal, clinic.time_zone))?;
    let cancelled = apply(tx, &clinic, &current, Change::new(Transition::CancelByPatient, Actor::Patient(patient), now)).await?;
    super::queue::place_left(tx, &clinic, &cancelled, now).await?;
    Ok(cancelled)
}

/// The patient says they will come (the reminder's button); only a confirmed visit, once.
pub async fn confirm_attendance(tx: &mut dyn Write, clinic: ClinicId, patient: PatientId, id: AppointmentId, now: DateTime<Utc>) -> Result<(), Problem> {
    let (clinic, current) = own_appointment(tx, clinic, patient, id).await?;
    if current.status != AppointmentStatus::Confirmed {
        return Err(Problem::StatusChanged { current: current.status });
    }
    Ok(tx.confirm_attendance(clinic.id, id, now).await?)
}

/// The patient taps "cancel" in a LINE message: the same cancellation as on the LIFF page. A
/// refusal (past the cut-off, already cancelled) is explained in the chat, since a tap on a
/// message has no page to show it on.
pub async fn cancel_from_message(tx: &mut dyn Write, clinic: ClinicId, patient: PatientId, id: AppointmentId, now: DateTime<Utc>) -> Result<(), Problem> {
    match cancel(tx, clinic, patient, id, now).await {
        Ok(_) => Ok(()),
        Err(refusal @ (Problem::PastCutOff { .. } | Problem::StatusChanged { .. })) => {
            let (clinic, appointment) = own_appointment(tx, clinic, patient, id).await?;
            notices::explain_refused_cancel(tx, &clinic, &appointment, &refusal, now).await
        }
        Err(e) => Err(e),
    }
}

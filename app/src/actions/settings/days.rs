//! The clinic's days as the owner changes them: weekly hours, closures and extra hours. A change
//! that would move requests or visits to come outside the hours is the owner's choice, never the
//! system's ([`OnVisits`]): refused until the owner, shown the list, cancels them with a message
//! (each patient told) or also offers each patient another time.

use chrono::{Datelike, NaiveDate, Weekday};

use super::{audit, missing, WEEKDAYS};
use crate::actions::booking::{apply, availability, Change};
use crate::actions::reception::{book_proposal, Proposal};
use crate::booking::hours::{format_intervals, time_of, Interval};
use crate::booking::ids::{ClinicId, ExceptionId, MenuId, ResourceId};
use crate::booking::model::{Clinic, ExceptionKind, ModeKind, OpeningHours};
use crate::booking::schedule::Schedule;
use crate::booking::status::{AppointmentStatus, Transition};
use crate::booking::visit::{falls_on_closure, within_hours};
use crate::error::{Problem, Reason};
use crate::settings;
use crate::store::{Appointment, Editor, Reads, SettingsArea, Write};

/// Replaces one weekday's hours of the clinic's practitioner or room (empty: closed). The
/// resource is locked first, so a change of hours and a booking of it never interleave. Hours
/// that would leave requests or visits to come outside them are the owner's choice, as a
/// closure is ([`OnVisits`]; refused as [`Problem::HoursHaveVisits`]).
pub async fn set_weekday_hours(
    tx: &mut dyn Write,
    by: Editor,
    resource: ResourceId,
    weekday: Weekday,
    intervals: &[Interval],
    on_visits: OnVisits,
) -> Result<(), Problem> {
    let field = format!("hours-{resource}-{}", weekday.num_days_from_monday());
    let intervals = settings::check_hours(&field, intervals)?;
    if !tx.lock_resource(by.clinic, resource).await? {
        return Err(missing());
    }
    let clinic = tx.clinic(by.clinic).await?.ok_or_else(missing)?;
    let hit = outside_new_hours(tx, &clinic, resource, weekday, &intervals, by.now).await?;
    if on_visits == OnVisits::Refuse && !hit.is_empty() {
        return Err(Problem::HoursHaveVisits { count: hit.len() });
    }
    let cancelled = if hit.is_empty() { Vec::new() } else { cancel_with(tx, by, &clinic, &hit, &on_visits, "hours-message").await? };
    let name = tx.resources(by.clinic).await?.into_iter().find(|r| r.id == resource).map(|r| r.name_ja.clone()).unwrap_or_default();
    tx.set_weekday_hours(resource, weekday, &intervals).await?;
    // Offered once the new hours hold, so no proposal lands outside them.
    let outcome = Outcome { cancelled: cancelled.len(), proposed: propose_instead(tx, by, &clinic, &cancelled, &on_visits).await? };
    let hours = if intervals.is_empty() { "休み closed".to_string() } else { format_intervals(&intervals) };
    let summary = format!("{name} #{resource} {}: {hours}{}", WEEKDAYS[weekday.num_days_from_monday() as usize], outcome.summary());
    audit(tx, by, SettingsArea::Hours, summary).await
}

/// The requests and visits to come of `resource` on `weekday`s that `intervals`, as that day's
/// new weekly hours, would move outside the hours (closures, extra hours and holidays counted
/// as patients see them; one already outside is not this change's), in the order of their time.
/// A visit begun already is not moved by new hours.
pub async fn outside_new_hours(
    db: &mut dyn Reads,
    clinic: &Clinic,
    resource: ResourceId,
    weekday: Weekday,
    intervals: &[Interval],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Appointment>, Problem> {
    let today = now.with_timezone(&clinic.time_zone).date_naive();
    // No menu books further ahead than its horizon.
    let last = today + chrono::Duration::days(i64::from(settings::HORIZON.max) + 1);
    let current = db.opening_hours(clinic.id).await?;
    let mut hours = current.clone();
    hours.retain(|h| !(h.resource_id == resource && h.weekday == weekday));
    hours.extend(intervals.iter().map(|i| OpeningHours { resource_id: resource, weekday, opens: time_of(i.opens), closes: time_of(i.closes) }));
    let exceptions = db.exceptions(clinic.id, today, last).await?;
    let (now_open, then_open) = (Schedule { clinic, hours: &current, exceptions: &exceptions }, Schedule { clinic, hours: &hours, exceptions: &exceptions });
    let on_weekday = |a: &Appointment| a.resource_id == resource && a.service_date.weekday() == weekday;
    moved_out(db, clinic, (today, last), now, on_weekday, now_open, then_open).await
}

/// The requests and visits to come that removing the extra hours `id` would leave outside the
/// hours, in the order of their time. Removing a closure opens hours: none.
pub async fn outside_after_removal(
    db: &mut dyn Reads,
    clinic: &Clinic,
    id: ExceptionId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Appointment>, Problem> {
    let today = now.with_timezone(&clinic.time_zone).date_naive();
    let last = today + chrono::Duration::days(i64::from(settings::HORIZON.max) + 1);
    let exceptions = db.exceptions(clinic.id, today, last).await?;
    let Some(removed) = exceptions.iter().find(|x| x.id == id) else { return Ok(Vec::new()) };
    if removed.kind == ExceptionKind::Closed {
        return Ok(Vec::new());
    }
    let (date, resource) = (removed.date, removed.resource_id);
    let remaining: Vec<_> = exceptions.iter().filter(|x| x.id != id).cloned().collect();
    let hours = db.opening_hours(clinic.id).await?;
    let (now_open, then_open) = (Schedule { clinic, hours: &hours, exceptions: &exceptions }, Schedule { clinic, hours: &hours, exceptions: &remaining });
    let on_it = |a: &Appointment| a.service_date == date && resource.is_none_or(|r| a.resource_id == r);
    moved_out(db, clinic, (date, date), now, on_it, now_open, then_open).await
}

/// The requests and visits to come between the dates, picked by `which`, that are inside the
/// hours of `now_open` and outside those of `then_open`, by time. One already outside is not
/// the change's; one begun already is not moved by it.
async fn moved_out(
    db: &mut dyn Reads,
    clinic: &Clinic,
    (from, to): (NaiveDate, NaiveDate),
    now: chrono::DateTime<chrono::Utc>,
    which: impl Fn(&Appointment) -> bool + Send,
    now_open: Schedule<'_>,
    then_open: Schedule<'_>,
) -> Result<Vec<Appointment>, Problem> {
    let queues: Vec<MenuId> = db.menus(clinic.id).await?.into_iter().filter(|m| m.mode.kind() == ModeKind::Queue).map(|m| m.id).collect();
    let tz = clinic.time_zone;
    let mut hit: Vec<Appointment> = db
        .appointments_on(clinic.id, from, to)
        .await?
        .into_iter()
        .filter(|a| matches!(a.status, AppointmentStatus::Requested | AppointmentStatus::Confirmed) && !a.lapsed(now) && a.starts_at > now)
        .filter(|a| which(a))
        .filter(|a| {
            let (starts, ends) = (a.starts_at.with_timezone(&tz).naive_local(), a.ends_at.with_timezone(&tz).naive_local());
            let within =
                |s: &Schedule| within_hours(queues.contains(&a.menu_id), a.service_date, starts, ends, &s.open_intervals(a.resource_id, a.service_date));
            within(&now_open) && !within(&then_open)
        })
        .collect();
    hit.sort_by_key(|a| a.starts_at);
    Ok(hit)
}

/// What becomes of the requests and visits on a day being closed: the owner's choice, never
/// the system's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnVisits {
    /// There must be none: a closure over any is refused ([`Problem::ClosureHasVisits`]).
    Refuse,
    /// Each is declined (a request) or cancelled by the clinic (a visit) with this message, and
    /// its patient is told through their channel, in the closure's transaction.
    CancelWith(String),
    /// As `CancelWith`, and each patient is offered the earliest free place of their menu (once
    /// the change is made) as the clinic's proposal, which they accept or turn down.
    ProposeWith(String),
}

/// What a change of the clinic's days did to the requests and visits on them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Outcome {
    cancelled: usize,
    proposed: usize,
}

impl Outcome {
    /// For the settings audit: `, 2件取り消し cancelled, 1件に別日時を提案 proposed`.
    fn summary(self) -> String {
        let mut s = String::new();
        if self.cancelled > 0 {
            s.push_str(&format!(", {}件取り消し cancelled", self.cancelled));
        }
        if self.proposed > 0 {
            s.push_str(&format!(", {}件に別日時を提案 proposed", self.proposed));
        }
        s
    }
}

/// A closure (`extra` `None`) or extra hours on `date`, for one practitioner or room or the
/// whole clinic.
pub async fn add_exception(
    tx: &mut dyn Write,
    by: Editor,
    date: NaiveDate,
    resource: Option<ResourceId>,
    extra: Option<Interval>,
    on_visits: OnVisits,
) -> Result<ExceptionId, Problem> {
    let kind = match extra {
        Some(i) => {
            let i = settings::check_hours("exception-closes", &[i])?[0];
            ExceptionKind::ExtraHours { opens: time_of(i.opens), closes: time_of(i.closes) }
        }
        None => ExceptionKind::Closed,
    };
    let whom = match resource {
        Some(r) => {
            let name = tx.resources(by.clinic).await?.into_iter().find(|x| x.id == r).map(|x| x.name_ja.clone()).ok_or_else(missing)?;
            format!("{name} #{r}")
        }
        None => "医院全体 whole clinic".to_string(),
    };
    let cancelled = if extra.is_none() { cancel_on_closure(tx, by, date, resource, &on_visits).await? } else { Vec::new() };
    let id = tx.insert_exception(by.clinic, date, resource, kind).await?;
    // Offered once the day is closed, so no proposal lands on it.
    let outcome = if cancelled.is_empty() {
        Outcome::default()
    } else {
        let clinic = tx.clinic(by.clinic).await?.ok_or_else(missing)?;
        Outcome { cancelled: cancelled.len(), proposed: propose_instead(tx, by, &clinic, &cancelled, &on_visits).await? }
    };
    let what = match extra {
        Some(i) => format!("臨時診療 extra hours {}", format_intervals(&[i])),
        None => format!("休診 closed{}", outcome.summary()),
    };
    audit(tx, by, SettingsArea::Closure, format!("{date} {whom}: {what} 追加 added")).await?;
    Ok(id)
}

/// The requests and visits a closure falls on at `now`, in the order of their time (a request
/// whose hold has run out is expiring by itself and does not count).
pub async fn on_closure(
    db: &mut dyn crate::store::Reads,
    clinic: ClinicId,
    date: NaiveDate,
    resource: Option<ResourceId>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Appointment>, Problem> {
    let mut hit: Vec<Appointment> = db
        .appointments_on(clinic, date, date)
        .await?
        .into_iter()
        .filter(|a| falls_on_closure(a.status, a.resource_id, a.service_date, date, resource) && !a.lapsed(now))
        .collect();
    hit.sort_by_key(|a| a.starts_at);
    Ok(hit)
}

/// Declines or cancels what the closure falls on, as the owner chose; returns them as they were.
async fn cancel_on_closure(
    tx: &mut dyn Write,
    by: Editor,
    date: NaiveDate,
    resource: Option<ResourceId>,
    on_visits: &OnVisits,
) -> Result<Vec<Appointment>, Problem> {
    // The practitioners and rooms closed are locked first (PostgreSQL; in id order), as a booking
    // locks its resource: no booking can slip onto the day between this read and the closure.
    // (A proposal locks its request before the resource; meeting a closure the other way round,
    // one of the two is aborted as a deadlock and answered 503, to be tried again.)
    let mut closed: Vec<ResourceId> = match resource {
        Some(r) => vec![r],
        None => tx.resources(by.clinic).await?.into_iter().map(|r| r.id).collect(),
    };
    closed.sort();
    for r in closed {
        tx.lock_resource(by.clinic, r).await?;
    }
    let hit = on_closure(tx, by.clinic, date, resource, by.now).await?;
    if hit.is_empty() {
        return Ok(Vec::new());
    }
    if *on_visits == OnVisits::Refuse {
        return Err(Problem::ClosureHasVisits { count: hit.len() });
    }
    let clinic = tx.clinic(by.clinic).await?.ok_or_else(missing)?;
    cancel_with(tx, by, &clinic, &hit, on_visits, "exception-message").await
}

/// Declines each request and cancels each visit of `hit` with the owner's message (checked;
/// `field` names its input), each patient told through their channel. Returns those it
/// declined or cancelled, as they were.
async fn cancel_with(
    tx: &mut dyn Write,
    by: Editor,
    clinic: &Clinic,
    hit: &[Appointment],
    on_visits: &OnVisits,
    field: &str,
) -> Result<Vec<Appointment>, Problem> {
    let message = match on_visits {
        OnVisits::CancelWith(m) | OnVisits::ProposeWith(m) => m.trim(),
        OnVisits::Refuse => "",
    };
    if message.is_empty() {
        return Err(Problem::field(field, Reason::GiveAReason));
    }
    if message.chars().count() > settings::MAX_LABEL_CHARS {
        return Err(Problem::field(field, Reason::TooLong { max: settings::MAX_LABEL_CHARS }));
    }
    let mut cancelled = Vec::new();
    for a in hit {
        // Read again under the row lock: a patient may be cancelling at this very moment.
        let Some(current) = tx.appointment_for_update(by.clinic, a.id).await? else { continue };
        let transition = match current.status {
            AppointmentStatus::Requested => Transition::Decline,
            AppointmentStatus::Confirmed => Transition::CancelByClinic,
            _ => continue,
        };
        apply(tx, clinic, &current, Change::new(transition, by.actor, by.now).noting(Some(message))).await?;
        cancelled.push(current);
    }
    Ok(cancelled)
}

/// With [`OnVisits::ProposeWith`], offers each patient of `cancelled` the earliest free place of
/// their menu within its horizon as the clinic's proposal (held for them; their answers go
/// with it), each told through their channel. A patient for whom no place can be held keeps
/// the cancellation alone: the owner's change is never refused for one proposal. Returns how
/// many got a proposal.
async fn propose_instead(tx: &mut dyn Write, by: Editor, clinic: &Clinic, cancelled: &[Appointment], on_visits: &OnVisits) -> Result<usize, Problem> {
    if !matches!(on_visits, OnVisits::ProposeWith(_)) {
        return Ok(0);
    }
    let menus = tx.menus(by.clinic).await?;
    let today = by.now.with_timezone(&clinic.time_zone).date_naive();
    let mut proposed = 0;
    for a in cancelled {
        let Some(menu) = menus.iter().find(|m| m.id == a.menu_id) else { continue };
        // A move request's proposal still moves the visit it would replace, if that visit
        // stands; a cancelled visit replaces nothing.
        let replaces = match (a.status, a.replaces_id) {
            (AppointmentStatus::Requested, Some(old)) => {
                tx.appointment(by.clinic, old).await?.filter(|v| v.status == AppointmentStatus::Confirmed).map(|v| v.id)
            }
            _ => None,
        };
        let last = today + chrono::Duration::days(i64::from(menu.horizon_days));
        // Read in this transaction: the places proposed to the patients before are taken.
        let mut offers = availability(tx, clinic, menu, today, last, by.now).await?;
        offers.retain(|o| o.remaining > 0);
        offers.sort_by_key(|o| o.starts_at);
        let mut full_days = Vec::new();
        let mut tried = 0;
        for place in &offers {
            // The patient may hold this menu on that day already: then another day.
            if full_days.contains(&place.date) {
                continue;
            }
            if tried == PLACES_TRIED {
                break;
            }
            tried += 1;
            let offer = Proposal { instead_of: a, resource: place.resource_id, starts_at: place.starts_at, replaces, actor: by.actor, now: by.now };
            match book_proposal(tx, &offer).await {
                Ok(_) => {
                    proposed += 1;
                    break;
                }
                Err(Problem::AlreadyBooked) => full_days.push(place.date),
                Err(Problem::PlaceTaken) => {}
                Err(e @ (Problem::Unavailable(_) | Problem::Internal(_))) => return Err(e),
                // Any other refusal is this patient's alone (gone, a rule of their own).
                Err(e) => {
                    tracing::info!(appointment = %a.id, error = %e, "no proposal: the cancellation goes alone");
                    break;
                }
            }
        }
    }
    Ok(proposed)
}

/// How many free places a proposal tries before the patient keeps the cancellation alone.
const PLACES_TRIED: usize = 5;

/// Removes a closure or extra hours. Extra hours with requests or visits booked in them are the
/// owner's choice, as new weekly hours are ([`OnVisits`]; refused as
/// [`Problem::HoursHaveVisits`]).
pub async fn remove_exception(tx: &mut dyn Write, by: Editor, id: ExceptionId, on_visits: OnVisits) -> Result<(), Problem> {
    // The practitioners and rooms of the extra hours are locked first, as a booking locks its
    // resource: nothing can be booked into them between this read and the removal.
    let mut locked: Vec<ResourceId> = tx.resources(by.clinic).await?.into_iter().map(|r| r.id).collect();
    locked.sort();
    for r in locked {
        tx.lock_resource(by.clinic, r).await?;
    }
    let clinic = tx.clinic(by.clinic).await?.ok_or_else(missing)?;
    let hit = outside_after_removal(tx, &clinic, id, by.now).await?;
    if on_visits == OnVisits::Refuse && !hit.is_empty() {
        return Err(Problem::HoursHaveVisits { count: hit.len() });
    }
    let cancelled = if hit.is_empty() { Vec::new() } else { cancel_with(tx, by, &clinic, &hit, &on_visits, "exception-message").await? };
    let removed = tx.delete_exception(by.clinic, id).await?.ok_or_else(missing)?;
    // Offered once the hours are gone, so no proposal lands in them.
    let outcome = Outcome { cancelled: cancelled.len(), proposed: propose_instead(tx, by, &clinic, &cancelled, &on_visits).await? };
    let kind = match removed.kind {
        ExceptionKind::Closed => "closed",
        ExceptionKind::ExtraHours { .. } => "extra_hours",
    };
    audit(tx, by, SettingsArea::Closure, format!("{} {kind} #{id} 削除 removed{}", removed.date, outcome.summary())).await
}

//! The clinic's settings as the owner changes them, and as seeding and the command line set them
//! up: the same rules (`crate::settings`), each change scoped by the editor's clinic (an id of
//! another clinic is "not found" and changes nothing) and written to the settings audit in the
//! same transaction. Audit summaries never contain a secret, a password or its hash.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::actions::booking::{apply, availability, Change};
use crate::actions::reception::{book_proposal, Proposal};
use crate::booking::hours::{format_intervals, time_of, Interval};
use crate::booking::ids::{ClinicId, ExceptionId, MenuId, QuestionId, ResourceId, StaffId};
use crate::booking::model::{Approval, Clinic, ExceptionKind, MenuSpec, ModeKind, OpeningHours, ResourceSpec};
use crate::booking::schedule::Schedule;
use crate::booking::status::{AppointmentStatus, Transition};
use crate::booking::visit::{falls_on_closure, within_hours};
use crate::error::{BadField, Missing, Problem, Reason};
use crate::kinds::StaffRole;
use crate::settings;
use crate::store::{Appointment, ClinicOptions, Editor, LineSettings, NewClinic, NewStaff, QuestionSpec, Reads, ServiceMessages, SettingsArea, Write};

const WEEKDAYS: [&str; 7] = ["月 Mon", "火 Tue", "水 Wed", "木 Thu", "金 Fri", "土 Sat", "日 Sun"];

async fn audit(tx: &mut dyn Write, by: Editor, area: SettingsArea, summary: String) -> Result<(), Problem> {
    Ok(tx.audit_settings(by.clinic, by.actor, area, &summary, by.now).await?)
}

fn missing() -> Problem {
    Problem::NotFound(Missing::Other)
}

fn verb(created: bool) -> &'static str {
    if created {
        "作成 created"
    } else {
        "変更 changed"
    }
}

/// A new clinic (seeding, the command line). [`Problem::SlugTaken`] when the address name is.
pub async fn create_clinic(tx: &mut dyn Write, clinic: &NewClinic, now: chrono::DateTime<chrono::Utc>) -> Result<ClinicId, Problem> {
    settings::check_clinic(clinic)?;
    Ok(tx.insert_clinic(clinic, now).await?)
}

/// Creates (`id: None`) or renames a practitioner or room.
pub async fn save_resource(tx: &mut dyn Write, by: Editor, id: Option<ResourceId>, resource: &ResourceSpec) -> Result<ResourceId, Problem> {
    settings::check_resource(id, resource)?;
    let (id, created) = match id {
        None => (tx.insert_resource(by.clinic, resource).await?, true),
        Some(id) if tx.update_resource(by.clinic, id, resource).await? => (id, false),
        Some(_) => return Err(missing()),
    };
    let summary = format!("#{id} {}: {} / {} ({})", verb(created), resource.name_ja, resource.name_en, resource.kind.as_str());
    audit(tx, by, SettingsArea::Resource, summary).await?;
    Ok(id)
}

fn menu_summary(menu: &MenuSpec) -> String {
    format!(
        "{} / {}: {} ×{}, {}分, 前後{}/{}分, 受付締切{}分前, {}日先まで, キャンセル{}分前まで, {}, 保留{}分, 担当{:?}, {}, {}",
        menu.name_ja,
        menu.name_en,
        menu.mode.kind().as_str(),
        menu.mode.capacity(),
        menu.duration_minutes,
        menu.buffer_before_minutes,
        menu.buffer_after_minutes,
        menu.min_notice_minutes,
        menu.horizon_days,
        menu.cancel_cutoff_minutes,
        if menu.approval == Approval::AutoConfirm { "自動確定 auto-confirm" } else { "承認制 approval" },
        menu.hold_minutes,
        menu.resource_ids.iter().map(|r| r.0).collect::<Vec<_>>(),
        if menu.active { "公開 active" } else { "非公開 inactive" },
        if menu.several_per_day { "1日複数可 several a day" } else { "1日1件 one a day" },
    )
}

/// Creates (`id: None`) or changes a menu with every booking rule; its resources must be the
/// clinic's.
pub async fn save_menu(tx: &mut dyn Write, by: Editor, id: Option<MenuId>, menu: &MenuSpec) -> Result<MenuId, Problem> {
    let mut menu = menu.clone();
    menu.resource_ids.sort();
    menu.resource_ids.dedup();
    let resources = tx.resources(by.clinic).await?;
    settings::check_menu(&menu, &resources)?;
    let (id, created) = match id {
        None => (tx.insert_menu(by.clinic, &menu).await?, true),
        Some(id) if tx.update_menu(by.clinic, id, &menu).await? => (id, false),
        Some(_) => return Err(missing()),
    };
    audit(tx, by, SettingsArea::Menu, format!("#{id} {}: {}", verb(created), menu_summary(&menu))).await?;
    Ok(id)
}

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

/// Adds a closure or extra hours, for the whole clinic (`resource: None`) or one of its
/// practitioners or rooms.
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

pub async fn set_options(tx: &mut dyn Write, by: Editor, options: ClinicOptions) -> Result<(), Problem> {
    let mut errors = Vec::new();
    settings::REMINDER_HOUR.check(&mut errors, "reminder_hour", options.reminder_hour);
    settings::BOOKING_LIMIT.check(&mut errors, "booking_limit", options.booking_limit);
    if !errors.is_empty() {
        return Err(Problem::Invalid(errors));
    }
    tx.set_clinic_options(by.clinic, options).await?;
    let holidays = if options.open_on_holidays { "祝日も診療 open on holidays" } else { "祝日休診 closed on holidays" };
    let summary = format!("{holidays}, リマインダー reminders {:02}:00, 予約上限 limit {}", options.reminder_hour, options.booking_limit);
    audit(tx, by, SettingsArea::Clinic, summary).await
}

/// The clinic's question `id`, with its menu.
async fn own_question(tx: &mut dyn Write, by: Editor, id: QuestionId) -> Result<crate::store::Question, Problem> {
    tx.questions(by.clinic).await?.into_iter().find(|q| q.id == id).ok_or_else(missing)
}

/// Adds a question at the end of its menu's list (`id: None`), or changes it; the menu must be
/// the clinic's.
pub async fn save_question(tx: &mut dyn Write, by: Editor, id: Option<QuestionId>, menu: MenuId, question: &QuestionSpec) -> Result<QuestionId, Problem> {
    settings::check_question(question)?;
    let (id, menu, created) = match id {
        None => {
            if !tx.menus(by.clinic).await?.iter().any(|m| m.id == menu) {
                return Err(missing());
            }
            (tx.insert_question(menu, question).await?, menu, true)
        }
        Some(id) => {
            let existing = own_question(tx, by, id).await?;
            tx.update_question(id, question).await?;
            (id, existing.menu_id, false)
        }
    };
    let required = if question.required { "必須 required" } else { "任意 optional" };
    let verb = if created { "追加 added" } else { "変更 changed" };
    let summary = format!("menu #{menu} question #{id} {verb}: {} ({}, {required})", question.label_ja, question.kind.as_str());
    audit(tx, by, SettingsArea::Question, summary).await?;
    Ok(id)
}

/// Removes a question. One that patients have answered stays (their answers need it):
/// [`Problem::QuestionAnswered`].
pub async fn remove_question(tx: &mut dyn Write, by: Editor, id: QuestionId) -> Result<(), Problem> {
    let question = own_question(tx, by, id).await?;
    if tx.answer_count(id).await? > 0 {
        return Err(Problem::QuestionAnswered);
    }
    tx.delete_question(id).await?;
    audit(tx, by, SettingsArea::Question, format!("menu #{} question #{id} 削除 removed: {}", question.menu_id, question.label_ja)).await
}

/// Moves a question one place up (`true`) or down within its menu.
pub async fn move_question(tx: &mut dyn Write, by: Editor, id: QuestionId, up: bool) -> Result<(), Problem> {
    let all = tx.questions(by.clinic).await?;
    let question = all.iter().find(|q| q.id == id).ok_or_else(missing)?;
    let mut order: Vec<QuestionId> = all.iter().filter(|q| q.menu_id == question.menu_id).map(|q| q.id).collect();
    let at = order.iter().position(|q| *q == id).ok_or_else(missing)?;
    let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|o| *o < order.len()) };
    let Some(other) = other else { return Ok(()) };
    order.swap(at, other);
    tx.set_question_order(&order).await?;
    let direction = if up { "上へ up" } else { "下へ down" };
    let summary = format!("menu #{} question #{id} {direction}: {}", question.menu_id, question.label_ja);
    audit(tx, by, SettingsArea::Question, summary).await
}

/// Changes the privacy notice: a changed text is a new version, which patients consent to from
/// their next booking on (the same text saved again changes nothing).
pub async fn save_privacy_notice(tx: &mut dyn Write, by: Editor, ja: &str, en: &str) -> Result<(), Problem> {
    let (ja, en) = (ja.trim(), en.trim());
    settings::check_privacy(ja, en)?;
    let (now_ja, now_en) = tx.privacy_notice(by.clinic).await?;
    if (now_ja.as_str(), now_en.as_str()) == (ja, en) {
        return Ok(());
    }
    tx.set_privacy_notice(by.clinic, ja, en, by.now).await?;
    let version = tx.privacy_version(by.clinic).await?;
    let summary = format!("プライバシー通知 privacy notice v{version}: {} / {} 文字 characters", ja.chars().count(), en.chars().count());
    audit(tx, by, SettingsArea::Privacy, summary).await
}

/// How long questionnaire answers are kept after the visit (`None`: until deleted by hand); the
/// worker deletes older ones ([`super::retention`]).
pub async fn save_answers_kept_days(tx: &mut dyn Write, by: Editor, days: Option<u32>) -> Result<(), Problem> {
    settings::check_answers_kept_days(days)?;
    if tx.answers_kept_days(by.clinic).await? == days {
        return Ok(());
    }
    tx.set_answers_kept_days(by.clinic, days).await?;
    let kept = days.map_or_else(|| "削除しない kept".to_string(), |d| format!("受診の{d}日後に削除 deleted {d} days after the visit"));
    audit(tx, by, SettingsArea::Privacy, format!("問診回答の保存期間 answers: {kept}")).await
}

/// The websites that may embed the clinic's widget, as the owner typed them (one a line).
pub async fn save_website_origins(tx: &mut dyn Write, by: Editor, typed: &str) -> Result<Vec<String>, Problem> {
    let origins = settings::check_origins(typed)?;
    tx.set_website_origins(by.clinic, &origins).await?;
    let list = if origins.is_empty() { "なし none".to_string() } else { origins.join(" ") };
    audit(tx, by, SettingsArea::Website, format!("埋め込みを許すサイト websites: {list}")).await?;
    Ok(origins)
}

/// The address the clinic's e-mails to patients come from (`None`: the deployment's own, under
/// the clinic's name). The deployment's mail server must be allowed to send for its domain.
pub async fn save_mail_from(tx: &mut dyn Write, by: Editor, typed: &str) -> Result<Option<String>, Problem> {
    let address = settings::check_mail_from(typed)?;
    tx.set_mail_from(by.clinic, address.as_deref()).await?;
    let shown = address.clone().unwrap_or_else(|| "既定 default".into());
    audit(tx, by, SettingsArea::Website, format!("メールの差出人 mail from: {shown}")).await?;
    Ok(address)
}

/// Connects or changes the LINE channels. A secret left `None` keeps the stored one (the console
/// never shows secrets back, so an empty field means "unchanged"). `None` removes the channels:
/// the clinic goes back to sandbox mode.
pub async fn update_line(tx: &mut dyn Write, by: Editor, update: Option<LineSettings>) -> Result<(), Problem> {
    let Some(mut line) = update else {
        tx.set_line_settings(by.clinic, None).await?;
        // Service messages go through the LIFF app's channel: they end with it.
        tx.set_service_messages(by.clinic, None).await?;
        return audit(tx, by, SettingsArea::Line, "LINE接続を解除 LINE connection removed (sandbox)".into()).await;
    };
    settings::check_line(&line)?;
    let stored = tx.line_settings(by.clinic).await?;
    let changed = |s: &Option<String>| if s.is_some() { "新しい値 new value" } else { "変更なし unchanged" };
    // Only whether a secret changed, never the secret.
    let summary = format!(
        "LIFF ID {}, Login channel {}, 友だち追加 add-friend {}, channel secret: {}, access token: {}",
        line.liff_id,
        line.login_channel_id,
        line.add_friend_url.as_deref().unwrap_or("-"),
        changed(&line.channel_secret),
        changed(&line.channel_access_token),
    );
    if let Some(stored) = stored {
        line.channel_secret = line.channel_secret.or(stored.channel_secret);
        line.channel_access_token = line.channel_access_token.or(stored.channel_access_token);
    }
    tx.set_line_settings(by.clinic, Some(&line)).await?;
    audit(tx, by, SettingsArea::Line, summary).await
}

/// Turns LINE MINI App service messages on or changes them (`Some`), or off (`None`). A secret
/// left `None` keeps the stored one; the first time, one is required. Needs the LINE channels.
pub async fn update_service_messages(tx: &mut dyn Write, by: Editor, update: Option<ServiceMessages>) -> Result<(), Problem> {
    let Some(mut service) = update else {
        tx.set_service_messages(by.clinic, None).await?;
        return audit(tx, by, SettingsArea::Line, "サービスメッセージを停止 service messages off".into()).await;
    };
    settings::check_service_messages(&service)?;
    if tx.line_settings(by.clinic).await?.is_none() {
        return Err(Problem::BadRequest("service messages without LINE channels".into()));
    }
    let stored = tx.service_messages(by.clinic).await?;
    let changed = if service.channel_secret.is_some() { "新しい値 new value" } else { "変更なし unchanged" };
    service.channel_secret = service.channel_secret.or(stored.and_then(|s| s.channel_secret));
    if service.channel_secret.is_none() {
        return Err(Problem::Invalid(vec![BadField::new("service-channel_secret", Reason::Required)]));
    }
    let templates: Vec<String> = service.templates.iter().map(|(n, t)| format!("{n}={t}")).collect();
    // Only whether the secret changed, never the secret.
    let summary =
        format!("サービスメッセージ service messages: {}; channel secret: {changed}", if templates.is_empty() { "-".into() } else { templates.join(", ") });
    tx.set_service_messages(by.clinic, Some(&service)).await?;
    audit(tx, by, SettingsArea::Line, summary).await
}

/// Adds a staff account to the editor's clinic. [`Problem::EmailTaken`] for an address any
/// clinic's account has.
pub async fn add_staff(tx: &mut dyn Write, by: Editor, email: &str, name: &str, role: StaffRole, password_hash: String) -> Result<StaffId, Problem> {
    let email = email.trim().to_lowercase();
    let name = name.trim();
    settings::check_staff(&email, name)?;
    if password_hash.is_empty() {
        return Err(Problem::internal("a staff account without a password hash"));
    }
    let new = NewStaff { clinic_id: by.clinic, email: email.clone(), display_name: name.to_string(), role, password_hash };
    let id = tx.insert_staff(&new, by.now).await?;
    audit(tx, by, SettingsArea::Staff, format!("#{id} {email} ({name}) 追加 added: {}", role.as_str())).await?;
    Ok(id)
}

/// The clinic's account `id`, its row locked behind the clinic's (so two changes of the clinic's
/// staff never interleave and the last-owner rule holds).
async fn own_staff(tx: &mut dyn Write, by: Editor, id: StaffId) -> Result<crate::store::StaffAccount, Problem> {
    if !tx.lock_clinic(by.clinic).await? {
        return Err(missing());
    }
    tx.staff_account(id).await?.filter(|s| s.clinic_id == by.clinic).ok_or_else(missing)
}

/// Refused when no active owner but `id` would remain.
async fn keep_an_owner(tx: &mut dyn Write, by: Editor, id: StaffId) -> Result<(), Problem> {
    let others = tx.staff_members(by.clinic).await?.into_iter().filter(|s| s.role == StaffRole::Owner && !s.disabled && s.id != id).count();
    if others == 0 {
        Err(Problem::LastOwner)
    } else {
        Ok(())
    }
}

/// Changes the role of the clinic's account. The editor cannot demote themself, and the clinic
/// keeps an active owner.
pub async fn set_staff_role(tx: &mut dyn Write, by: Editor, id: StaffId, role: StaffRole) -> Result<(), Problem> {
    let account = own_staff(tx, by, id).await?;
    if account.role == role {
        return Ok(());
    }
    if by.actor.staff() == Some(id) {
        return Err(Problem::OwnAccount);
    }
    if account.role == StaffRole::Owner && !account.disabled {
        keep_an_owner(tx, by, id).await?;
    }
    tx.set_staff_role(by.clinic, id, role).await?;
    let summary = format!("#{id} {}: 役割 role {} → {}", account.email, account.role.as_str(), role.as_str());
    audit(tx, by, SettingsArea::Staff, summary).await
}

/// Disables (ending every session of the account at once) or enables again the clinic's
/// account, with the same rules as [`set_staff_role`].
pub async fn set_staff_disabled(tx: &mut dyn Write, by: Editor, id: StaffId, disable: bool) -> Result<(), Problem> {
    let account = own_staff(tx, by, id).await?;
    if account.disabled == disable {
        return Ok(());
    }
    if disable {
        if by.actor.staff() == Some(id) {
            return Err(Problem::OwnAccount);
        }
        if account.role == StaffRole::Owner {
            keep_an_owner(tx, by, id).await?;
        }
        tx.delete_staff_sessions(id, None).await?;
    }
    tx.set_staff_disabled(by.clinic, id, disable.then_some(by.now)).await?;
    let what = if disable { "無効化 disabled" } else { "有効化 enabled" };
    audit(tx, by, SettingsArea::Staff, format!("#{id} {}: {what}", account.email)).await
}

/// Replaces the password (hashed) of the clinic's account. Its sessions end, but the one of
/// `keep` (the owner's own device, when they change their own password).
pub async fn set_staff_password(tx: &mut dyn Write, by: Editor, id: StaffId, password_hash: &str, keep: Option<&str>) -> Result<(), Problem> {
    let account = own_staff(tx, by, id).await?;
    if password_hash.is_empty() {
        return Err(Problem::internal("a new password without a hash"));
    }
    tx.set_staff_password(by.clinic, id, password_hash).await?;
    tx.delete_staff_sessions(id, keep).await?;
    // That it changed, never the password nor its hash.
    audit(tx, by, SettingsArea::Staff, format!("#{id} {}: パスワード変更 password changed", account.email)).await
}

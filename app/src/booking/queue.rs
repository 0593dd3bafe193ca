//! The live day queue (順番予約) of one menu on one practitioner or room: who is being called,
//! who waits, and what reception's buttons do. Pure rules: the action loads the day's places,
//! asks [`Line::plan`] and writes the steps that come back.
//!
//! A place is called in the order of its number. Calling someone ends the turn of whoever was
//! being called (they are in the consulting room: their visit is completed), so at most one
//! place is being called at a time. A patient who does not answer is skipped: they wait aside
//! until reception recalls them or marks them absent.

use chrono::{DateTime, Duration, Utc};

use super::board::QueueBoard;
use super::ids::{AppointmentId, MenuId, ResourceId};
pub use super::queue_action::QueueAction;
use super::status::AppointmentStatus;

/// One numbered place of the day's queue, as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueVisit {
    pub id: AppointmentId,
    pub resource_id: ResourceId,
    pub menu_id: MenuId,
    pub number: u32,
    pub status: AppointmentStatus,
    /// When reception last called this place.
    pub called_at: Option<DateTime<Utc>>,
    /// Called and did not answer: waits aside to be recalled.
    pub skipped: bool,
    pub arrived: bool,
}

/// Where a place stands in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Confirmed and not called yet: in line by number.
    Waiting,
    /// The one place being called now.
    Calling,
    /// Called, did not answer: waits aside.
    Skipped,
    /// Its turn is over (seen, absent, cancelled), or it is not a visit yet (a request).
    Out,
}

/// What an action does, in order. Each is written (and audited) by the action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The visit is over: completed.
    Complete(AppointmentId),
    Call(AppointmentId),
    Skip(AppointmentId),
    /// Marked absent: a no-show.
    Absent(AppointmentId),
}

/// Why an action cannot be done: the queue is not as the button's page showed it (another
/// receptionist was quicker), or there is nobody to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueRefusal {
    /// Someone else is being called than the page showed: its press would end the wrong turn.
    #[error("the queue moved on since the page was shown")]
    Moved,
    #[error("nobody is waiting or being called")]
    NobodyWaiting,
    #[error("nobody is being called")]
    NobodyCalled,
    #[error("that place is not waiting aside")]
    NotSkipped,
}

/// How many of the latest calls the pace is measured over.
const PACE_CALLS: usize = 6;

/// The day's places of one queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    visits: Vec<QueueVisit>,
}

impl Line {
    pub fn new(mut visits: Vec<QueueVisit>) -> Self {
        visits.sort_by_key(|v| v.number);
        Line { visits }
    }

    pub fn visits(&self) -> &[QueueVisit] {
        &self.visits
    }

    /// The place being called: the last one called that is still a visit and not skipped.
    pub fn calling(&self) -> Option<&QueueVisit> {
        self.visits
            .iter()
            .filter(|v| v.status == AppointmentStatus::Confirmed && !v.skipped)
            .filter_map(|v| v.called_at.map(|at| (at, v)))
            .max_by_key(|(at, v)| (*at, v.number))
            .map(|(_, v)| v)
    }

    pub fn standing(&self, visit: &QueueVisit) -> Standing {
        if visit.status != AppointmentStatus::Confirmed {
            Standing::Out
        } else if visit.skipped {
            Standing::Skipped
        } else if visit.called_at.is_none() {
            Standing::Waiting
        } else if self.calling().is_some_and(|c| c.id == visit.id) {
            Standing::Calling
        } else {
            // Called before the one being called now: in the consulting room.
            Standing::Out
        }
    }

    /// The places waiting to be called, in order.
    pub fn waiting(&self) -> impl Iterator<Item = &QueueVisit> {
        self.visits.iter().filter(|v| self.standing(v) == Standing::Waiting)
    }

    pub fn skipped(&self) -> impl Iterator<Item = &QueueVisit> {
        self.visits.iter().filter(|v| v.skipped && v.status == AppointmentStatus::Confirmed)
    }

    /// How many are called before the waiting place `id`; `None` when it is not waiting.
    pub fn ahead_of(&self, id: AppointmentId) -> Option<u32> {
        self.waiting().position(|v| v.id == id).map(|ahead| ahead as u32)
    }

    /// The waiting places with at most `within` others before them: their turn is near.
    pub fn near_turn(&self, within: u32) -> Vec<(AppointmentId, u32)> {
        self.waiting().take(within as usize + 1).enumerate().map(|(ahead, v)| (v.id, ahead as u32)).collect()
    }

    /// What `action`, pressed on a page that showed `shown` being called, does to the queue as
    /// it is now. A press on a page that is behind is refused: two receptionists pressing
    /// 「次の方」 at once must not end the turn of a patient just called.
    pub fn plan(&self, action: QueueAction, shown: Option<AppointmentId>) -> Result<Vec<Step>, QueueRefusal> {
        let calling = self.calling().map(|v| v.id);
        if calling != shown {
            return Err(QueueRefusal::Moved);
        }
        let next = self.waiting().next().map(|v| v.id);
        let skipped = |id: AppointmentId| self.skipped().any(|v| v.id == id);
        let mut steps = Vec::new();
        match action {
            QueueAction::Next => {
                if calling.is_none() && next.is_none() {
                    return Err(QueueRefusal::NobodyWaiting);
                }
                steps.extend(calling.map(Step::Complete));
                steps.extend(next.map(Step::Call));
            }
            QueueAction::Skip => {
                let current = calling.ok_or(QueueRefusal::NobodyCalled)?;
                steps.push(Step::Skip(current));
                steps.extend(next.map(Step::Call));
            }
            QueueAction::Recall(id) => {
                if !skipped(id) {
                    return Err(QueueRefusal::NotSkipped);
                }
                steps.extend(calling.map(Step::Complete));
                steps.push(Step::Call(id));
            }
            QueueAction::Absent(id) => {
                if !skipped(id) {
                    return Err(QueueRefusal::NotSkipped);
                }
                steps.push(Step::Absent(id));
            }
        }
        Ok(steps)
    }

    /// Today's pace: the average time between one call and the next over the last few calls
    /// (the morning's pace says little about the afternoon's), once two have been called.
    pub fn pace(&self) -> Option<Duration> {
        let mut calls: Vec<DateTime<Utc>> = self.visits.iter().filter_map(|v| v.called_at).collect();
        calls.sort();
        let recent = &calls[calls.len().saturating_sub(PACE_CALLS)..];
        let (first, last) = (recent.first()?, recent.last()?);
        (recent.len() >= 2).then(|| (*last - *first) / (recent.len() as i32 - 1))
    }

    /// What the waiting room and the patients' pages show of the queue of `menu` on `resource`:
    /// numbers only (the names are the caller's to add).
    pub fn board(&self, resource_id: ResourceId, menu_id: MenuId, fallback_pace: Duration) -> QueueBoard {
        QueueBoard {
            resource_id,
            menu_id,
            resource_name_ja: String::new(),
            resource_name_en: String::new(),
            menu_name_ja: String::new(),
            menu_name_en: String::new(),
            calling: self.calling().map(|v| v.number),
            waiting: self.waiting().map(|v| v.number).collect(),
            skipped: self.skipped().map(|v| v.number).collect(),
            arrived: self.visits.iter().filter(|v| v.arrived && self.standing(v) != Standing::Out).map(|v| v.number).collect(),
            pace_minutes: self.pace().unwrap_or(fallback_pace).num_minutes().max(1) as u32,
            measured: self.pace().is_some(),
        }
    }
}

/// Applies `step` to the place it names, as the action writes it (for tests and for planning
/// the next step on the changed line).
pub fn after(line: &Line, step: Step, now: DateTime<Utc>) -> Line {
    let visits = line
        .visits
        .iter()
        .cloned()
        .map(|mut v| {
            match step {
                Step::Complete(id) if id == v.id => v.status = AppointmentStatus::Completed,
                Step::Absent(id) if id == v.id => v.status = AppointmentStatus::NoShow,
                Step::Call(id) if id == v.id => {
                    v.called_at = Some(now);
                    v.skipped = false;
                }
                Step::Skip(id) if id == v.id => v.skipped = true,
                _ => {}
            }
            v
        })
        .collect();
    Line { visits }
}

#[cfg(test)]
mod tests;

//! The clinic's configuration as the booking rules see it.

use chrono::{Duration, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

use super::ids::{ClinicId, ExceptionId, MenuId, ResourceId};
pub use crate::kinds::{ModeKind, ResourceKind};

#[derive(Clone, Debug, PartialEq)]
pub struct Clinic {
    pub id: ClinicId,
    /// Used in URLs: `/c/{slug}`.
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    /// IANA time zone; every time a person reads is shown in it.
    pub time_zone: Tz,
    /// Japanese national holidays are closed unless the clinic opens on them.
    pub open_on_holidays: bool,
    /// The clinic-local hour (0–23) from which tomorrow's reminders are sent.
    pub reminder_hour: u32,
    /// How many open requests and upcoming visits one patient may hold at once.
    pub booking_limit: u32,
}

/// What the owner decides about a practitioner or room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceSpec {
    pub name_ja: String,
    pub name_en: String,
    pub kind: ResourceKind,
}

/// A practitioner or room that appointments are booked on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub id: ResourceId,
    pub clinic_id: ClinicId,
    pub spec: ResourceSpec,
}

/// A resource is its spec under an identity: the rules read `resource.name_ja` directly.
impl std::ops::Deref for Resource {
    type Target = ResourceSpec;
    fn deref(&self) -> &ResourceSpec {
        &self.spec
    }
}

/// How a menu hands out its places.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingMode {
    /// Fixed start times, one after another for the menu's duration; each holds `seats` patients
    /// (1 for an ordinary 1:1 visit).
    TimeSlot { seats: u32 },
    /// 時間帯予約: a band as long as the menu's duration (e.g. 9:00–10:00) holds `capacity`
    /// patients who are seen in turn within it.
    TimeBand { capacity: u32 },
    /// 順番予約: a numbered place in the day's queue, up to `places` a day.
    DayQueue { places: u32 },
}

impl BookingMode {
    pub fn capacity(self) -> u32 {
        match self {
            Self::TimeSlot { seats } => seats,
            Self::TimeBand { capacity } => capacity,
            Self::DayQueue { places } => places,
        }
    }
    pub fn kind(self) -> ModeKind {
        match self {
            Self::TimeSlot { .. } => ModeKind::Slot,
            Self::TimeBand { .. } => ModeKind::Band,
            Self::DayQueue { .. } => ModeKind::Queue,
        }
    }
    pub fn new(kind: ModeKind, capacity: u32) -> Self {
        match kind {
            ModeKind::Slot => Self::TimeSlot { seats: capacity },
            ModeKind::Band => Self::TimeBand { capacity },
            ModeKind::Queue => Self::DayQueue { places: capacity },
        }
    }
}

/// Whether a request waits for staff or is confirmed at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approval {
    RequiresStaff,
    AutoConfirm,
}

/// What the owner decides about an appointment type (初診, 再診, 健診 …): every booking rule.
#[derive(Clone, Debug, PartialEq)]
pub struct MenuSpec {
    pub name_ja: String,
    pub name_en: String,
    pub duration_minutes: u32,
    pub mode: BookingMode,
    /// Time the resource is kept free before / after the visit (preparation, cleaning).
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    /// How long before its start a place can still be booked.
    pub min_notice_minutes: u32,
    /// How many days ahead (in the clinic's calendar) can be booked.
    pub horizon_days: u32,
    /// Until how long before the start the patient may cancel.
    pub cancel_cutoff_minutes: u32,
    pub approval: Approval,
    /// How long an unapproved request holds its place before it expires.
    pub hold_minutes: u32,
    /// The practitioners or rooms that can see this menu.
    pub resource_ids: Vec<ResourceId>,
    /// Shown to patients. A hidden menu takes no new bookings; its appointments go on.
    pub active: bool,
    /// A patient may hold several places of this menu on one day (otherwise one: a second
    /// booking is almost always a mistake or a double tap).
    pub several_per_day: bool,
    /// A day queue: how many patients may still be before one who is told their turn is near.
    pub near_turn: u32,
}

/// An appointment type of one clinic.
#[derive(Clone, Debug, PartialEq)]
pub struct Menu {
    pub id: MenuId,
    pub clinic_id: ClinicId,
    pub spec: MenuSpec,
}

/// A menu is its spec under an identity: the rules read `menu.duration_minutes` directly.
impl std::ops::Deref for Menu {
    type Target = MenuSpec;
    fn deref(&self) -> &MenuSpec {
        &self.spec
    }
}

impl MenuSpec {
    pub fn duration(&self) -> Duration {
        Duration::minutes(self.duration_minutes.into())
    }
    pub fn buffer_before(&self) -> Duration {
        Duration::minutes(self.buffer_before_minutes.into())
    }
    pub fn buffer_after(&self) -> Duration {
        Duration::minutes(self.buffer_after_minutes.into())
    }
}

/// Regular weekly opening hours of one resource. A day with a lunch break has two rows
/// (9:00–12:30 and 14:00–18:00): the break is the gap between them.
#[derive(Clone, Debug, PartialEq)]
pub struct OpeningHours {
    pub resource_id: ResourceId,
    pub weekday: Weekday,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionKind {
    /// Closed all day (a clinic holiday, a conference, the practitioner is away).
    Closed,
    /// Open for these hours in addition to the weekly ones; on a national holiday or a closed
    /// weekday these are the day's only hours.
    ExtraHours { opens: NaiveTime, closes: NaiveTime },
}

/// A dated exception for the whole clinic (`resource_id: None`) or one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct DateException {
    pub id: ExceptionId,
    pub date: NaiveDate,
    pub resource_id: Option<ResourceId>,
    pub kind: ExceptionKind,
}

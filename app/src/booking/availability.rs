//! Free places for a menu over a range of dates. Pure: the caller loads the clinic, the menu,
//! the schedule and the appointments that hold capacity, and gets back the offers.
//!
//! The rule for capacity: a *unit* is one start time of one menu on one resource (a slot, a
//! band, or a day's queue). A unit takes up to the menu's capacity; an appointment of any other
//! unit whose held time (visit plus buffers) overlaps it blocks it entirely, so two menus never
//! share a practitioner at the same moment.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::ids::{AppointmentId, MenuId, ResourceId};
use super::model::{Approval, BookingMode, Clinic, Menu};
use super::schedule::Schedule;
use super::status::AppointmentStatus;

/// An existing appointment, as far as capacity is concerned.
#[derive(Clone, Debug, PartialEq)]
pub struct Booked {
    pub id: AppointmentId,
    pub resource_id: ResourceId,
    pub menu_id: MenuId,
    pub starts_at: DateTime<Utc>,
    /// The time the resource is held, buffers included.
    pub held_from: DateTime<Utc>,
    pub held_until: DateTime<Utc>,
    pub status: AppointmentStatus,
    /// Until when a `requested` appointment holds its place.
    pub hold_expires_at: Option<DateTime<Utc>>,
}

impl Booked {
    pub fn holds_capacity_at(&self, now: DateTime<Utc>) -> bool {
        self.status.holds_capacity() && !(self.status == AppointmentStatus::Requested && self.hold_expires_at.is_some_and(|expiry| expiry <= now))
    }
}

/// A bookable unit with room left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub resource_id: ResourceId,
    pub menu_id: MenuId,
    /// The clinic-local date the place belongs to.
    pub date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub held_from: DateTime<Utc>,
    pub held_until: DateTime<Utc>,
    pub capacity: u32,
    pub remaining: u32,
}

/// Everything the availability rules need.
#[derive(Clone, Debug)]
pub struct AvailabilityQuery<'a> {
    pub schedule: Schedule<'a>,
    pub menu: &'a Menu,
    /// Clinic-local dates, both ends included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub now: DateTime<Utc>,
    /// Appointments on the menu's resources around the range (those that do not hold capacity
    /// are ignored).
    pub booked: &'a [Booked],
}

impl AvailabilityQuery<'_> {
    fn clinic(&self) -> &Clinic {
        self.schedule.clinic
    }

    /// The last clinic-local date the menu can be booked for.
    pub fn horizon(&self) -> NaiveDate {
        let today = self.now.with_timezone(&self.clinic().time_zone).date_naive();
        today + chrono::Days::new(self.menu.horizon_days.into())
    }

    /// All offers in the range, ordered by date, start time and resource.
    pub fn offers(&self) -> Vec<Offer> {
        let last = self.to.min(self.horizon());
        let mut offers = Vec::new();
        let mut date = self.from;
        while date <= last {
            for &resource in &self.menu.resource_ids {
                self.offers_on(resource, date, &mut offers);
            }
            date = match date.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        offers.sort_by_key(|o| (o.date, o.starts_at, o.resource_id));
        offers
    }

    fn offers_on(&self, resource: ResourceId, date: NaiveDate, out: &mut Vec<Offer>) {
        let intervals = self.schedule.open_intervals(resource, date);
        let tz = self.clinic().time_zone;
        let earliest_start = self.now + Duration::minutes(self.menu.min_notice_minutes.into());
        let duration = self.menu.duration();
        match self.menu.mode {
            BookingMode::TimeSlot { .. } | BookingMode::TimeBand { .. } => {
                if duration <= Duration::zero() {
                    return;
                }
                for (opens, closes) in intervals {
                    let mut start = date.and_time(opens);
                    let closes = date.and_time(closes);
                    while start + duration <= closes {
                        if let (Some(starts_at), Some(ends_at)) = (to_utc(tz, start), to_utc(tz, start + duration)) {
                            // A request must be able to hold its place for a moment, so a
                            // slot starting right now is only for menus confirmed at once.
                            let holdable = starts_at > self.now || self.menu.approval == Approval::AutoConfirm;
                            if starts_at >= earliest_start && holdable {
                                let held = (starts_at - self.menu.buffer_before(), ends_at + self.menu.buffer_after());
                                out.extend(self.unit(resource, date, (starts_at, ends_at), held));
                            }
                        }
                        start += duration;
                    }
                }
            }
            BookingMode::DayQueue { .. } => {
                // The queue is open from the day's first opening to its last closing; patients
                // can join it until the notice before closing.
                let (Some(first), Some(last)) = (intervals.first(), intervals.last()) else {
                    return;
                };
                let (Some(opens), Some(closes)) = (to_utc(tz, date.and_time(first.0)), to_utc(tz, date.and_time(last.1))) else {
                    return;
                };
                if closes > earliest_start {
                    out.extend(self.unit(resource, date, (opens, closes), (opens, closes)));
                }
            }
        }
    }

    /// The offer for one unit, if it has room.
    fn unit(
        &self,
        resource: ResourceId,
        date: NaiveDate,
        (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
        (held_from, held_until): (DateTime<Utc>, DateTime<Utc>),
    ) -> Option<Offer> {
        let mut taken = 0u32;
        for b in self.booked.iter().filter(|b| b.resource_id == resource && b.holds_capacity_at(self.now)) {
            let same_unit = b.menu_id == self.menu.id && b.starts_at == starts_at;
            if same_unit {
                taken += 1;
            } else if b.held_from < held_until && held_from < b.held_until {
                return None;
            }
        }
        let capacity = self.menu.mode.capacity();
        (taken < capacity).then(|| Offer {
            resource_id: resource,
            menu_id: self.menu.id,
            date,
            starts_at,
            ends_at,
            held_from,
            held_until,
            capacity,
            remaining: capacity - taken,
        })
    }
}

/// A clinic-local wall-clock time in UTC; `None` for a time skipped by a daylight-saving change
/// (never in Asia/Tokyo, but time zones are configuration).
pub fn to_utc(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests;

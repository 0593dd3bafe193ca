//! Free places for a menu over a range of dates. Pure: the caller loads the clinic, the menu,
//! the schedule and the appointments that hold capacity, and gets back the offers.
//!
//! The rule for capacity: a *unit* is one start time of one menu on one resource (a slot, a
//! band, or a day's queue). A unit takes up to the menu's capacity; an appointment of any other
//! unit whose held time (visit plus buffers) overlaps it blocks it entirely, so two menus never
//! share a practitioner at the same moment.
//!
//! The cost follows the resource's own appointments, not the clinic's: they are indexed once per
//! query by resource and by the start of their hold, and each unit looks up only its neighbours
//! (`O((units + appointments) · log appointments)` for a month).

use std::collections::HashMap;

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
    /// Until when a `requested` (or `verifying`) appointment holds its place.
    pub hold_expires_at: Option<DateTime<Utc>>,
}

impl Booked {
    pub fn holds_capacity_at(&self, now: DateTime<Utc>) -> bool {
        self.status.holds_capacity()
            && !(matches!(self.status, AppointmentStatus::Requested | AppointmentStatus::Verifying) && self.hold_expires_at.is_some_and(|expiry| expiry <= now))
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
        let holdings = Holdings::index(self.booked, self.now);
        self.offers_with(|resource| holdings.of(resource))
    }

    fn offers_with<O: Occupancy>(&self, occupancy_of: impl Fn(ResourceId) -> O) -> Vec<Offer> {
        let last = self.to.min(self.horizon());
        let mut offers = Vec::new();
        let mut date = self.from;
        while date <= last {
            let day_starts = offers.len();
            for &resource in &self.menu.resource_ids {
                self.offers_on(&occupancy_of(resource), resource, date, &mut offers);
            }
            // Each resource's offers come in time order: the (stable) sort merges those runs.
            offers[day_starts..].sort_by_key(|o| (o.starts_at, o.resource_id));
            date = match date.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        offers
    }

    fn offers_on(&self, occupancy: &impl Occupancy, resource: ResourceId, date: NaiveDate, out: &mut Vec<Offer>) {
        let intervals = self.schedule.open_intervals(resource, date);
        let tz = self.clinic().time_zone;
        let earliest_start = self.now + Duration::minutes(self.menu.min_notice_minutes.into());
        let duration = self.menu.duration();
        let unit = |span, held| {
            let taken = occupancy.taken(self.menu.id, span, held)?;
            let capacity = self.menu.mode.capacity();
            let ((starts_at, ends_at), (held_from, held_until)) = (span, held);
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
        };
        match self.menu.mode {
            BookingMode::TimeSlot { .. } | BookingMode::TimeBand { .. } => {
                if duration <= Duration::zero() {
                    return;
                }
                let (before, after) = (self.menu.buffer_before(), self.menu.buffer_after());
                let mut slot = |starts_at: DateTime<Utc>, ends_at: DateTime<Utc>| {
                    // A request must be able to hold its place for a moment, so a slot
                    // starting right now is only for menus confirmed at once.
                    let holdable = starts_at > self.now || self.menu.approval == Approval::AutoConfirm;
                    if starts_at >= earliest_start && holdable {
                        out.extend(unit((starts_at, ends_at), (starts_at - before, ends_at + after)));
                    }
                };
                for (opens, closes) in intervals {
                    let (opens, closes) = (date.and_time(opens), date.and_time(closes));
                    match (to_utc(tz, opens), to_utc(tz, closes)) {
                        // No change of UTC offset inside the interval (always so in Japan):
                        // step in UTC instead of converting every start.
                        (Some(first), Some(end)) if end - first == closes - opens => {
                            let mut starts_at = first;
                            loop {
                                let ends_at = starts_at + duration;
                                if ends_at > end {
                                    break;
                                }
                                slot(starts_at, ends_at);
                                starts_at = ends_at;
                            }
                        }
                        _ => {
                            let mut start = opens;
                            while start + duration <= closes {
                                if let (Some(starts_at), Some(ends_at)) = (to_utc(tz, start), to_utc(tz, start + duration)) {
                                    slot(starts_at, ends_at);
                                }
                                start += duration;
                            }
                        }
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
                    out.extend(unit((opens, closes), (opens, closes)));
                }
            }
        }
    }
}

type Span = (DateTime<Utc>, DateTime<Utc>);

/// How much of a unit of one resource is taken: `None` when another unit's hold overlaps it (it
/// is blocked whole), else the places its own appointments take.
trait Occupancy {
    fn taken(&self, menu: MenuId, span: Span, held: Span) -> Option<u32>;
}

/// The appointments that hold capacity at `now`, per resource, sorted by the start of their hold.
struct Holdings<'a> {
    by_resource: HashMap<ResourceId, ResourceHoldings<'a>>,
}

struct ResourceHoldings<'a> {
    by_held_from: Vec<&'a Booked>,
    /// The longest hold, so a lookup knows how far back an overlapping hold can start.
    longest: Duration,
}

impl<'a> Holdings<'a> {
    fn index(booked: &'a [Booked], now: DateTime<Utc>) -> Self {
        let mut by_resource: HashMap<ResourceId, ResourceHoldings<'a>> = HashMap::new();
        for b in booked.iter().filter(|b| b.holds_capacity_at(now)) {
            let entry = by_resource.entry(b.resource_id).or_insert_with(|| ResourceHoldings { by_held_from: Vec::new(), longest: Duration::zero() });
            entry.by_held_from.push(b);
            entry.longest = entry.longest.max(b.held_until - b.held_from);
        }
        for holdings in by_resource.values_mut() {
            // Storage hands them over by start, so this (stable) sort mostly finds runs.
            holdings.by_held_from.sort_by_key(|b| b.held_from);
        }
        Holdings { by_resource }
    }

    fn of(&self, resource: ResourceId) -> Option<&ResourceHoldings<'a>> {
        self.by_resource.get(&resource)
    }
}

impl Occupancy for Option<&ResourceHoldings<'_>> {
    fn taken(&self, menu: MenuId, (starts_at, _): Span, (held_from, held_until): Span) -> Option<u32> {
        let Some(r) = self else {
            return Some(0);
        };
        // Only holds starting after `held_from - longest` can reach into this unit, and those
        // of the unit itself are among them (a hold contains its visit's start).
        let reach = held_from - r.longest;
        let first = r.by_held_from.partition_point(|b| b.held_from <= reach);
        let mut taken = 0;
        for b in r.by_held_from[first..].iter().take_while(|b| b.held_from < held_until) {
            if b.menu_id == menu && b.starts_at == starts_at {
                taken += 1;
            } else if held_from < b.held_until {
                return None;
            }
        }
        Some(taken)
    }
}

/// The rule read literally: every appointment against every unit. The index above must give the
/// same answers; the property tests compare the two on random clinics.
#[cfg(test)]
struct Scan<'a> {
    booked: &'a [Booked],
    now: DateTime<Utc>,
    resource: ResourceId,
}

#[cfg(test)]
impl Occupancy for Scan<'_> {
    fn taken(&self, menu: MenuId, (starts_at, _): Span, (held_from, held_until): Span) -> Option<u32> {
        let mut taken = 0u32;
        for b in self.booked.iter().filter(|b| b.resource_id == self.resource && b.holds_capacity_at(self.now)) {
            if b.menu_id == menu && b.starts_at == starts_at {
                taken += 1;
            } else if b.held_from < held_until && held_from < b.held_until {
                return None;
            }
        }
        Some(taken)
    }
}

#[cfg(test)]
impl AvailabilityQuery<'_> {
    /// The offers by the literal scan, for comparison.
    fn offers_by_scan(&self) -> Vec<Offer> {
        self.offers_with(|resource| Scan { booked: self.booked, now: self.now, resource })
    }
}

/// A clinic-local wall-clock time in UTC; `None` for a time skipped by a daylight-saving change
/// (never in Asia/Tokyo, but time zones are configuration).
pub fn to_utc(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests;

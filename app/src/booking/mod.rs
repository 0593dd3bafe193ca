//! The booking core: clinics, menus, hours, availability and the appointment life cycle.
//! Pure rules, no I/O: storage loads the facts, calls in here and writes what comes back.

pub mod board;
pub mod ids;
pub mod queue_action;
pub mod status;

#[cfg(feature = "ssr")]
pub mod availability;
#[cfg(feature = "ssr")]
pub mod format;
#[cfg(feature = "ssr")]
pub mod hours;
#[cfg(feature = "ssr")]
pub mod ics;
#[cfg(feature = "ssr")]
pub mod model;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod visit;

#[cfg(feature = "ssr")]
pub use plan::{
    one_a_day, patient_may_cancel, plan_booking, plan_booking_as, within_booking_limit, BookingRuleError, BookingSource, CancelRefusal, HeldPlace,
    PlannedAppointment, PROPOSAL_HOLD_HOURS, WEB_CODE_MINUTES,
};

#[cfg(feature = "ssr")]
mod plan {
    use chrono::{DateTime, Duration, NaiveDate, Utc};

    use super::availability::{AvailabilityQuery, Booked, Offer};
    use super::ids::{AppointmentId, MenuId, ResourceId};
    use super::model::{Approval, BookingMode, Menu};
    use super::schedule::Schedule;
    use super::status::AppointmentStatus;

    /// What a new booking becomes, decided from fresh facts inside the write transaction.
    #[derive(Clone, Debug, PartialEq)]
    pub struct PlannedAppointment {
        pub offer: Offer,
        pub status: AppointmentStatus,
        pub hold_expires_at: Option<DateTime<Utc>>,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
    pub enum BookingRuleError {
        /// Full, outside hours, too soon, too far ahead, or not a start time of this menu.
        #[error("this time is no longer available")]
        NotAvailable,
        /// The patient already holds a place of this menu that day, and the menu allows one.
        #[error("already booked that day")]
        AlreadyBooked,
        /// The patient already has as many open requests and upcoming visits as the clinic allows.
        #[error("the patient holds the clinic's limit of {limit} places")]
        LimitReached { limit: u32 },
    }

    /// One of the patient's appointments, as the one-a-day rule reads it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct HeldPlace {
        pub id: AppointmentId,
        pub menu_id: MenuId,
        /// The clinic-local date of the visit.
        pub date: NaiveDate,
        /// Whether it is still to come: a request that holds its place, or a confirmed visit (a
        /// visit that has happened, or was cancelled, declined or missed, does not count).
        pub holds: bool,
    }

    /// A patient holds one place of a menu per clinic-local day, unless the menu allows several.
    /// The visit a reschedule replaces does not count: moving a visit within its day is fine.
    pub fn one_a_day(menu: &Menu, date: NaiveDate, places: &[HeldPlace], replacing: Option<AppointmentId>) -> Result<(), BookingRuleError> {
        let taken = places.iter().any(|p| p.holds && p.menu_id == menu.id && p.date == date && Some(p.id) != replacing);
        if taken && !menu.several_per_day {
            Err(BookingRuleError::AlreadyBooked)
        } else {
            Ok(())
        }
    }

    /// A patient holds at most the clinic's limit of places to come (requests that hold their
    /// place and upcoming visits), so one person cannot empty a clinic's calendar. Moving one of
    /// those places to another time does not add one; "moving" a visit that is over does.
    pub fn within_booking_limit(limit: u32, places: &[HeldPlace], replacing: Option<AppointmentId>) -> Result<(), BookingRuleError> {
        let held = places.iter().filter(|p| p.holds).count();
        let moves_a_held_place = replacing.is_some_and(|id| places.iter().any(|p| p.holds && p.id == id));
        if !moves_a_held_place && held >= limit as usize {
            Err(BookingRuleError::LimitReached { limit })
        } else {
            Ok(())
        }
    }

    /// Who asks for a place, which decides what the new appointment becomes.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub enum BookingSource {
        /// The patient in LINE: confirmed at once or a request, as the menu says.
        #[default]
        Patient,
        /// A patient on the clinic's website, without LINE: the place is held for
        /// [`WEB_CODE_MINUTES`] while they confirm the code sent to their e-mail address; then
        /// it is what [`BookingSource::Patient`]'s would be.
        Website,
        /// Reception books a phone call: confirmed at once.
        Reception,
        /// The clinic proposes this place instead of a request: held for the patient's answer.
        Proposal,
    }

    /// How long a website request holds its place waiting for its e-mail code.
    pub const WEB_CODE_MINUTES: i64 = 15;

    /// How long a patient has to answer the clinic's proposal (never past the visit's start).
    pub const PROPOSAL_HOLD_HOURS: i64 = 24;

    /// Re-checks a requested place against the rules and the current appointments; the client's
    /// idea of the place is only a key (resource and start), never trusted for anything else.
    pub fn plan_booking(
        schedule: Schedule<'_>,
        menu: &Menu,
        booked: &[Booked],
        resource: ResourceId,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<PlannedAppointment, BookingRuleError> {
        plan_booking_as(schedule, menu, booked, resource, starts_at, now, BookingSource::Patient)
    }

    /// [`plan_booking`] for a booking that `source` makes.
    pub fn plan_booking_as(
        schedule: Schedule<'_>,
        menu: &Menu,
        booked: &[Booked],
        resource: ResourceId,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
        source: BookingSource,
    ) -> Result<PlannedAppointment, BookingRuleError> {
        let date = starts_at.with_timezone(&schedule.clinic.time_zone).date_naive();
        let query = AvailabilityQuery { schedule, menu, from: date, to: date, now, booked };
        let offer = query.offers().into_iter().find(|o| o.resource_id == resource && o.starts_at == starts_at).ok_or(BookingRuleError::NotAvailable)?;
        // A request never holds its place past the visit itself (for a day queue: past the
        // day's closing, since patients join the queue while it runs).
        let latest = match menu.mode {
            BookingMode::DayQueue { .. } => offer.ends_at,
            BookingMode::TimeSlot { .. } | BookingMode::TimeBand { .. } => offer.starts_at,
        };
        let (status, hold_expires_at) = match (source, menu.approval) {
            (BookingSource::Reception, _) | (BookingSource::Patient, Approval::AutoConfirm) => (AppointmentStatus::Confirmed, None),
            (BookingSource::Patient, Approval::RequiresStaff) => {
                let expiry = (now + Duration::minutes(menu.hold_minutes.into())).min(latest);
                (AppointmentStatus::Requested, Some(expiry))
            }
            (BookingSource::Proposal, _) => (AppointmentStatus::Requested, Some((now + Duration::hours(PROPOSAL_HOLD_HOURS)).min(latest))),
            (BookingSource::Website, _) => (AppointmentStatus::Verifying, Some((now + Duration::minutes(WEB_CODE_MINUTES)).min(latest))),
        };
        Ok(PlannedAppointment { offer, status, hold_expires_at })
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum CancelRefusal {
        /// Only a confirmed visit can be cancelled by the patient (the life cycle says so).
        NotConfirmed(AppointmentStatus),
        /// The menu's cancellation cut-off has passed.
        PastCutOff { deadline: DateTime<Utc> },
    }

    /// Whether the patient may still cancel: the visit is confirmed and the menu's cut-off
    /// (e.g. 24 hours before) has not passed. `Ok` carries the deadline.
    pub fn patient_may_cancel(menu: &Menu, status: AppointmentStatus, starts_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, CancelRefusal> {
        if status != AppointmentStatus::Confirmed {
            return Err(CancelRefusal::NotConfirmed(status));
        }
        let deadline = starts_at - Duration::minutes(menu.cancel_cutoff_minutes.into());
        if now >= deadline {
            return Err(CancelRefusal::PastCutOff { deadline });
        }
        Ok(deadline)
    }
}

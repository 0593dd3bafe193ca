//! When reception may act on a visit: marked arrived on its day, completed or missed once it has
//! begun (a click on next week's visit must not end it early: its reminder and the patient's
//! cancel would be lost), cancelled by the clinic at any time.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::hours::time_of;
use super::ids::ResourceId;
use super::schedule::Interval;
use super::status::{AppointmentStatus, VisitAction};

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the visit has not come yet")]
pub struct NotYet;

/// Whether `action` may be taken on a visit of the clinic-local `date` starting at `starts_at`.
pub fn visit_has_come(action: VisitAction, date: NaiveDate, starts_at: DateTime<Utc>, today: NaiveDate, now: DateTime<Utc>) -> Result<(), NotYet> {
    let come = match action {
        VisitAction::Arrived => date == today,
        VisitAction::Completed | VisitAction::NoShow => starts_at <= now,
        VisitAction::CancelByClinic => true,
    };
    if come {
        Ok(())
    } else {
        Err(NotYet)
    }
}

/// Whether closing `date` (for one practitioner or room, or with `None` the whole clinic) falls
/// on an appointment of `resource` on its clinic-local `day`: a request or a visit that day.
/// What is over (declined, cancelled, done) is history and stays as it is.
pub fn falls_on_closure(status: AppointmentStatus, resource: ResourceId, day: NaiveDate, date: NaiveDate, closed: Option<ResourceId>) -> bool {
    matches!(status, AppointmentStatus::Requested | AppointmentStatus::Confirmed) && day == date && closed.is_none_or(|c| c == resource)
}

/// Whether a visit from `starts` to `ends` (clinic-local) on its `day` still lies within the day's
/// `open` intervals, as hours being changed leave them: a slot or a band within one interval; a
/// place in the day's queue as long as the day opens at all (its number stays good however the
/// hours move).
pub fn within_hours(queue: bool, day: NaiveDate, starts: NaiveDateTime, ends: NaiveDateTime, open: &[Interval]) -> bool {
    if queue {
        return !open.is_empty();
    }
    // A visit ending at midnight ends at the day's 24:00, as the hours say it.
    let ends = if ends.date() > day { time_of(1440) } else { ends.time() };
    starts.date() == day && open.iter().any(|(opens, closes)| *opens <= starts.time() && ends <= *closes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn a_visit_is_acted_on_only_once_it_has_come() {
        let now = Utc.with_ymd_and_hms(2030, 1, 7, 1, 0, 0).single().expect("time");
        let today = NaiveDate::from_ymd_opt(2030, 1, 7).expect("date");
        let tomorrow = today.succ_opt().expect("date");
        let later = now + Duration::minutes(30);
        assert_eq!(visit_has_come(VisitAction::Arrived, today, later, today, now), Ok(()), "arrived early on the day");
        assert_eq!(visit_has_come(VisitAction::Arrived, tomorrow, later, today, now), Err(NotYet));
        assert_eq!(visit_has_come(VisitAction::Completed, today, later, today, now), Err(NotYet));
        assert_eq!(visit_has_come(VisitAction::NoShow, today, now, today, now), Ok(()), "at its start");
        assert_eq!(visit_has_come(VisitAction::CancelByClinic, tomorrow, later, today, now), Ok(()));
    }

    #[test]
    fn new_hours_keep_a_visit_only_if_it_still_fits_in_them() {
        let day = NaiveDate::from_ymd_opt(2030, 1, 8).expect("date");
        let at = |h: u32, m: u32| day.and_hms_opt(h, m, 0).expect("time");
        let t = |h: u32, m: u32| chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time");
        let split = [(t(9, 0), t(12, 0)), (t(14, 0), t(18, 0))];
        assert!(within_hours(false, day, at(11, 30), at(12, 0), &split), "up to the closing minute");
        assert!(!within_hours(false, day, at(11, 45), at(12, 15), &split), "past the closing");
        assert!(!within_hours(false, day, at(12, 30), at(13, 0), &split), "in the break");
        assert!(!within_hours(false, day, at(11, 30), at(14, 30), &split), "across the break");
        assert!(within_hours(false, day, at(14, 0), at(15, 0), &split), "a band in the afternoon");
        assert!(!within_hours(false, day, at(9, 0), at(9, 30), &[]), "closed all day");
        let late = [(t(22, 0), time_of(1440))];
        assert!(within_hours(false, day, at(23, 30), day.succ_opt().expect("date").and_hms_opt(0, 0, 0).expect("time"), &late), "until 24:00");
        // A queue's number holds while the day opens at all.
        assert!(within_hours(true, day, at(9, 0), at(18, 0), &[(t(9, 0), t(10, 0))]));
        assert!(!within_hours(true, day, at(9, 0), at(18, 0), &[]));
    }

    #[test]
    fn a_closure_falls_on_that_days_requests_and_visits_of_what_it_closes() {
        use AppointmentStatus::*;
        let (day, other_day) = (NaiveDate::from_ymd_opt(2030, 1, 8).expect("date"), NaiveDate::from_ymd_opt(2030, 1, 9).expect("date"));
        let (doctor, room) = (ResourceId(1), ResourceId(2));
        assert!(falls_on_closure(Confirmed, doctor, day, day, None), "the whole clinic");
        assert!(falls_on_closure(Requested, doctor, day, day, Some(doctor)));
        assert!(!falls_on_closure(Confirmed, room, day, day, Some(doctor)), "another room stays open");
        assert!(!falls_on_closure(Confirmed, doctor, other_day, day, None), "another day");
        for over in [Declined, Expired, CancelledByPatient, CancelledByClinic, NoShow, Completed] {
            assert!(!falls_on_closure(over, doctor, day, day, None), "{over:?} is history");
        }
    }
}

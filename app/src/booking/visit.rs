//! When reception may act on a visit: marked arrived on its day, completed or missed once it has
//! begun (a click on next week's visit must not end it early: its reminder and the patient's
//! cancel would be lost), cancelled by the clinic at any time.

use chrono::{DateTime, NaiveDate, Utc};

use super::status::VisitAction;

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
}

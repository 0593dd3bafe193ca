//! Which hours a resource is open on a given date: weekly hours, dated exceptions and Japanese
//! national holidays.

use chrono::{Datelike, NaiveDate, NaiveTime};

use super::ids::ResourceId;
use super::model::{Clinic, DateException, ExceptionKind, OpeningHours};

/// A half-open interval of local time, `[opens, closes)`.
pub type Interval = (NaiveTime, NaiveTime);

/// Japanese national holidays (国民の祝日, 振替休日 and 国民の休日), computed by the `jpholiday`
/// crate from the rules of the 祝日法 rather than from a table that runs out.
pub fn is_national_holiday(date: NaiveDate) -> bool {
    // Building the crate's rule registry allocates a box per holiday; a month of availability
    // asks for every date of every resource, so each thread builds it once.
    thread_local! {
        static HOLIDAYS: jpholiday::jpholiday::JPHoliday<'static> = jpholiday::jpholiday::JPHoliday::new();
    }
    HOLIDAYS.with(|holidays| holidays.is_holiday(&date))
}

/// The clinic's calendar: everything needed to say when each resource is open.
#[derive(Clone, Debug)]
pub struct Schedule<'a> {
    pub clinic: &'a Clinic,
    pub hours: &'a [OpeningHours],
    pub exceptions: &'a [DateException],
}

impl Schedule<'_> {
    /// The open intervals of `resource` on `date`, sorted and merged.
    pub fn open_intervals(&self, resource: ResourceId, date: NaiveDate) -> Vec<Interval> {
        let applies = |e: &&DateException| e.date == date && e.resource_id.is_none_or(|r| r == resource);
        let exceptions: Vec<&DateException> = self.exceptions.iter().filter(applies).collect();
        if exceptions.iter().any(|e| e.kind == ExceptionKind::Closed) {
            return Vec::new();
        }
        let extra = exceptions.iter().filter_map(|e| match e.kind {
            ExceptionKind::ExtraHours { opens, closes } => Some((opens, closes)),
            ExceptionKind::Closed => None,
        });

        let closed_for_holiday = !self.clinic.open_on_holidays && is_national_holiday(date);
        let weekly =
            self.hours.iter().filter(|_| !closed_for_holiday).filter(|h| h.resource_id == resource && h.weekday == date.weekday()).map(|h| (h.opens, h.closes));

        merge(weekly.chain(extra).collect())
    }
}

/// Sorts intervals, drops empty ones and merges those that overlap or touch.
fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|(opens, closes)| opens < closes);
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for (opens, closes) in intervals {
        match merged.last_mut() {
            Some(last) if opens <= last.1 => last.1 = last.1.max(closes),
            _ => merged.push((opens, closes)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::ids::{ClinicId, ExceptionId};
    use chrono::Weekday;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }
    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }
    fn clinic(open_on_holidays: bool) -> Clinic {
        Clinic {
            id: ClinicId(1),
            slug: "c".into(),
            name_ja: "医院".into(),
            name_en: "Clinic".into(),
            time_zone: chrono_tz::Asia::Tokyo,
            open_on_holidays,
            reminder_hour: 18,
            booking_limit: 3,
        }
    }
    const R: ResourceId = ResourceId(1);
    const OTHER: ResourceId = ResourceId(2);

    fn weekday_hours() -> Vec<OpeningHours> {
        [Weekday::Mon, Weekday::Tue, Weekday::Wed]
            .into_iter()
            .flat_map(|weekday| [(t(9, 0), t(12, 30)), (t(14, 0), t(18, 0))].map(|(opens, closes)| OpeningHours { resource_id: R, weekday, opens, closes }))
            .collect()
    }

    #[test]
    fn national_holidays_come_from_the_law_not_a_guess() {
        // Published by the Cabinet Office (内閣府「国民の祝日について」) for 2026 and 2027.
        let holidays_2026 = [
            (1, 1),
            (1, 12),
            (2, 11),
            (2, 23),
            (3, 20),
            (4, 29),
            (5, 3),
            (5, 4),
            (5, 5),
            (5, 6),
            (7, 20),
            (8, 11),
            (9, 21),
            (9, 22),
            (9, 23),
            (10, 12),
            (11, 3),
            (11, 23),
        ];
        for (m, day) in holidays_2026 {
            assert!(is_national_holiday(d(2026, m, day)), "2026-{m}-{day}");
        }
        let count_2026 = (0..365).filter(|i| is_national_holiday(d(2026, 1, 1) + chrono::Days::new(*i))).count();
        assert_eq!(count_2026, holidays_2026.len());
        for (m, day) in [(1, 11), (3, 21), (9, 23), (11, 23)] {
            assert!(is_national_holiday(d(2027, m, day)), "2027-{m}-{day}");
        }
        assert!(!is_national_holiday(d(2026, 12, 28)));
    }

    #[test]
    fn weekly_hours_with_a_lunch_break() {
        let hours = weekday_hours();
        let clinic = clinic(false);
        let s = Schedule { clinic: &clinic, hours: &hours, exceptions: &[] };
        // 2026-12-01 is a Tuesday.
        assert_eq!(s.open_intervals(R, d(2026, 12, 1)), vec![(t(9, 0), t(12, 30)), (t(14, 0), t(18, 0))]);
        assert_eq!(s.open_intervals(OTHER, d(2026, 12, 1)), vec![]);
        // Thursday: no hours.
        assert_eq!(s.open_intervals(R, d(2026, 12, 3)), vec![]);
    }

    #[test]
    fn holidays_close_unless_the_clinic_opens_on_them() {
        let hours = weekday_hours();
        // 2026-11-23 (勤労感謝の日) is a Monday.
        let closed = clinic(false);
        let s = Schedule { clinic: &closed, hours: &hours, exceptions: &[] };
        assert_eq!(s.open_intervals(R, d(2026, 11, 23)), vec![]);
        let open = clinic(true);
        let s = Schedule { clinic: &open, hours: &hours, exceptions: &[] };
        assert_eq!(s.open_intervals(R, d(2026, 11, 23)).len(), 2);
    }

    #[test]
    fn exceptions_close_a_day_or_add_hours() {
        let hours = weekday_hours();
        let clinic = clinic(false);
        let exceptions = vec![
            DateException { id: ExceptionId(0), date: d(2026, 12, 1), resource_id: None, kind: ExceptionKind::Closed },
            DateException {
                id: ExceptionId(0),
                date: d(2026, 12, 2),
                resource_id: Some(R),
                kind: ExceptionKind::ExtraHours { opens: t(12, 0), closes: t(14, 0) },
            },
            // Open on a national holiday, only in the morning.
            DateException {
                id: ExceptionId(0),
                date: d(2026, 11, 23),
                resource_id: None,
                kind: ExceptionKind::ExtraHours { opens: t(9, 0), closes: t(12, 0) },
            },
            DateException { id: ExceptionId(0), date: d(2026, 12, 7), resource_id: Some(OTHER), kind: ExceptionKind::Closed },
        ];
        let s = Schedule { clinic: &clinic, hours: &hours, exceptions: &exceptions };
        assert_eq!(s.open_intervals(R, d(2026, 12, 1)), vec![]);
        // The extra hours bridge the lunch break into one interval.
        assert_eq!(s.open_intervals(R, d(2026, 12, 2)), vec![(t(9, 0), t(18, 0))]);
        assert_eq!(s.open_intervals(OTHER, d(2026, 12, 2)), vec![]);
        assert_eq!(s.open_intervals(R, d(2026, 11, 23)), vec![(t(9, 0), t(12, 0))]);
        // A closure of another resource does not close this one.
        assert_eq!(s.open_intervals(R, d(2026, 12, 7)).len(), 2);
    }

    #[test]
    fn merge_sorts_and_joins() {
        assert_eq!(
            merge(vec![(t(14, 0), t(15, 0)), (t(9, 0), t(10, 0)), (t(10, 0), t(11, 0)), (t(12, 0), t(12, 0))]),
            vec![(t(9, 0), t(11, 0)), (t(14, 0), t(15, 0))]
        );
    }
}

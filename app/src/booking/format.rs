//! Times as people read them: in the clinic's time zone, with the weekday.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::model::BookingMode;
use crate::i18n::Lang;

/// `6月3日(火)` / `Tue 3 Jun`.
pub fn date_label(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{}月{}日({})", date.month(), date.day(), weekday_ja(date.weekday())),
        Lang::En => format!("{} {} {}", date.format("%a"), date.day(), date.format("%b")),
    }
}

/// `10:30`, in the clinic's time zone.
pub fn time_label(t: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// `6月3日(火) 10:30` / `Tue 3 Jun 10:30`.
pub fn datetime_label(t: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let local = t.with_timezone(&tz);
    format!("{} {}", date_label(local.date_naive(), lang), time_label(t, tz))
}

/// How a booked or offered place reads: `12月1日(火) 10:30` for a slot,
/// `12月1日(火) 9:00〜10:00` for a band, `12月1日(火) 順番受付 9:00〜12:00` for a day queue.
pub fn place_label(mode: BookingMode, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let date = date_label(starts_at.with_timezone(&tz).date_naive(), lang);
    format!("{date} {}", place_time(mode, starts_at, ends_at, tz, lang))
}

/// The time part of [`place_label`], for a list under a date said once: `10:30`,
/// `9:00〜10:00`, `順番受付 9:00〜12:00`.
pub fn place_time(mode: BookingMode, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let (from, to) = (time_label(starts_at, tz), time_label(ends_at, tz));
    match mode {
        BookingMode::TimeSlot { .. } => from,
        BookingMode::TimeBand { .. } => format!("{from}〜{to}"),
        BookingMode::DayQueue { .. } => format!("{} {from}〜{to}", lang.pick("順番受付", "queue open")),
    }
}

fn weekday_ja(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn labels_are_in_the_clinic_time_zone_with_the_weekday() {
        // 01:30 UTC is 10:30 in Tokyo, on Tuesday 3 June 2025.
        let t = Utc.with_ymd_and_hms(2025, 6, 3, 1, 30, 0).single().expect("valid");
        let tokyo = chrono_tz::Asia::Tokyo;
        assert_eq!(datetime_label(t, tokyo, Lang::Ja), "6月3日(火) 10:30");
        assert_eq!(datetime_label(t, tokyo, Lang::En), "Tue 3 Jun 10:30");
        // Late evening UTC is already the next day in Tokyo.
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 15, 5, 0).single().expect("valid");
        assert_eq!(datetime_label(t, tokyo, Lang::Ja), "12月1日(火) 00:05");
    }

    #[test]
    fn places_read_by_their_booking_mode() {
        let tokyo = chrono_tz::Asia::Tokyo;
        let from = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().expect("valid");
        let to = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().expect("valid");
        assert_eq!(place_label(BookingMode::TimeSlot { seats: 1 }, from, to, tokyo, Lang::Ja), "12月1日(火) 09:00");
        assert_eq!(place_label(BookingMode::TimeBand { capacity: 3 }, from, to, tokyo, Lang::Ja), "12月1日(火) 09:00〜12:00");
        assert_eq!(place_label(BookingMode::DayQueue { places: 9 }, from, to, tokyo, Lang::En), "Tue 1 Dec queue open 09:00〜12:00");
    }
}

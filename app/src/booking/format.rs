//! Times as people read them: in the clinic's time zone, with the weekday.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;

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
}

//! A day's hours as the owner types and reads them: intervals in minutes after midnight
//! (clinic-local), parsed from `9:00-12:30, 14:00-18:00`, checked, and written back.

use chrono::{NaiveTime, Timelike};

/// One interval of a weekly opening, in minutes after midnight (clinic-local); `1440` is 24:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub opens: u32,
    pub closes: u32,
}

/// Why a list of intervals is not a day's hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("an interval must open before it closes")]
    Empty,
    #[error("hours must lie between 00:00 and 24:00")]
    OutOfDay,
    #[error("intervals must not overlap")]
    Overlap,
}

/// Sorts a day's intervals and checks them: each opens before it closes, within 00:00–24:00, and
/// none overlaps another (touching is allowed: 9:00–12:00 and 12:00–13:00).
pub fn check_intervals(intervals: &[Interval]) -> Result<Vec<Interval>, IntervalError> {
    let mut sorted = intervals.to_vec();
    sorted.sort();
    for i in &sorted {
        if i.closes > 1440 || i.opens > 1440 {
            return Err(IntervalError::OutOfDay);
        }
        if i.opens >= i.closes {
            return Err(IntervalError::Empty);
        }
    }
    if sorted.windows(2).any(|w| w[1].opens < w[0].closes) {
        return Err(IntervalError::Overlap);
    }
    Ok(sorted)
}

/// The end of the day as a `NaiveTime` (which has no 24:00): the rules read closing at 23:59:59
/// as closing at midnight.
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// A minute of the day (clinic-local) as a time; 1440 (24:00) is [`END_OF_DAY`].
pub fn time_of(minute: u32) -> NaiveTime {
    if minute >= 1440 {
        return END_OF_DAY;
    }
    NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(END_OF_DAY)
}

/// A time of day as a minute; [`END_OF_DAY`] is 1440.
pub fn minute_of(t: NaiveTime) -> u32 {
    if t == END_OF_DAY {
        1440
    } else {
        t.hour() * 60 + t.minute()
    }
}

impl Interval {
    pub fn of_times(opens: NaiveTime, closes: NaiveTime) -> Interval {
        Interval { opens: minute_of(opens), closes: minute_of(closes) }
    }
}

/// `09:00`; 1440 is `24:00`.
pub fn format_minutes(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// `09:00–12:30, 14:00–18:00` (empty: closed).
pub fn format_intervals(intervals: &[Interval]) -> String {
    intervals.iter().map(|i| format!("{}–{}", format_minutes(i.opens), format_minutes(i.closes))).collect::<Vec<_>>().join(", ")
}

/// A time of day as typed: `9:00`, `09:00`, `9`, `24:00`, full-width digits and `：` accepted.
pub fn parse_minutes(s: &str) -> Option<u32> {
    let s: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '：' => ':',
            _ => c,
        })
        .collect();
    let (h, m) = s.split_once(':').unwrap_or((s.as_str(), "0"));
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// A day's hours as typed: `9:00-12:30, 14:00-18:00` (commas, spaces or new lines between
/// intervals; `-`, `–`, `〜`, `~` between the times). Empty: closed. `None` when unreadable.
pub fn parse_intervals(s: &str) -> Option<Vec<Interval>> {
    s.split([',', '、', '，', '\n', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (a, b) = p.split_once(['-', '–', '〜', '~', '～', '－'])?;
            Some(Interval { opens: parse_minutes(a)?, closes: parse_minutes(b)? })
        })
        .collect()
}

/// The week as a poster says it: weekdays with the same hours together, Monday first, each
/// line `月〜金 09:00–12:30, 14:00–18:00`, closed days as `日 休診`. `days` holds each weekday's
/// hours (Monday first), already merged over the clinic's practitioners and rooms.
pub fn week_summary(days: &[Vec<Interval>; 7], lang: crate::i18n::Lang) -> Vec<String> {
    const JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let names = match lang {
        crate::i18n::Lang::Ja => JA,
        crate::i18n::Lang::En => EN,
    };
    let mut lines = Vec::new();
    let mut start = 0;
    while start < 7 {
        let mut end = start;
        while end + 1 < 7 && days[end + 1] == days[start] {
            end += 1;
        }
        let span = match end - start {
            0 => names[start].to_string(),
            1 => format!("{}{}{}", names[start], lang.pick("・", ", "), names[end]),
            _ => format!("{}{}{}", names[start], lang.pick("〜", "–"), names[end]),
        };
        let hours = if days[start].is_empty() { lang.pick("休診", "closed").to_string() } else { format_intervals(&days[start]) };
        lines.push(format!("{span} {hours}"));
        start = end + 1;
    }
    lines
}

/// The clinic's week as patients read it (the poster, the LIFF page): every practitioner's and
/// room's hours merged per weekday, then [`week_summary`].
pub fn clinic_week(hours: &[crate::booking::model::OpeningHours], lang: crate::i18n::Lang) -> Vec<String> {
    let mut days: [Vec<Interval>; 7] = Default::default();
    for h in hours {
        days[h.weekday.num_days_from_monday() as usize].push(Interval::of_times(h.opens, h.closes));
    }
    week_summary(&days.map(merge), lang)
}

/// The union of several resources' intervals on one day: when the clinic is open at all.
pub fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort_by_key(|i| i.opens);
    let mut merged: Vec<Interval> = Vec::new();
    for i in intervals {
        match merged.last_mut() {
            Some(last) if i.opens <= last.closes => last.closes = last.closes.max(i.closes),
            _ => merged.push(i),
        }
    }
    merged
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn midnight_is_the_end_of_the_day() {
        assert_eq!(minute_of(time_of(1440)), 1440);
        assert_eq!(minute_of(time_of(570)), 570);
        assert_eq!(Interval::of_times(time_of(540), time_of(1440)), Interval { opens: 540, closes: 1440 });
    }

    #[test]
    fn typed_hours_are_read() {
        assert_eq!(parse_minutes("9:00"), Some(540));
        assert_eq!(parse_minutes("０９：３０"), Some(570));
        assert_eq!(parse_minutes("24:00"), Some(1440));
        assert_eq!(parse_minutes("24:30"), None);
        assert_eq!(parse_minutes("9:60"), None);
        assert_eq!(parse_intervals(""), Some(vec![]));
        assert_eq!(parse_intervals("9:00-12:30, 14:00〜18:00"), Some(vec![Interval { opens: 540, closes: 750 }, Interval { opens: 840, closes: 1080 }]));
        assert_eq!(parse_intervals("9:00"), None);
        assert_eq!(format_intervals(&[Interval { opens: 540, closes: 1440 }]), "09:00–24:00");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(opens: u32, closes: u32) -> Interval {
        Interval { opens, closes }
    }

    #[test]
    fn intervals_are_sorted_and_checked() {
        assert_eq!(check_intervals(&[i(840, 1080), i(540, 750)]), Ok(vec![i(540, 750), i(840, 1080)]));
        assert_eq!(check_intervals(&[i(540, 720), i(720, 780)]).map(|v| v.len()), Ok(2));
        assert_eq!(check_intervals(&[i(0, 1440)]).map(|v| v.len()), Ok(1));
        assert_eq!(check_intervals(&[]), Ok(vec![]));
        assert_eq!(check_intervals(&[i(600, 600)]), Err(IntervalError::Empty));
        assert_eq!(check_intervals(&[i(700, 600)]), Err(IntervalError::Empty));
        assert_eq!(check_intervals(&[i(600, 1441)]), Err(IntervalError::OutOfDay));
        assert_eq!(check_intervals(&[i(540, 720), i(700, 800)]), Err(IntervalError::Overlap));
    }

    #[test]
    fn the_week_reads_as_a_poster_says_it() {
        use crate::i18n::Lang;
        let weekday = vec![i(540, 750), i(840, 1080)];
        let mut days: [Vec<Interval>; 7] = Default::default();
        for d in &mut days[..5] {
            *d = weekday.clone();
        }
        days[5] = vec![i(540, 750)];
        assert_eq!(week_summary(&days, Lang::Ja), ["月〜金 09:00–12:30, 14:00–18:00", "土 09:00–12:30", "日 休診"]);
        assert_eq!(week_summary(&days, Lang::En), ["Mon–Fri 09:00–12:30, 14:00–18:00", "Sat 09:00–12:30", "Sun closed"]);
        days[2] = vec![];
        assert_eq!(
            week_summary(&days, Lang::Ja),
            ["月・火 09:00–12:30, 14:00–18:00", "水 休診", "木・金 09:00–12:30, 14:00–18:00", "土 09:00–12:30", "日 休診"]
        );
        assert_eq!(merge(vec![i(840, 1080), i(540, 750), i(600, 900)]), [i(540, 1080)]);
        assert_eq!(merge(vec![i(540, 600), i(660, 720)]), [i(540, 600), i(660, 720)]);
    }
}

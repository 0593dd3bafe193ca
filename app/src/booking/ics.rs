//! An appointment as an iCalendar file (RFC 5545), for a patient's calendar app. Times are UTC
//! (`…Z`): every calendar shows them in the phone's own zone, so no time zone table is needed.

use chrono::{DateTime, Utc};

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value: backslash, comma, semicolon and newlines escaped.
fn text(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n")
}

/// Lines longer than 75 octets are folded (CRLF and a space), never inside a character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out
}

/// One event: `uid` stays the same for the appointment, so importing it again updates it.
pub fn ics(uid: &str, title: &str, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Yoyaku//Booking//JA".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}@yoyaku", text(uid)),
        format!("DTSTAMP:{}", stamp(now)),
        format!("DTSTART:{}", stamp(starts_at)),
        format!("DTEND:{}", stamp(ends_at)),
        format!("SUMMARY:{}", text(title)),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    lines.iter().map(|l| fold(l) + "\r\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_in_utc_escaped_and_folded() {
        let start = DateTime::parse_from_rfc3339("2026-12-03T10:00:00+09:00").expect("time").to_utc();
        let file = ics("r1", "さくら内科クリニック 一般内科, 初診; 予約", start, start + chrono::Duration::minutes(30), start);
        assert!(file.contains("\r\nDTSTART:20261203T010000Z\r\n") && file.contains("\r\nDTEND:20261203T013000Z\r\n"), "{file}");
        assert!(file.contains("一般内科\\, 初診\\; 予約"), "{file}");
        for line in file.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = file.replace("\r\n ", "");
        assert!(unfolded.contains("SUMMARY:さくら内科クリニック 一般内科\\, 初診\\; 予約\r\n"), "{unfolded}");
        assert!(file.starts_with("BEGIN:VCALENDAR\r\n") && file.ends_with("END:VCALENDAR\r\n"));
    }
}

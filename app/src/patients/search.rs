//! Finding patients: katakana and hiragana, full- and half-width letters and digits, case and
//! spaces are all the same to a search, and a phone number matches with or without hyphens.
//! Each patient is stored with the folded forms of their name, furigana and phone
//! ([`SearchKeys`]); storage matches the folded query against them, so both backends find
//! exactly the same patients.

use chrono::{DateTime, Utc};

use super::HistoryCounts;
use crate::booking::status::AppointmentStatus;
use crate::store::{Appointment, Patient, PatientDetails};

/// The folded forms a patient is found by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchKeys {
    pub name: String,
    pub furigana: String,
    /// The phone number's digits.
    pub phone: String,
}

impl SearchKeys {
    pub fn of(details: &PatientDetails) -> Self {
        SearchKeys { name: fold(&details.name), furigana: fold(&details.furigana), phone: fold(&details.phone).chars().filter(char::is_ascii_digit).collect() }
    }
}

impl HistoryCounts {
    pub fn of(appointments: &[Appointment], now: DateTime<Utc>) -> Self {
        use AppointmentStatus::*;
        let mut counts = HistoryCounts::default();
        for a in appointments {
            match a.status {
                Completed => counts.visits += 1,
                Confirmed if a.starts_at > now => counts.upcoming += 1,
                // A request whose hold has run out is as good as expired.
                Requested if a.starts_at > now && a.hold_expires_at.is_none_or(|t| t > now) => counts.upcoming += 1,
                CancelledByPatient | CancelledByClinic => counts.cancellations += 1,
                NoShow => counts.no_shows += 1,
                Declined => counts.declined += 1,
                // A website request before its code is not the clinic's to count yet.
                Verifying | Requested | Confirmed | Expired => {}
            }
        }
        counts
    }
}

/// A search query, normalised once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientQuery {
    text: String,
    /// The digits of a query that looks like a phone number (digits, hyphens, spaces, brackets, +).
    digits: Option<String>,
}

impl PatientQuery {
    pub fn new(query: &str) -> Self {
        let text = fold(query);
        // Hyphens come in many forms: ASCII, the dashes of U+2010..2015, minus, 長音符 (ー).
        let phone_like =
            !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || "-+()\u{2010}\u{2011}\u{2012}\u{2013}\u{2014}\u{2015}\u{2212}ー".contains(c));
        let digits = phone_like.then(|| text.chars().filter(char::is_ascii_digit).collect::<String>()).filter(|d| !d.is_empty());
        PatientQuery { text, digits }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The folded query, matched anywhere in a folded name or furigana.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The digits of a query that looks like a phone number, matched anywhere in a phone.
    pub fn digits(&self) -> Option<&str> {
        self.digits.as_deref()
    }

    /// Whether the patient's name, furigana or phone contains the query.
    pub fn matches(&self, patient: &Patient) -> bool {
        if self.text.is_empty() || patient.details.name.trim().is_empty() {
            return false;
        }
        let keys = SearchKeys::of(&patient.details);
        keys.name.contains(&self.text) || keys.furigana.contains(&self.text) || self.digits.as_ref().is_some_and(|digits| keys.phone.contains(digits.as_str()))
    }
}

/// Whether `patient` matches `query` (see [`PatientQuery`]).
pub fn matches(patient: &Patient, query: &str) -> bool {
    PatientQuery::new(query).matches(patient)
}

/// The form names are compared in: full-width ASCII to half-width, half-width katakana to
/// full-width, katakana to hiragana, lower case, without spaces (an ideographic space included).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in half_width_kana_to_full(s).chars() {
        let c = match c {
            // Full-width ASCII (！ … ～) to ASCII.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            // Katakana ァ … ヶ to hiragana ぁ … ゖ.
            '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            c => c,
        };
        if c.is_whitespace() {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Half-width katakana (ｶﾞ, ﾊﾟ …) to full-width, voiced marks joined.
fn half_width_kana_to_full(s: &str) -> String {
    const BASE: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
    let base: Vec<char> = BASE.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FF66}'..='\u{FF9D}' => out.push(base[(c as u32 - 0xFF66) as usize]),
            // ﾞ: voiced; ﾟ: semi-voiced. Joined to the kana before when it has that form.
            '\u{FF9E}' | '\u{FF9F}' => {
                let voiced = c == '\u{FF9E}';
                let joined = out.last().and_then(|&prev| {
                    let code = prev as u32;
                    if voiced && prev == 'ウ' {
                        return Some('ヴ');
                    }
                    let dakuten = voiced && "カキクケコサシスセソタチツテトハヒフヘホ".contains(prev);
                    let handakuten = !voiced && "ハヒフヘホ".contains(prev);
                    (dakuten || handakuten).then(|| char::from_u32(code + if voiced { 1 } else { 2 })).flatten()
                });
                match joined {
                    Some(j) => {
                        out.pop();
                        out.push(j);
                    }
                    None => out.push(if voiced { '゛' } else { '゜' }),
                }
            }
            c => out.push(c),
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::ids::{AppointmentId, ClinicId, PatientId};
    use crate::i18n::Lang;
    use crate::store::Identity;

    fn patient(name: &str, furigana: &str, phone: &str) -> Patient {
        Patient {
            id: PatientId(1),
            clinic_id: ClinicId(1),
            identity: Identity::Offline,
            details: PatientDetails { name: name.into(), furigana: furigana.into(), phone: phone.into(), birth_date: None },
            language: Lang::Ja,
        }
    }

    #[test]
    fn kana_width_case_and_spaces_fold_away() {
        assert_eq!(fold("ヤマダ　タロウ"), "やまだたろう");
        assert_eq!(fold("ﾔﾏﾀﾞ ﾀﾛｳ"), "やまだたろう");
        assert_eq!(fold("ﾊﾟﾝ ｶﾞｯｺｳ"), "ぱんがっこう");
        assert_eq!(fold("Ｙａｍａｄａ Taro"), "yamadataro");
        assert_eq!(fold("０９０－１２３４"), "090-1234");
    }

    #[test]
    fn names_furigana_and_phones_match() {
        let p = patient("山田 太郎", "ヤマダ タロウ", "090-1234-5678");
        for q in ["山田", "山田太郎", "やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "たろう", "09012345678", "1234-5678", "５６７８", " 090 1234 "] {
            assert!(matches(&p, q), "{q}");
        }
        for q in ["", "  ", "佐藤", "さとう", "080", "1234-9"] {
            assert!(!matches(&p, q), "{q}");
        }
        let p = patient("Smith John", "すみす", "09000000000");
        assert!(matches(&p, "smith"));
        assert!(matches(&p, "スミス"));
    }

    #[test]
    fn patients_without_a_name_are_never_found() {
        assert!(!matches(&patient("", "", "09012345678"), "090"));
    }

    #[test]
    fn history_counts_each_outcome() {
        let now = DateTime::<Utc>::from_timestamp(2_000_000_000, 0).expect("time");
        let at = |hours: i64, status| Appointment {
            id: AppointmentId(1),
            clinic_id: ClinicId(1),
            menu_id: crate::booking::ids::MenuId(1),
            resource_id: crate::booking::ids::ResourceId(1),
            patient_id: PatientId(1),
            starts_at: now + chrono::Duration::hours(hours),
            ends_at: now + chrono::Duration::hours(hours + 1),
            service_date: now.date_naive(),
            status,
            queue_number: None,
            hold_expires_at: None,
            created_at: now,
            reference: String::new(),
            replaces_id: None,
            note: None,
            proposal: false,
            arrived_at: None,
            called_at: None,
            skipped_at: None,
            attendance_confirmed_at: None,
        };
        use AppointmentStatus::*;
        let list = [
            at(-100, Completed),
            at(-50, Completed),
            at(-40, NoShow),
            at(-30, CancelledByPatient),
            at(10, CancelledByClinic),
            at(-20, Declined),
            at(-10, Expired),
            at(-5, Confirmed),
            at(24, Confirmed),
            at(48, Requested),
        ];
        assert_eq!(HistoryCounts::of(&list, now), HistoryCounts { visits: 2, upcoming: 2, cancellations: 2, no_shows: 1, declined: 1 });
    }
}

//! A date of birth as elderly patients give it: an era (西暦, or 大正・昭和・平成・令和 as on
//! their insurance card), a year, a month and a day, instead of a date picker that opens on this
//! year. The parts become the `YYYY-MM-DD` the server checks; what cannot be read is passed on as
//! typed, so the server names the field.

/// 西暦 or a Japanese era, with the Gregorian year before its first year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Era {
    #[default]
    Western,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    pub const ALL: [Era; 5] = [Era::Western, Era::Showa, Era::Heisei, Era::Reiwa, Era::Taisho];

    pub fn code(self) -> &'static str {
        match self {
            Era::Western => "western",
            Era::Taisho => "taisho",
            Era::Showa => "showa",
            Era::Heisei => "heisei",
            Era::Reiwa => "reiwa",
        }
    }

    pub fn from_code(code: &str) -> Era {
        Era::ALL.into_iter().find(|e| e.code() == code).unwrap_or_default()
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            Era::Western => ("西暦", "Western (AD)"),
            Era::Taisho => ("大正", "Taishō"),
            Era::Showa => ("昭和", "Shōwa"),
            Era::Heisei => ("平成", "Heisei"),
            Era::Reiwa => ("令和", "Reiwa"),
        };
        lang.pick(ja, en)
    }

    /// The era's last year, as its people count (昭和64年 is 1989).
    fn span(self) -> Option<(i32, u32)> {
        match self {
            Era::Western => None,
            Era::Taisho => Some((1911, 15)),
            Era::Showa => Some((1925, 64)),
            Era::Heisei => Some((1988, 31)),
            Era::Reiwa => Some((2018, 99)),
        }
    }

    /// An era written in front of the year: 昭和23, S23, h5 …
    fn prefix(year: &str) -> Option<(Era, &str)> {
        let table = [
            ("大正", Era::Taisho),
            ("昭和", Era::Showa),
            ("平成", Era::Heisei),
            ("令和", Era::Reiwa),
            ("T", Era::Taisho),
            ("S", Era::Showa),
            ("H", Era::Heisei),
            ("R", Era::Reiwa),
        ];
        table.into_iter().find_map(|(p, era)| {
            let rest = year.strip_prefix(p).or_else(|| (p.len() == 1).then(|| year.strip_prefix(&p.to_lowercase())).flatten())?;
            Some((era, rest))
        })
    }
}

/// The parts as the patient entered them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BirthParts {
    pub era: Era,
    pub year: String,
    pub month: String,
    pub day: String,
}

impl BirthParts {
    /// `YYYY-MM-DD`, or the parts as typed when they do not make a year (the server then says
    /// what is wrong); empty when nothing was entered.
    pub fn compose(&self) -> String {
        let year = fold_digits(self.year.trim()).replace('年', "");
        let (month, day) = (self.month.trim(), self.day.trim());
        if year.is_empty() && month.is_empty() && day.is_empty() {
            return String::new();
        }
        let (era, number) = Era::prefix(&year).unwrap_or((self.era, year.as_str()));
        let western = number.trim().parse::<u32>().ok().and_then(|n| match era.span() {
            None => (1000..=9999).contains(&n).then_some(n as i32),
            Some((before, last)) => (1..=last).contains(&n).then_some(before + n as i32),
        });
        match (western, month.parse::<u32>(), day.parse::<u32>()) {
            (Some(y), Ok(m), Ok(d)) => format!("{y:04}-{m:02}-{d:02}"),
            _ => format!("{year}-{month}-{day}"),
        }
    }

    /// The parts of a stored `YYYY-MM-DD` (remembered from the last booking), in 西暦.
    pub fn of(date: &str) -> BirthParts {
        let mut parts = date.splitn(3, '-');
        let (y, m, d) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
        let number = |s: &str| s.trim_start_matches('0').to_string();
        BirthParts { era: Era::Western, year: y.to_string(), month: number(m), day: number(d) }
    }
}

/// Full-width digits (０-９), as Japanese keyboards often type them, become ASCII.
pub fn fold_digits(s: &str) -> String {
    s.chars().map(|c| if ('０'..='９').contains(&c) { char::from(b'0' + (c as u32 - '０' as u32) as u8) } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(era: Era, year: &str, month: &str, day: &str) -> String {
        BirthParts { era, year: year.into(), month: month.into(), day: day.into() }.compose()
    }

    #[test]
    fn eras_and_typed_prefixes_become_the_western_date() {
        assert_eq!(parts(Era::Western, "1948", "2", "3"), "1948-02-03");
        assert_eq!(parts(Era::Showa, "23", "2", "3"), "1948-02-03");
        assert_eq!(parts(Era::Western, "昭和23", "2", "3"), "1948-02-03", "the era typed in the year wins");
        assert_eq!(parts(Era::Western, "S23", "2", "3"), "1948-02-03");
        assert_eq!(parts(Era::Western, "s２３年", "2", "3"), "1948-02-03", "full-width digits, 年");
        assert_eq!(parts(Era::Showa, "64", "1", "7"), "1989-01-07", "昭和64年");
        assert_eq!(parts(Era::Heisei, "1", "1", "8"), "1989-01-08");
        assert_eq!(parts(Era::Heisei, "h5", "12", "31"), "1993-12-31");
        assert_eq!(parts(Era::Reiwa, "2", "4", "1"), "2020-04-01");
        assert_eq!(parts(Era::Taisho, "15", "12", "24"), "1926-12-24");
    }

    #[test]
    fn what_is_not_a_year_goes_to_the_server_as_typed() {
        assert_eq!(parts(Era::Showa, "65", "1", "1"), "65-1-1", "昭和 had 64 years");
        assert_eq!(parts(Era::Western, "48", "1", "1"), "48-1-1", "a two-digit western year is not guessed");
        assert_eq!(parts(Era::Western, "", "", ""), "");
        assert_eq!(parts(Era::Western, "1948", "", "3"), "1948--3");
    }

    #[test]
    fn a_remembered_date_fills_the_parts() {
        let p = BirthParts::of("1948-02-03");
        assert_eq!(p, BirthParts { era: Era::Western, year: "1948".into(), month: "2".into(), day: "3".into() });
        assert_eq!(p.compose(), "1948-02-03");
        assert_eq!(BirthParts::of(""), BirthParts::default());
    }
}

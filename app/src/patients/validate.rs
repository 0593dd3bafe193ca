use chrono::NaiveDate;

use super::DetailsInput;
use crate::booking::ids::QuestionId;
use crate::error::{BadField, Reason};
use crate::store::{PatientDetails, Question, QuestionKind};

pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_ANSWER_CHARS: usize = 500;

/// Full-width digits and spaces, as Japanese keyboards type them, become ASCII.
fn normalise(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '　' => ' ',
            'ー' | '－' | '‐' | '―' => c,
            _ => c,
        })
        .collect()
}

/// A Japanese phone number: 11 digits for mobiles (090…), 10 for other numbers, starting with 0;
/// hyphens, spaces and full-width digits are accepted and removed.
pub fn phone(input: &str) -> Option<String> {
    let digits: String = normalise(input).chars().filter(|c| !matches!(c, '-' | ' ' | '－' | '‐' | '―' | 'ー' | '(' | ')')).collect();
    // Mobile and IP phones (050, 070, 080, 090) have 11 digits, other numbers 10.
    let mobile = ["050", "070", "080", "090"].iter().any(|p| digits.starts_with(p));
    let length = if mobile { 11 } else { 10 };
    let ok = digits.starts_with('0') && digits.len() == length && digits.chars().all(|c| c.is_ascii_digit());
    ok.then_some(digits)
}

fn is_kana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | '・' | ' ' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ')
}

/// Checks the patient's details; every broken field is named with its reason.
pub fn details(input: &DetailsInput, today: NaiveDate) -> Result<PatientDetails, Vec<BadField>> {
    let mut errors = Vec::new();
    let name = normalise(&input.name);
    if name.is_empty() {
        errors.push(BadField::new("name", Reason::Required));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(BadField::new("name", Reason::TooLong { max: MAX_NAME_CHARS }));
    }
    let furigana = normalise(&input.furigana);
    if furigana.is_empty() {
        errors.push(BadField::new("furigana", Reason::Required));
    } else if furigana.chars().count() > MAX_NAME_CHARS {
        errors.push(BadField::new("furigana", Reason::TooLong { max: MAX_NAME_CHARS }));
    } else if !furigana.chars().all(is_kana) {
        errors.push(BadField::new("furigana", Reason::NotKana));
    }
    let phone = phone(&input.phone);
    if phone.is_none() {
        errors.push(BadField::new("phone", Reason::NotPhone));
    }
    let typed_birth_date = normalise(&input.birth_date);
    let birth_date = NaiveDate::parse_from_str(typed_birth_date.as_str(), "%Y-%m-%d").ok();
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1);
    match birth_date {
        None if typed_birth_date.is_empty() => errors.push(BadField::new("birth_date", Reason::Required)),
        None => errors.push(BadField::new("birth_date", Reason::NotDate)),
        Some(d) if Some(d) < earliest || d > today => errors.push(BadField::new("birth_date", Reason::BirthDate)),
        Some(_) => {}
    }
    match (errors.is_empty(), phone) {
        (true, Some(phone)) => Ok(PatientDetails { name, furigana, phone, birth_date }),
        _ => Err(errors),
    }
}

/// Checks the answers against the menu's questions. Choices are stored in Japanese whatever
/// language the patient used, so staff read one form.
pub fn answers(questions: &[Question], given: &[(QuestionId, String)]) -> Result<Vec<(QuestionId, String)>, Vec<BadField>> {
    let mut errors = Vec::new();
    let mut accepted = Vec::new();
    for q in questions {
        let field = format!("question-{}", q.id);
        let answer = given.iter().find(|(id, _)| *id == q.id).map(|(_, a)| a.trim()).unwrap_or("");
        if answer.is_empty() {
            if q.required {
                errors.push(BadField::new(field, Reason::Required));
            }
            continue;
        }
        let stored = match q.kind {
            QuestionKind::Text if answer.chars().count() > MAX_ANSWER_CHARS => {
                errors.push(BadField::new(field, Reason::TooLong { max: MAX_ANSWER_CHARS }));
                continue;
            }
            QuestionKind::Text => answer.to_string(),
            QuestionKind::YesNo => match answer {
                "yes" | "no" => answer.to_string(),
                _ => {
                    errors.push(BadField::new(field, Reason::NotYesNo));
                    continue;
                }
            },
            QuestionKind::Choice => {
                let index = q.choices_ja.iter().position(|c| c == answer).or_else(|| q.choices_en.iter().position(|c| c == answer));
                match index.and_then(|i| q.choices_ja.get(i)) {
                    Some(ja) => ja.clone(),
                    None => {
                        errors.push(BadField::new(field, Reason::NotAChoice));
                        continue;
                    }
                }
            }
        };
        accepted.push((q.id, stored));
    }
    if errors.is_empty() {
        Ok(accepted)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::ids::MenuId;
    use crate::store::QuestionSpec;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
    }
    fn input(name: &str, furigana: &str, phone: &str, birth: &str) -> DetailsInput {
        DetailsInput { name: name.into(), furigana: furigana.into(), phone: phone.into(), birth_date: birth.into() }
    }

    #[test]
    fn good_details_are_normalised() {
        let d = details(&input(" 山田 花子 ", "ヤマダ　ハナコ", "０９０－１２３４－５６７８", "1950-04-01"), today()).expect("valid");
        assert_eq!((d.name.as_str(), d.furigana.as_str(), d.phone.as_str()), ("山田 花子", "ヤマダ ハナコ", "09012345678"));
        assert_eq!(d.birth_date, NaiveDate::from_ymd_opt(1950, 4, 1));
        assert!(details(&input("A", "やまだ", "03-1234-5678", "2000-01-01"), today()).is_ok());
    }

    #[test]
    fn every_broken_field_is_named_with_its_reason() {
        let errors = details(&input("", "Yamada", "12345", "2030-01-01"), today()).expect_err("invalid");
        let found: Vec<(&str, &Reason)> = errors.iter().map(|e| (e.field.as_str(), &e.reason)).collect();
        assert_eq!(found, [("name", &Reason::Required), ("furigana", &Reason::NotKana), ("phone", &Reason::NotPhone), ("birth_date", &Reason::BirthDate)]);
        let short = details(&input("山田", "ヤマダ", "090-1234-567", "1950-04-01"), today()).expect_err("short phone");
        assert_eq!(short, [BadField::new("phone", Reason::NotPhone)]);
        let long = details(&input(&"長".repeat(51), "ヤマダ", "09012345678", "1950-04-01"), today()).expect_err("long");
        assert_eq!(long, [BadField::new("name", Reason::TooLong { max: MAX_NAME_CHARS })]);
        let old = details(&input("山田", "ヤマダ", "09012345678", "1899-12-31"), today()).expect_err("too old");
        assert_eq!(old, [BadField::new("birth_date", Reason::BirthDate)]);
        let typo = details(&input("山田", "ヤマダ", "09012345678", "not a date"), today()).expect_err("not a date");
        assert_eq!(typo, [BadField::new("birth_date", Reason::NotDate)]);
        let missing = details(&input("山田", "ヤマダ", "09012345678", ""), today()).expect_err("missing");
        assert_eq!(missing, [BadField::new("birth_date", Reason::Required)]);
    }

    fn q(id: i64, kind: QuestionKind, required: bool) -> Question {
        Question {
            id: QuestionId(id),
            menu_id: MenuId(1),
            spec: QuestionSpec {
                label_ja: "質問".into(),
                label_en: "Question".into(),
                kind,
                choices_ja: vec!["あり".into(), "なし".into()],
                choices_en: vec!["Yes".into(), "No".into()],
                required,
            },
        }
    }

    #[test]
    fn answers_follow_their_questions() {
        let questions = [q(1, QuestionKind::Text, true), q(2, QuestionKind::Choice, true), q(3, QuestionKind::YesNo, false)];
        let ok = answers(&questions, &[(QuestionId(1), " 頭痛 ".into()), (QuestionId(2), "No".into())]).expect("valid");
        assert_eq!(ok, vec![(QuestionId(1), "頭痛".to_string()), (QuestionId(2), "なし".to_string())]);
        let errors = answers(&questions, &[(QuestionId(2), "Maybe".into()), (QuestionId(3), "perhaps".into())]).expect_err("invalid");
        assert_eq!(
            errors,
            [BadField::new("question-1", Reason::Required), BadField::new("question-2", Reason::NotAChoice), BadField::new("question-3", Reason::NotYesNo)]
        );
        let long = "あ".repeat(501);
        assert_eq!(answers(&questions[..1], &[(QuestionId(1), long)]), Err(vec![BadField::new("question-1", Reason::TooLong { max: MAX_ANSWER_CHARS })]));
        // Answers to questions the menu does not have are dropped.
        let extra = answers(&questions[2..], &[(QuestionId(99), "x".into())]).expect("valid");
        assert!(extra.is_empty());
    }
}

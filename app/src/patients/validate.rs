use chrono::NaiveDate;

use super::{DetailsInput, FieldError};
use crate::booking::ids::QuestionId;
use crate::i18n::Lang;
use crate::store::{PatientDetails, Question, QuestionKind};

pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_ANSWER_CHARS: usize = 500;

fn error(field: &str, lang: Lang, ja: &str, en: &str) -> FieldError {
    FieldError { field: field.to_string(), message: lang.pick(ja, en).to_string() }
}

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
    let digits: String = normalise(input)
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '－' | '‐' | '―' | 'ー' | '(' | ')'))
        .collect();
    // Mobile and IP phones (050, 070, 080, 090) have 11 digits, other numbers 10.
    let mobile = ["050", "070", "080", "090"].iter().any(|p| digits.starts_with(p));
    let length = if mobile { 11 } else { 10 };
    let ok = digits.starts_with('0') && digits.len() == length && digits.chars().all(|c| c.is_ascii_digit());
    ok.then_some(digits)
}

fn is_kana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | '・' | ' ' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ')
}

/// Checks the patient's details; every broken field gets its own message.
pub fn details(input: &DetailsInput, lang: Lang, today: NaiveDate) -> Result<PatientDetails, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = normalise(&input.name);
    if name.is_empty() {
        errors.push(error("name", lang, "お名前を入力してください。", "Please enter your name."));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(error("name", lang, "お名前は50文字以内で入力してください。", "Please keep your name within 50 characters."));
    }
    let furigana = normalise(&input.furigana);
    if furigana.is_empty() {
        errors.push(error("furigana", lang, "フリガナを入力してください。", "Please enter the reading of your name (furigana)."));
    } else if furigana.chars().count() > MAX_NAME_CHARS || !furigana.chars().all(is_kana) {
        errors.push(error("furigana", lang, "フリガナはカタカナかひらがなで入力してください。", "Please write the furigana in katakana or hiragana."));
    }
    let phone = phone(&input.phone);
    if phone.is_none() {
        errors.push(error(
            "phone",
            lang,
            "電話番号は0から始まる10桁か11桁の数字で入力してください(例: 090-1234-5678)。",
            "Please enter a Japanese phone number of 10 or 11 digits starting with 0 (e.g. 090-1234-5678).",
        ));
    }
    let birth_date = NaiveDate::parse_from_str(normalise(&input.birth_date).as_str(), "%Y-%m-%d").ok();
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1);
    match birth_date {
        None => errors.push(error("birth_date", lang, "生年月日を入力してください。", "Please enter your date of birth.")),
        Some(d) if Some(d) < earliest || d > today => {
            errors.push(error("birth_date", lang, "生年月日を確かめてください。", "Please check your date of birth."))
        }
        Some(_) => {}
    }
    match (errors.is_empty(), phone) {
        (true, Some(phone)) => Ok(PatientDetails { name, furigana, phone, birth_date }),
        _ => Err(errors),
    }
}

/// Checks the answers against the menu's questions. Choices are stored in Japanese whatever
/// language the patient used, so staff read one form.
pub fn answers(questions: &[Question], given: &[(QuestionId, String)], lang: Lang) -> Result<Vec<(QuestionId, String)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut accepted = Vec::new();
    for q in questions {
        let field = format!("question-{}", q.id);
        let answer = given.iter().find(|(id, _)| *id == q.id).map(|(_, a)| a.trim()).unwrap_or("");
        if answer.is_empty() {
            if q.required {
                errors.push(error(&field, lang, "この質問にお答えください。", "Please answer this question."));
            }
            continue;
        }
        let stored = match q.kind {
            QuestionKind::Text if answer.chars().count() > MAX_ANSWER_CHARS => {
                errors.push(error(&field, lang, "500文字以内でお書きください。", "Please keep your answer within 500 characters."));
                continue;
            }
            QuestionKind::Text => answer.to_string(),
            QuestionKind::YesNo => match answer {
                "yes" | "no" => answer.to_string(),
                _ => {
                    errors.push(error(&field, lang, "「はい」か「いいえ」を選んでください。", "Please choose yes or no."));
                    continue;
                }
            },
            QuestionKind::Choice => {
                let index = q.choices_ja.iter().position(|c| c == answer).or_else(|| q.choices_en.iter().position(|c| c == answer));
                match index.and_then(|i| q.choices_ja.get(i)) {
                    Some(ja) => ja.clone(),
                    None => {
                        errors.push(error(&field, lang, "選択肢から選んでください。", "Please pick one of the choices."));
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

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
    }
    fn input(name: &str, furigana: &str, phone: &str, birth: &str) -> DetailsInput {
        DetailsInput { name: name.into(), furigana: furigana.into(), phone: phone.into(), birth_date: birth.into() }
    }

    #[test]
    fn good_details_are_normalised() {
        let d = details(&input(" 山田 花子 ", "ヤマダ　ハナコ", "０９０－１２３４－５６７８", "1950-04-01"), Lang::Ja, today()).expect("valid");
        assert_eq!((d.name.as_str(), d.furigana.as_str(), d.phone.as_str()), ("山田 花子", "ヤマダ ハナコ", "09012345678"));
        assert_eq!(d.birth_date, NaiveDate::from_ymd_opt(1950, 4, 1));
        assert!(details(&input("A", "やまだ", "03-1234-5678", "2000-01-01"), Lang::Ja, today()).is_ok());
    }

    #[test]
    fn every_broken_field_is_named_in_the_patients_language() {
        let errors = details(&input("", "Yamada", "12345", "2030-01-01"), Lang::En, today()).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "furigana", "phone", "birth_date"]);
        assert!(errors[2].message.starts_with("Please enter a Japanese phone number"));
        let ja = details(&input("山田", "ヤマダ", "090-1234-567", "1950-04-01"), Lang::Ja, today()).expect_err("short phone");
        assert_eq!(ja.len(), 1);
        assert!(ja[0].message.starts_with("電話番号は"));
        assert!(details(&input(&"長".repeat(51), "ヤマダ", "09012345678", "1950-04-01"), Lang::Ja, today()).is_err());
        assert!(details(&input("山田", "ヤマダ", "09012345678", "1899-12-31"), Lang::Ja, today()).is_err());
        assert!(details(&input("山田", "ヤマダ", "09012345678", "not a date"), Lang::Ja, today()).is_err());
    }

    fn q(id: i64, kind: QuestionKind, required: bool) -> Question {
        Question {
            id: QuestionId(id),
            menu_id: MenuId(1),
            label_ja: "質問".into(),
            label_en: "Question".into(),
            kind,
            choices_ja: vec!["あり".into(), "なし".into()],
            choices_en: vec!["Yes".into(), "No".into()],
            required,
        }
    }

    #[test]
    fn answers_follow_their_questions() {
        let questions = [q(1, QuestionKind::Text, true), q(2, QuestionKind::Choice, true), q(3, QuestionKind::YesNo, false)];
        let ok = answers(&questions, &[(QuestionId(1), " 頭痛 ".into()), (QuestionId(2), "No".into())], Lang::En).expect("valid");
        assert_eq!(ok, vec![(QuestionId(1), "頭痛".to_string()), (QuestionId(2), "なし".to_string())]);
        let errors = answers(&questions, &[(QuestionId(2), "Maybe".into()), (QuestionId(3), "perhaps".into())], Lang::Ja).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["question-1", "question-2", "question-3"]);
        let long = "あ".repeat(501);
        assert!(answers(&questions[..1], &[(QuestionId(1), long)], Lang::Ja).is_err());
        // Answers to questions the menu does not have are dropped.
        let extra = answers(&questions[2..], &[(QuestionId(99), "x".into())], Lang::Ja).expect("valid");
        assert!(extra.is_empty());
    }
}

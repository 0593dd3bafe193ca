//! The checks of every settings form: each broken field is named with its reason (the message is
//! made from it in `crate::error::messages`).

use chrono::NaiveDate;

use super::*;
use crate::booking::ids::ClinicId;
use crate::booking::model::{Approval, BookingMode, Menu, Resource};
use crate::error::{BadField, Reason};
use crate::store::settings::{check_intervals, parse_intervals, parse_minutes, Interval, IntervalError, LineUpdate, MenuSetting};
use crate::store::Question;

pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_NOTICE_CHARS: usize = 5000;
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Full-width digits become ASCII.
fn ascii_digits(s: &str) -> String {
    s.trim().chars().map(|c| if ('０'..='９').contains(&c) { char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c) } else { c }).collect()
}

/// A whole number between `min` and `max`.
pub fn number(field: &str, value: &str, min: u32, max: u32) -> Result<u32, BadField> {
    match ascii_digits(value).parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(BadField::new(field, Reason::OutOfRange { min, max })),
    }
}

/// A name or text that must be given and not too long; trimmed.
fn text(errors: &mut Vec<BadField>, field: &str, value: &str, max: usize) -> String {
    let value = value.trim().to_string();
    if value.is_empty() {
        errors.push(BadField::new(field, Reason::Required));
    } else if value.chars().count() > max {
        errors.push(BadField::new(field, Reason::TooLong { max }));
    }
    value
}

fn done<T>(value: T, errors: Vec<BadField>) -> Result<T, Vec<BadField>> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

pub fn menu(f: &MenuForm, clinic: ClinicId, resources: &[Resource]) -> Result<MenuSetting, Vec<BadField>> {
    let mut errors = Vec::new();
    let name_ja = text(&mut errors, "menu-name_ja", &f.name_ja, MAX_NAME_CHARS);
    let name_en = text(&mut errors, "menu-name_en", &f.name_en, MAX_NAME_CHARS);
    let mut num = |field: &str, value: &str, min, max| number(&format!("menu-{field}"), value, min, max).map_err(|e| errors.push(e)).unwrap_or(0);
    let duration = num("duration_minutes", &f.duration_minutes, 1, 720);
    let capacity = num("capacity", &f.capacity, 1, 500);
    let buffer_before = num("buffer_before_minutes", &f.buffer_before_minutes, 0, 240);
    let buffer_after = num("buffer_after_minutes", &f.buffer_after_minutes, 0, 240);
    let min_notice = num("min_notice_minutes", &f.min_notice_minutes, 0, 43_200);
    let horizon = num("horizon_days", &f.horizon_days, 1, 365);
    let cutoff = num("cancel_cutoff_minutes", &f.cancel_cutoff_minutes, 0, 43_200);
    let hold = num("hold_minutes", &f.hold_minutes, 1, 10_080);
    let mut resource_ids = f.resource_ids.clone();
    resource_ids.sort();
    resource_ids.dedup();
    if resource_ids.is_empty() {
        errors.push(BadField::new("menu-resources", Reason::ChooseOne));
    } else if !resource_ids.iter().all(|id| resources.iter().any(|r| r.id == *id)) {
        errors.push(BadField::new("menu-resources", Reason::NotTheClinics));
    }
    let menu = Menu {
        id: f.id.unwrap_or(crate::booking::ids::MenuId(0)),
        clinic_id: clinic,
        name_ja,
        name_en,
        duration_minutes: duration,
        mode: BookingMode::new(f.mode, capacity),
        buffer_before_minutes: buffer_before,
        buffer_after_minutes: buffer_after,
        min_notice_minutes: min_notice,
        horizon_days: horizon,
        cancel_cutoff_minutes: cutoff,
        approval: if f.auto_confirm { Approval::AutoConfirm } else { Approval::RequiresStaff },
        hold_minutes: hold,
        resource_ids,
    };
    done(MenuSetting { menu, active: f.active }, errors)
}

pub fn resource(f: &ResourceForm, clinic: ClinicId) -> Result<Resource, Vec<BadField>> {
    let mut errors = Vec::new();
    let id = f.id.map_or(0, |id| id.0);
    let name_ja = text(&mut errors, &format!("resource-{id}-name_ja"), &f.name_ja, MAX_NAME_CHARS);
    let name_en = text(&mut errors, &format!("resource-{id}-name_en"), &f.name_en, MAX_NAME_CHARS);
    done(Resource { id: crate::booking::ids::ResourceId(id), clinic_id: clinic, name_ja, name_en, kind: f.kind }, errors)
}

fn interval_reason(e: IntervalError) -> Reason {
    match e {
        IntervalError::Empty => Reason::OpensAfterCloses,
        IntervalError::OutOfDay => Reason::OutsideDay,
        IntervalError::Overlap => Reason::Overlap,
    }
}

/// A day's hours as typed (`9:00-12:30, 14:00-18:00`; empty: closed).
pub fn hours(field: &str, typed: &str) -> Result<Vec<Interval>, BadField> {
    let intervals = parse_intervals(typed).ok_or_else(|| BadField::new(field, Reason::NotHours))?;
    check_intervals(&intervals).map_err(|e| BadField::new(field, interval_reason(e)))
}

pub fn exception(f: &ExceptionForm) -> Result<(NaiveDate, Option<ResourceId>, Option<Interval>), Vec<BadField>> {
    let mut errors = Vec::new();
    let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        errors.push(BadField::new("exception-date", Reason::NotDate));
    }
    let extra = if f.closed {
        None
    } else {
        match (parse_minutes(&f.opens), parse_minutes(&f.closes)) {
            (Some(opens), Some(closes)) => {
                let i = Interval { opens, closes };
                check_intervals(&[i]).map_err(|e| errors.push(BadField::new("exception-closes", interval_reason(e)))).ok().map(|_| i)
            }
            (opens, closes) => {
                if opens.is_none() {
                    errors.push(BadField::new("exception-opens", Reason::NotATime));
                }
                if closes.is_none() {
                    errors.push(BadField::new("exception-closes", Reason::NotATime));
                }
                None
            }
        }
    };
    match date {
        Some(date) => done((date, f.resource_id, extra), errors),
        None => Err(errors),
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

pub fn question(f: &QuestionForm) -> Result<Question, Vec<BadField>> {
    let mut errors = Vec::new();
    let label_ja = text(&mut errors, "question-label_ja", &f.label_ja, MAX_LABEL_CHARS);
    let label_en = text(&mut errors, "question-label_en", &f.label_en, MAX_LABEL_CHARS);
    let (choices_ja, choices_en) = if f.kind == QuestionKind::Choice {
        let (ja, en) = (lines(&f.choices_ja), lines(&f.choices_en));
        if ja.len() < 2 {
            errors.push(BadField::new("question-choices_ja", Reason::TooFewChoices));
        } else if ja.len() != en.len() {
            errors.push(BadField::new("question-choices_en", Reason::ChoicesDiffer));
        }
        (ja, en)
    } else {
        (Vec::new(), Vec::new())
    };
    let question = Question {
        id: f.id.unwrap_or(QuestionId(0)),
        menu_id: f.menu_id,
        label_ja,
        label_en,
        kind: f.kind,
        choices_ja,
        choices_en,
        required: f.required,
    };
    done(question, errors)
}

/// At least [`MIN_PASSWORD_CHARS`] characters (spaces count; nothing is trimmed).
pub fn password(field: &str, value: &str) -> Result<(), BadField> {
    let chars = value.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(BadField::new(field, Reason::PasswordTooShort { min: MIN_PASSWORD_CHARS }));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(BadField::new(field, Reason::TooLong { max: MAX_PASSWORD_CHARS }));
    }
    Ok(())
}

/// A new staff account: its e-mail (trimmed, lower case) and name.
pub fn staff(f: &StaffForm) -> Result<(String, String), Vec<BadField>> {
    let mut errors = Vec::new();
    let email = f.email.trim().to_lowercase();
    let valid_email = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if !valid_email {
        errors.push(BadField::new("staff-email", Reason::NotEmail));
    }
    let display_name = text(&mut errors, "staff-name", &f.name, MAX_NAME_CHARS);
    if let Err(e) = password("staff-password", &f.password) {
        errors.push(e);
    }
    done((email, display_name), errors)
}

pub fn privacy(ja: &str, en: &str) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    text(&mut errors, "privacy-ja", ja, MAX_NOTICE_CHARS);
    text(&mut errors, "privacy-en", en, MAX_NOTICE_CHARS);
    done((), errors)
}

fn token_like(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_graphic())
}

/// The LINE form. An empty secret keeps the stored one; a secret is checked for its shape only
/// and never echoed in a message.
pub fn line(f: &LineForm) -> Result<LineUpdate, Vec<BadField>> {
    let mut errors = Vec::new();
    let liff_id = f.liff_id.trim().to_string();
    let valid_liff = liff_id.split_once('-').is_some_and(|(channel, rest)| {
        !channel.is_empty() && channel.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if !valid_liff {
        errors.push(BadField::new("line-liff_id", Reason::NotLiffId));
    }
    let login = f.login_channel_id.trim().to_string();
    if login.is_empty() || login.len() > 20 || !login.chars().all(|c| c.is_ascii_digit()) {
        errors.push(BadField::new("line-login_channel_id", Reason::NotChannelId));
    }
    let friend = f.add_friend_url.trim().to_string();
    if !(friend.is_empty() || (friend.starts_with("https://") && token_like(&friend, 300))) {
        errors.push(BadField::new("line-add_friend_url", Reason::NotHttps));
    }
    let secret = f.channel_secret.trim();
    if !secret.is_empty() && !token_like(secret, 200) {
        errors.push(BadField::new("line-channel_secret", Reason::NotSecret));
    }
    let token = f.channel_access_token.trim();
    if !token.is_empty() && !token_like(token, 2000) {
        errors.push(BadField::new("line-channel_access_token", Reason::NotToken));
    }
    let update = LineUpdate {
        liff_id,
        login_channel_id: login,
        add_friend_url: (!friend.is_empty()).then_some(friend),
        channel_secret: (!secret.is_empty()).then(|| secret.to_string()),
        channel_access_token: (!token.is_empty()).then(|| token.to_string()),
    };
    done(update, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::model::ResourceKind;
    use crate::error::messages;
    use crate::i18n::Lang;

    fn fields(errors: &[BadField]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_menu_form_reports_each_broken_field() {
        let resources = [Resource { id: ResourceId(1), clinic_id: ClinicId(1), name_ja: "医師".into(), name_en: "Doctor".into(), kind: ResourceKind::Practitioner }];
        let good = MenuForm { name_ja: "初診".into(), name_en: "First visit".into(), resource_ids: vec![ResourceId(1)], ..MenuForm::new_menu() };
        let menu = menu(&good, ClinicId(1), &resources).expect("valid");
        assert_eq!(menu.menu.duration_minutes, 30);
        let bad = MenuForm { name_en: "".into(), duration_minutes: "abc".into(), capacity: "0".into(), resource_ids: vec![ResourceId(99)], ..good };
        let errors = super::menu(&bad, ClinicId(1), &resources).expect_err("invalid");
        assert_eq!(fields(&errors), ["menu-name_en", "menu-duration_minutes", "menu-capacity", "menu-resources"]);
        assert_eq!(errors[1].reason, Reason::OutOfRange { min: 1, max: 720 });
        assert!(messages::reason(&errors[1].reason, Lang::En).contains("from 1 to 720"));
        assert_eq!(errors[3].reason, Reason::NotTheClinics);
    }

    #[test]
    fn a_staff_form_reports_each_broken_field_and_never_echoes_the_password() {
        let good = StaffForm { email: " Reception@Clinic.JP ".into(), name: "受付 花子".into(), role: StaffRole::Staff, password: "correct horse".into() };
        assert_eq!(staff(&good), Ok(("reception@clinic.jp".into(), "受付 花子".into())));
        let bad = StaffForm { email: "no-at-sign".into(), name: " ".into(), role: StaffRole::Owner, password: "short-pw1".into() };
        let errors = staff(&bad).expect_err("invalid");
        assert_eq!(fields(&errors), ["staff-email", "staff-name", "staff-password"]);
        assert!(messages::reason(&errors[2].reason, Lang::En).contains("at least 10"));
        assert!(errors.iter().all(|e| !messages::reason(&e.reason, Lang::Ja).contains("short-pw1")));
        assert!(!format!("{good:?}").contains("correct horse"));
        assert!(password("p", &"x".repeat(201)).is_err());
    }

    #[test]
    fn hours_and_line_forms_are_checked() {
        assert_eq!(hours("h", "９：００-12:00").map(|v| v.len()), Ok(1));
        assert_eq!(hours("h", "12:00-9:00").expect_err("backwards").reason, Reason::OpensAfterCloses);
        assert_eq!(hours("h", "9-12, 11-13").expect_err("overlap").reason, Reason::Overlap);
        assert_eq!(hours("h", "nine to five").expect_err("unreadable").reason, Reason::NotHours);
        let form = LineForm { liff_id: "1657000000-AbCd".into(), login_channel_id: "1657000000".into(), channel_secret: "bad secret".into(), ..LineForm::default() };
        let errors = line(&form).expect_err("invalid");
        assert_eq!(fields(&errors), ["line-channel_secret"]);
        assert!(!messages::reason(&errors[0].reason, Lang::En).contains("bad secret"));
        let ok = line(&LineForm { channel_secret: String::new(), ..form }).expect("valid");
        assert_eq!(ok.channel_secret, None);
        assert!(!format!("{:?}", LineForm { channel_secret: "s3cr3t".into(), ..LineForm::default() }).contains("s3cr3t"));
    }
}

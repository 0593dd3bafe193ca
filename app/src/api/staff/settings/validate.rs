//! The settings forms read: typed text becomes the specs the settings rules check
//! (`crate::settings`), every broken field named with its reason.

use chrono::NaiveDate;

use super::*;
use crate::booking::hours::{parse_intervals, parse_minutes, Interval};
use crate::booking::model::{Approval, BookingMode, MenuSpec, Resource, ResourceSpec};
use crate::error::{BadField, Reason};
use crate::settings::{self, Range};
use crate::store::{LineSettings, QuestionSpec};

/// Full-width digits become ASCII.
fn ascii_digits(s: &str) -> String {
    s.trim().chars().map(|c| if ('０'..='９').contains(&c) { char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c) } else { c }).collect()
}

/// A whole number as typed, in `range`.
pub fn number(field: &str, value: &str, range: Range) -> Result<u32, BadField> {
    match ascii_digits(value).parse::<u32>() {
        Ok(n) if (range.min..=range.max).contains(&n) => Ok(n),
        _ => Err(range.refusal(field)),
    }
}

/// Days answers are kept after the visit, as typed: empty keeps them until deleted by hand.
pub fn answers_kept_days(typed: &str) -> Result<Option<u32>, Vec<BadField>> {
    if typed.trim().is_empty() {
        return Ok(None);
    }
    number("answers-kept-days", typed, settings::ANSWERS_KEPT_DAYS).map(Some).map_err(|e| vec![e])
}

/// The errors of the form's own reading, then those of the rules (for the fields that were
/// read), all at once.
fn merge(mut read: Vec<BadField>, rules: Result<(), Vec<BadField>>) -> Result<(), Vec<BadField>> {
    for e in rules.err().unwrap_or_default() {
        if !read.iter().any(|r| r.field == e.field) {
            read.push(e);
        }
    }
    if read.is_empty() {
        Ok(())
    } else {
        Err(read)
    }
}

pub fn menu(f: &MenuForm, resources: &[Resource]) -> Result<MenuSpec, Vec<BadField>> {
    let mut errors = Vec::new();
    let mut num = |field: &str, value: &str, range: Range| number(&format!("menu-{field}"), value, range).map_err(|e| errors.push(e)).unwrap_or(range.min);
    let duration = num("duration_minutes", &f.duration_minutes, settings::DURATION);
    let capacity = num("capacity", &f.capacity, settings::CAPACITY);
    let buffer_before = num("buffer_before_minutes", &f.buffer_before_minutes, settings::BUFFER);
    let buffer_after = num("buffer_after_minutes", &f.buffer_after_minutes, settings::BUFFER);
    let min_notice = num("min_notice_minutes", &f.min_notice_minutes, settings::NOTICE);
    let horizon = num("horizon_days", &f.horizon_days, settings::HORIZON);
    let cutoff = num("cancel_cutoff_minutes", &f.cancel_cutoff_minutes, settings::CUT_OFF);
    let hold = num("hold_minutes", &f.hold_minutes, settings::HOLD);
    // Asked (and shown) only for a day queue; another mode keeps the default.
    let near_turn = if f.mode == crate::kinds::ModeKind::Queue { num("near_turn", &f.near_turn, settings::NEAR_TURN) } else { 3 };
    let mut resource_ids = f.resource_ids.clone();
    resource_ids.sort();
    resource_ids.dedup();
    let spec = MenuSpec {
        name_ja: f.name_ja.trim().to_string(),
        name_en: f.name_en.trim().to_string(),
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
        active: f.active,
        several_per_day: f.several_per_day,
        near_turn,
    };
    merge(errors, settings::check_menu(&spec, resources)).map(|()| spec)
}

pub fn resource(f: &ResourceForm) -> Result<ResourceSpec, Vec<BadField>> {
    let spec = ResourceSpec { name_ja: f.name_ja.trim().to_string(), name_en: f.name_en.trim().to_string(), kind: f.kind };
    settings::check_resource(f.id, &spec).map(|()| spec)
}

/// A day's hours as typed (`9:00-12:30, 14:00-18:00`; empty: closed).
pub fn hours(field: &str, typed: &str) -> Result<Vec<Interval>, BadField> {
    let intervals = parse_intervals(typed).ok_or_else(|| BadField::new(field, Reason::NotHours))?;
    settings::check_hours(field, &intervals)
}

/// One weekday's hours of `resource` as the page sends them (`weekday` 0 = Monday, the hours
/// as typed), refused on that day's field.
pub fn weekday_hours(resource: ResourceId, weekday: u8, typed: &str) -> Result<(chrono::Weekday, Vec<Interval>), BadField> {
    let field = format!("hours-{resource}-{weekday}");
    let day = chrono::Weekday::try_from(weekday).map_err(|_| BadField::new(&field, Reason::ChooseOne))?;
    Ok((day, hours(&field, typed)?))
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
                settings::check_hours("exception-closes", &[i]).map_err(|e| errors.push(e)).ok().map(|_| i)
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
        Some(date) if errors.is_empty() => Ok((date, f.resource_id, extra)),
        _ => Err(errors),
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

pub fn question(f: &QuestionForm) -> Result<QuestionSpec, Vec<BadField>> {
    let choice = f.kind == QuestionKind::Choice;
    let spec = QuestionSpec {
        label_ja: f.label_ja.trim().to_string(),
        label_en: f.label_en.trim().to_string(),
        kind: f.kind,
        choices_ja: if choice { lines(&f.choices_ja) } else { Vec::new() },
        choices_en: if choice { lines(&f.choices_en) } else { Vec::new() },
        required: f.required,
    };
    settings::check_question(&spec).map(|()| spec)
}

/// At least [`MIN_PASSWORD_CHARS`] characters (spaces count; nothing is trimmed).
pub fn password(field: &str, value: &str) -> Result<(), BadField> {
    const MAX_PASSWORD_CHARS: usize = 200;
    let chars = value.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(BadField::new(field, Reason::PasswordTooShort { min: MIN_PASSWORD_CHARS }));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(BadField::new(field, Reason::TooLong { max: MAX_PASSWORD_CHARS }));
    }
    Ok(())
}

/// A new staff account: its e-mail (trimmed, lower case) and name, and the password's length.
pub fn staff(f: &StaffForm) -> Result<(String, String), Vec<BadField>> {
    let (email, name) = (f.email.trim().to_lowercase(), f.name.trim().to_string());
    let read = password("staff-password", &f.password).err().into_iter().collect();
    merge(read, settings::check_staff(&email, &name)).map(|()| (email, name))
}

/// The LINE form. An empty secret keeps the stored one.
pub fn line(f: &LineForm) -> Result<LineSettings, Vec<BadField>> {
    let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let line = LineSettings {
        liff_id: f.liff_id.trim().to_string(),
        login_channel_id: f.login_channel_id.trim().to_string(),
        add_friend_url: given(&f.add_friend_url),
        channel_secret: given(&f.channel_secret),
        channel_access_token: given(&f.channel_access_token),
    };
    settings::check_line(&line).map(|()| line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::ids::ClinicId;
    use crate::booking::model::ResourceKind;
    use crate::error::messages;
    use crate::i18n::Lang;

    fn fields(errors: &[BadField]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_menu_form_reports_each_broken_field_at_once() {
        let resources = [Resource {
            id: ResourceId(1),
            clinic_id: ClinicId(1),
            spec: ResourceSpec { name_ja: "医師".into(), name_en: "Doctor".into(), kind: ResourceKind::Practitioner },
        }];
        let good = MenuForm { name_ja: "初診".into(), name_en: "First visit".into(), resource_ids: vec![ResourceId(1)], ..MenuForm::new_menu() };
        assert_eq!(menu(&good, &resources).expect("valid").duration_minutes, 30);
        let bad = MenuForm { name_en: "".into(), duration_minutes: "abc".into(), capacity: "0".into(), resource_ids: vec![ResourceId(99)], ..good };
        let errors = super::menu(&bad, &resources).expect_err("invalid");
        assert_eq!(fields(&errors), ["menu-duration_minutes", "menu-capacity", "menu-name_en", "menu-resources"]);
        assert_eq!(errors[0].reason, Reason::OutOfRange { min: 1, max: 720 });
        assert!(messages::reason(&errors[0].reason, Lang::En).contains("from 1 to 720"));
        assert_eq!(errors[3].reason, Reason::NotTheClinics);
    }

    #[test]
    fn a_staff_form_reports_each_broken_field_and_never_echoes_the_password() {
        let good = StaffForm { email: " Reception@Clinic.JP ".into(), name: "受付 花子".into(), role: StaffRole::Staff, password: "correct horse".into() };
        assert_eq!(staff(&good), Ok(("reception@clinic.jp".into(), "受付 花子".into())));
        let bad = StaffForm { email: "no-at-sign".into(), name: " ".into(), role: StaffRole::Owner, password: "short-pw1".into() };
        let errors = staff(&bad).expect_err("invalid");
        assert_eq!(fields(&errors), ["staff-password", "staff-email", "staff-name"]);
        assert!(messages::reason(&errors[0].reason, Lang::En).contains("at least 10"));
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
        let form =
            LineForm { liff_id: "1657000000-AbCd".into(), login_channel_id: "1657000000".into(), channel_secret: "bad secret".into(), ..LineForm::default() };
        let errors = line(&form).expect_err("invalid");
        assert_eq!(fields(&errors), ["line-channel_secret"]);
        assert!(!messages::reason(&errors[0].reason, Lang::En).contains("bad secret"));
        let ok = line(&LineForm { channel_secret: String::new(), ..form }).expect("valid");
        assert_eq!(ok.channel_secret, None);
        assert!(!format!("{:?}", LineForm { channel_secret: "s3cr3t".into(), ..LineForm::default() }).contains("s3cr3t"));
    }
}

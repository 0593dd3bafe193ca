//! The rules a clinic's settings follow, whoever sets them (the owner in the console, seeding,
//! the command line): pure checks, each broken field named with its reason under the name the
//! console's form gives it.

use crate::booking::hours::{check_intervals, Interval, IntervalError};
use crate::booking::ids::ResourceId;
use crate::booking::model::{MenuSpec, Resource, ResourceSpec};
use crate::error::{BadField, Reason};
use crate::kinds::QuestionKind;
use crate::store::{LineSettings, NewClinic, QuestionSpec};

/// A whole number a rule allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub min: u32,
    pub max: u32,
}

impl Range {
    pub const fn new(min: u32, max: u32) -> Self {
        Range { min, max }
    }

    pub fn check(self, errors: &mut Vec<BadField>, field: &str, value: u32) {
        if !(self.min..=self.max).contains(&value) {
            errors.push(self.refusal(field));
        }
    }

    pub fn refusal(self, field: &str) -> BadField {
        BadField::new(field, Reason::OutOfRange { min: self.min, max: self.max })
    }
}

pub const DURATION: Range = Range::new(1, 720);
pub const CAPACITY: Range = Range::new(1, 500);
pub const BUFFER: Range = Range::new(0, 240);
pub const NOTICE: Range = Range::new(0, 43_200);
pub const HORIZON: Range = Range::new(1, 365);
pub const CUT_OFF: Range = Range::new(0, 43_200);
/// Patients still before one who is told their turn is near (0: only the next one).
pub const NEAR_TURN: Range = Range::new(0, 20);
pub const HOLD: Range = Range::new(1, 10_080);
pub const REMINDER_HOUR: Range = Range::new(0, 23);
/// Places one patient may hold at once (3 by default, as LINE booking tools offer).
pub const BOOKING_LIMIT: Range = Range::new(1, 20);

/// Days a clinic may keep questionnaire answers after the visit when it deletes them on a
/// schedule (up to ten years).
pub const ANSWERS_KEPT_DAYS: Range = Range::new(1, 3650);

/// The retention rule: kept `days` after the visit, the answers of visits dated before the
/// returned day (the clinic's today less `days`) are deleted.
pub fn answers_deleted_before(now: chrono::DateTime<chrono::Utc>, time_zone: chrono_tz::Tz, days: u32) -> chrono::NaiveDate {
    now.with_timezone(&time_zone).date_naive() - chrono::Days::new(u64::from(days))
}

pub fn check_answers_kept_days(days: Option<u32>) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    if let Some(days) = days {
        ANSWERS_KEPT_DAYS.check(&mut errors, "answers-kept-days", days);
    }
    done(errors)
}

pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_NOTICE_CHARS: usize = 5000;
pub const MAX_SLUG_CHARS: usize = 40;

/// A text that must be given and fit.
fn text(errors: &mut Vec<BadField>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(BadField::new(field, Reason::Required));
    } else if value.chars().count() > max {
        errors.push(BadField::new(field, Reason::TooLong { max }));
    }
}

fn done(errors: Vec<BadField>) -> Result<(), Vec<BadField>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A menu's rules; its practitioners or rooms must be some of `resources` (the clinic's).
pub fn check_menu(menu: &MenuSpec, resources: &[Resource]) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    text(&mut errors, "menu-name_ja", &menu.name_ja, MAX_NAME_CHARS);
    text(&mut errors, "menu-name_en", &menu.name_en, MAX_NAME_CHARS);
    DURATION.check(&mut errors, "menu-duration_minutes", menu.duration_minutes);
    CAPACITY.check(&mut errors, "menu-capacity", menu.mode.capacity());
    BUFFER.check(&mut errors, "menu-buffer_before_minutes", menu.buffer_before_minutes);
    BUFFER.check(&mut errors, "menu-buffer_after_minutes", menu.buffer_after_minutes);
    NOTICE.check(&mut errors, "menu-min_notice_minutes", menu.min_notice_minutes);
    HORIZON.check(&mut errors, "menu-horizon_days", menu.horizon_days);
    CUT_OFF.check(&mut errors, "menu-cancel_cutoff_minutes", menu.cancel_cutoff_minutes);
    HOLD.check(&mut errors, "menu-hold_minutes", menu.hold_minutes);
    NEAR_TURN.check(&mut errors, "menu-near_turn", menu.near_turn);
    if menu.resource_ids.is_empty() {
        errors.push(BadField::new("menu-resources", Reason::ChooseOne));
    } else if !menu.resource_ids.iter().all(|id| resources.iter().any(|r| r.id == *id)) {
        errors.push(BadField::new("menu-resources", Reason::NotTheClinics));
    }
    done(errors)
}

/// The form's name of a resource's field (`resource-0-name_ja` for a new one).
pub fn resource_field(id: Option<ResourceId>, field: &str) -> String {
    format!("resource-{}-{field}", id.map_or(0, |id| id.0))
}

pub fn check_resource(id: Option<ResourceId>, resource: &ResourceSpec) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    text(&mut errors, &resource_field(id, "name_ja"), &resource.name_ja, MAX_NAME_CHARS);
    text(&mut errors, &resource_field(id, "name_en"), &resource.name_en, MAX_NAME_CHARS);
    done(errors)
}

pub fn interval_reason(e: IntervalError) -> Reason {
    match e {
        IntervalError::Empty => Reason::OpensAfterCloses,
        IntervalError::OutOfDay => Reason::OutsideDay,
        IntervalError::Overlap => Reason::Overlap,
    }
}

/// A day's hours, sorted: each opens before it closes, within 00:00–24:00, none overlapping.
pub fn check_hours(field: &str, intervals: &[Interval]) -> Result<Vec<Interval>, BadField> {
    check_intervals(intervals).map_err(|e| BadField::new(field, interval_reason(e)))
}

pub fn check_question(question: &QuestionSpec) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    text(&mut errors, "question-label_ja", &question.label_ja, MAX_LABEL_CHARS);
    text(&mut errors, "question-label_en", &question.label_en, MAX_LABEL_CHARS);
    if question.kind == QuestionKind::Choice {
        if question.choices_ja.len() < 2 {
            errors.push(BadField::new("question-choices_ja", Reason::TooFewChoices));
        } else if question.choices_ja.len() != question.choices_en.len() {
            errors.push(BadField::new("question-choices_en", Reason::ChoicesDiffer));
        }
    }
    done(errors)
}

pub fn check_privacy(ja: &str, en: &str) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    text(&mut errors, "privacy-ja", ja, MAX_NOTICE_CHARS);
    text(&mut errors, "privacy-en", en, MAX_NOTICE_CHARS);
    done(errors)
}

/// How many websites one clinic may embed the widget on.
pub const MAX_WEBSITE_ORIGINS: usize = 10;

/// The websites that may frame the clinic's widget, one origin a line as the owner types them
/// (`https://www.example.jp`, a path or a trailing slash is tolerated and dropped), each made the
/// browser's form of an origin (lower case, punycode, default port left out): that is what a
/// `frame-ancestors` source and a `postMessage` origin are compared with. Plain `http` only for
/// the owner's own machine (`localhost`, loopback addresses), where a designer tries the snippet.
pub fn check_origins(text: &str) -> Result<Vec<String>, BadField> {
    const FIELD: &str = "website_origins";
    let mut origins: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let origin = web_origin(line).ok_or_else(|| BadField::new(FIELD, Reason::NotOrigin))?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    if origins.len() > MAX_WEBSITE_ORIGINS {
        return Err(BadField::new(FIELD, Reason::TooMany { max: MAX_WEBSITE_ORIGINS }));
    }
    Ok(origins)
}

fn web_origin(line: &str) -> Option<String> {
    let url = url::Url::parse(line).ok()?;
    let loopback = match url.host()? {
        // Only letters, digits, hyphens and dots (punycode by now): a `*` or a `;` would widen
        // the `frame-ancestors` header this becomes, or add a directive to it.
        url::Host::Domain(d) if !d.split('.').all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) => return None,
        url::Host::Domain(d) => d == "localhost",
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    let allowed = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    // Credentials, a query or a fragment mean the owner pasted something else than a site.
    let plain = url.username().is_empty() && url.password().is_none() && url.query().is_none() && url.fragment().is_none();
    (allowed && plain).then(|| url.origin().ascii_serialization())
}

/// An e-mail address as accounts are kept: trimmed, lower case, one `@`, a dot in the domain.
pub fn is_email(email: &str) -> bool {
    email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'))
}

/// The clinic's own from-address for its e-mails as the owner types it: empty for none, else
/// one plain address (no display name, nothing that could end a mail header).
pub fn check_mail_from(typed: &str) -> Result<Option<String>, BadField> {
    let address = typed.trim();
    if address.is_empty() {
        return Ok(None);
    }
    let plain = address.bytes().all(|b| b.is_ascii_graphic() && !b"<>\"(),;:[]\\".contains(&b));
    if plain && is_email(address) {
        Ok(Some(address.to_string()))
    } else {
        Err(BadField::new("mail_from", Reason::NotEmail))
    }
}

pub fn check_staff(email: &str, name: &str) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    if !is_email(email) {
        errors.push(BadField::new("staff-email", Reason::NotEmail));
    }
    text(&mut errors, "staff-name", name, MAX_NAME_CHARS);
    done(errors)
}

fn token_like(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_graphic())
}

/// The LINE channels' ids and secrets, by their shape (a secret is never echoed).
pub fn check_line(line: &LineSettings) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    let valid_liff = line.liff_id.split_once('-').is_some_and(|(channel, rest)| {
        !channel.is_empty() && channel.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if !valid_liff {
        errors.push(BadField::new("line-liff_id", Reason::NotLiffId));
    }
    let login = &line.login_channel_id;
    if login.is_empty() || login.len() > 20 || !login.chars().all(|c| c.is_ascii_digit()) {
        errors.push(BadField::new("line-login_channel_id", Reason::NotChannelId));
    }
    if let Some(url) = &line.add_friend_url {
        if !(url.starts_with("https://") && token_like(url, 300)) {
            errors.push(BadField::new("line-add_friend_url", Reason::NotHttps));
        }
    }
    if line.channel_secret.as_deref().is_some_and(|s| !token_like(s, 200)) {
        errors.push(BadField::new("line-channel_secret", Reason::NotSecret));
    }
    if line.channel_access_token.as_deref().is_some_and(|t| !token_like(t, 2000)) {
        errors.push(BadField::new("line-channel_access_token", Reason::NotToken));
    }
    done(errors)
}

/// The map link of the rich menu's アクセス button: an https address LINE takes as a button's
/// link (at most 1,000 characters).
pub fn check_map_url(field: &str, url: &str) -> Result<(), BadField> {
    if url.starts_with("https://") && url.len() > "https://".len() && token_like(url, 1000) {
        Ok(())
    } else {
        Err(BadField::new(field, Reason::NotHttps))
    }
}

/// The rich menu's picture, as LINE takes it for the layout.
pub fn check_rich_menu_image(field: &str, image: &[u8], layout: &crate::line::rich_menu::Layout) -> Result<crate::line::rich_menu::ImageType, BadField> {
    use crate::line::rich_menu::{check_image, ImageProblem, MAX_IMAGE_BYTES, WIDTH};
    check_image(image, layout).map_err(|problem| {
        let reason = match problem {
            ImageProblem::NotPngOrJpeg => Reason::NotPngOrJpeg,
            ImageProblem::TooLarge { .. } => Reason::ImageTooLarge { max_kb: MAX_IMAGE_BYTES / 1024 },
            ImageProblem::WrongSize { width, height } => Reason::ImageSize { width, height, want_width: WIDTH, want_height: layout.height },
        };
        BadField::new(field, reason)
    })
}

/// LINE MINI App service messages: the channel secret by its shape, and each template's name as
/// LINE writes them (without the language suffix, which is added per patient).
pub fn check_service_messages(service: &crate::store::ServiceMessages) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    if service.channel_secret.as_deref().is_some_and(|s| !token_like(s, 200)) {
        errors.push(BadField::new("service-channel_secret", Reason::NotSecret));
    }
    for (notice, name) in &service.templates {
        let lang_suffix = name.ends_with("_ja") || name.ends_with("_en");
        if name.is_empty() || name.len() > 100 || lang_suffix || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            errors.push(BadField::new(format!("service-template-{notice}"), Reason::NotTemplateName));
        }
    }
    done(errors)
}

/// A new clinic: its address name (`/c/{slug}`) is lower-case letters, digits and hyphens.
pub fn check_clinic(clinic: &NewClinic) -> Result<(), Vec<BadField>> {
    let mut errors = Vec::new();
    let slug_ok = !clinic.slug.is_empty()
        && clinic.slug.len() <= MAX_SLUG_CHARS
        && clinic.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !clinic.slug.starts_with('-');
    if !slug_ok {
        errors.push(BadField::new("clinic-slug", Reason::NotSlug));
    }
    text(&mut errors, "clinic-name_ja", &clinic.name_ja, MAX_LABEL_CHARS);
    text(&mut errors, "clinic-name_en", &clinic.name_en, MAX_LABEL_CHARS);
    done(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::ids::ClinicId;
    use crate::booking::model::{Approval, BookingMode, ResourceKind};

    fn fields(errors: &[BadField]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    fn spec() -> MenuSpec {
        MenuSpec {
            name_ja: "初診".into(),
            name_en: "First visit".into(),
            duration_minutes: 30,
            mode: BookingMode::TimeSlot { seats: 1 },
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            min_notice_minutes: 60,
            horizon_days: 30,
            cancel_cutoff_minutes: 1440,
            approval: Approval::RequiresStaff,
            hold_minutes: 60,
            resource_ids: vec![ResourceId(1)],
            active: true,
            several_per_day: false,
            near_turn: 3,
        }
    }

    #[test]
    fn a_menu_follows_every_rule() {
        let ours = [Resource {
            id: ResourceId(1),
            clinic_id: ClinicId(1),
            spec: ResourceSpec { name_ja: "医師".into(), name_en: "Doctor".into(), kind: ResourceKind::Practitioner },
        }];
        assert_eq!(check_menu(&spec(), &ours), Ok(()));
        let broken = MenuSpec {
            name_en: " ".into(),
            duration_minutes: 0,
            mode: BookingMode::TimeBand { capacity: 501 },
            hold_minutes: 20_000,
            resource_ids: vec![ResourceId(2)],
            ..spec()
        };
        let errors = check_menu(&broken, &ours).expect_err("broken");
        assert_eq!(fields(&errors), ["menu-name_en", "menu-duration_minutes", "menu-capacity", "menu-hold_minutes", "menu-resources"]);
        assert_eq!(errors[1].reason, Reason::OutOfRange { min: 1, max: 720 });
        assert_eq!(errors[4].reason, Reason::NotTheClinics);
        assert_eq!(check_menu(&MenuSpec { resource_ids: vec![], ..spec() }, &ours).expect_err("none")[0].reason, Reason::ChooseOne);
    }

    #[test]
    fn questions_line_channels_and_clinics_are_checked() {
        let choice = QuestionSpec {
            label_ja: "熱".into(),
            label_en: "Fever".into(),
            kind: QuestionKind::Choice,
            choices_ja: vec!["はい".into(), "いいえ".into()],
            choices_en: vec!["Yes".into()],
            required: true,
        };
        assert_eq!(fields(&check_question(&choice).expect_err("differ")), ["question-choices_en"]);
        let line = LineSettings {
            liff_id: "1657000000-AbCd".into(),
            login_channel_id: "1657000000".into(),
            channel_secret: Some("bad secret".into()),
            channel_access_token: None,
            add_friend_url: Some("http://x".into()),
        };
        assert_eq!(fields(&check_line(&line).expect_err("bad")), ["line-add_friend_url", "line-channel_secret"]);
        let clinic = NewClinic {
            slug: "Sakura Clinic".into(),
            name_ja: "さくら".into(),
            name_en: "".into(),
            time_zone: chrono_tz::Asia::Tokyo,
            open_on_holidays: false,
        };
        assert_eq!(fields(&check_clinic(&clinic).expect_err("bad")), ["clinic-slug", "clinic-name_en"]);
        assert!(check_clinic(&NewClinic { slug: "sakura-2".into(), name_en: "Sakura".into(), ..clinic }).is_ok());
        assert!(is_email("a@b.jp") && !is_email("a@b") && !is_email("a b@c.jp"));
    }

    #[test]
    fn a_from_address_is_one_plain_address_or_none() {
        assert_eq!(check_mail_from("  "), Ok(None));
        assert_eq!(check_mail_from(" info@sakura-clinic.jp "), Ok(Some("info@sakura-clinic.jp".into())));
        for wrong in ["Sakura <info@sakura.jp>", "info@sakura.jp\r\nBcc: x@y.jp", "a@b.jp, c@d.jp", "info", "情報@sakura.jp"] {
            assert_eq!(check_mail_from(wrong), Err(BadField::new("mail_from", Reason::NotEmail)), "{wrong}");
        }
    }

    #[test]
    fn website_origins_are_the_browsers_form_of_an_origin() {
        let typed = "https://www.Example.jp/\n\n  https://予約.jp:443/booking  \nhttp://127.0.0.1:8080\nhttps://www.example.jp";
        assert_eq!(check_origins(typed), Ok(vec!["https://www.example.jp".into(), "https://xn--0kq264i.jp".into(), "http://127.0.0.1:8080".into()]));
        assert_eq!(check_origins("https://a.example:8443"), Ok(vec!["https://a.example:8443".into()]));
        assert_eq!(check_origins(""), Ok(vec![]));
        for wrong in
            ["http://www.example.jp", "www.example.jp", "https://user:pw@example.jp", "https://example.jp/?a=1", "javascript:alert(1)", "*", "https://"]
        {
            assert_eq!(check_origins(wrong), Err(BadField::new("website_origins", Reason::NotOrigin)), "{wrong}");
        }
        let many: Vec<String> = (0..=MAX_WEBSITE_ORIGINS).map(|i| format!("https://s{i}.example.jp")).collect();
        assert_eq!(check_origins(&many.join("\n")), Err(BadField::new("website_origins", Reason::TooMany { max: MAX_WEBSITE_ORIGINS })));
        assert_eq!(check_origins(&many[1..].join("\n")).map(|o| o.len()), Ok(MAX_WEBSITE_ORIGINS));
    }

    #[test]
    fn answers_are_deleted_the_given_days_after_the_visit_in_the_clinics_time_zone() {
        use chrono::TimeZone;
        let tokyo = chrono_tz::Asia::Tokyo;
        let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // 2026-12-01 23:30 UTC is already 2 December in Tokyo.
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 23, 30, 0).unwrap();
        assert_eq!(answers_deleted_before(now, tokyo, 30), date(2026, 11, 2));
        assert_eq!(answers_deleted_before(now, chrono_tz::UTC, 30), date(2026, 11, 1));
        assert_eq!(answers_deleted_before(now, tokyo, 1), date(2026, 12, 1));
        assert!(check_answers_kept_days(None).is_ok());
        assert!(check_answers_kept_days(Some(1)).is_ok() && check_answers_kept_days(Some(3650)).is_ok());
        for wrong in [0, 3651] {
            let errors = check_answers_kept_days(Some(wrong)).unwrap_err();
            assert_eq!(errors, vec![BadField::new("answers-kept-days", Reason::OutOfRange { min: 1, max: 3650 })]);
        }
    }
}

//! The clinic's settings as the owner edits them in the staff console: weekly hours, closures and
//! extra hours, menus with all their booking rules, practitioners and rooms, the questions per
//! menu, the privacy notice, the reminder hour and the LINE channels.
//!
//! Every change is scoped by the clinic of the signed-in owner (an id of another clinic is
//! `NotFound` and changes nothing) and writes a row of the settings audit in the same
//! transaction. Audit summaries never contain secrets.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc, Weekday};

use super::{Question, StaffRole, StoreError};
use crate::booking::ids::{ClinicId, MenuId, QuestionId, ResourceId, StaffId};
use crate::booking::model::{Menu, Resource};

/// Who changes a setting, for which clinic, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Editor {
    pub clinic: ClinicId,
    pub staff: StaffId,
    pub now: DateTime<Utc>,
}

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

/// A weekly opening interval of a resource, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeeklyInterval {
    pub resource_id: ResourceId,
    pub weekday: Weekday,
    pub interval: Interval,
}

/// A dated exception with its id (to remove it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredException {
    pub id: i64,
    pub date: NaiveDate,
    /// `None`: the whole clinic.
    pub resource_id: Option<ResourceId>,
    /// `None`: closed all day; `Some`: extra hours.
    pub extra: Option<Interval>,
}

/// A menu with the switch that hides it from patients.
#[derive(Clone, Debug, PartialEq)]
pub struct MenuSetting {
    pub menu: Menu,
    pub active: bool,
}

/// Clinic-wide options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClinicOptions {
    /// Open on Japanese national holidays (otherwise closed unless an exception adds hours).
    pub open_on_holidays: bool,
    /// The clinic-local hour (0–23) at which tomorrow's reminders are sent.
    pub reminder_hour: u32,
}

/// A change of the LINE channels. `None` for a secret keeps the stored one (the console never
/// shows secrets back, so an empty field means "unchanged").
#[derive(Clone, PartialEq)]
pub struct LineUpdate {
    pub liff_id: String,
    pub login_channel_id: String,
    pub add_friend_url: Option<String>,
    pub channel_secret: Option<String>,
    pub channel_access_token: Option<String>,
}

/// Secrets are never printed, not even in a debug log.
impl std::fmt::Debug for LineUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineUpdate")
            .field("liff_id", &self.liff_id)
            .field("login_channel_id", &self.login_channel_id)
            .field("add_friend_url", &self.add_friend_url)
            .field("channel_secret", &self.channel_secret.as_ref().map(|_| "<new>"))
            .field("channel_access_token", &self.channel_access_token.as_ref().map(|_| "<new>"))
            .finish()
    }
}

/// What the console shows of the LINE channels: never the secrets, only whether they are set.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LineStatus {
    pub liff_id: Option<String>,
    pub login_channel_id: Option<String>,
    pub add_friend_url: Option<String>,
    pub secret_set: bool,
    pub token_set: bool,
}

/// One settings change in the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingsAuditEntry {
    pub at: DateTime<Utc>,
    pub staff_id: Option<StaffId>,
    pub staff_name: Option<String>,
    /// `hours`, `closure`, `menu`, `resource`, `question`, `privacy`, `clinic`, `line`, `staff`.
    pub area: String,
    pub summary: String,
}

/// A staff account of the clinic as the owner manages it (never its password hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffMember {
    pub id: StaffId,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    pub disabled: bool,
}

/// A staff account the owner adds. The password arrives hashed (Argon2id PHC string).
#[derive(Clone, PartialEq, Eq)]
pub struct NewStaffMember {
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    pub password_hash: String,
}

/// The hash is never printed.
impl std::fmt::Debug for NewStaffMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaffMember").field("email", &self.email).field("display_name", &self.display_name).field("role", &self.role).finish_non_exhaustive()
    }
}

#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// Every menu of the clinic, inactive ones included, in display order.
    async fn all_menus(&self, clinic: ClinicId) -> Result<Vec<MenuSetting>, StoreError>;
    /// Creates the menu when its id is 0, else replaces every rule of the clinic's menu `id`
    /// (its resources must be the clinic's). Returns the menu's id.
    async fn save_menu(&self, by: Editor, menu: MenuSetting) -> Result<MenuId, StoreError>;

    /// Creates the resource when its id is 0, else renames the clinic's resource.
    async fn save_resource(&self, by: Editor, resource: Resource) -> Result<ResourceId, StoreError>;

    async fn weekly_hours(&self, clinic: ClinicId) -> Result<Vec<WeeklyInterval>, StoreError>;
    /// Replaces the hours of one weekday of the clinic's resource (empty: closed that weekday).
    async fn set_weekday_hours(&self, by: Editor, resource: ResourceId, weekday: Weekday, intervals: Vec<Interval>) -> Result<(), StoreError>;

    /// Exceptions dated `from` or later, by date.
    async fn exceptions_from(&self, clinic: ClinicId, from: NaiveDate) -> Result<Vec<StoredException>, StoreError>;
    /// Adds a closure (`extra: None`) or extra hours for the clinic or one of its resources.
    async fn add_date_exception(&self, by: Editor, date: NaiveDate, resource: Option<ResourceId>, extra: Option<Interval>) -> Result<i64, StoreError>;
    async fn remove_date_exception(&self, by: Editor, id: i64) -> Result<(), StoreError>;

    async fn clinic_options(&self, clinic: ClinicId) -> Result<ClinicOptions, StoreError>;
    async fn set_clinic_options(&self, by: Editor, options: ClinicOptions) -> Result<(), StoreError>;

    /// Adds the question at the end of its menu's list when its id is 0, else changes it; the
    /// menu must be the clinic's.
    async fn save_question(&self, by: Editor, question: Question) -> Result<QuestionId, StoreError>;
    /// Removes a question. One that patients have answered is kept (the answers need it) and the
    /// removal is refused with `QuestionAnswered`.
    async fn remove_question(&self, by: Editor, id: QuestionId) -> Result<(), StoreError>;
    /// Moves a question one place up (`true`) or down within its menu.
    async fn move_question(&self, by: Editor, id: QuestionId, up: bool) -> Result<(), StoreError>;

    async fn save_privacy_notice(&self, by: Editor, ja: &str, en: &str) -> Result<(), StoreError>;

    async fn line_status(&self, clinic: ClinicId) -> Result<LineStatus, StoreError>;
    /// Connects or changes the LINE channels (`None`: removes them, back to sandbox mode).
    async fn update_line(&self, by: Editor, update: Option<LineUpdate>) -> Result<(), StoreError>;

    /// The clinic's staff accounts: active ones first, owners first among them, then by age;
    /// disabled ones last.
    async fn staff_members(&self, clinic: ClinicId) -> Result<Vec<StaffMember>, StoreError>;
    /// Adds a staff account to the editor's clinic (the e-mail is stored trimmed and in lower
    /// case; one already used, in any clinic, is `EmailTaken`).
    async fn add_staff_member(&self, by: Editor, staff: NewStaffMember) -> Result<StaffId, StoreError>;
    /// Changes the role of the clinic's account. The editor cannot demote themself
    /// (`OwnAccount`) and the clinic keeps an active owner (`LastOwner`).
    async fn set_staff_role(&self, by: Editor, id: StaffId, role: StaffRole) -> Result<(), StoreError>;
    /// Disables (ending every session of the account, in the same transaction) or enables again
    /// the clinic's account, with the same rules as [`Self::set_staff_role`].
    async fn set_staff_disabled(&self, by: Editor, id: StaffId, disabled: bool) -> Result<(), StoreError>;
    /// Replaces the password (hashed) of the clinic's account. Its sessions end, unless it is the
    /// editor's own account (the owner stays signed in).
    async fn set_staff_password(&self, by: Editor, id: StaffId, password_hash: &str) -> Result<(), StoreError>;

    /// The newest settings changes first, at most `limit`.
    async fn settings_audit(&self, clinic: ClinicId, limit: u32) -> Result<Vec<SettingsAuditEntry>, StoreError>;
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

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn typed_hours_are_read() {
        assert_eq!(parse_minutes("9:00"), Some(540));
        assert_eq!(parse_minutes("０９：３０"), Some(570));
        assert_eq!(parse_minutes("24:00"), Some(1440));
        assert_eq!(parse_minutes("24:30"), None);
        assert_eq!(parse_minutes("9:60"), None);
        assert_eq!(parse_intervals(""), Some(vec![]));
        assert_eq!(
            parse_intervals("9:00-12:30, 14:00〜18:00"),
            Some(vec![Interval { opens: 540, closes: 750 }, Interval { opens: 840, closes: 1080 }])
        );
        assert_eq!(parse_intervals("9:00"), None);
        assert_eq!(format_intervals(&[Interval { opens: 540, closes: 1440 }]), "09:00–24:00");
    }
}

//! Clinics and their settings: practitioners and rooms, menus, weekly hours, dated exceptions,
//! questions, the privacy notice, options, the LINE channels, and the audit of every change.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use super::{Actor, StoreError};
use crate::booking::hours::Interval;
use crate::booking::ids::{ClinicId, ExceptionId, MenuId, QuestionId, ResourceId};
use crate::booking::model::{Clinic, DateException, ExceptionKind, Menu, MenuSpec, OpeningHours, Resource, ResourceSpec};
use crate::kinds::QuestionKind;

#[derive(Clone, Debug, PartialEq)]
pub struct NewClinic {
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    pub time_zone: Tz,
    pub open_on_holidays: bool,
}

/// The newest appointment event and settings change of a clinic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChangeVersion {
    pub appointments: i64,
    pub settings: i64,
}

/// Clinic-wide options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClinicOptions {
    /// Open on Japanese national holidays (otherwise closed unless an exception adds hours).
    pub open_on_holidays: bool,
    /// The clinic-local hour (0–23) at which tomorrow's reminders are sent.
    pub reminder_hour: u32,
    /// Open requests and upcoming visits one patient may hold at once.
    pub booking_limit: u32,
}

/// What one of the clinic's questions for a menu (問診) asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionSpec {
    pub label_ja: String,
    pub label_en: String,
    pub kind: QuestionKind,
    /// For `Choice`: the same choices in both languages; the Japanese text is stored.
    pub choices_ja: Vec<String>,
    pub choices_en: Vec<String>,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub id: QuestionId,
    pub menu_id: MenuId,
    pub spec: QuestionSpec,
}

impl std::ops::Deref for Question {
    type Target = QuestionSpec;
    fn deref(&self) -> &QuestionSpec {
        &self.spec
    }
}

/// A clinic's LINE channels. A clinic without them runs in sandbox mode.
#[derive(Clone, PartialEq, Eq)]
pub struct LineSettings {
    pub liff_id: String,
    pub login_channel_id: String,
    /// Messaging API secrets: write-only, never shown or logged.
    pub channel_secret: Option<String>,
    pub channel_access_token: Option<String>,
    /// The Official Account's add-friend link (`https://line.me/R/ti/p/@…`).
    pub add_friend_url: Option<String>,
}

impl LineSettings {
    /// Where patients open the clinic's LIFF app (share this, never the endpoint).
    pub fn liff_url(&self) -> String {
        format!("https://liff.line.me/{}", self.liff_id)
    }
}

/// The rich menu this app made the Official Account's default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRichMenu {
    /// LINE's id of it.
    pub id: String,
    /// The map link of its アクセス button, when it has one.
    pub access_url: Option<String>,
    /// It has a row of menu buttons.
    pub menu_buttons: bool,
    pub set_at: DateTime<Utc>,
}

/// Secrets are never printed, not even in a debug log.
impl std::fmt::Debug for LineSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSettings")
            .field("liff_id", &self.liff_id)
            .field("login_channel_id", &self.login_channel_id)
            .field("channel_secret", &self.channel_secret.as_ref().map(|_| "<set>"))
            .field("channel_access_token", &self.channel_access_token.as_ref().map(|_| "<set>"))
            .field("add_friend_url", &self.add_friend_url)
            .finish()
    }
}

crate::kinds::named_enum!(
    /// What part of the settings a change touched.
    SettingsArea {
        Hours = "hours",
        Closure = "closure",
        Menu = "menu",
        Resource = "resource",
        Question = "question",
        Privacy = "privacy",
        Clinic = "clinic",
        Line = "line",
        Staff = "staff",
        Website = "website",
    }
);

/// One version of the clinic's privacy notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacyVersion {
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub ja: String,
    pub en: String,
}

/// One pass of the clinic's retention rule that deleted questionnaire answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerDeletion {
    pub at: DateTime<Utc>,
    /// Visits dated before this day (in the clinic's time zone) lost their answers.
    pub visits_before: NaiveDate,
    pub visits: u64,
    pub answers: u64,
}

/// One settings change in the audit log. Summaries never contain secrets.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingsAuditEntry {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The staff member's name when one made the change.
    pub staff_name: Option<String>,
    pub area: SettingsArea,
    pub summary: String,
}

#[async_trait]
pub trait ClinicReads {
    async fn clinics(&mut self) -> Result<Vec<Clinic>, StoreError>;
    async fn clinic(&mut self, id: ClinicId) -> Result<Option<Clinic>, StoreError>;
    async fn clinic_by_slug(&mut self, slug: &str) -> Result<Option<Clinic>, StoreError>;
    async fn resources(&mut self, clinic: ClinicId) -> Result<Vec<Resource>, StoreError>;
    /// Every menu of the clinic in display order, hidden ones too (`menu.active` says which
    /// patients may book): appointments made before a menu was hidden still belong to it.
    async fn menus(&mut self, clinic: ClinicId) -> Result<Vec<Menu>, StoreError>;
    async fn opening_hours(&mut self, clinic: ClinicId) -> Result<Vec<OpeningHours>, StoreError>;
    /// Exceptions dated `from..=to`, by date.
    async fn exceptions(&mut self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DateException>, StoreError>;
    /// The questions of all of the clinic's menus, by menu and position.
    async fn questions(&mut self, clinic: ClinicId) -> Result<Vec<Question>, StoreError>;
    /// How many answers patients gave to the question.
    async fn answer_count(&mut self, question: QuestionId) -> Result<u64, StoreError>;
    /// The privacy notice patients consent to, in Japanese and English.
    async fn privacy_notice(&mut self, clinic: ClinicId) -> Result<(String, String), StoreError>;
    /// The notice's current version (1 for a new clinic; each change adds one).
    async fn privacy_version(&mut self, clinic: ClinicId) -> Result<u32, StoreError>;
    /// Every version of the notice, oldest first: its number, when it was made, the texts.
    async fn privacy_versions(&mut self, clinic: ClinicId) -> Result<Vec<PrivacyVersion>, StoreError>;
    async fn clinic_options(&mut self, clinic: ClinicId) -> Result<ClinicOptions, StoreError>;
    /// The websites that may frame the clinic's widget (origins; see `settings::check_origins`).
    async fn website_origins(&mut self, clinic: ClinicId) -> Result<Vec<String>, StoreError>;
    /// The address the clinic's e-mails come from, when it has its own.
    async fn mail_from(&mut self, clinic: ClinicId) -> Result<Option<String>, StoreError>;
    /// Days questionnaire answers are kept after the visit (`None`: until deleted by hand).
    async fn answers_kept_days(&mut self, clinic: ClinicId) -> Result<Option<u32>, StoreError>;
    /// The retention rule's deletions, newest first, at most `limit`.
    async fn answer_deletions(&mut self, clinic: ClinicId, limit: u32) -> Result<Vec<AnswerDeletion>, StoreError>;
    async fn line_settings(&mut self, clinic: ClinicId) -> Result<Option<LineSettings>, StoreError>;
    async fn rich_menu(&mut self, clinic: ClinicId) -> Result<Option<StoredRichMenu>, StoreError>;
    /// The newest settings changes first, at most `limit`.
    async fn settings_audit(&mut self, clinic: ClinicId, limit: u32) -> Result<Vec<SettingsAuditEntry>, StoreError>;
    /// Changes whenever anything availability depends on changes: an appointment made or moved
    /// along its life cycle (each writes an event) or a setting (each is audited).
    async fn change_version(&mut self, clinic: ClinicId) -> Result<ChangeVersion, StoreError>;
}

/// Every write is scoped by the clinic: `false` (or `None`) when the row is not the clinic's.
#[async_trait]
pub trait ClinicWrites {
    async fn insert_clinic(&mut self, clinic: &NewClinic, now: DateTime<Utc>) -> Result<ClinicId, StoreError>;
    /// Locks the clinic's row for the rest of the transaction (PostgreSQL), so that two changes
    /// of its staff accounts never interleave.
    async fn lock_clinic(&mut self, clinic: ClinicId) -> Result<bool, StoreError>;
    async fn insert_resource(&mut self, clinic: ClinicId, resource: &ResourceSpec) -> Result<ResourceId, StoreError>;
    async fn update_resource(&mut self, clinic: ClinicId, id: ResourceId, resource: &ResourceSpec) -> Result<bool, StoreError>;
    /// Locks the resource's row for the rest of the transaction (PostgreSQL): bookings of one
    /// practitioner or room, and changes of its hours, queue up behind each other.
    async fn lock_resource(&mut self, clinic: ClinicId, resource: ResourceId) -> Result<bool, StoreError>;
    /// Adds a menu at the end of the list, with its resources (each the clinic's).
    async fn insert_menu(&mut self, clinic: ClinicId, menu: &MenuSpec) -> Result<MenuId, StoreError>;
    async fn update_menu(&mut self, clinic: ClinicId, id: MenuId, menu: &MenuSpec) -> Result<bool, StoreError>;
    /// Replaces one weekday's hours of the resource (empty: closed that weekday).
    async fn set_weekday_hours(&mut self, resource: ResourceId, weekday: Weekday, intervals: &[Interval]) -> Result<(), StoreError>;
    async fn insert_exception(
        &mut self,
        clinic: ClinicId,
        date: NaiveDate,
        resource: Option<ResourceId>,
        kind: ExceptionKind,
    ) -> Result<ExceptionId, StoreError>;
    /// Removes the exception; returns what it was.
    async fn delete_exception(&mut self, clinic: ClinicId, id: ExceptionId) -> Result<Option<DateException>, StoreError>;
    async fn set_clinic_options(&mut self, clinic: ClinicId, options: ClinicOptions) -> Result<(), StoreError>;
    /// Changes the notice: a new version, which patients consent to from now on.
    async fn set_privacy_notice(&mut self, clinic: ClinicId, ja: &str, en: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn set_website_origins(&mut self, clinic: ClinicId, origins: &[String]) -> Result<(), StoreError>;
    /// `None`: the deployment's own address.
    async fn set_mail_from(&mut self, clinic: ClinicId, address: Option<&str>) -> Result<(), StoreError>;
    /// `None`: answers are kept until deleted by hand.
    async fn set_answers_kept_days(&mut self, clinic: ClinicId, days: Option<u32>) -> Result<(), StoreError>;
    /// `None` removes the LINE channels (the clinic goes back to sandbox mode).
    async fn set_line_settings(&mut self, clinic: ClinicId, line: Option<&LineSettings>) -> Result<(), StoreError>;
    /// `None`: the clinic has no rich menu of ours (any more).
    async fn set_rich_menu(&mut self, clinic: ClinicId, menu: Option<&StoredRichMenu>) -> Result<(), StoreError>;
    /// Adds a question at the end of the menu's list.
    async fn insert_question(&mut self, menu: MenuId, question: &QuestionSpec) -> Result<QuestionId, StoreError>;
    async fn update_question(&mut self, id: QuestionId, question: &QuestionSpec) -> Result<(), StoreError>;
    async fn delete_question(&mut self, id: QuestionId) -> Result<(), StoreError>;
    /// The menu's questions in this order.
    async fn set_question_order(&mut self, order: &[QuestionId]) -> Result<(), StoreError>;
    async fn audit_settings(&mut self, clinic: ClinicId, actor: Actor, area: SettingsArea, summary: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
}

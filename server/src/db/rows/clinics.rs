//! Clinics, their resources, menus, hours, exceptions, questions, LINE settings and settings audit.

use app::booking::hours::time_of;
use app::booking::ids::*;
use app::booking::model::*;
use app::kinds::QuestionKind;
use app::store::*;
use chrono::{DateTime, NaiveDate, Utc, Weekday};

use super::{lines, to_u32};
use crate::db::secrets::SecretColumn;

pub const CLINIC_COLUMNS: &str = "id, slug, name_ja, name_en, time_zone, open_on_holidays, reminder_hour, booking_limit";

#[derive(sqlx::FromRow)]
pub struct ClinicRow {
    id: i64,
    slug: String,
    name_ja: String,
    name_en: String,
    time_zone: String,
    open_on_holidays: bool,
    reminder_hour: i64,
    booking_limit: i64,
}

impl TryFrom<ClinicRow> for Clinic {
    type Error = StoreError;
    fn try_from(r: ClinicRow) -> Result<Self, StoreError> {
        let time_zone = r.time_zone.parse().map_err(|_| StoreError::corrupt(format!("time zone {}", r.time_zone)))?;
        Ok(Clinic {
            id: ClinicId(r.id),
            slug: r.slug,
            name_ja: r.name_ja,
            name_en: r.name_en,
            time_zone,
            open_on_holidays: r.open_on_holidays,
            reminder_hour: to_u32(r.reminder_hour, "reminder hour")?,
            booking_limit: to_u32(r.booking_limit, "booking limit")?,
        })
    }
}

pub const RESOURCE_COLUMNS: &str = "id, clinic_id, name_ja, name_en, kind";

#[derive(sqlx::FromRow)]
pub struct ResourceRow {
    id: i64,
    clinic_id: i64,
    name_ja: String,
    name_en: String,
    kind: String,
}

impl TryFrom<ResourceRow> for Resource {
    type Error = StoreError;
    fn try_from(r: ResourceRow) -> Result<Self, StoreError> {
        let kind = ResourceKind::parse(&r.kind).ok_or_else(|| StoreError::corrupt(format!("resource kind {}", r.kind)))?;
        Ok(Resource { id: ResourceId(r.id), clinic_id: ClinicId(r.clinic_id), spec: ResourceSpec { name_ja: r.name_ja, name_en: r.name_en, kind } })
    }
}

pub const MENU_COLUMNS: &str = "id, clinic_id, name_ja, name_en, duration_minutes, mode, capacity, buffer_before_minutes, \
    buffer_after_minutes, min_notice_minutes, horizon_days, cancel_cutoff_minutes, requires_approval, hold_minutes, active, several_per_day, near_turn";

#[derive(sqlx::FromRow)]
pub struct MenuRow {
    id: i64,
    clinic_id: i64,
    name_ja: String,
    name_en: String,
    duration_minutes: i64,
    mode: String,
    capacity: i64,
    buffer_before_minutes: i64,
    buffer_after_minutes: i64,
    min_notice_minutes: i64,
    horizon_days: i64,
    cancel_cutoff_minutes: i64,
    requires_approval: bool,
    hold_minutes: i64,
    active: bool,
    several_per_day: bool,
    near_turn: i64,
}

/// Menus with the resources that can see each (`(menu, resource)` pairs).
pub fn menus(rows: Vec<MenuRow>, links: &[(i64, i64)]) -> Result<Vec<Menu>, StoreError> {
    rows.into_iter()
        .map(|r| {
            let kind = ModeKind::parse(&r.mode).ok_or_else(|| StoreError::corrupt(format!("mode {}", r.mode)))?;
            let spec = MenuSpec {
                name_ja: r.name_ja,
                name_en: r.name_en,
                duration_minutes: to_u32(r.duration_minutes, "duration")?,
                mode: BookingMode::new(kind, to_u32(r.capacity, "capacity")?),
                buffer_before_minutes: to_u32(r.buffer_before_minutes, "buffer")?,
                buffer_after_minutes: to_u32(r.buffer_after_minutes, "buffer")?,
                min_notice_minutes: to_u32(r.min_notice_minutes, "notice")?,
                horizon_days: to_u32(r.horizon_days, "horizon")?,
                cancel_cutoff_minutes: to_u32(r.cancel_cutoff_minutes, "cut-off")?,
                approval: if r.requires_approval { Approval::RequiresStaff } else { Approval::AutoConfirm },
                hold_minutes: to_u32(r.hold_minutes, "hold")?,
                resource_ids: links.iter().filter(|(menu, _)| *menu == r.id).map(|(_, resource)| ResourceId(*resource)).collect(),
                active: r.active,
                several_per_day: r.several_per_day,
                near_turn: to_u32(r.near_turn, "near turn")?,
            };
            Ok(Menu { id: MenuId(r.id), clinic_id: ClinicId(r.clinic_id), spec })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
pub struct HoursRow {
    resource_id: i64,
    weekday: i64,
    opens_minute: i64,
    closes_minute: i64,
}

impl TryFrom<HoursRow> for OpeningHours {
    type Error = StoreError;
    fn try_from(r: HoursRow) -> Result<Self, StoreError> {
        let weekday =
            u8::try_from(r.weekday).ok().and_then(|w| Weekday::try_from(w).ok()).ok_or_else(|| StoreError::corrupt(format!("weekday {}", r.weekday)))?;
        Ok(OpeningHours {
            resource_id: ResourceId(r.resource_id),
            weekday,
            opens: time_of(to_u32(r.opens_minute, "opening minute")?),
            closes: time_of(to_u32(r.closes_minute, "closing minute")?),
        })
    }
}

pub const EXCEPTION_COLUMNS: &str = "id, resource_id, date, kind, opens_minute, closes_minute";

#[derive(sqlx::FromRow)]
pub struct ExceptionRow {
    id: i64,
    resource_id: Option<i64>,
    date: NaiveDate,
    kind: String,
    opens_minute: Option<i64>,
    closes_minute: Option<i64>,
}

impl TryFrom<ExceptionRow> for DateException {
    type Error = StoreError;
    fn try_from(r: ExceptionRow) -> Result<Self, StoreError> {
        let kind = match (r.kind.as_str(), r.opens_minute, r.closes_minute) {
            ("closed", _, _) => ExceptionKind::Closed,
            ("extra_hours", Some(opens), Some(closes)) => {
                ExceptionKind::ExtraHours { opens: time_of(to_u32(opens, "opening minute")?), closes: time_of(to_u32(closes, "closing minute")?) }
            }
            (other, _, _) => return Err(StoreError::corrupt(format!("exception kind {other}"))),
        };
        Ok(DateException { id: ExceptionId(r.id), date: r.date, resource_id: r.resource_id.map(ResourceId), kind })
    }
}

pub const QUESTION_COLUMNS: &str = "q.id, q.menu_id, q.label_ja, q.label_en, q.kind, q.choices_ja, q.choices_en, q.required";

#[derive(sqlx::FromRow)]
pub struct QuestionRow {
    id: i64,
    menu_id: i64,
    label_ja: String,
    label_en: String,
    kind: String,
    choices_ja: String,
    choices_en: String,
    required: bool,
}

impl TryFrom<QuestionRow> for Question {
    type Error = StoreError;
    fn try_from(r: QuestionRow) -> Result<Self, StoreError> {
        let kind = QuestionKind::parse(&r.kind).ok_or_else(|| StoreError::corrupt(format!("question kind {}", r.kind)))?;
        let spec = QuestionSpec {
            label_ja: r.label_ja,
            label_en: r.label_en,
            kind,
            choices_ja: lines(&r.choices_ja),
            choices_en: lines(&r.choices_en),
            required: r.required,
        };
        Ok(Question { id: QuestionId(r.id), menu_id: MenuId(r.menu_id), spec })
    }
}

#[derive(sqlx::FromRow)]
pub struct LineRow {
    liff_id: Option<String>,
    line_login_channel_id: Option<String>,
    line_channel_secret: Option<String>,
    line_channel_access_token: Option<String>,
    line_add_friend_url: Option<String>,
}

impl LineRow {
    /// `open` turns a stored secret back into the secret.
    pub fn settings(self, open: impl Fn(SecretColumn, Option<String>) -> Result<Option<String>, StoreError>) -> Result<Option<LineSettings>, StoreError> {
        let (Some(liff_id), Some(login_channel_id)) = (self.liff_id, self.line_login_channel_id) else { return Ok(None) };
        Ok(Some(LineSettings {
            liff_id,
            login_channel_id,
            channel_secret: open(SecretColumn::ChannelSecret, self.line_channel_secret)?,
            channel_access_token: open(SecretColumn::AccessToken, self.line_channel_access_token)?,
            add_friend_url: self.line_add_friend_url,
        }))
    }
}

#[derive(sqlx::FromRow)]
pub struct SettingsAuditRow {
    at: DateTime<Utc>,
    staff_id: Option<i64>,
    staff_name: Option<String>,
    area: String,
    summary: String,
}

impl TryFrom<SettingsAuditRow> for SettingsAuditEntry {
    type Error = StoreError;
    fn try_from(r: SettingsAuditRow) -> Result<Self, StoreError> {
        Ok(SettingsAuditEntry {
            at: r.at,
            // A change without a staff member is the system's (seeding, the command line).
            actor: r.staff_id.map_or(Actor::System, |id| Actor::Staff(StaffId(id))),
            staff_name: r.staff_name,
            area: SettingsArea::parse(&r.area).ok_or_else(|| StoreError::corrupt(format!("settings area {}", r.area)))?,
            summary: r.summary,
        })
    }
}

//! Rows as both backends return them, their columns, and their conversion into the app's types:
//! the one home of row mapping. A stored value the types cannot hold is
//! [`StoreError::corrupt`].

use app::booking::availability::Booked;
use app::booking::hours::time_of;
use app::booking::ids::*;
use app::booking::model::*;
use app::booking::status::AppointmentStatus;
use app::i18n::Lang;
use app::kinds::{QuestionKind, StaffRole};
use app::notify::{Channel, DeliveryStatus, NoticeType};
use app::store::*;
use chrono::{DateTime, NaiveDate, Utc, Weekday};

fn to_u32(v: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::corrupt(format!("{what} = {v}")))
}

fn status(s: &str) -> Result<AppointmentStatus, StoreError> {
    AppointmentStatus::parse(s).ok_or_else(|| StoreError::corrupt(format!("status {s}")))
}

/// Choices are stored one a line.
fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// Converts a list of rows, failing on the first that does not convert.
pub fn convert<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}

pub const CLINIC_COLUMNS: &str = "id, slug, name_ja, name_en, time_zone, open_on_holidays, reminder_hour";

#[derive(sqlx::FromRow)]
pub struct ClinicRow {
    id: i64,
    slug: String,
    name_ja: String,
    name_en: String,
    time_zone: String,
    open_on_holidays: bool,
    reminder_hour: i64,
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
    buffer_after_minutes, min_notice_minutes, horizon_days, cancel_cutoff_minutes, requires_approval, hold_minutes, active, several_per_day";

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
        let weekday = u8::try_from(r.weekday).ok().and_then(|w| Weekday::try_from(w).ok()).ok_or_else(|| StoreError::corrupt(format!("weekday {}", r.weekday)))?;
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
        let spec = QuestionSpec { label_ja: r.label_ja, label_en: r.label_en, kind, choices_ja: lines(&r.choices_ja), choices_en: lines(&r.choices_en), required: r.required };
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
    pub fn settings(self) -> Option<LineSettings> {
        Some(LineSettings {
            liff_id: self.liff_id?,
            login_channel_id: self.line_login_channel_id?,
            channel_secret: self.line_channel_secret,
            channel_access_token: self.line_channel_access_token,
            add_friend_url: self.line_add_friend_url,
        })
    }
}

pub const BOOKED_COLUMNS: &str = "id, resource_id, menu_id, starts_at, held_from, held_until, status, hold_expires_at";

#[derive(sqlx::FromRow)]
pub struct BookedRow {
    id: i64,
    resource_id: i64,
    menu_id: i64,
    starts_at: DateTime<Utc>,
    held_from: DateTime<Utc>,
    held_until: DateTime<Utc>,
    status: String,
    hold_expires_at: Option<DateTime<Utc>>,
}

impl TryFrom<BookedRow> for Booked {
    type Error = StoreError;
    fn try_from(r: BookedRow) -> Result<Self, StoreError> {
        Ok(Booked {
            id: AppointmentId(r.id),
            resource_id: ResourceId(r.resource_id),
            menu_id: MenuId(r.menu_id),
            starts_at: r.starts_at,
            held_from: r.held_from,
            held_until: r.held_until,
            status: status(&r.status)?,
            hold_expires_at: r.hold_expires_at,
        })
    }
}

pub const APPOINTMENT_COLUMNS: &str = "a.id, a.clinic_id, a.menu_id, a.resource_id, a.patient_id, a.starts_at, a.ends_at, \
    a.service_date, a.status, a.queue_number, a.hold_expires_at, a.created_at, a.reference, a.replaces_id, a.status_note, \
    a.proposal, a.arrived_at, a.attendance_confirmed_at";

#[derive(sqlx::FromRow)]
pub struct AppointmentRow {
    id: i64,
    clinic_id: i64,
    menu_id: i64,
    resource_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    service_date: NaiveDate,
    status: String,
    queue_number: Option<i64>,
    hold_expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    reference: Option<String>,
    replaces_id: Option<i64>,
    status_note: Option<String>,
    proposal: bool,
    arrived_at: Option<DateTime<Utc>>,
    attendance_confirmed_at: Option<DateTime<Utc>>,
}

impl TryFrom<AppointmentRow> for Appointment {
    type Error = StoreError;
    fn try_from(r: AppointmentRow) -> Result<Self, StoreError> {
        Ok(Appointment {
            id: AppointmentId(r.id),
            clinic_id: ClinicId(r.clinic_id),
            menu_id: MenuId(r.menu_id),
            resource_id: ResourceId(r.resource_id),
            patient_id: PatientId(r.patient_id),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            service_date: r.service_date,
            status: status(&r.status)?,
            queue_number: r.queue_number.map(|n| to_u32(n, "queue number")).transpose()?,
            hold_expires_at: r.hold_expires_at,
            created_at: r.created_at,
            reference: r.reference.ok_or_else(|| StoreError::corrupt(format!("appointment {} without reference", r.id)))?,
            replaces_id: r.replaces_id.map(AppointmentId),
            note: r.status_note,
            proposal: r.proposal,
            arrived_at: r.arrived_at,
            attendance_confirmed_at: r.attendance_confirmed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EventRow {
    appointment_id: i64,
    actor: String,
    from_status: Option<String>,
    to_status: String,
    at: DateTime<Utc>,
}

impl TryFrom<EventRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(AuditEntry {
            appointment_id: AppointmentId(r.appointment_id),
            actor: Actor::parse_stored(&r.actor).ok_or_else(|| StoreError::corrupt(format!("actor {}", r.actor)))?,
            from: r.from_status.as_deref().map(status).transpose()?,
            to: status(&r.to_status)?,
            at: r.at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ExportDbRow {
    id: i64,
    service_date: NaiveDate,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    menu_name_ja: String,
    menu_name_en: String,
    resource_name_ja: String,
    resource_name_en: String,
    patient_name: String,
    furigana: String,
    phone: String,
    status: String,
    queue_number: Option<i64>,
    reference: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<ExportDbRow> for ExportRow {
    type Error = StoreError;
    fn try_from(r: ExportDbRow) -> Result<Self, StoreError> {
        Ok(ExportRow {
            id: AppointmentId(r.id),
            service_date: r.service_date,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            menu_name_ja: r.menu_name_ja,
            menu_name_en: r.menu_name_en,
            resource_name_ja: r.resource_name_ja,
            resource_name_en: r.resource_name_en,
            patient_name: r.patient_name,
            furigana: r.furigana,
            phone: r.phone,
            status: status(&r.status)?,
            queue_number: r.queue_number.map(|n| to_u32(n, "queue number")).transpose()?,
            reference: r.reference.unwrap_or_default(),
            created_at: r.created_at,
        })
    }
}

pub const PATIENT_COLUMNS: &str = "id, clinic_id, line_user_id, line_friend, sandbox, name, furigana, phone, birth_date, language";

#[derive(sqlx::FromRow)]
pub struct PatientRow {
    id: i64,
    clinic_id: i64,
    line_user_id: Option<String>,
    line_friend: Option<bool>,
    sandbox: bool,
    name: String,
    furigana: String,
    phone: String,
    birth_date: Option<NaiveDate>,
    language: String,
}

impl TryFrom<PatientRow> for Patient {
    type Error = StoreError;
    fn try_from(r: PatientRow) -> Result<Self, StoreError> {
        let identity = match (r.line_user_id, r.sandbox) {
            (Some(user_id), false) => Identity::Line { user_id, friend: r.line_friend },
            (None, true) => Identity::Sandbox,
            (None, false) => Identity::Offline,
            (Some(_), true) => return Err(StoreError::corrupt(format!("patient {} both of LINE and of the sandbox", r.id))),
        };
        Ok(Patient {
            id: PatientId(r.id),
            clinic_id: ClinicId(r.clinic_id),
            identity,
            details: PatientDetails { name: r.name, furigana: r.furigana, phone: r.phone, birth_date: r.birth_date },
            language: Lang::from_tag(&r.language),
        })
    }
}

pub const STAFF_COLUMNS: &str = "id, clinic_id, email, display_name, role, password_hash, disabled_at IS NOT NULL AS disabled";

#[derive(sqlx::FromRow)]
pub struct StaffRow {
    id: i64,
    clinic_id: i64,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    disabled: bool,
}

impl TryFrom<StaffRow> for StaffAccount {
    type Error = StoreError;
    fn try_from(r: StaffRow) -> Result<Self, StoreError> {
        let role = StaffRole::parse(&r.role).ok_or_else(|| StoreError::corrupt(format!("staff role {}", r.role)))?;
        Ok(StaffAccount { id: StaffId(r.id), clinic_id: ClinicId(r.clinic_id), email: r.email, display_name: r.display_name, role, password_hash: r.password_hash, disabled: r.disabled })
    }
}

#[derive(sqlx::FromRow)]
pub struct StaffSessionRow {
    staff_id: i64,
    clinic_id: i64,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

impl From<StaffSessionRow> for StaffSession {
    fn from(r: StaffSessionRow) -> Self {
        StaffSession { staff_id: StaffId(r.staff_id), clinic_id: ClinicId(r.clinic_id), csrf_token: r.csrf_token, expires_at: r.expires_at }
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

pub const NOTIFICATION_COLUMNS: &str = "n.id, n.appointment_id, n.kind, n.channel, n.status, n.attempts, n.retry_key, n.first_attempt_at, \
    n.last_error, n.line_request_id, n.payload, n.recipient, n.created_at, n.sent_at";

#[derive(sqlx::FromRow)]
pub struct NotificationRow {
    id: i64,
    appointment_id: Option<i64>,
    kind: String,
    channel: String,
    status: String,
    attempts: i64,
    retry_key: String,
    first_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    line_request_id: Option<String>,
    payload: String,
    recipient: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

fn channel(s: &str) -> Result<Channel, StoreError> {
    Channel::parse(s).ok_or_else(|| StoreError::corrupt(format!("channel {s}")))
}

impl TryFrom<NotificationRow> for NotificationRecord {
    type Error = StoreError;
    fn try_from(r: NotificationRow) -> Result<Self, StoreError> {
        Ok(NotificationRecord {
            id: NotificationId(r.id),
            appointment_id: r.appointment_id.map(AppointmentId),
            notice: NoticeType::parse(&r.kind).ok_or_else(|| StoreError::corrupt(format!("notice {}", r.kind)))?,
            channel: channel(&r.channel)?,
            status: DeliveryStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(format!("delivery status {}", r.status)))?,
            attempts: to_u32(r.attempts, "attempts")?,
            retry_key: r.retry_key,
            first_attempt_at: r.first_attempt_at,
            last_error: r.last_error,
            line_request_id: r.line_request_id,
            payload: r.payload,
            recipient: r.recipient,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct OutboxRow {
    id: i64,
    clinic_id: i64,
    channel: String,
    recipient: String,
    payload: String,
    retry_key: String,
    attempts: i64,
    first_attempt_at: Option<DateTime<Utc>>,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: NotificationId(r.id),
            clinic_id: ClinicId(r.clinic_id),
            channel: channel(&r.channel)?,
            recipient: r.recipient,
            payload: r.payload,
            retry_key: r.retry_key,
            attempts: to_u32(r.attempts, "attempts")?,
            first_attempt_at: r.first_attempt_at,
        })
    }
}

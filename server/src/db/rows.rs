//! Rows as both backends return them, and their conversion into the booking core's types.
//! The SQL text that both backends share lives here too (placeholders are `$n` for both).

use app::booking::availability::Booked;
use app::booking::ids::*;
use app::booking::model::*;
use app::booking::status::AppointmentStatus;
use app::i18n::Lang;
use app::store::{Actor, Appointment, AuditEntry, LineSettings, NotificationState, OutboxMessage, Patient, PatientDetails, Question, QuestionKind, StoreError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};

pub const CLINIC_COLUMNS: &str = "id, slug, name_ja, name_en, time_zone, open_on_holidays";
pub const MENU_COLUMNS: &str = "id, clinic_id, name_ja, name_en, duration_minutes, mode, capacity, \
    buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, \
    cancel_cutoff_minutes, requires_approval, hold_minutes";
pub const APPOINTMENT_COLUMNS: &str = "id, clinic_id, menu_id, resource_id, patient_id, starts_at, \
    ends_at, service_date, status, queue_number, hold_expires_at, created_at, reference, replaces_id, \
    status_note, proposal, arrived_at";
pub const PATIENT_COLUMNS: &str = "id, clinic_id, line_user_id, name, furigana, phone, birth_date, language";
pub const QUESTION_COLUMNS: &str = "id, menu_id, label_ja, label_en, kind, choices_ja, choices_en, required";
pub const BOOKED_COLUMNS: &str =
    "id, resource_id, menu_id, starts_at, held_from, held_until, status, hold_expires_at";

pub const SELECT_HOURS: &str = "SELECT h.resource_id, h.weekday, h.opens_minute, h.closes_minute \
    FROM opening_hours h JOIN resources r ON r.id = h.resource_id WHERE r.clinic_id = $1 \
    ORDER BY h.resource_id, h.weekday, h.opens_minute";
pub const SELECT_EXCEPTIONS: &str = "SELECT resource_id, date, kind, opens_minute, closes_minute \
    FROM date_exceptions WHERE clinic_id = $1 AND date BETWEEN $2 AND $3 ORDER BY date, id";
pub const SELECT_MENU_RESOURCES: &str = "SELECT mr.menu_id, mr.resource_id FROM menu_resources mr \
    JOIN menus m ON m.id = mr.menu_id WHERE m.clinic_id = $1 ORDER BY mr.menu_id, mr.resource_id";
pub const NEXT_QUEUE_NUMBER: &str = "SELECT COALESCE(MAX(queue_number), 0) + 1 FROM appointments \
    WHERE resource_id = $1 AND menu_id = $2 AND service_date = $3";
pub const INSERT_EVENT: &str = "INSERT INTO appointment_events \
    (clinic_id, appointment_id, actor, from_status, to_status, at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const SELECT_EVENTS: &str = "SELECT appointment_id, actor, from_status, to_status, at \
    FROM appointment_events WHERE clinic_id = $1 AND appointment_id = $2 ORDER BY id";

/// Appointments of a clinic that hold capacity and whose held time overlaps `[$2, $3)`.
pub fn select_holding() -> String {
    let holding: Vec<String> = AppointmentStatus::ALL
        .into_iter()
        .filter(|s| s.holds_capacity())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!(
        "SELECT {BOOKED_COLUMNS} FROM appointments WHERE clinic_id = $1 AND held_from < $3 \
         AND held_until > $2 AND status IN ({}) ORDER BY starts_at, id",
        holding.join(", ")
    )
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("unexpected stored value: {what}").into())
}

fn to_u32(v: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| corrupt(format!("{what} = {v}")))
}

fn minute_of_day(v: i64) -> Result<NaiveTime, StoreError> {
    let v = to_u32(v, "minute of day")?;
    // 24:00 is stored as 1440; it closes the day, which NaiveTime spells 23:59:59.
    if v >= 1440 {
        return Ok(NaiveTime::from_hms_opt(23, 59, 59).expect("valid"));
    }
    NaiveTime::from_hms_opt(v / 60, v % 60, 0).ok_or_else(|| corrupt(format!("minute {v}")))
}

pub fn minute_of(t: NaiveTime) -> i64 {
    use chrono::Timelike;
    i64::from(t.hour() * 60 + t.minute())
}

fn status(s: &str) -> Result<AppointmentStatus, StoreError> {
    AppointmentStatus::parse(s).ok_or_else(|| corrupt(format!("status {s}")))
}

#[derive(sqlx::FromRow)]
pub struct ClinicRow {
    id: i64,
    slug: String,
    name_ja: String,
    name_en: String,
    time_zone: String,
    open_on_holidays: bool,
}

impl TryFrom<ClinicRow> for Clinic {
    type Error = StoreError;
    fn try_from(r: ClinicRow) -> Result<Self, StoreError> {
        let time_zone = r.time_zone.parse().map_err(|_| corrupt(format!("time zone {}", r.time_zone)))?;
        Ok(Clinic { id: ClinicId(r.id), slug: r.slug, name_ja: r.name_ja, name_en: r.name_en, time_zone, open_on_holidays: r.open_on_holidays })
    }
}

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
        let kind = ResourceKind::parse(&r.kind).ok_or_else(|| corrupt(format!("resource kind {}", r.kind)))?;
        Ok(Resource { id: ResourceId(r.id), clinic_id: ClinicId(r.clinic_id), name_ja: r.name_ja, name_en: r.name_en, kind })
    }
}

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
}

#[derive(sqlx::FromRow)]
pub struct MenuResourceRow {
    menu_id: i64,
    resource_id: i64,
}

/// Menus with the resources that can see each.
pub fn menus(rows: Vec<MenuRow>, links: &[MenuResourceRow]) -> Result<Vec<Menu>, StoreError> {
    rows.into_iter()
        .map(|r| {
            let kind = ModeKind::parse(&r.mode).ok_or_else(|| corrupt(format!("mode {}", r.mode)))?;
            let mode = BookingMode::new(kind, to_u32(r.capacity, "capacity")?);
            Ok(Menu {
                id: MenuId(r.id),
                clinic_id: ClinicId(r.clinic_id),
                name_ja: r.name_ja,
                name_en: r.name_en,
                duration_minutes: to_u32(r.duration_minutes, "duration")?,
                mode,
                buffer_before_minutes: to_u32(r.buffer_before_minutes, "buffer")?,
                buffer_after_minutes: to_u32(r.buffer_after_minutes, "buffer")?,
                min_notice_minutes: to_u32(r.min_notice_minutes, "notice")?,
                horizon_days: to_u32(r.horizon_days, "horizon")?,
                cancel_cutoff_minutes: to_u32(r.cancel_cutoff_minutes, "cut-off")?,
                approval: if r.requires_approval { Approval::RequiresStaff } else { Approval::AutoConfirm },
                hold_minutes: to_u32(r.hold_minutes, "hold")?,
                resource_ids: links.iter().filter(|l| l.menu_id == r.id).map(|l| ResourceId(l.resource_id)).collect(),
            })
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
        let weekday = u8::try_from(r.weekday).ok().and_then(|w| Weekday::try_from(w).ok()).ok_or_else(|| corrupt(format!("weekday {}", r.weekday)))?;
        Ok(OpeningHours { resource_id: ResourceId(r.resource_id), weekday, opens: minute_of_day(r.opens_minute)?, closes: minute_of_day(r.closes_minute)? })
    }
}

#[derive(sqlx::FromRow)]
pub struct ExceptionRow {
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
            ("extra_hours", Some(opens), Some(closes)) => ExceptionKind::ExtraHours { opens: minute_of_day(opens)?, closes: minute_of_day(closes)? },
            (other, _, _) => return Err(corrupt(format!("exception kind {other}"))),
        };
        Ok(DateException { date: r.date, resource_id: r.resource_id.map(ResourceId), kind })
    }
}

/// The columns stored for an exception: kind, opens, closes.
pub fn exception_columns(kind: ExceptionKind) -> (&'static str, Option<i64>, Option<i64>) {
    match kind {
        ExceptionKind::Closed => ("closed", None, None),
        ExceptionKind::ExtraHours { opens, closes } => ("extra_hours", Some(minute_of(opens)), Some(minute_of(closes))),
    }
}

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
            reference: r.reference.ok_or_else(|| corrupt(format!("appointment {} without reference", r.id)))?,
            replaces_id: r.replaces_id.map(AppointmentId),
            note: r.status_note,
            proposal: r.proposal,
            arrived_at: r.arrived_at,
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
            actor: Actor::parse_stored(&r.actor).ok_or_else(|| corrupt(format!("actor {}", r.actor)))?,
            from: r.from_status.as_deref().map(status).transpose()?,
            to: status(&r.to_status)?,
            at: r.at,
        })
    }
}

/// Converts a list of rows, failing on the first that does not convert.
pub fn convert<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub struct PatientRow {
    id: i64,
    clinic_id: i64,
    line_user_id: Option<String>,
    name: String,
    furigana: String,
    phone: String,
    birth_date: Option<NaiveDate>,
    language: String,
}

impl TryFrom<PatientRow> for Patient {
    type Error = StoreError;
    fn try_from(r: PatientRow) -> Result<Self, StoreError> {
        Ok(Patient {
            id: PatientId(r.id),
            clinic_id: ClinicId(r.clinic_id),
            line_user_id: r.line_user_id,
            details: PatientDetails { name: r.name, furigana: r.furigana, phone: r.phone, birth_date: r.birth_date },
            language: Lang::from_tag(&r.language),
        })
    }
}

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

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

impl TryFrom<QuestionRow> for Question {
    type Error = StoreError;
    fn try_from(r: QuestionRow) -> Result<Self, StoreError> {
        Ok(Question {
            id: QuestionId(r.id),
            menu_id: MenuId(r.menu_id),
            label_ja: r.label_ja,
            label_en: r.label_en,
            kind: QuestionKind::parse(&r.kind).ok_or_else(|| corrupt(format!("question kind {}", r.kind)))?,
            choices_ja: lines(&r.choices_ja),
            choices_en: lines(&r.choices_en),
            required: r.required,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct OutboxRow {
    id: i64,
    clinic_id: i64,
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
            id: r.id,
            clinic_id: ClinicId(r.clinic_id),
            recipient: r.recipient,
            payload: r.payload,
            retry_key: r.retry_key,
            attempts: to_u32(r.attempts, "attempts")?,
            first_attempt_at: r.first_attempt_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct NotificationRow {
    id: i64,
    kind: String,
    status: String,
    attempts: i64,
    retry_key: String,
    line_request_id: Option<String>,
    last_error: Option<String>,
}

impl TryFrom<NotificationRow> for NotificationState {
    type Error = StoreError;
    fn try_from(r: NotificationRow) -> Result<Self, StoreError> {
        Ok(NotificationState {
            id: r.id,
            kind: r.kind,
            status: r.status,
            attempts: to_u32(r.attempts, "attempts")?,
            retry_key: r.retry_key,
            line_request_id: r.line_request_id,
            last_error: r.last_error,
        })
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

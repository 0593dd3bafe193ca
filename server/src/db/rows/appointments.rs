//! Appointments, the places they hold, their audit trail and the CSV export.

use app::booking::availability::Booked;
use app::booking::ids::*;
use app::store::*;
use chrono::{DateTime, NaiveDate, Utc};

use super::{actor, status, to_u32};

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
    a.proposal, a.arrived_at, a.attendance_confirmed_at, a.called_at, a.skipped_at";

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
    called_at: Option<DateTime<Utc>>,
    skipped_at: Option<DateTime<Utc>>,
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
            called_at: r.called_at,
            skipped_at: r.skipped_at,
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
            actor: actor(&r.actor)?,
            from: r.from_status.as_deref().map(status).transpose()?,
            to: status(&r.to_status)?,
            at: r.at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct QueueEventRow {
    step: String,
    actor: String,
    at: DateTime<Utc>,
}

impl TryFrom<QueueEventRow> for QueueEntry {
    type Error = StoreError;
    fn try_from(r: QueueEventRow) -> Result<Self, StoreError> {
        Ok(QueueEntry {
            step: QueueStep::parse(&r.step).ok_or_else(|| StoreError::corrupt(format!("queue step {}", r.step)))?,
            actor: actor(&r.actor)?,
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

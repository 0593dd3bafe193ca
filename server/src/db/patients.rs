//! [`app::store::patients::PatientsStore`] for both backends, written once:
//! `patients_queries!(sqlx::Sqlite, SqliteStore)` expands it for one backend.
//!
//! A search reads the clinic's named patients and matches them with the app's own folding
//! (katakana = hiragana, full width = half width, phone digits without hyphens), so both
//! backends find exactly the same patients; a clinic has thousands of patients, not millions.

use app::booking::ids::AppointmentId;
use app::booking::status::AppointmentStatus;
use app::store::patients::ExportRow;
use app::store::StoreError;
use chrono::{DateTime, NaiveDate, Utc};

/// Every appointment of the export with the names it refers to, by time. The clinic is checked
/// on every joined table, not only on the appointment.
pub const SELECT_EXPORT: &str = "SELECT a.id, a.service_date, a.starts_at, a.ends_at, \
    m.name_ja AS menu_name_ja, m.name_en AS menu_name_en, r.name_ja AS resource_name_ja, r.name_en AS resource_name_en, \
    p.name AS patient_name, p.furigana, p.phone, a.status, a.queue_number, a.reference, a.created_at \
    FROM appointments a \
    JOIN menus m ON m.id = a.menu_id AND m.clinic_id = a.clinic_id \
    JOIN resources r ON r.id = a.resource_id AND r.clinic_id = a.clinic_id \
    JOIN patients p ON p.id = a.patient_id AND p.clinic_id = a.clinic_id \
    WHERE a.clinic_id = $1 AND a.service_date BETWEEN $2 AND $3 \
    ORDER BY a.service_date, a.starts_at, a.id";

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
        let corrupt = |what: String| StoreError::Internal(format!("unexpected stored value: {what}").into());
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
            status: AppointmentStatus::parse(&r.status).ok_or_else(|| corrupt(format!("status {}", r.status)))?,
            queue_number: r.queue_number.map(|n| u32::try_from(n).map_err(|_| corrupt(format!("queue number {n}")))).transpose()?,
            reference: r.reference.unwrap_or_default(),
            created_at: r.created_at,
        })
    }
}

/// The clinic a search reads from: named patients only (an empty name is a patient who signed
/// in and never booked).
pub fn select_named_patients() -> String {
    format!("SELECT {} FROM patients WHERE clinic_id = $1 AND name <> '' ORDER BY furigana, name, id", crate::db::rows::PATIENT_COLUMNS)
}

macro_rules! patients_queries {
    ($Db:ty, $Store:ident) => {
        pub(super) mod patients_q {
            use app::booking::ids::{ClinicId, MenuId, PatientId, ResourceId};
            use app::store::patients::{ExportRow, HistoryCounts, Names, PatientHistory, PatientQuery, PatientsStore};
            use app::store::{Appointment, Patient, StoreError};
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};

            use crate::db::patients::{select_named_patients, ExportDbRow, SELECT_EXPORT};
            use crate::db::rows::{convert, AppointmentRow, PatientRow, APPOINTMENT_COLUMNS, PATIENT_COLUMNS};
            use crate::db::DbError;

            #[async_trait]
            impl PatientsStore for super::$Store {
                async fn search_patients(&self, clinic: ClinicId, query: &str, limit: u32) -> Result<Vec<Patient>, StoreError> {
                    let query = PatientQuery::new(query);
                    if query.is_empty() || limit == 0 {
                        return Ok(Vec::new());
                    }
                    let rows: Vec<PatientRow> = sqlx::query_as(&select_named_patients())
                        .bind(clinic.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(DbError::from)?;
                    let mut found = Vec::new();
                    for row in rows {
                        let patient = Patient::try_from(row)?;
                        if query.matches(&patient) {
                            found.push(patient);
                            if found.len() >= limit as usize {
                                break;
                            }
                        }
                    }
                    Ok(found)
                }

                async fn patient_history(&self, clinic: ClinicId, patient: PatientId, now: DateTime<Utc>) -> Result<PatientHistory, StoreError> {
                    let mut c = self.conn().await?;
                    let sql = format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE clinic_id = $1 AND id = $2");
                    let row: Option<PatientRow> = sqlx::query_as(&sql).bind(clinic.0).bind(patient.0).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                    let patient = row.map(Patient::try_from).transpose()?.ok_or(StoreError::NotFound)?;
                    let sql = format!(
                        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE clinic_id = $1 AND patient_id = $2 ORDER BY starts_at DESC, id DESC"
                    );
                    let rows: Vec<AppointmentRow> = sqlx::query_as(&sql).bind(clinic.0).bind(patient.id.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                    let appointments: Vec<Appointment> = convert(rows)?;
                    let counts = HistoryCounts::of(&appointments, now);
                    let menus: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT id, name_ja, name_en FROM menus WHERE clinic_id = $1 \
                         AND id IN (SELECT menu_id FROM appointments WHERE clinic_id = $1 AND patient_id = $2)",
                    )
                    .bind(clinic.0).bind(patient.id.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                    let resources: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT id, name_ja, name_en FROM resources WHERE clinic_id = $1 \
                         AND id IN (SELECT resource_id FROM appointments WHERE clinic_id = $1 AND patient_id = $2)",
                    )
                    .bind(clinic.0).bind(patient.id.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                    Ok(PatientHistory {
                        patient,
                        counts,
                        appointments,
                        menus: menus.into_iter().map(|(id, ja, en)| (MenuId(id), Names { ja, en })).collect(),
                        resources: resources.into_iter().map(|(id, ja, en)| (ResourceId(id), Names { ja, en })).collect(),
                    })
                }

                async fn export_appointments(&self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<ExportRow>, StoreError> {
                    let rows: Vec<ExportDbRow> = sqlx::query_as(SELECT_EXPORT)
                        .bind(clinic.0)
                        .bind(from)
                        .bind(to)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(DbError::from)?;
                    convert(rows)
                }
            }
        }
    };
}

pub(crate) use patients_queries;

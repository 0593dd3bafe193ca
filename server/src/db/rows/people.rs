//! Patients and staff accounts.

use app::booking::ids::*;
use app::i18n::Lang;
use app::kinds::StaffRole;
use app::store::*;
use chrono::{DateTime, NaiveDate, Utc};

pub const PATIENT_COLUMNS: &str = "id, clinic_id, line_user_id, line_friend, sandbox, email, web_key, name, furigana, phone, birth_date, language, erased_at";

#[derive(sqlx::FromRow)]
pub struct PatientRow {
    id: i64,
    clinic_id: i64,
    line_user_id: Option<String>,
    line_friend: Option<bool>,
    sandbox: bool,
    email: Option<String>,
    web_key: Option<String>,
    name: String,
    furigana: String,
    phone: String,
    birth_date: Option<NaiveDate>,
    language: String,
    erased_at: Option<DateTime<Utc>>,
}

impl TryFrom<PatientRow> for Patient {
    type Error = StoreError;
    fn try_from(r: PatientRow) -> Result<Self, StoreError> {
        let identity = match (r.line_user_id, r.sandbox, r.email, r.web_key, r.erased_at) {
            (None, false, None, _, Some(at)) => Identity::Erased { at },
            (Some(user_id), false, None, _, None) => Identity::Line { user_id, friend: r.line_friend },
            (None, true, None, _, None) => Identity::Sandbox,
            (None, false, Some(address), Some(key), None) => Identity::Email { address, key },
            (None, false, None, _, None) => Identity::Offline,
            _ => return Err(StoreError::corrupt(format!("patient {} of more than one kind (LINE, sandbox, e-mail, erased)", r.id))),
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
        Ok(StaffAccount {
            id: StaffId(r.id),
            clinic_id: ClinicId(r.clinic_id),
            email: r.email,
            display_name: r.display_name,
            role,
            password_hash: r.password_hash,
            disabled: r.disabled,
        })
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

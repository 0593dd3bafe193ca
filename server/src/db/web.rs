//! Website requests waiting for their e-mail code, and patients known by an address, for both
//! backends.

use app::booking::ids::*;
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::rows::*;
use super::session::{Held, Session};
use super::sql::sql;

const WEB_REQUEST_COLUMNS: &str = "appointment_id, clinic_id, email, code_digest, code_attempts, codes_sent, code_sent_at, details, verified_at";

#[derive(sqlx::FromRow)]
struct WebRequestRow {
    appointment_id: i64,
    clinic_id: i64,
    email: String,
    code_digest: String,
    code_attempts: i64,
    codes_sent: i64,
    code_sent_at: DateTime<Utc>,
    details: String,
    verified_at: Option<DateTime<Utc>>,
}

impl TryFrom<WebRequestRow> for WebRequest {
    type Error = StoreError;
    fn try_from(r: WebRequestRow) -> Result<Self, StoreError> {
        Ok(WebRequest {
            appointment_id: AppointmentId(r.appointment_id),
            clinic_id: ClinicId(r.clinic_id),
            email: r.email,
            code_digest: r.code_digest,
            code_attempts: to_u32(r.code_attempts, "code_attempts")?,
            codes_sent: to_u32(r.codes_sent, "codes_sent")?,
            code_sent_at: r.code_sent_at,
            details: r.details,
            verified_at: r.verified_at,
        })
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> WebReads for Session<B, C> {
    async fn email_patient(&mut self, clinic: ClinicId, email: &str) -> Result<Option<Patient>, StoreError> {
        let q = sql(format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE clinic_id = $1 AND email = $2")).bind(clinic).bind(email);
        self.optional::<PatientRow>(q).await?.map(Patient::try_from).transpose()
    }

    async fn web_request_by_flow(&mut self, clinic: ClinicId, flow_digest: &str) -> Result<Option<WebRequest>, StoreError> {
        let q = sql(format!("SELECT {WEB_REQUEST_COLUMNS} FROM web_requests WHERE clinic_id = $1 AND flow_digest = $2")).bind(clinic).bind(flow_digest);
        self.optional::<WebRequestRow>(q).await?.map(WebRequest::try_from).transpose()
    }

    async fn web_request(&mut self, clinic: ClinicId, appointment: AppointmentId) -> Result<Option<WebRequest>, StoreError> {
        let q = sql(format!("SELECT {WEB_REQUEST_COLUMNS} FROM web_requests WHERE clinic_id = $1 AND appointment_id = $2")).bind(clinic).bind(appointment);
        self.optional::<WebRequestRow>(q).await?.map(WebRequest::try_from).transpose()
    }

    async fn web_requests_waiting(&mut self, clinic: ClinicId, email: Option<&str>, now: DateTime<Utc>) -> Result<u32, StoreError> {
        let q = sql("SELECT COUNT(*) FROM web_requests w JOIN appointments a ON a.id = w.appointment_id \
             WHERE w.clinic_id = $1 AND ($2 IS NULL OR w.email = $2) AND a.status = 'verifying' AND a.hold_expires_at > $3")
        .bind(clinic)
        .bind(email)
        .bind(now);
        let (n,): (i64,) = self.one(q).await?;
        to_u32(n, "waiting web requests")
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> WebWrites for Session<B, C> {
    async fn insert_web_request(&mut self, r: &NewWebRequest) -> Result<(), StoreError> {
        let q = sql("INSERT INTO web_requests (appointment_id, clinic_id, email, flow_digest, code_digest, code_sent_at, details, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        let q = q.bind(r.appointment_id).bind(r.clinic_id).bind(&r.email).bind(&r.flow_digest).bind(&r.code_digest).bind(r.now).bind(&r.details).bind(r.now);
        self.execute(q).await.map(drop)
    }

    async fn web_code_failed(&mut self, appointment: AppointmentId) -> Result<(), StoreError> {
        self.execute(sql("UPDATE web_requests SET code_attempts = code_attempts + 1 WHERE appointment_id = $1").bind(appointment)).await.map(drop)
    }

    async fn web_code_resent(&mut self, appointment: AppointmentId, code_digest: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("UPDATE web_requests SET code_digest = $1, codes_sent = codes_sent + 1, code_sent_at = $2 WHERE appointment_id = $3");
        self.execute(q.bind(code_digest).bind(now).bind(appointment)).await.map(drop)
    }

    async fn web_request_verified(&mut self, appointment: AppointmentId, now: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("UPDATE web_requests SET verified_at = $1 WHERE appointment_id = $2 AND verified_at IS NULL");
        self.execute(q.bind(now).bind(appointment)).await.map(drop)
    }

    async fn set_hold_expiry(&mut self, clinic: ClinicId, appointment: AppointmentId, until: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        let q = sql("UPDATE appointments SET hold_expires_at = $1 WHERE clinic_id = $2 AND id = $3");
        self.execute(q.bind(until).bind(clinic).bind(appointment)).await.map(drop)
    }
}

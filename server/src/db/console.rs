//! The staff console's storage ([`ConsoleStore`]), written once for both backends like
//! `queries.rs`: `console_queries!(sqlx::Sqlite, SqliteStore)` expands it for one backend.
//! Status changes reuse the booking transaction code of `queries.rs` (`q::…`), so a change made
//! in the console is re-checked, audited and notified exactly like any other.

use app::booking::ids::{AppointmentId, ClinicId, StaffId};
use app::store::console::{NotificationRecord, StaffAccount, StaffSession};
use app::store::{StaffRole, StoreError};
use chrono::{DateTime, Utc};

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("unexpected stored value: {what}").into())
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
        let role = match r.role.as_str() {
            "owner" => StaffRole::Owner,
            "staff" => StaffRole::Staff,
            other => return Err(corrupt(format!("staff role {other}"))),
        };
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

pub const NOTIFICATION_COLUMNS: &str =
    "id, appointment_id, kind, status, attempts, last_error, line_request_id, payload, recipient, created_at, sent_at";

#[derive(sqlx::FromRow)]
pub struct NotificationRecordRow {
    id: i64,
    appointment_id: Option<i64>,
    kind: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    line_request_id: Option<String>,
    payload: String,
    recipient: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

impl TryFrom<NotificationRecordRow> for NotificationRecord {
    type Error = StoreError;
    fn try_from(r: NotificationRecordRow) -> Result<Self, StoreError> {
        Ok(NotificationRecord {
            id: r.id,
            appointment_id: r.appointment_id.map(AppointmentId),
            kind: r.kind,
            status: r.status,
            attempts: u32::try_from(r.attempts).map_err(|_| corrupt(format!("attempts {}", r.attempts)))?,
            last_error: r.last_error,
            line_request_id: r.line_request_id,
            payload: r.payload,
            recipient: r.recipient,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

macro_rules! console_queries {
    ($Db:ty, $Store:ident) => {
        pub(super) mod console_q {
            use app::booking::ids::*;
            use app::booking::status::Transition;
            use app::booking::BookingSource;
            use app::store::console::*;
            use app::store::*;
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};

            use super::q;
            use crate::db::console::{NotificationRecordRow, StaffRow, StaffSessionRow, NOTIFICATION_COLUMNS, STAFF_COLUMNS};
            use crate::db::rows::{convert, AppointmentRow, APPOINTMENT_COLUMNS};
            use crate::db::{token_digest, DbError};

            async fn commit<T>(tx: sqlx::Transaction<'static, $Db>, value: T) -> Result<T, StoreError> {
                tx.commit().await.map_err(DbError::from)?;
                Ok(value)
            }

            async fn appointments_where(pool: &sqlx::Pool<$Db>, filter: &str, clinic: ClinicId) -> Result<Vec<Appointment>, StoreError> {
                let sql = format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE clinic_id = $1 AND {filter}");
                let rows: Vec<AppointmentRow> = sqlx::query_as(&sql).bind(clinic.0).fetch_all(pool).await.map_err(DbError::from)?;
                convert(rows)
            }

            #[async_trait]
            impl ConsoleStore for super::$Store {
                async fn staff_by_email(&self, email: &str) -> Result<Option<StaffAccount>, StoreError> {
                    let sql = format!("SELECT {STAFF_COLUMNS} FROM staff WHERE email = $1");
                    let row: Option<StaffRow> = sqlx::query_as(&sql).bind(email.trim().to_lowercase()).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    row.map(StaffAccount::try_from).transpose()
                }
                async fn staff_account(&self, id: StaffId) -> Result<Option<StaffAccount>, StoreError> {
                    let sql = format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = $1");
                    let row: Option<StaffRow> = sqlx::query_as(&sql).bind(id.0).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    row.map(StaffAccount::try_from).transpose()
                }
                async fn create_staff_session(&self, token: &str, s: &StaffSession, now: DateTime<Utc>) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO staff_sessions (token, staff_id, clinic_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(token_digest(token)).bind(s.staff_id.0).bind(s.clinic_id.0).bind(&s.csrf_token).bind(now).bind(s.expires_at)
                    .execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn staff_session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<StaffSession>, StoreError> {
                    let row: Option<StaffSessionRow> = sqlx::query_as(
                        "SELECT staff_id, clinic_id, csrf_token, expires_at FROM staff_sessions WHERE token = $1 AND expires_at > $2",
                    )
                    .bind(token_digest(token)).bind(now).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    Ok(row.map(StaffSession::from))
                }
                async fn end_staff_session(&self, token: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM staff_sessions WHERE token = $1").bind(token_digest(token)).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn end_staff_sessions_except(&self, staff: StaffId, keep_token: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1 AND token <> $2")
                        .bind(staff.0).bind(token_digest(keep_token)).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn record_sign_in(&self, email: &str, address: &str, succeeded: bool, now: DateTime<Utc>) -> Result<i64, StoreError> {
                    let id: i64 = sqlx::query_scalar("INSERT INTO sign_in_attempts (email, address, succeeded, at) VALUES ($1, $2, $3, $4) RETURNING id")
                        .bind(email.trim().to_lowercase()).bind(address).bind(succeeded).bind(now)
                        .fetch_one(&self.pool).await.map_err(DbError::from)?;
                    Ok(id)
                }
                async fn sign_in_succeeded(&self, attempt: i64) -> Result<(), StoreError> {
                    sqlx::query("UPDATE sign_in_attempts SET succeeded = TRUE WHERE id = $1").bind(attempt).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn failed_sign_ins(&self, email: &str, address: &str, since: DateTime<Utc>) -> Result<FailedSignIns, StoreError> {
                    let email = email.trim().to_lowercase();
                    // Failures of the account since its last success (or `since`), and of the address.
                    let account: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM sign_in_attempts WHERE email = $1 AND NOT succeeded AND at > $2 \
                         AND at > COALESCE((SELECT MAX(at) FROM sign_in_attempts WHERE email = $1 AND succeeded), $2)",
                    )
                    .bind(&email).bind(since).fetch_one(&self.pool).await.map_err(DbError::from)?;
                    let by_address: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_attempts WHERE address = $1 AND NOT succeeded AND at > $2")
                        .bind(address).bind(since).fetch_one(&self.pool).await.map_err(DbError::from)?;
                    Ok(FailedSignIns { account: u32::try_from(account).unwrap_or(u32::MAX), address: u32::try_from(by_address).unwrap_or(u32::MAX) })
                }

                async fn pending_requests(&self, clinic: ClinicId) -> Result<Vec<Appointment>, StoreError> {
                    appointments_where(&self.pool, "status = 'requested' AND NOT proposal ORDER BY created_at, id", clinic).await
                }
                async fn open_proposals(&self, clinic: ClinicId) -> Result<Vec<Appointment>, StoreError> {
                    appointments_where(&self.pool, "status = 'requested' AND proposal ORDER BY created_at, id", clinic).await
                }
                async fn inbox_version(&self, clinic: ClinicId) -> Result<InboxVersion, StoreError> {
                    let (pending, last_change): (i64, Option<i64>) = sqlx::query_as(
                        "SELECT (SELECT COUNT(*) FROM appointments WHERE clinic_id = $1 AND status = 'requested' AND NOT proposal), \
                         (SELECT MAX(id) FROM appointment_events WHERE clinic_id = $1)",
                    )
                    .bind(clinic.0).fetch_one(&self.pool).await.map_err(DbError::from)?;
                    Ok(InboxVersion { pending: u32::try_from(pending).unwrap_or(u32::MAX), last_change: last_change.unwrap_or(0) })
                }
                async fn change_status(
                    &self,
                    clinic: ClinicId,
                    id: AppointmentId,
                    transition: Transition,
                    note: Option<String>,
                    actor: Actor,
                    now: DateTime<Utc>,
                ) -> Result<Appointment, StoreError> {
                    let mut tx = self.write().await?;
                    let changed = q::transition_serialized(&mut tx, clinic, id, transition, note.as_deref(), actor, now).await?;
                    commit(tx, changed).await
                }
                async fn propose_time(
                    &self,
                    clinic: ClinicId,
                    id: AppointmentId,
                    resource: ResourceId,
                    starts_at: DateTime<Utc>,
                    actor: Actor,
                    now: DateTime<Utc>,
                ) -> Result<Appointment, StoreError> {
                    let mut tx = self.write().await?;
                    let original = q::appointment(&mut tx, clinic, id, false).await?.ok_or(StoreError::NotFound)?;
                    let booking = NewBooking {
                        clinic_id: clinic,
                        menu_id: original.menu_id,
                        resource_id: resource,
                        starts_at,
                        patient_id: original.patient_id,
                        actor,
                        now,
                        answers: Vec::new(),
                        replaces: original.replaces_id,
                        source: BookingSource::Proposal,
                    };
                    super::$Store::lock_for_booking(&mut tx, &booking).await?;
                    // The request is declined quietly: the proposal's own notice tells the patient.
                    let note = "別の日時をご提案しました / The clinic proposed another time";
                    q::change_serialized(&mut tx, clinic, id, Transition::Decline, Some(note), actor, now).await?;
                    let proposal = q::book_serialized(&mut tx, &booking).await?;
                    // The patient's answers go with the request they belong to.
                    sqlx::query(
                        "INSERT INTO appointment_answers (appointment_id, question_id, answer) \
                         SELECT $1, question_id, answer FROM appointment_answers WHERE appointment_id = $2",
                    )
                    .bind(proposal.id.0).bind(id.0).execute(&mut *tx).await.map_err(DbError::from)?;
                    commit(tx, proposal).await
                }
                async fn mark_arrived(&self, clinic: ClinicId, id: AppointmentId, now: DateTime<Utc>) -> Result<(), StoreError> {
                    let updated = sqlx::query(
                        "UPDATE appointments SET arrived_at = COALESCE(arrived_at, $1) WHERE clinic_id = $2 AND id = $3 AND status = 'confirmed'",
                    )
                    .bind(now).bind(clinic.0).bind(id.0).execute(&self.pool).await.map_err(DbError::from)?;
                    if updated.rows_affected() == 1 {
                        return Ok(());
                    }
                    match self.appointment(clinic, id).await? {
                        Some(a) => Err(StoreError::StatusChanged { current: a.status }),
                        None => Err(StoreError::NotFound),
                    }
                }
                async fn appointments_on(&self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<Appointment>, StoreError> {
                    let sql = format!(
                        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE clinic_id = $1 AND service_date BETWEEN $2 AND $3 \
                         ORDER BY starts_at, queue_number, id"
                    );
                    let rows: Vec<AppointmentRow> = sqlx::query_as(&sql).bind(clinic.0).bind(from).bind(to).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    convert(rows)
                }

                async fn forget_expired(&self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> Result<u64, StoreError> {
                    let mut deleted = 0;
                    for (sql, at) in [
                        ("DELETE FROM staff_sessions WHERE expires_at <= $1", now),
                        ("DELETE FROM patient_sessions WHERE expires_at <= $1", now),
                        ("DELETE FROM sign_in_attempts WHERE at < $1", attempts_before),
                    ] {
                        deleted += sqlx::query(sql).bind(at).execute(&self.pool).await.map_err(DbError::from)?.rows_affected();
                    }
                    Ok(deleted)
                }
                async fn failed_notifications(&self, clinic: ClinicId, limit: u32) -> Result<Vec<NotificationRecord>, StoreError> {
                    let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE clinic_id = $1 AND status = 'failed' ORDER BY id DESC LIMIT $2");
                    let rows: Vec<NotificationRecordRow> =
                        sqlx::query_as(&sql).bind(clinic.0).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    convert(rows)
                }
                async fn visit_notifications(&self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<NotificationRecord>, StoreError> {
                    let columns: Vec<String> = NOTIFICATION_COLUMNS.split(", ").map(|c| format!("n.{c}")).collect();
                    let sql = format!(
                        "SELECT {} FROM notifications n JOIN appointments a ON a.id = n.appointment_id \
                         WHERE n.clinic_id = $1 AND a.service_date BETWEEN $2 AND $3 ORDER BY n.id",
                        columns.join(", ")
                    );
                    let rows: Vec<NotificationRecordRow> =
                        sqlx::query_as(&sql).bind(clinic.0).bind(from).bind(to).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    convert(rows)
                }
                async fn clinic_notifications(&self, clinic: ClinicId, limit: u32) -> Result<Vec<NotificationRecord>, StoreError> {
                    let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE clinic_id = $1 ORDER BY id DESC LIMIT $2");
                    let rows: Vec<NotificationRecordRow> =
                        sqlx::query_as(&sql).bind(clinic.0).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    convert(rows)
                }
                async fn resend_notification(&self, clinic: ClinicId, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
                    // A notice whose news is no longer true is not sent again (a confirmation of a
                    // visit cancelled meanwhile, a reminder of a visit that has passed).
                    let news: Option<(String, Option<String>, Option<DateTime<Utc>>)> = sqlx::query_as(
                        "SELECT n.kind, a.status, a.starts_at FROM notifications n LEFT JOIN appointments a ON a.id = n.appointment_id \
                         WHERE n.clinic_id = $1 AND n.id = $2",
                    )
                    .bind(clinic.0).bind(id).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    let Some((kind, status, starts_at)) = news else { return Err(StoreError::NotFound) };
                    let still_true = match (kind.as_str(), status.as_deref()) {
                        ("confirmed", Some("confirmed")) | ("declined", Some("declined")) | ("expired", Some("expired")) => true,
                        ("cancelled_by_clinic", Some("cancelled_by_clinic")) | ("cancelled_by_patient", Some("cancelled_by_patient")) => true,
                        ("proposed", Some("requested")) => true,
                        ("reminder" | "cancel_refused", Some("confirmed")) => starts_at.is_some_and(|t| t > now),
                        _ => false,
                    };
                    if !still_true {
                        return Err(StoreError::NoticeOutOfDate);
                    }
                    let window_start = now - app::notify::RETRY_WINDOW;
                    let updated = sqlx::query(
                        "UPDATE notifications SET status = 'queued', next_attempt_at = $1, locked_until = NULL, last_error = NULL, attempts = 0, \
                         retry_key = CASE WHEN first_attempt_at IS NULL OR first_attempt_at > $2 THEN retry_key ELSE $3 END, \
                         first_attempt_at = CASE WHEN first_attempt_at IS NULL OR first_attempt_at > $2 THEN first_attempt_at ELSE NULL END \
                         WHERE clinic_id = $4 AND id = $5 AND status = 'failed'",
                    )
                    .bind(now).bind(window_start).bind(uuid::Uuid::new_v4().to_string()).bind(clinic.0).bind(id)
                    .execute(&self.pool).await.map_err(DbError::from)?;
                    if updated.rows_affected() == 1 {
                        return Ok(());
                    }
                    let exists: Option<String> = sqlx::query_scalar("SELECT status FROM notifications WHERE clinic_id = $1 AND id = $2")
                        .bind(clinic.0).bind(id).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    match exists {
                        Some(_) => Err(StoreError::NoticeNotFailed),
                        None => Err(StoreError::NotFound),
                    }
                }
                async fn queue_notice(
                    &self,
                    clinic: ClinicId,
                    id: AppointmentId,
                    kind: app::notify::flex::NoticeKind,
                    now: DateTime<Utc>,
                ) -> Result<bool, StoreError> {
                    let mut tx = self.write().await?;
                    let appointment = q::appointment(&mut tx, clinic, id, false).await?.ok_or(StoreError::NotFound)?;
                    let queued = q::enqueue(&mut tx, &appointment, kind, now).await?;
                    commit(tx, queued).await
                }
            }
        }
    };
}

pub(crate) use console_queries;

//! Appointments, their audit and answers, for both backends.

use app::booking::availability::Booked;
use app::booking::ids::*;
use app::booking::status::AppointmentStatus;
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::backend::Backend;
use super::rows::*;
use super::session::{Held, Session};
use super::sql::{sql, Sql};

/// `… FROM appointments a WHERE a.clinic_id = $1 AND {filter}`: the clinic is always the first
/// argument.
fn appointments_where(clinic: ClinicId, filter: &str) -> Sql {
    sql(format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments a WHERE a.clinic_id = $1 AND {filter}")).bind(clinic)
}

/// The statuses that hold capacity, as SQL: `'requested', 'confirmed', …`.
fn holding_statuses() -> String {
    AppointmentStatus::ALL.into_iter().filter(|s| s.holds_capacity()).map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

#[async_trait]
impl<B: Backend, C: Held<B>> AppointmentReads for Session<B, C> {
    async fn appointment(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Option<Appointment>, StoreError> {
        self.optional::<AppointmentRow>(appointments_where(clinic, "a.id = $2").bind(id)).await?.map(Appointment::try_from).transpose()
    }

    async fn appointment_by_reference(&mut self, clinic: ClinicId, reference: &str) -> Result<Option<Appointment>, StoreError> {
        self.optional::<AppointmentRow>(appointments_where(clinic, "a.reference = $2").bind(reference)).await?.map(Appointment::try_from).transpose()
    }

    async fn appointments_of(&mut self, clinic: ClinicId, patients: &[PatientId]) -> Result<Vec<Appointment>, StoreError> {
        let mut q = appointments_where(clinic, "");
        let list = q.bind_list(patients.iter().copied());
        q.text.push_str(&format!("a.patient_id IN ({list}) ORDER BY a.starts_at DESC, a.id DESC"));
        convert(self.all::<AppointmentRow>(q).await?)
    }

    async fn appointments_by_id(&mut self, clinic: ClinicId, ids: &[AppointmentId]) -> Result<Vec<Appointment>, StoreError> {
        let mut q = appointments_where(clinic, "");
        let list = q.bind_list(ids.iter().copied());
        q.text.push_str(&format!("a.id IN ({list}) ORDER BY a.id"));
        convert(self.all::<AppointmentRow>(q).await?)
    }

    async fn holding(&mut self, clinic: ClinicId, resources: &[ResourceId], from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Booked>, StoreError> {
        // No hold is as long as two days (a visit of at most 12 hours plus buffers, or a day's
        // queue), so one that overlaps the window starts after `from - 2 days`: the bound lets
        // the index skip the resource's past instead of reading all of it.
        let mut q = sql("").bind(clinic).bind(from).bind(to).bind(from - chrono::Duration::days(2));
        let list = q.bind_list(resources.iter().copied());
        q.text = format!(
            "SELECT {BOOKED_COLUMNS} FROM appointments WHERE clinic_id = $1 AND resource_id IN ({list}) AND held_from < $3 AND held_from > $4 \
             AND held_until > $2 AND status IN ({}) ORDER BY starts_at, id",
            holding_statuses()
        );
        convert(self.all::<BookedRow>(q).await?)
    }

    async fn appointments_on(&mut self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<Appointment>, StoreError> {
        let q = appointments_where(clinic, "a.service_date BETWEEN $2 AND $3 ORDER BY a.starts_at, a.queue_number, a.id").bind(from).bind(to);
        convert(self.all::<AppointmentRow>(q).await?)
    }

    async fn requests(&mut self, clinic: ClinicId, proposals: bool, page: Page) -> Result<Vec<Appointment>, StoreError> {
        let mut q = appointments_where(clinic, "a.status = 'requested' AND a.proposal = $2").bind(proposals);
        if let Some(after) = page.after {
            // The page after a row compares with that row's own values (row values: both backends).
            q = q.bind(after);
            q.text.push_str(" AND (a.created_at, a.id) > (SELECT c.created_at, c.id FROM appointments c WHERE c.clinic_id = $1 AND c.id = $3)");
        }
        q.text.push_str(&format!(" ORDER BY a.created_at, a.id LIMIT {}", page.limit.min(i32::MAX as u32)));
        convert(self.all::<AppointmentRow>(q).await?)
    }

    async fn count_requests(&mut self, clinic: ClinicId, proposals: bool) -> Result<u32, StoreError> {
        let q = sql("SELECT COUNT(*) FROM appointments WHERE clinic_id = $1 AND status = 'requested' AND proposal = $2").bind(clinic).bind(proposals);
        let (n,): (i64,) = self.one(q).await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn answers(&mut self, clinic: ClinicId, appointments: &[AppointmentId]) -> Result<Vec<(AppointmentId, QuestionId, String)>, StoreError> {
        let mut q = sql("SELECT a.appointment_id, a.question_id, a.answer FROM appointment_answers a JOIN appointments p ON p.id = a.appointment_id \
             JOIN menu_questions q ON q.id = a.question_id WHERE p.clinic_id = $1 AND ")
        .bind(clinic);
        let list = q.bind_list(appointments.iter().copied());
        q.text.push_str(&format!("a.appointment_id IN ({list}) ORDER BY a.appointment_id, q.position, q.id"));
        let rows: Vec<(i64, i64, String)> = self.all(q).await?;
        Ok(rows.into_iter().map(|(a, question, answer)| (AppointmentId(a), QuestionId(question), answer)).collect())
    }

    async fn audit_trail(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<AuditEntry>, StoreError> {
        let q =
            sql("SELECT appointment_id, actor, from_status, to_status, at FROM appointment_events WHERE clinic_id = $1 AND appointment_id = $2 ORDER BY id");
        convert(self.all::<EventRow>(q.bind(clinic).bind(id)).await?)
    }

    async fn queue_trail(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<QueueEntry>, StoreError> {
        let q = sql("SELECT step, actor, at FROM queue_events WHERE clinic_id = $1 AND appointment_id = $2 ORDER BY id");
        convert(self.all::<QueueEventRow>(q.bind(clinic).bind(id)).await?)
    }

    async fn inbox_version(&mut self, clinic: ClinicId) -> Result<InboxVersion, StoreError> {
        let q = sql("SELECT (SELECT COUNT(*) FROM appointments WHERE clinic_id = $1 AND status = 'requested' AND NOT proposal), \
             (SELECT MAX(id) FROM appointment_events WHERE clinic_id = $1)");
        let (pending, last_change): (i64, Option<i64>) = self.one(q.bind(clinic)).await?;
        Ok(InboxVersion { pending: u32::try_from(pending).unwrap_or(u32::MAX), last_change: last_change.unwrap_or(0) })
    }

    async fn lapsed_requests(&mut self, now: DateTime<Utc>) -> Result<Vec<(ClinicId, AppointmentId)>, StoreError> {
        let q = sql("SELECT clinic_id, id FROM appointments WHERE status IN ('requested', 'verifying') AND hold_expires_at <= $1 ORDER BY id").bind(now);
        let rows: Vec<(i64, i64)> = self.all(q).await?;
        Ok(rows.into_iter().map(|(c, a)| (ClinicId(c), AppointmentId(a))).collect())
    }

    async fn unreminded(&mut self, clinic: ClinicId, date: NaiveDate) -> Result<Vec<Appointment>, StoreError> {
        let filter = "a.service_date = $2 AND a.status = 'confirmed' \
                      AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.appointment_id = a.id AND n.kind = 'reminder') ORDER BY a.id";
        convert(self.all::<AppointmentRow>(appointments_where(clinic, filter).bind(date)).await?)
    }

    async fn export(&mut self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<ExportRow>, StoreError> {
        // The clinic is checked on every joined table, not only on the appointment.
        let q = sql("SELECT a.id, a.service_date, a.starts_at, a.ends_at, m.name_ja AS menu_name_ja, m.name_en AS menu_name_en, \
             r.name_ja AS resource_name_ja, r.name_en AS resource_name_en, p.name AS patient_name, p.furigana, p.phone, a.status, \
             a.queue_number, a.reference, a.created_at FROM appointments a \
             JOIN menus m ON m.id = a.menu_id AND m.clinic_id = a.clinic_id \
             JOIN resources r ON r.id = a.resource_id AND r.clinic_id = a.clinic_id \
             JOIN patients p ON p.id = a.patient_id AND p.clinic_id = a.clinic_id \
             WHERE a.clinic_id = $1 AND a.service_date BETWEEN $2 AND $3 ORDER BY a.service_date, a.starts_at, a.id");
        convert(self.all::<ExportDbRow>(q.bind(clinic).bind(from).bind(to)).await?)
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> AppointmentWrites for Session<B, C> {
    async fn appointment_for_update(&mut self, clinic: ClinicId, id: AppointmentId) -> Result<Option<Appointment>, StoreError> {
        let q = appointments_where(clinic, &format!("a.id = $2{}", B::FOR_UPDATE)).bind(id);
        self.optional::<AppointmentRow>(q).await?.map(Appointment::try_from).transpose()
    }

    async fn next_queue_number(&mut self, resource: ResourceId, menu: MenuId, date: NaiveDate) -> Result<u32, StoreError> {
        let q = sql("SELECT COALESCE(MAX(queue_number), 0) + 1 FROM appointments WHERE resource_id = $1 AND menu_id = $2 AND service_date = $3");
        let (n,): (i64,) = self.one(q.bind(resource).bind(menu).bind(date)).await?;
        u32::try_from(n).map_err(|_| StoreError::corrupt(format!("queue number {n}")))
    }

    async fn insert_appointment(&mut self, a: &NewAppointment, actor: Actor) -> Result<AppointmentId, StoreError> {
        let q = sql("INSERT INTO appointments (clinic_id, menu_id, resource_id, patient_id, starts_at, ends_at, held_from, held_until, \
             service_date, status, queue_number, hold_expires_at, created_at, updated_at, reference, replaces_id, proposal) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16) RETURNING id")
        .bind(a.clinic_id)
        .bind(a.menu_id)
        .bind(a.resource_id)
        .bind(a.patient_id)
        .bind(a.starts_at)
        .bind(a.ends_at)
        .bind(a.held_from)
        .bind(a.held_until)
        .bind(a.service_date)
        .bind(a.status.as_str())
        .bind(a.queue_number)
        .bind(a.hold_expires_at)
        .bind(a.created_at)
        .bind(&a.reference)
        .bind(a.replaces_id)
        .bind(a.proposal);
        let (id,): (i64,) = self.one(q).await?;
        let id = AppointmentId(id);
        self.record_event(a.clinic_id, id, actor, None, a.status, a.created_at).await?;
        Ok(id)
    }

    async fn insert_answers(&mut self, id: AppointmentId, menu: MenuId, answers: &[(QuestionId, String)]) -> Result<(), StoreError> {
        for (question, answer) in answers {
            let q = sql(
                "INSERT INTO appointment_answers (appointment_id, question_id, answer) SELECT $1, id, $3 FROM menu_questions WHERE id = $2 AND menu_id = $4",
            );
            self.execute(q.bind(id).bind(*question).bind(answer).bind(menu)).await?;
        }
        Ok(())
    }

    async fn copy_answers(&mut self, from: AppointmentId, to: AppointmentId) -> Result<(), StoreError> {
        let q = sql("INSERT INTO appointment_answers (appointment_id, question_id, answer) SELECT $1, question_id, answer FROM appointment_answers WHERE appointment_id = $2");
        self.execute(q.bind(to).bind(from)).await.map(drop)
    }

    async fn set_status(&mut self, a: &Appointment, to: AppointmentStatus, note: Option<&str>, actor: Actor, at: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("UPDATE appointments SET status = $1, updated_at = $2, status_note = COALESCE($3, status_note) \
             WHERE clinic_id = $4 AND id = $5 AND status = $6");
        let updated = self.execute(q.bind(to.as_str()).bind(at).bind(note).bind(a.clinic_id).bind(a.id).bind(a.status.as_str())).await?;
        if updated != 1 {
            let current = AppointmentReads::appointment(self, a.clinic_id, a.id).await?.map_or(a.status, |now| now.status);
            return Err(StoreError::StatusChanged { current });
        }
        self.record_event(a.clinic_id, a.id, actor, Some(a.status), to, at).await
    }

    async fn mark_arrived(&mut self, clinic: ClinicId, id: AppointmentId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("UPDATE appointments SET arrived_at = COALESCE(arrived_at, $1) WHERE clinic_id = $2 AND id = $3");
        self.execute(q.bind(at).bind(clinic).bind(id)).await.map(drop)
    }

    async fn confirm_attendance(&mut self, clinic: ClinicId, id: AppointmentId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("UPDATE appointments SET attendance_confirmed_at = COALESCE(attendance_confirmed_at, $1) WHERE clinic_id = $2 AND id = $3");
        self.execute(q.bind(at).bind(clinic).bind(id)).await.map(drop)
    }

    async fn queue_for_update(&mut self, clinic: ClinicId, resource: ResourceId, menu: MenuId, date: NaiveDate) -> Result<Vec<Appointment>, StoreError> {
        // Locked in id order, so two transactions locking the same queue cannot deadlock.
        let filter = format!("a.resource_id = $2 AND a.menu_id = $3 AND a.service_date = $4 AND a.queue_number IS NOT NULL ORDER BY a.id{}", B::FOR_UPDATE);
        convert(self.all::<AppointmentRow>(appointments_where(clinic, &filter).bind(resource).bind(menu).bind(date)).await?)
    }

    async fn queue_step(&mut self, clinic: ClinicId, id: AppointmentId, step: QueueStep, actor: Actor, at: DateTime<Utc>) -> Result<(), StoreError> {
        let set = match step {
            QueueStep::Called => Some("called_at = $1, skipped_at = NULL"),
            QueueStep::Skipped => Some("skipped_at = $1"),
            QueueStep::Arrived => Some("arrived_at = COALESCE(arrived_at, $1)"),
            // The status change records itself.
            QueueStep::Completed | QueueStep::Absent => None,
        };
        if let Some(set) = set {
            self.execute(sql(format!("UPDATE appointments SET {set} WHERE clinic_id = $2 AND id = $3")).bind(at).bind(clinic).bind(id)).await?;
        }
        let q = sql("INSERT INTO queue_events (clinic_id, appointment_id, step, actor, at) VALUES ($1, $2, $3, $4, $5)");
        self.execute(q.bind(clinic).bind(id).bind(step.as_str()).bind(actor.to_stored()).bind(at)).await.map(drop)
    }
}

impl<B: Backend, C: Held<B>> Session<B, C> {
    /// The audit row of a status change, in the change's transaction.
    async fn record_event(
        &mut self,
        clinic: ClinicId,
        id: AppointmentId,
        actor: Actor,
        from: Option<AppointmentStatus>,
        to: AppointmentStatus,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = sql("INSERT INTO appointment_events (clinic_id, appointment_id, actor, from_status, to_status, at) VALUES ($1, $2, $3, $4, $5, $6)");
        self.execute(q.bind(clinic).bind(id).bind(actor.to_stored()).bind(from.map(|s| s.as_str())).bind(to.as_str()).bind(at)).await.map(drop)
    }
}

//! The queries both backends run, and their `Store` implementation, written once.
//! `shared_queries!(sqlx::Sqlite, SqliteStore, for_update = "")` expands them for one backend.
//! What differs (connecting, starting a write transaction, locking for a booking, the row-lock
//! clause) stays in `sqlite.rs` and `postgres.rs`: each backend struct provides `conn()`,
//! `write()` and `lock_for_booking()`.

macro_rules! shared_queries {
    ($Db:ty, $Store:ident, for_update = $for_update:literal, skip_locked = $skip_locked:literal) => {
        #[allow(dead_code)]
        pub(super) mod q {
            use app::booking::availability::Booked;
            use app::booking::ids::*;
            use app::booking::model::*;
            use app::booking::schedule::Schedule;
            use app::booking::status::{AppointmentStatus, Transition};
            use app::booking::{plan_booking_as, BookingSource};
            use app::store::*;
            use chrono::{DateTime, NaiveDate, Utc};

            use crate::db::rows::{self, *};
            use async_trait::async_trait;
            use crate::db::DbError;

            pub type Conn = <$Db as sqlx::Database>::Connection;

            async fn commit<T>(tx: sqlx::Transaction<'static, $Db>, value: T) -> Result<T, StoreError> {
                tx.commit().await.map_err(DbError::from)?;
                Ok(value)
            }

            #[async_trait]
            impl Store for super::$Store {
                async fn ping(&self) -> Result<(), StoreError> {
                    sqlx::query("SELECT 1").execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn clinics(&self) -> Result<Vec<Clinic>, StoreError> {
                    self::clinics(&mut *self.conn().await?).await
                }
                async fn clinic(&self, id: ClinicId) -> Result<Option<Clinic>, StoreError> {
                    match self::clinic(&mut *self.conn().await?, id).await {
                        Err(StoreError::NotFound) => Ok(None),
                        other => other.map(Some),
                    }
                }
                async fn clinic_by_slug(&self, slug: &str) -> Result<Option<Clinic>, StoreError> {
                    self::clinic_by_slug(&mut *self.conn().await?, slug).await
                }
                async fn resources(&self, clinic: ClinicId) -> Result<Vec<Resource>, StoreError> {
                    self::resources(&mut *self.conn().await?, clinic).await
                }
                async fn menus(&self, clinic: ClinicId) -> Result<Vec<Menu>, StoreError> {
                    self::menus(&mut *self.conn().await?, clinic).await
                }
                async fn opening_hours(&self, clinic: ClinicId) -> Result<Vec<OpeningHours>, StoreError> {
                    self::opening_hours(&mut *self.conn().await?, clinic).await
                }
                async fn exceptions(&self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DateException>, StoreError> {
                    self::exceptions(&mut *self.conn().await?, clinic, from, to).await
                }
                async fn holding_appointments(&self, clinic: ClinicId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Booked>, StoreError> {
                    self::holding(&mut *self.conn().await?, clinic, from, to).await
                }
                async fn book(&self, booking: NewBooking) -> Result<Appointment, StoreError> {
                    let mut tx = self.write().await?;
                    super::$Store::lock_for_booking(&mut tx, &booking).await?;
                    let appointment = self::book_serialized(&mut tx, &booking).await?;
                    commit(tx, appointment).await
                }
                async fn transition(&self, clinic: ClinicId, id: AppointmentId, transition: Transition, actor: Actor, now: DateTime<Utc>) -> Result<Appointment, StoreError> {
                    let mut tx = self.write().await?;
                    let appointment = self::transition_serialized(&mut tx, clinic, id, transition, None, actor, now).await?;
                    commit(tx, appointment).await
                }
                async fn appointment(&self, clinic: ClinicId, id: AppointmentId) -> Result<Option<Appointment>, StoreError> {
                    self::appointment(&mut *self.conn().await?, clinic, id, false).await
                }
                async fn audit_trail(&self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<AuditEntry>, StoreError> {
                    self::audit_trail(&mut *self.conn().await?, clinic, id).await
                }
                async fn create_clinic(&self, clinic: NewClinic) -> Result<ClinicId, StoreError> {
                    self::create_clinic(&mut *self.conn().await?, &clinic, Utc::now()).await
                }
                async fn create_resource(&self, resource: NewResource) -> Result<ResourceId, StoreError> {
                    self::create_resource(&mut *self.conn().await?, &resource).await
                }
                async fn create_menu(&self, menu: Menu) -> Result<MenuId, StoreError> {
                    let mut tx = self.write().await?;
                    let id = self::create_menu(&mut tx, &menu).await?;
                    commit(tx, id).await
                }
                async fn add_opening_hours(&self, hours: OpeningHours) -> Result<(), StoreError> {
                    self::add_opening_hours(&mut *self.conn().await?, &hours).await
                }
                async fn add_exception(&self, clinic: ClinicId, exception: DateException) -> Result<(), StoreError> {
                    self::add_exception(&mut *self.conn().await?, clinic, &exception).await
                }
                async fn create_patient(&self, patient: NewPatient) -> Result<PatientId, StoreError> {
                    self::create_patient(&mut *self.conn().await?, &patient, Utc::now()).await
                }
                async fn create_staff(&self, staff: NewStaff) -> Result<StaffId, StoreError> {
                    self::create_staff(&mut *self.conn().await?, &staff, Utc::now()).await
                }
                async fn line_settings(&self, clinic: ClinicId) -> Result<Option<LineSettings>, StoreError> {
                    self::line_settings(&mut *self.conn().await?, clinic).await
                }
                async fn set_line_settings(&self, clinic: ClinicId, settings: Option<LineSettings>) -> Result<(), StoreError> {
                    self::set_line_settings(&mut *self.conn().await?, clinic, settings.as_ref()).await
                }
                async fn privacy_notice(&self, clinic: ClinicId) -> Result<(String, String), StoreError> {
                    let row: Option<(String, String)> = sqlx::query_as("SELECT privacy_notice_ja, privacy_notice_en FROM clinics WHERE id = $1")
                        .bind(clinic.0).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    row.ok_or(StoreError::NotFound)
                }
                async fn set_privacy_notice(&self, clinic: ClinicId, ja: &str, en: &str) -> Result<(), StoreError> {
                    sqlx::query("UPDATE clinics SET privacy_notice_ja = $1, privacy_notice_en = $2 WHERE id = $3")
                        .bind(ja).bind(en).bind(clinic.0).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn questions(&self, menu: MenuId) -> Result<Vec<Question>, StoreError> {
                    self::questions(&mut *self.conn().await?, menu).await
                }
                async fn add_question(&self, question: Question) -> Result<QuestionId, StoreError> {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO menu_questions (menu_id, position, label_ja, label_en, kind, choices_ja, choices_en, required) \
                         VALUES ($1, (SELECT COUNT(*) FROM menu_questions WHERE menu_id = $1), $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(question.menu_id.0)
                    .bind(&question.label_ja)
                    .bind(&question.label_en)
                    .bind(question.kind.as_str())
                    .bind(question.choices_ja.join("\n"))
                    .bind(question.choices_en.join("\n"))
                    .bind(question.required)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(DbError::from)?;
                    Ok(QuestionId(id))
                }
                async fn answers(&self, clinic: ClinicId, id: AppointmentId) -> Result<Vec<(QuestionId, String)>, StoreError> {
                    let rows: Vec<(i64, String)> = sqlx::query_as(
                        "SELECT a.question_id, a.answer FROM appointment_answers a JOIN appointments p ON p.id = a.appointment_id \
                         JOIN menu_questions q ON q.id = a.question_id WHERE p.clinic_id = $1 AND p.id = $2 ORDER BY q.position, q.id",
                    )
                    .bind(clinic.0).bind(id.0).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    Ok(rows.into_iter().map(|(q, a)| (QuestionId(q), a)).collect())
                }
                async fn patient(&self, clinic: ClinicId, id: PatientId) -> Result<Option<Patient>, StoreError> {
                    self::patient(&mut *self.conn().await?, clinic, id).await
                }
                async fn line_patient(&self, clinic: ClinicId, line_user_id: &str, lang: app::i18n::Lang) -> Result<Patient, StoreError> {
                    let mut tx = self.write().await?;
                    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM patients WHERE clinic_id = $1 AND line_user_id = $2")
                        .bind(clinic.0).bind(line_user_id).fetch_optional(&mut *tx).await.map_err(DbError::from)?;
                    let id = match existing {
                        Some(id) => {
                            sqlx::query("UPDATE patients SET language = $1 WHERE id = $2")
                                .bind(lang.code()).bind(id).execute(&mut *tx).await.map_err(DbError::from)?;
                            PatientId(id)
                        }
                        None => {
                            let id: i64 = sqlx::query_scalar(
                                "INSERT INTO patients (clinic_id, line_user_id, name, furigana, phone, birth_date, created_at, language) \
                                 VALUES ($1, $2, '', '', '', NULL, $3, $4) RETURNING id",
                            )
                            .bind(clinic.0).bind(line_user_id).bind(Utc::now()).bind(lang.code())
                            .fetch_one(&mut *tx).await.map_err(DbError::from)?;
                            PatientId(id)
                        }
                    };
                    let patient = self::patient(&mut tx, clinic, id).await?.ok_or(StoreError::NotFound)?;
                    commit(tx, patient).await
                }
                async fn save_patient_details(&self, clinic: ClinicId, id: PatientId, d: PatientDetails) -> Result<(), StoreError> {
                    let updated = sqlx::query("UPDATE patients SET name = $1, furigana = $2, phone = $3, birth_date = $4 WHERE clinic_id = $5 AND id = $6")
                        .bind(&d.name).bind(&d.furigana).bind(&d.phone).bind(d.birth_date).bind(clinic.0).bind(id.0)
                        .execute(&self.pool).await.map_err(DbError::from)?;
                    if updated.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
                }
                async fn create_patient_session(&self, clinic: ClinicId, patient: PatientId, token: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), StoreError> {
                    sqlx::query("INSERT INTO patient_sessions (token, clinic_id, patient_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(crate::db::token_digest(token)).bind(clinic.0).bind(patient.0).bind(now).bind(expires_at)
                        .execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn patient_session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<(ClinicId, PatientId)>, StoreError> {
                    let row: Option<(i64, i64)> = sqlx::query_as("SELECT clinic_id, patient_id FROM patient_sessions WHERE token = $1 AND expires_at > $2")
                        .bind(crate::db::token_digest(token)).bind(now).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    Ok(row.map(|(c, p)| (ClinicId(c), PatientId(p))))
                }
                async fn end_patient_session(&self, token: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM patient_sessions WHERE token = $1").bind(crate::db::token_digest(token)).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn appointment_by_reference(&self, clinic: ClinicId, reference: &str) -> Result<Option<Appointment>, StoreError> {
                    let sql = format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE clinic_id = $1 AND reference = $2");
                    let row: Option<AppointmentRow> = sqlx::query_as(&sql).bind(clinic.0).bind(reference).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    row.map(Appointment::try_from).transpose()
                }
                async fn claim_notifications(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxMessage>, StoreError> {
                    let sql = format!(
                        "UPDATE notifications SET status = 'sending', locked_until = $2, attempts = attempts + 1, \
                         first_attempt_at = COALESCE(first_attempt_at, $1) \
                         WHERE id IN (SELECT id FROM notifications WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 \
                         AND (locked_until IS NULL OR locked_until <= $1) ORDER BY id LIMIT $3{}) \
                         RETURNING id, clinic_id, recipient, payload, retry_key, attempts, first_attempt_at",
                        $skip_locked
                    );
                    let mut tx = self.write().await?;
                    let rows: Vec<OutboxRow> = sqlx::query_as(&sql)
                        .bind(now).bind(lease_until).bind(i64::from(limit))
                        .fetch_all(&mut *tx).await.map_err(DbError::from)?;
                    let mut claimed: Vec<OutboxMessage> = convert(rows)?;
                    claimed.sort_by_key(|m| m.id);
                    commit(tx, claimed).await
                }
                async fn record_delivery(&self, id: i64, record: DeliveryRecord, now: DateTime<Utc>) -> Result<(), StoreError> {
                    let (status, next, error, request_id, sent_at) = match record {
                        DeliveryRecord::Sent { request_id } => ("sent", None, None, request_id, Some(now)),
                        DeliveryRecord::RetryAt { at, error, request_id } => ("queued", Some(at), Some(error), request_id, None),
                        DeliveryRecord::Failed { error, request_id } => ("failed", None, Some(error), request_id, None),
                    };
                    sqlx::query(
                        "UPDATE notifications SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3, \
                         line_request_id = COALESCE($4, line_request_id), sent_at = $5, locked_until = NULL \
                         WHERE id = $6 AND status = 'sending'",
                    )
                    .bind(status).bind(next).bind(error).bind(request_id).bind(sent_at).bind(id)
                    .execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn notifications(&self, clinic: ClinicId, appointment: AppointmentId) -> Result<Vec<NotificationState>, StoreError> {
                    let rows: Vec<NotificationRow> = sqlx::query_as(
                        "SELECT id, kind, status, attempts, retry_key, line_request_id, last_error FROM notifications \
                         WHERE clinic_id = $1 AND appointment_id = $2 ORDER BY id",
                    )
                    .bind(clinic.0).bind(appointment.0).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    convert(rows)
                }
                async fn lapsed_requests(&self, now: DateTime<Utc>) -> Result<Vec<(ClinicId, AppointmentId)>, StoreError> {
                    let rows: Vec<(i64, i64)> = sqlx::query_as(
                        "SELECT clinic_id, id FROM appointments WHERE status = 'requested' AND hold_expires_at <= $1 ORDER BY id",
                    )
                    .bind(now).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    Ok(rows.into_iter().map(|(c, a)| (ClinicId(c), AppointmentId(a))).collect())
                }
                async fn queue_reminders(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
                    use chrono::Timelike;
                    let clinics: Vec<(i64, String, i64)> = sqlx::query_as(
                        "SELECT id, time_zone, reminder_hour FROM clinics WHERE line_channel_access_token IS NOT NULL OR liff_id IS NULL",
                    )
                    .fetch_all(&self.pool).await.map_err(DbError::from)?;
                    let mut queued = 0;
                    for (id, zone, hour) in clinics {
                        let Ok(tz) = zone.parse::<chrono_tz::Tz>() else { continue };
                        let local = now.with_timezone(&tz);
                        if i64::from(local.hour()) < hour {
                            continue;
                        }
                        let Some(tomorrow) = local.date_naive().succ_opt() else { continue };
                        let mut tx = self.write().await?;
                        let n = self::queue_reminders_for(&mut tx, ClinicId(id), tomorrow, now).await?;
                        queued += commit(tx, n).await?;
                    }
                    Ok(queued)
                }
                async fn record_webhook_event(&self, clinic: ClinicId, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                    let inserted = sqlx::query("INSERT INTO webhook_events (clinic_id, event_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(clinic.0).bind(event_id).bind(now).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(inserted.rows_affected() == 1)
                }
                async fn forget_webhook_event(&self, clinic: ClinicId, event_id: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM webhook_events WHERE clinic_id = $1 AND event_id = $2")
                        .bind(clinic.0).bind(event_id).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn set_line_friend(&self, clinic: ClinicId, line_user_id: &str, friend: bool) -> Result<(), StoreError> {
                    sqlx::query("UPDATE patients SET line_friend = $1 WHERE clinic_id = $2 AND line_user_id = $3")
                        .bind(friend).bind(clinic.0).bind(line_user_id).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn line_friend(&self, clinic: ClinicId, line_user_id: &str) -> Result<Option<bool>, StoreError> {
                    let friend: Option<Option<bool>> = sqlx::query_scalar("SELECT line_friend FROM patients WHERE clinic_id = $1 AND line_user_id = $2")
                        .bind(clinic.0).bind(line_user_id).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    Ok(friend.flatten())
                }
                async fn confirm_attendance(&self, clinic: ClinicId, id: AppointmentId, now: DateTime<Utc>) -> Result<(), StoreError> {
                    sqlx::query("UPDATE appointments SET attendance_confirmed_at = COALESCE(attendance_confirmed_at, $1) WHERE clinic_id = $2 AND id = $3")
                        .bind(now).bind(clinic.0).bind(id.0).execute(&self.pool).await.map_err(DbError::from)?;
                    Ok(())
                }
                async fn attendance_confirmed_at(&self, clinic: ClinicId, id: AppointmentId) -> Result<Option<DateTime<Utc>>, StoreError> {
                    let at: Option<Option<DateTime<Utc>>> = sqlx::query_scalar("SELECT attendance_confirmed_at FROM appointments WHERE clinic_id = $1 AND id = $2")
                        .bind(clinic.0).bind(id.0).fetch_optional(&self.pool).await.map_err(DbError::from)?;
                    Ok(at.flatten())
                }
                async fn patient_appointments(&self, clinic: ClinicId, patient: PatientId) -> Result<Vec<Appointment>, StoreError> {
                    let sql = format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE clinic_id = $1 AND patient_id = $2 ORDER BY starts_at DESC, id DESC");
                    let rows: Vec<AppointmentRow> = sqlx::query_as(&sql).bind(clinic.0).bind(patient.0).fetch_all(&self.pool).await.map_err(DbError::from)?;
                    convert(rows)
                }
            }

            pub async fn clinics(c: &mut Conn) -> Result<Vec<Clinic>, StoreError> {
                let sql = format!("SELECT {CLINIC_COLUMNS} FROM clinics ORDER BY id");
                let rows: Vec<ClinicRow> = sqlx::query_as(&sql).fetch_all(&mut *c).await.map_err(DbError::from)?;
                convert(rows)
            }

            pub async fn clinic_by_slug(c: &mut Conn, slug: &str) -> Result<Option<Clinic>, StoreError> {
                let sql = format!("SELECT {CLINIC_COLUMNS} FROM clinics WHERE slug = $1");
                let row: Option<ClinicRow> = sqlx::query_as(&sql).bind(slug).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                row.map(Clinic::try_from).transpose()
            }

            pub async fn clinic(c: &mut Conn, id: ClinicId) -> Result<Clinic, StoreError> {
                let sql = format!("SELECT {CLINIC_COLUMNS} FROM clinics WHERE id = $1");
                let row: Option<ClinicRow> = sqlx::query_as(&sql).bind(id.0).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            pub async fn resources(c: &mut Conn, clinic: ClinicId) -> Result<Vec<Resource>, StoreError> {
                let rows: Vec<ResourceRow> = sqlx::query_as(
                    "SELECT id, clinic_id, name_ja, name_en, kind FROM resources WHERE clinic_id = $1 ORDER BY id",
                )
                .bind(clinic.0)
                .fetch_all(&mut *c)
                .await
                .map_err(DbError::from)?;
                convert(rows)
            }

            pub async fn menus(c: &mut Conn, clinic: ClinicId) -> Result<Vec<Menu>, StoreError> {
                menus_including_hidden(c, clinic, false).await
            }

            /// The clinic's menus in display order; the hidden (inactive) ones too when asked.
            pub async fn menus_including_hidden(c: &mut Conn, clinic: ClinicId, hidden: bool) -> Result<Vec<Menu>, StoreError> {
                let filter = if hidden { "" } else { " AND active" };
                let sql = format!("SELECT {MENU_COLUMNS} FROM menus WHERE clinic_id = $1{filter} ORDER BY position, id");
                let rows: Vec<MenuRow> = sqlx::query_as(&sql).bind(clinic.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                let links: Vec<MenuResourceRow> =
                    sqlx::query_as(SELECT_MENU_RESOURCES).bind(clinic.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                rows::menus(rows, &links)
            }

            /// One of the clinic's menus, hidden (inactive) or not: appointments made before the
            /// owner hid a menu still get their notices.
            pub async fn menu_any(c: &mut Conn, clinic: ClinicId, id: MenuId) -> Result<Option<Menu>, StoreError> {
                Ok(menus_including_hidden(c, clinic, true).await?.into_iter().find(|m| m.id == id))
            }

            pub async fn opening_hours(c: &mut Conn, clinic: ClinicId) -> Result<Vec<OpeningHours>, StoreError> {
                let rows: Vec<HoursRow> = sqlx::query_as(SELECT_HOURS).bind(clinic.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                convert(rows)
            }

            pub async fn exceptions(c: &mut Conn, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DateException>, StoreError> {
                let rows: Vec<ExceptionRow> = sqlx::query_as(SELECT_EXCEPTIONS)
                    .bind(clinic.0)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&mut *c)
                    .await
                    .map_err(DbError::from)?;
                convert(rows)
            }

            pub async fn holding(c: &mut Conn, clinic: ClinicId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Booked>, StoreError> {
                let rows: Vec<BookedRow> = sqlx::query_as(&select_holding())
                    .bind(clinic.0)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&mut *c)
                    .await
                    .map_err(DbError::from)?;
                convert(rows)
            }

            pub async fn appointment(c: &mut Conn, clinic: ClinicId, id: AppointmentId, lock: bool) -> Result<Option<Appointment>, StoreError> {
                let sql = format!(
                    "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE clinic_id = $1 AND id = $2{}",
                    if lock { $for_update } else { "" }
                );
                let row: Option<AppointmentRow> =
                    sqlx::query_as(&sql).bind(clinic.0).bind(id.0).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                row.map(Appointment::try_from).transpose()
            }

            pub async fn audit_trail(c: &mut Conn, clinic: ClinicId, id: AppointmentId) -> Result<Vec<AuditEntry>, StoreError> {
                let rows: Vec<EventRow> =
                    sqlx::query_as(SELECT_EVENTS).bind(clinic.0).bind(id.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                convert(rows)
            }

            async fn record_event(
                c: &mut Conn,
                clinic: ClinicId,
                id: AppointmentId,
                actor: Actor,
                from: Option<AppointmentStatus>,
                to: AppointmentStatus,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(INSERT_EVENT)
                    .bind(clinic.0)
                    .bind(id.0)
                    .bind(actor.to_stored())
                    .bind(from.map(|s| s.as_str()))
                    .bind(to.as_str())
                    .bind(at)
                    .execute(&mut *c)
                    .await
                    .map_err(DbError::from)?;
                Ok(())
            }

            /// Books a place. The caller has started a transaction in which no other booking of
            /// the resource can run (SQLite: an immediate transaction; PostgreSQL: the resource
            /// row locked), so the facts read here stay true until the commit.
            pub async fn book_serialized(c: &mut Conn, b: &NewBooking) -> Result<Appointment, StoreError> {
                let clinic = clinic(&mut *c, b.clinic_id).await?;
                let menu = menus(&mut *c, b.clinic_id)
                    .await?
                    .into_iter()
                    .find(|m| m.id == b.menu_id)
                    .ok_or(StoreError::NotFound)?;
                let date = b.starts_at.with_timezone(&clinic.time_zone).date_naive();
                let hours = opening_hours(&mut *c, clinic.id).await?;
                let exceptions = exceptions(&mut *c, clinic.id, date, date).await?;
                let (from, to) = held_window(date, date);
                let booked = holding(&mut *c, clinic.id, from, to).await?;
                let schedule = Schedule { clinic: &clinic, hours: &hours, exceptions: &exceptions };
                let plan = plan_booking_as(schedule, &menu, &booked, b.resource_id, b.starts_at, b.now, b.source)
                    .map_err(|_| StoreError::PlaceTaken)?;
                if let Some(replaced) = b.replaces {
                    let old = appointment(&mut *c, b.clinic_id, replaced, false).await?.ok_or(StoreError::NotFound)?;
                    if old.patient_id != b.patient_id {
                        return Err(StoreError::NotFound);
                    }
                    if old.status != AppointmentStatus::Confirmed {
                        return Err(StoreError::StatusChanged { current: old.status });
                    }
                }

                let queue_number: Option<i64> = match menu.mode {
                    BookingMode::DayQueue { .. } => Some(
                        sqlx::query_scalar(NEXT_QUEUE_NUMBER)
                            .bind(b.resource_id.0)
                            .bind(b.menu_id.0)
                            .bind(plan.offer.date)
                            .fetch_one(&mut *c)
                            .await
                            .map_err(DbError::from)?,
                    ),
                    _ => None,
                };
                let o = &plan.offer;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO appointments (clinic_id, menu_id, resource_id, patient_id, starts_at, ends_at, \
                     held_from, held_until, service_date, status, queue_number, hold_expires_at, created_at, updated_at, \
                     reference, replaces_id, proposal) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16) RETURNING id",
                )
                .bind(b.clinic_id.0)
                .bind(b.menu_id.0)
                .bind(o.resource_id.0)
                .bind(b.patient_id.0)
                .bind(o.starts_at)
                .bind(o.ends_at)
                .bind(o.held_from)
                .bind(o.held_until)
                .bind(o.date)
                .bind(plan.status.as_str())
                .bind(queue_number)
                .bind(plan.hold_expires_at)
                .bind(b.now)
                .bind(uuid::Uuid::new_v4().simple().to_string())
                .bind(b.replaces.map(|r| r.0))
                .bind(b.source == BookingSource::Proposal)
                .fetch_one(&mut *c)
                .await
                .map_err(DbError::from)?;
                let id = AppointmentId(id);
                record_event(&mut *c, b.clinic_id, id, b.actor, None, plan.status, b.now).await?;
                for (question, answer) in &b.answers {
                    sqlx::query(
                        "INSERT INTO appointment_answers (appointment_id, question_id, answer) \
                         SELECT $1, id, $3 FROM menu_questions WHERE id = $2 AND menu_id = $4",
                    )
                    .bind(id.0).bind(question.0).bind(answer).bind(b.menu_id.0)
                    .execute(&mut *c).await.map_err(DbError::from)?;
                }
                if let (Some(replaced), AppointmentStatus::Confirmed) = (b.replaces, plan.status) {
                    release_replaced(&mut *c, b.clinic_id, replaced, b.patient_id, b.now).await?;
                }
                let booked = appointment(&mut *c, b.clinic_id, id, false).await?.ok_or(StoreError::NotFound)?;
                enqueue_notice(&mut *c, &booked, booked.status, b.now).await?;
                Ok(booked)
            }

            /// Applies a transition and queues the patient's notice of it, in the caller's write
            /// transaction.
            pub async fn transition_serialized(
                c: &mut Conn,
                clinic: ClinicId,
                id: AppointmentId,
                transition: Transition,
                note: Option<&str>,
                actor: Actor,
                now: DateTime<Utc>,
            ) -> Result<Appointment, StoreError> {
                let changed = change_serialized(&mut *c, clinic, id, transition, note, actor, now).await?;
                // A patient turning down the clinic's proposal needs no message: they just did it.
                let own_decline = matches!(actor, Actor::Patient(_)) && transition == Transition::Decline;
                if !own_decline {
                    enqueue_notice(&mut *c, &changed, changed.status, now).await?;
                }
                Ok(changed)
            }

            /// Applies a transition without notifying anyone. The caller holds a write
            /// transaction; the appointment is read with a row lock where the backend has one, and
            /// the update is guarded by the status it was read with, so of two racing staff
            /// exactly one wins.
            pub async fn change_serialized(
                c: &mut Conn,
                clinic: ClinicId,
                id: AppointmentId,
                transition: Transition,
                note: Option<&str>,
                actor: Actor,
                now: DateTime<Utc>,
            ) -> Result<Appointment, StoreError> {
                let current = appointment(&mut *c, clinic, id, true).await?.ok_or(StoreError::NotFound)?;
                let next = current
                    .status
                    .apply(transition)
                    .map_err(|_| StoreError::StatusChanged { current: current.status })?;
                if transition == Transition::Confirm && current.hold_expires_at.is_some_and(|t| t <= now) {
                    return Err(StoreError::HoldExpired);
                }
                let updated = sqlx::query(
                    "UPDATE appointments SET status = $1, updated_at = $2, status_note = COALESCE($6, status_note) \
                     WHERE clinic_id = $3 AND id = $4 AND status = $5",
                )
                .bind(next.as_str())
                .bind(now)
                .bind(clinic.0)
                .bind(id.0)
                .bind(current.status.as_str())
                .bind(note)
                .execute(&mut *c)
                .await
                .map_err(DbError::from)?;
                if updated.rows_affected() != 1 {
                    let now_status = appointment(&mut *c, clinic, id, false).await?.map(|a| a.status).unwrap_or(current.status);
                    return Err(StoreError::StatusChanged { current: now_status });
                }
                record_event(&mut *c, clinic, id, actor, Some(current.status), next, now).await?;
                if let (Some(replaced), AppointmentStatus::Confirmed) = (current.replaces_id, next) {
                    release_replaced(&mut *c, clinic, replaced, current.patient_id, now).await?;
                }
                appointment(&mut *c, clinic, id, false).await?.ok_or(StoreError::NotFound)
            }

            pub async fn line_settings(c: &mut Conn, clinic: ClinicId) -> Result<Option<LineSettings>, StoreError> {
                let row: Option<LineRow> = sqlx::query_as(
                    "SELECT liff_id, line_login_channel_id, line_channel_secret, line_channel_access_token, line_add_friend_url \
                     FROM clinics WHERE id = $1",
                )
                .bind(clinic.0).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                Ok(row.ok_or(StoreError::NotFound)?.settings())
            }

            pub async fn set_line_settings(c: &mut Conn, clinic: ClinicId, s: Option<&LineSettings>) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE clinics SET liff_id = $1, line_login_channel_id = $2, line_channel_secret = $3, \
                     line_channel_access_token = $4, line_add_friend_url = $5 WHERE id = $6",
                )
                .bind(s.map(|s| s.liff_id.clone()))
                .bind(s.map(|s| s.login_channel_id.clone()))
                .bind(s.and_then(|s| s.channel_secret.clone()))
                .bind(s.and_then(|s| s.channel_access_token.clone()))
                .bind(s.and_then(|s| s.add_friend_url.clone()))
                .bind(clinic.0)
                .execute(&mut *c).await.map_err(DbError::from)?;
                Ok(())
            }

            pub async fn questions(c: &mut Conn, menu: MenuId) -> Result<Vec<Question>, StoreError> {
                let sql = format!("SELECT {QUESTION_COLUMNS} FROM menu_questions WHERE menu_id = $1 ORDER BY position, id");
                let rows: Vec<QuestionRow> = sqlx::query_as(&sql).bind(menu.0).fetch_all(&mut *c).await.map_err(DbError::from)?;
                convert(rows)
            }

            pub async fn patient(c: &mut Conn, clinic: ClinicId, id: PatientId) -> Result<Option<Patient>, StoreError> {
                let sql = format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE clinic_id = $1 AND id = $2");
                let row: Option<PatientRow> = sqlx::query_as(&sql).bind(clinic.0).bind(id.0).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                row.map(Patient::try_from).transpose()
            }

            /// Queues the LINE message that announces `appointment` becoming `to`, in the caller's
            /// transaction. Nothing is queued for a clinic without a channel access token or a
            /// patient without a LINE user id (sandbox).
            pub async fn enqueue_notice(c: &mut Conn, appointment: &Appointment, to: AppointmentStatus, now: DateTime<Utc>) -> Result<bool, StoreError> {
                use app::notify::flex::NoticeKind;
                let note = appointment.note.clone().unwrap_or_default();
                let kind = match app::notify::notice_kind(to) {
                    Some(NoticeKind::Declined { .. }) => NoticeKind::Declined { reason: note },
                    Some(NoticeKind::CancelledByClinic { .. }) => NoticeKind::CancelledByClinic { message: note },
                    Some(kind) => kind,
                    None if to == AppointmentStatus::Requested && appointment.proposal => NoticeKind::Proposed { new_time: String::new() },
                    None => return Ok(false),
                };
                enqueue(c, appointment, kind, now).await
            }

            /// Queues one notice; `false` when there is nobody to send it to, or when it is a
            /// reminder already queued (the unique index `notifications_one_reminder`).
            pub async fn enqueue(c: &mut Conn, appointment: &Appointment, kind: app::notify::flex::NoticeKind, now: DateTime<Utc>) -> Result<bool, StoreError> {
                use app::notify::flex::{message, Notice};
                let clinic_id = appointment.clinic_id;
                let clinic = clinic(&mut *c, clinic_id).await?;
                let Some(patient) = patient(&mut *c, clinic_id, appointment.patient_id).await? else { return Ok(false) };
                // A LINE-connected clinic pushes to patients signed in with LINE; a clinic in
                // sandbox mode delivers to the console's LINE sandbox, for its sandbox patients.
                let (recipient, liff_url) = match line_settings(&mut *c, clinic_id).await? {
                    Some(line) => match (line.channel_access_token, patient.line_user_id.filter(|id| id.starts_with('U'))) {
                        (Some(_), Some(user)) => (user, format!("https://liff.line.me/{}/a/{}", line.liff_id, appointment.reference)),
                        _ => return Ok(false),
                    },
                    None => match patient.line_user_id.filter(|id| id.starts_with(app::notify::SANDBOX_RECIPIENT_PREFIX)) {
                        Some(user) => (user, format!("/liff/{}/a/{}", clinic.slug, appointment.reference)),
                        None => return Ok(false),
                    },
                };
                let Some(menu) = menu_any(&mut *c, clinic_id, appointment.menu_id).await? else { return Ok(false) };
                let lang = patient.language;
                let notice = Notice {
                    kind: kind.clone(),
                    lang,
                    clinic_name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(),
                    menu_name: lang.pick(&menu.name_ja, &menu.name_en).to_string(),
                    when: app::booking::format::place_label(menu.mode, appointment.starts_at, appointment.ends_at, clinic.time_zone, lang),
                    reference: appointment.reference.clone(),
                    liff_url,
                };
                let card = message(&notice).map_err(|e| StoreError::Internal(Box::new(e)))?;
                let inserted = sqlx::query(
                    "INSERT INTO notifications (clinic_id, appointment_id, kind, recipient, payload, retry_key, status, attempts, \
                     next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $7) ON CONFLICT DO NOTHING",
                )
                .bind(clinic_id.0)
                .bind(appointment.id.0)
                .bind(kind.name())
                .bind(recipient)
                .bind(serde_json::Value::Array(vec![card]).to_string())
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(now)
                .execute(&mut *c)
                .await
                .map_err(DbError::from)?;
                Ok(inserted.rows_affected() == 1)
            }

            /// Queues the reminders of one clinic for `tomorrow` (clinic-local date).
            pub async fn queue_reminders_for(c: &mut Conn, clinic: ClinicId, tomorrow: NaiveDate, now: DateTime<Utc>) -> Result<usize, StoreError> {
                let sql = format!(
                    "SELECT {APPOINTMENT_COLUMNS} FROM appointments a WHERE clinic_id = $1 AND service_date = $2 AND status = 'confirmed' \
                     AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.appointment_id = a.id AND n.kind = 'reminder') ORDER BY id"
                );
                let rows: Vec<AppointmentRow> = sqlx::query_as(&sql).bind(clinic.0).bind(tomorrow).fetch_all(&mut *c).await.map_err(DbError::from)?;
                let mut queued = 0;
                for appointment in convert::<_, Appointment>(rows)? {
                    if enqueue(&mut *c, &appointment, app::notify::flex::NoticeKind::Reminder, now).await? {
                        queued += 1;
                    }
                }
                Ok(queued)
            }

            /// Cancels the appointment a confirmed reschedule replaces, in the same transaction.
            async fn release_replaced(c: &mut Conn, clinic: ClinicId, replaced: AppointmentId, patient: PatientId, now: DateTime<Utc>) -> Result<(), StoreError> {
                let Some(old) = appointment(&mut *c, clinic, replaced, true).await? else { return Ok(()) };
                if let Ok(next) = old.status.cancel_by_patient() {
                    sqlx::query("UPDATE appointments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                        .bind(next.as_str()).bind(now).bind(old.id.0).bind(old.status.as_str())
                        .execute(&mut *c).await.map_err(DbError::from)?;
                    record_event(&mut *c, clinic, old.id, Actor::Patient(patient), Some(old.status), next, now).await?;
                }
                Ok(())
            }

            pub async fn create_clinic(c: &mut Conn, n: &NewClinic, now: DateTime<Utc>) -> Result<ClinicId, StoreError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO clinics (slug, name_ja, name_en, time_zone, open_on_holidays, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&n.slug)
                .bind(&n.name_ja)
                .bind(&n.name_en)
                .bind(n.time_zone.name())
                .bind(n.open_on_holidays)
                .bind(now)
                .fetch_one(&mut *c)
                .await
                .map_err(DbError::from)?;
                Ok(ClinicId(id))
            }

            pub async fn create_resource(c: &mut Conn, n: &NewResource) -> Result<ResourceId, StoreError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO resources (clinic_id, name_ja, name_en, kind) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(n.clinic_id.0)
                .bind(&n.name_ja)
                .bind(&n.name_en)
                .bind(n.kind.as_str())
                .fetch_one(&mut *c)
                .await
                .map_err(DbError::from)?;
                Ok(ResourceId(id))
            }

            pub async fn create_menu(c: &mut Conn, m: &Menu) -> Result<MenuId, StoreError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO menus (clinic_id, position, name_ja, name_en, duration_minutes, mode, capacity, \
                     buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, \
                     cancel_cutoff_minutes, requires_approval, hold_minutes) \
                     VALUES ($1, (SELECT COUNT(*) FROM menus WHERE clinic_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     RETURNING id",
                )
                .bind(m.clinic_id.0)
                .bind(&m.name_ja)
                .bind(&m.name_en)
                .bind(i64::from(m.duration_minutes))
                .bind(m.mode.kind().as_str())
                .bind(i64::from(m.mode.capacity()))
                .bind(i64::from(m.buffer_before_minutes))
                .bind(i64::from(m.buffer_after_minutes))
                .bind(i64::from(m.min_notice_minutes))
                .bind(i64::from(m.horizon_days))
                .bind(i64::from(m.cancel_cutoff_minutes))
                .bind(m.approval == Approval::RequiresStaff)
                .bind(i64::from(m.hold_minutes))
                .fetch_one(&mut *c)
                .await
                .map_err(DbError::from)?;
                if link_menu_resources(&mut *c, MenuId(id), m).await?.is_some() {
                    return Err(StoreError::NotFound);
                }
                Ok(MenuId(id))
            }

            /// Links menu `id` to `m`'s resources. Each must belong to the menu's clinic: the
            /// first that does not is returned (and the caller's transaction rolled back).
            pub async fn link_menu_resources(c: &mut Conn, id: MenuId, m: &Menu) -> Result<Option<ResourceId>, StoreError> {
                for resource in &m.resource_ids {
                    let linked = sqlx::query(
                        "INSERT INTO menu_resources (menu_id, resource_id) \
                         SELECT $1, id FROM resources WHERE id = $2 AND clinic_id = $3",
                    )
                    .bind(id.0)
                    .bind(resource.0)
                    .bind(m.clinic_id.0)
                    .execute(&mut *c)
                    .await
                    .map_err(DbError::from)?;
                    if linked.rows_affected() != 1 {
                        return Ok(Some(*resource));
                    }
                }
                Ok(None)
            }

            pub async fn add_opening_hours(c: &mut Conn, h: &OpeningHours) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO opening_hours (resource_id, weekday, opens_minute, closes_minute) VALUES ($1, $2, $3, $4)")
                    .bind(h.resource_id.0)
                    .bind(i64::from(h.weekday.num_days_from_monday()))
                    .bind(minute_of(h.opens))
                    .bind(minute_of(h.closes))
                    .execute(&mut *c)
                    .await
                    .map_err(DbError::from)?;
                Ok(())
            }

            pub async fn add_exception(c: &mut Conn, clinic: ClinicId, e: &DateException) -> Result<(), StoreError> {
                let (kind, opens, closes) = exception_columns(e.kind);
                sqlx::query(
                    "INSERT INTO date_exceptions (clinic_id, resource_id, date, kind, opens_minute, closes_minute) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(clinic.0)
                .bind(e.resource_id.map(|r| r.0))
                .bind(e.date)
                .bind(kind)
                .bind(opens)
                .bind(closes)
                .execute(&mut *c)
                .await
                .map_err(DbError::from)?;
                Ok(())
            }

            pub async fn create_patient(c: &mut Conn, p: &NewPatient, now: DateTime<Utc>) -> Result<PatientId, StoreError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO patients (clinic_id, line_user_id, name, furigana, phone, birth_date, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(p.clinic_id.0)
                .bind(&p.line_user_id)
                .bind(&p.details.name)
                .bind(&p.details.furigana)
                .bind(&p.details.phone)
                .bind(p.details.birth_date)
                .bind(now)
                .fetch_one(&mut *c)
                .await
                .map_err(DbError::from)?;
                Ok(PatientId(id))
            }

            pub async fn create_staff(c: &mut Conn, s: &NewStaff, now: DateTime<Utc>) -> Result<StaffId, StoreError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO staff (clinic_id, email, display_name, role, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(s.clinic_id.0)
                .bind(s.email.trim().to_lowercase())
                .bind(&s.display_name)
                .bind(s.role.as_str())
                .bind(&s.password_hash)
                .bind(now)
                .fetch_one(&mut *c)
                .await
                .map_err(DbError::from)?;
                Ok(StaffId(id))
            }
        }
    };
}

pub(crate) use shared_queries;

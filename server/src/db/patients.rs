//! Patients, their sessions and search, for both backends.

use app::booking::ids::*;
use app::i18n::Lang;
use app::patients::search::{PatientQuery, SearchKeys};
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::rows::*;
use super::session::{Held, Session};
use super::sql::sql;
use super::token_digest;

/// `%`, `_` and `\` match themselves in a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(s: &str) -> String {
    let escaped: String = s.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

#[async_trait]
impl<B: Backend, C: Held<B>> PatientReads for Session<B, C> {
    async fn patient(&mut self, clinic: ClinicId, id: PatientId) -> Result<Option<Patient>, StoreError> {
        let q = sql(format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE clinic_id = $1 AND id = $2")).bind(clinic).bind(id);
        self.optional::<PatientRow>(q).await?.map(Patient::try_from).transpose()
    }

    async fn patients(&mut self, clinic: ClinicId, ids: &[PatientId]) -> Result<Vec<Patient>, StoreError> {
        let mut q = sql(String::new()).bind(clinic);
        let list = q.bind_list(ids.iter().copied());
        q.text = format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE clinic_id = $1 AND id IN ({list}) ORDER BY id");
        convert(self.all::<PatientRow>(q).await?)
    }

    async fn line_patient(&mut self, clinic: ClinicId, line_user_id: &str) -> Result<Option<Patient>, StoreError> {
        let q = sql(format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE clinic_id = $1 AND line_user_id = $2")).bind(clinic).bind(line_user_id);
        self.optional::<PatientRow>(q).await?.map(Patient::try_from).transpose()
    }

    async fn patient_session(&mut self, token: &str, now: DateTime<Utc>) -> Result<Option<(ClinicId, PatientId)>, StoreError> {
        let q = sql("SELECT clinic_id, patient_id FROM patient_sessions WHERE token = $1 AND expires_at > $2").bind(token_digest(token)).bind(now);
        Ok(self.optional::<(i64, i64)>(q).await?.map(|(c, p)| (ClinicId(c), PatientId(p))))
    }

    async fn search_patients(&mut self, clinic: ClinicId, query: &PatientQuery, limit: u32) -> Result<Vec<Patient>, StoreError> {
        if query.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let text = like_pattern(query.text());
        let phone = query.digits().map(like_pattern);
        // The index `patients_search` (clinic, furigana) gives the order; the folded columns
        // are compared as stored.
        let q = sql(format!(
            "SELECT {PATIENT_COLUMNS} FROM patients WHERE clinic_id = $1 AND name <> '' \
             AND (search_name LIKE $2 ESCAPE '\\' OR search_furigana LIKE $2 ESCAPE '\\' OR search_phone LIKE $3 ESCAPE '\\') \
             ORDER BY search_furigana, name, id LIMIT $4"
        ))
        .bind(clinic)
        .bind(text)
        .bind(phone)
        .bind(limit);
        convert(self.all::<PatientRow>(q).await?)
    }

    async fn deletion_requests(&mut self, clinic: ClinicId, patient: Option<PatientId>) -> Result<Vec<DeletionRequest>, StoreError> {
        const COLUMNS: &str = "patient_id, channel, requested_at, completed_at";
        let q = match patient {
            Some(p) => sql(format!("SELECT {COLUMNS} FROM deletion_requests WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id DESC")).bind(clinic).bind(p),
            None => sql(format!("SELECT {COLUMNS} FROM deletion_requests WHERE clinic_id = $1 AND completed_at IS NULL ORDER BY id DESC")).bind(clinic),
        };
        let rows: Vec<(i64, String, DateTime<Utc>, Option<DateTime<Utc>>)> = self.all(q).await?;
        rows.into_iter()
            .map(|(patient, channel, requested_at, completed_at)| {
                let channel = ConsentChannel::parse(&channel).ok_or_else(|| StoreError::corrupt(format!("deletion request channel {channel}")))?;
                Ok(DeletionRequest { patient_id: PatientId(patient), channel, requested_at, completed_at })
            })
            .collect()
    }

    async fn consents(&mut self, clinic: ClinicId, patient: Option<PatientId>) -> Result<Vec<Consent>, StoreError> {
        const COLUMNS: &str = "patient_id, notice_version, channel, appointment_id, consented_at";
        let q = match patient {
            Some(p) => sql(format!("SELECT {COLUMNS} FROM consents WHERE clinic_id = $1 AND patient_id = $2 ORDER BY consented_at, id")).bind(clinic).bind(p),
            None => sql(format!("SELECT {COLUMNS} FROM consents WHERE clinic_id = $1 ORDER BY consented_at, id")).bind(clinic),
        };
        let rows: Vec<(i64, i64, String, Option<i64>, DateTime<Utc>)> = self.all(q).await?;
        rows.into_iter()
            .map(|(patient, version, channel, appointment, at)| {
                Ok(Consent {
                    patient_id: PatientId(patient),
                    notice_version: super::rows::to_u32(version, "consent notice version")?,
                    channel: ConsentChannel::parse(&channel).ok_or_else(|| StoreError::corrupt(format!("consent channel {channel}")))?,
                    appointment_id: appointment.map(AppointmentId),
                    at,
                })
            })
            .collect()
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> PatientWrites for Session<B, C> {
    async fn lock_patient(&mut self, clinic: ClinicId, id: PatientId) -> Result<bool, StoreError> {
        // An erased patient is nobody to book for or change: as if not there.
        let q = sql(format!("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2 AND erased_at IS NULL{}", B::FOR_UPDATE));
        Ok(self.optional::<(i64,)>(q.bind(id).bind(clinic)).await?.is_some())
    }

    async fn insert_patient(&mut self, p: &NewPatient, now: DateTime<Utc>) -> Result<Option<PatientId>, StoreError> {
        let keys = SearchKeys::of(&p.details);
        let (line_user, friend, email, web_key) = match &p.identity {
            Identity::Line { user_id, friend } => (Some(user_id.as_str()), *friend, None, None),
            Identity::Email { address, key } => (None, None, Some(address.as_str()), Some(key.as_str())),
            // An erased patient is made by `erase_patient`, never inserted.
            Identity::Sandbox | Identity::Offline | Identity::Erased { .. } => (None, None, None, None),
        };
        let q = sql("INSERT INTO patients (clinic_id, line_user_id, line_friend, sandbox, email, web_key, name, furigana, phone, birth_date, \
             language, search_name, search_furigana, search_phone, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING RETURNING id")
        .bind(p.clinic_id)
        .bind(line_user)
        .bind(friend)
        .bind(p.identity == Identity::Sandbox)
        .bind(email)
        .bind(web_key)
        .bind(&p.details.name)
        .bind(&p.details.furigana)
        .bind(&p.details.phone)
        .bind(p.details.birth_date)
        .bind(p.language.code())
        .bind(keys.name)
        .bind(keys.furigana)
        .bind(keys.phone)
        .bind(now);
        Ok(self.optional::<(i64,)>(q).await?.map(|(id,)| PatientId(id)))
    }

    async fn save_patient_details(&mut self, clinic: ClinicId, id: PatientId, d: &PatientDetails) -> Result<(), StoreError> {
        let keys = SearchKeys::of(d);
        let q = sql("UPDATE patients SET name = $1, furigana = $2, phone = $3, birth_date = $4, search_name = $5, search_furigana = $6, \
             search_phone = $7 WHERE clinic_id = $8 AND id = $9 AND erased_at IS NULL");
        let q = q.bind(&d.name).bind(&d.furigana).bind(&d.phone).bind(d.birth_date).bind(keys.name).bind(keys.furigana).bind(keys.phone).bind(clinic).bind(id);
        self.execute(q).await.map(drop)
    }

    async fn set_patient_language(&mut self, clinic: ClinicId, id: PatientId, lang: Lang) -> Result<(), StoreError> {
        self.execute(sql("UPDATE patients SET language = $1 WHERE clinic_id = $2 AND id = $3 AND erased_at IS NULL").bind(lang.code()).bind(clinic).bind(id))
            .await
            .map(drop)
    }

    async fn set_line_friend(&mut self, clinic: ClinicId, line_user_id: &str, friend: bool) -> Result<(), StoreError> {
        let q = sql("UPDATE patients SET line_friend = $1 WHERE clinic_id = $2 AND line_user_id = $3");
        self.execute(q.bind(friend).bind(clinic).bind(line_user_id)).await.map(drop)
    }

    async fn insert_patient_session(
        &mut self,
        token: &str,
        clinic: ClinicId,
        patient: PatientId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let q = sql("INSERT INTO patient_sessions (token, clinic_id, patient_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
        self.execute(q.bind(token_digest(token)).bind(clinic).bind(patient).bind(now).bind(expires_at)).await.map(drop)
    }

    async fn delete_patient_session(&mut self, token: &str) -> Result<(), StoreError> {
        self.execute(sql("DELETE FROM patient_sessions WHERE token = $1").bind(token_digest(token))).await.map(drop)
    }

    async fn record_consent(&mut self, clinic: ClinicId, c: &Consent) -> Result<(), StoreError> {
        let q = sql("INSERT INTO consents (clinic_id, patient_id, notice_version, channel, appointment_id, consented_at) VALUES ($1, $2, $3, $4, $5, $6)");
        let q = q.bind(clinic).bind(c.patient_id).bind(i64::from(c.notice_version)).bind(c.channel.as_str()).bind(c.appointment_id.map(|a| a.0)).bind(c.at);
        self.execute(q).await.map(drop)
    }

    async fn insert_deletion_request(&mut self, clinic: ClinicId, r: &DeletionRequest) -> Result<bool, StoreError> {
        let q = sql("INSERT INTO deletion_requests (clinic_id, patient_id, channel, requested_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");
        Ok(self.execute(q.bind(clinic).bind(r.patient_id).bind(r.channel.as_str()).bind(r.requested_at)).await? == 1)
    }

    async fn complete_deletion_requests(&mut self, clinic: ClinicId, patient: PatientId, staff: StaffId, now: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("UPDATE deletion_requests SET completed_at = $1, completed_by = $2 WHERE clinic_id = $3 AND patient_id = $4 AND completed_at IS NULL");
        self.execute(q.bind(now).bind(staff).bind(clinic).bind(patient)).await.map(drop)
    }

    async fn erase_patient(&mut self, clinic: ClinicId, patient: PatientId, now: DateTime<Utc>) -> Result<Erasure, StoreError> {
        let theirs = "SELECT id FROM appointments WHERE clinic_id = $1 AND patient_id = $2";
        let answers = self.execute(sql(format!("DELETE FROM appointment_answers WHERE appointment_id IN ({theirs})")).bind(clinic).bind(patient)).await?;
        // Each notice holds the patient's name and their LINE id or address.
        let notices =
            self.execute(sql(format!("DELETE FROM notifications WHERE clinic_id = $1 AND appointment_id IN ({theirs})")).bind(clinic).bind(patient)).await?;
        self.execute(sql(format!("DELETE FROM web_requests WHERE appointment_id IN ({theirs})")).bind(clinic).bind(patient)).await?;
        let sessions = self.execute(sql("DELETE FROM patient_sessions WHERE clinic_id = $1 AND patient_id = $2").bind(clinic).bind(patient)).await?;
        // A service notification token can still message their LINE account.
        self.execute(sql("DELETE FROM service_tokens WHERE clinic_id = $1 AND patient_id = $2").bind(clinic).bind(patient)).await?;
        // The clinic's own words to them (a decline's reason, a cancellation's message) may name them.
        self.execute(sql("UPDATE appointments SET status_note = NULL WHERE clinic_id = $1 AND patient_id = $2").bind(clinic).bind(patient)).await?;
        let q = sql("UPDATE patients SET line_user_id = NULL, line_friend = NULL, sandbox = FALSE, email = NULL, web_key = NULL, name = '', furigana = '', \
             phone = '', birth_date = NULL, search_name = '', search_furigana = '', search_phone = '', erased_at = $1 WHERE clinic_id = $2 AND id = $3");
        self.execute(q.bind(now).bind(clinic).bind(patient)).await?;
        Ok(Erasure { answers, notices, sessions })
    }
}

/// Patients stored before the folded search columns existed get them (once, at start-up).
pub async fn fold_unfolded_names<B: Backend>(pool: &sqlx::Pool<B::Db>) -> Result<(), StoreError> {
    let tx = B::begin_write(pool).await.map_err(super::store_error::<B>)?;
    // Patients' details hold no secrets.
    let mut session = Session::<B, _>::new(tx, Default::default());
    let rows: Vec<PatientRow> = session.all(sql(format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE name <> '' AND search_name = ''"))).await?;
    for p in convert::<_, Patient>(rows)? {
        session.save_patient_details(p.clinic_id, p.id, &p.details).await?;
    }
    Box::new(session).commit().await
}

//! Deleting what has served its time, and LINE's webhook events, for both backends.

use app::booking::ids::ClinicId;
use app::store::{AnswerDeletion, Housekeeping, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::backend::Backend;
use super::session::{Held, Session};
use super::sql::sql;

#[async_trait]
impl<B: Backend, C: Held<B>> Housekeeping for Session<B, C> {
    async fn forget_expired(&mut self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for (statement, at) in [
            ("DELETE FROM staff_sessions WHERE expires_at <= $1", now),
            ("DELETE FROM patient_sessions WHERE expires_at <= $1", now),
            ("DELETE FROM sign_in_attempts WHERE at < $1", attempts_before),
            ("DELETE FROM idempotency_keys WHERE created_at < $1", attempts_before),
            // What a website patient typed waits here only for the code (then it is the
            // patient's, or nobody's): the appointment itself stays.
            ("DELETE FROM web_requests WHERE code_sent_at < $1", attempts_before),
        ] {
            deleted += self.execute(sql(statement).bind(at)).await?;
        }
        Ok(deleted)
    }

    async fn record_webhook_event(&mut self, clinic: ClinicId, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let q = sql("INSERT INTO webhook_events (clinic_id, event_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        Ok(self.execute(q.bind(clinic).bind(event_id).bind(now)).await? == 1)
    }

    async fn delete_answers_before(&mut self, clinic: ClinicId, before: NaiveDate) -> Result<(u64, u64), StoreError> {
        let of_old_visits = "appointment_id IN (SELECT id FROM appointments WHERE clinic_id = $1 AND service_date < $2)";
        let (visits,): (i64,) =
            self.one(sql(format!("SELECT COUNT(DISTINCT appointment_id) FROM appointment_answers WHERE {of_old_visits}")).bind(clinic).bind(before)).await?;
        let answers = self.execute(sql(format!("DELETE FROM appointment_answers WHERE {of_old_visits}")).bind(clinic).bind(before)).await?;
        Ok((visits as u64, answers))
    }

    async fn record_answer_deletion(&mut self, clinic: ClinicId, d: &AnswerDeletion) -> Result<(), StoreError> {
        let q = sql("INSERT INTO answer_deletions (clinic_id, at, visits_before, visits, answers) VALUES ($1, $2, $3, $4, $5)");
        self.execute(q.bind(clinic).bind(d.at).bind(d.visits_before).bind(d.visits as i64).bind(d.answers as i64)).await.map(drop)
    }
}

//! Staff accounts, sessions and sign-in attempts, for both backends.

use app::booking::ids::*;
use app::kinds::StaffRole;
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::rows::*;
use super::session::{Held, Session};
use super::sql::sql;
use super::token_digest;

#[async_trait]
impl<B: Backend, C: Held<B>> StaffReads for Session<B, C> {
    async fn staff_by_email(&mut self, email: &str) -> Result<Option<StaffAccount>, StoreError> {
        let q = sql(format!("SELECT {STAFF_COLUMNS} FROM staff WHERE email = $1")).bind(email.trim().to_lowercase());
        self.optional::<StaffRow>(q).await?.map(StaffAccount::try_from).transpose()
    }

    async fn staff_account(&mut self, id: StaffId) -> Result<Option<StaffAccount>, StoreError> {
        self.optional::<StaffRow>(sql(format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = $1")).bind(id)).await?.map(StaffAccount::try_from).transpose()
    }

    async fn staff_members(&mut self, clinic: ClinicId) -> Result<Vec<StaffAccount>, StoreError> {
        let q = sql(format!("SELECT {STAFF_COLUMNS} FROM staff WHERE clinic_id = $1 ORDER BY disabled_at IS NOT NULL, role <> 'owner', id"));
        convert(self.all::<StaffRow>(q.bind(clinic)).await?)
    }

    async fn staff_session(&mut self, token: &str, now: DateTime<Utc>) -> Result<Option<StaffSession>, StoreError> {
        let q = sql("SELECT staff_id, clinic_id, csrf_token, expires_at FROM staff_sessions WHERE token = $1 AND expires_at > $2");
        Ok(self.optional::<StaffSessionRow>(q.bind(token_digest(token)).bind(now)).await?.map(StaffSession::from))
    }

    async fn failed_sign_ins(&mut self, email: &str, address: &str, since: DateTime<Utc>) -> Result<FailedSignIns, StoreError> {
        let email = email.trim().to_lowercase();
        // Failures of the account since its last success (or `since`), and of the address.
        let q = sql("SELECT COUNT(*) FROM sign_in_attempts WHERE email = $1 AND NOT succeeded AND at > $2 \
             AND at > COALESCE((SELECT MAX(at) FROM sign_in_attempts WHERE email = $1 AND succeeded), $2)");
        let (account,): (i64,) = self.one(q.bind(&email).bind(since)).await?;
        let q = sql("SELECT COUNT(*) FROM sign_in_attempts WHERE address = $1 AND NOT succeeded AND at > $2");
        let (by_address,): (i64,) = self.one(q.bind(address).bind(since)).await?;
        Ok(FailedSignIns { account: u32::try_from(account).unwrap_or(u32::MAX), address: u32::try_from(by_address).unwrap_or(u32::MAX) })
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> StaffWrites for Session<B, C> {
    async fn insert_staff(&mut self, s: &NewStaff, now: DateTime<Utc>) -> Result<StaffId, StoreError> {
        let q = sql("INSERT INTO staff (clinic_id, email, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id");
        let (id,): (i64,) = self
            .one(q.bind(s.clinic_id).bind(s.email.trim().to_lowercase()).bind(&s.display_name).bind(s.role.as_str()).bind(&s.password_hash).bind(now))
            .await?;
        Ok(StaffId(id))
    }

    async fn set_staff_role(&mut self, clinic: ClinicId, id: StaffId, role: StaffRole) -> Result<(), StoreError> {
        self.execute(sql("UPDATE staff SET role = $1 WHERE id = $2 AND clinic_id = $3").bind(role.as_str()).bind(id).bind(clinic)).await.map(drop)
    }

    async fn set_staff_disabled(&mut self, clinic: ClinicId, id: StaffId, since: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        self.execute(sql("UPDATE staff SET disabled_at = $1 WHERE id = $2 AND clinic_id = $3").bind(since).bind(id).bind(clinic)).await.map(drop)
    }

    async fn set_staff_password(&mut self, clinic: ClinicId, id: StaffId, password_hash: &str) -> Result<(), StoreError> {
        self.execute(sql("UPDATE staff SET password_hash = $1 WHERE id = $2 AND clinic_id = $3").bind(password_hash).bind(id).bind(clinic)).await.map(drop)
    }

    async fn insert_staff_session(&mut self, token: &str, s: &StaffSession, now: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("INSERT INTO staff_sessions (token, staff_id, clinic_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)");
        self.execute(q.bind(token_digest(token)).bind(s.staff_id).bind(s.clinic_id).bind(&s.csrf_token).bind(now).bind(s.expires_at)).await.map(drop)
    }

    async fn delete_staff_session(&mut self, token: &str) -> Result<(), StoreError> {
        self.execute(sql("DELETE FROM staff_sessions WHERE token = $1").bind(token_digest(token))).await.map(drop)
    }

    async fn delete_staff_sessions(&mut self, staff: StaffId, keep: Option<&str>) -> Result<(), StoreError> {
        let q = sql("DELETE FROM staff_sessions WHERE staff_id = $1 AND token <> $2").bind(staff).bind(keep.map(token_digest).unwrap_or_default());
        self.execute(q).await.map(drop)
    }

    async fn record_sign_in(&mut self, email: &str, address: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let q = sql("INSERT INTO sign_in_attempts (email, address, succeeded, at) VALUES ($1, $2, FALSE, $3) RETURNING id");
        let (id,): (i64,) = self.one(q.bind(email.trim().to_lowercase()).bind(address).bind(now)).await?;
        Ok(id)
    }

    async fn sign_in_succeeded(&mut self, attempt: i64) -> Result<(), StoreError> {
        self.execute(sql("UPDATE sign_in_attempts SET succeeded = TRUE WHERE id = $1").bind(attempt)).await.map(drop)
    }
}

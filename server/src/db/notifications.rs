//! The outbox of patient notices, for both backends.

use app::booking::ids::*;
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::rows::*;
use super::session::{Held, Session};
use super::sql::sql;

#[async_trait]
impl<B: Backend, C: Held<B>> NotificationReads for Session<B, C> {
    async fn notification(&mut self, clinic: ClinicId, id: NotificationId) -> Result<Option<NotificationRecord>, StoreError> {
        let q = sql(format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.clinic_id = $1 AND n.id = $2")).bind(clinic).bind(id);
        self.optional::<NotificationRow>(q).await?.map(NotificationRecord::try_from).transpose()
    }

    async fn notifications(&mut self, clinic: ClinicId, appointments: &[AppointmentId]) -> Result<Vec<NotificationRecord>, StoreError> {
        let mut q = sql(String::new()).bind(clinic);
        let list = q.bind_list(appointments.iter().copied());
        q.text = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.clinic_id = $1 AND n.appointment_id IN ({list}) ORDER BY n.id");
        convert(self.all::<NotificationRow>(q).await?)
    }

    async fn clinic_notifications(&mut self, clinic: ClinicId, failed: bool, limit: u32) -> Result<Vec<NotificationRecord>, StoreError> {
        let filter = if failed { " AND n.status = 'failed'" } else { "" };
        let q = sql(format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.clinic_id = $1{filter} ORDER BY n.id DESC LIMIT $2"));
        convert(self.all::<NotificationRow>(q.bind(clinic).bind(limit)).await?)
    }

    async fn pending_line_notices(&mut self, clinic: ClinicId) -> Result<u64, StoreError> {
        // A notice to a patient known not to be a friend waits, and LINE would not count it.
        let q = sql("SELECT COUNT(*) FROM notifications n WHERE n.clinic_id = $1 AND n.channel = 'line' AND n.status IN ('queued', 'sending') \
             AND NOT EXISTS (SELECT 1 FROM patients p WHERE p.clinic_id = n.clinic_id AND p.line_user_id = n.recipient AND p.line_friend = FALSE)")
        .bind(clinic);
        let (n,): (i64,) = self.one(q).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> NotificationWrites for Session<B, C> {
    async fn queue_notification(&mut self, n: &NewNotification) -> Result<bool, StoreError> {
        let q = sql("INSERT INTO notifications (clinic_id, appointment_id, kind, channel, recipient, payload, service_payload, retry_key, status, \
             attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $9) ON CONFLICT DO NOTHING")
        .bind(n.clinic_id)
        .bind(n.appointment_id)
        .bind(n.notice.as_str())
        .bind(n.channel.as_str())
        .bind(&n.recipient)
        .bind(&n.payload)
        .bind(n.service.as_ref())
        .bind(&n.retry_key)
        .bind(n.queued_at);
        Ok(self.execute(q).await? == 1)
    }

    async fn claim_notifications(&mut self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxMessage>, StoreError> {
        let q = sql(format!(
            "UPDATE notifications SET status = 'sending', locked_until = $2, attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, $1) \
             WHERE id IN (SELECT id FROM notifications WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 \
             AND (locked_until IS NULL OR locked_until <= $1) ORDER BY id LIMIT $3{}) \
             RETURNING id, clinic_id, channel, recipient, payload, service_payload, retry_key, attempts, first_attempt_at, route, route_token",
            B::SKIP_LOCKED
        ));
        let mut claimed: Vec<OutboxMessage> = convert(self.all::<OutboxRow>(q.bind(now).bind(lease_until).bind(limit)).await?)?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    async fn record_delivery(&mut self, id: NotificationId, record: &DeliveryRecord, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (status, next, error, request_id, sent_at, via) = match record {
            DeliveryRecord::Sent { request_id, via } => ("sent", None, None, request_id, Some(now), Some(via.as_str())),
            DeliveryRecord::RetryAt { at, error, request_id } => ("queued", Some(*at), Some(error), request_id, None, None),
            DeliveryRecord::Failed { error, request_id } => ("failed", None, Some(error), request_id, None, None),
        };
        let q = sql("UPDATE notifications SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3, \
             line_request_id = COALESCE($4, line_request_id), sent_at = $5, sent_via = $6, locked_until = NULL WHERE id = $7 AND status = 'sending'");
        self.execute(q.bind(status).bind(next).bind(error).bind(request_id.as_ref()).bind(sent_at).bind(via).bind(id)).await.map(drop)
    }

    async fn set_route(&mut self, id: NotificationId, route: &Route) -> Result<(), StoreError> {
        let (name, token) = match route {
            Route::Push => ("push", None),
            Route::ServiceMessage { token_digest } => ("service_message", Some(token_digest)),
        };
        self.execute(sql("UPDATE notifications SET route = $1, route_token = $2 WHERE id = $3").bind(name).bind(token).bind(id)).await.map(drop)
    }

    async fn wake_notifications(&mut self, clinic: ClinicId, line_user: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let q = sql("UPDATE notifications SET next_attempt_at = $1 WHERE clinic_id = $2 AND recipient = $3 AND channel = 'line' AND status = 'queued' AND next_attempt_at > $1");
        self.execute(q.bind(now).bind(clinic).bind(line_user)).await
    }

    async fn requeue_notification(
        &mut self,
        clinic: ClinicId,
        id: NotificationId,
        retry_key: &str,
        new_key: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let first_attempt = if new_key { "NULL" } else { "first_attempt_at" };
        let q = sql(format!(
            // Sent again by staff's choice: the way is chosen anew.
            "UPDATE notifications SET status = 'queued', next_attempt_at = $1, locked_until = NULL, last_error = NULL, attempts = 0, route = NULL, route_token = NULL, \
             retry_key = $2, first_attempt_at = {first_attempt} WHERE clinic_id = $3 AND id = $4 AND status = 'failed'"
        ));
        Ok(self.execute(q.bind(now).bind(retry_key).bind(clinic).bind(id)).await? == 1)
    }
}

//! The background worker: expires requests whose hold ran out, queues reminders, and delivers
//! queued LINE messages exactly once. It claims due rows with
//! a lease, pushes each with its stored retry key, and records the outcome. A worker that dies
//! mid-send leaves its claim to run out; the next attempt carries the same key, so LINE answers
//! 409 "already accepted" instead of sending twice.

use std::sync::Arc;
use std::time::Duration;

use app::notify::retry_at;
use app::booking::status::Transition;
use app::store::{Actor, DeliveryRecord, OutboxMessage, SharedStore, StoreError};
use chrono::{DateTime, Utc};

use crate::line::api::{LineApi, PushOutcome};

pub struct Worker {
    pub store: SharedStore,
    pub line: Arc<LineApi>,
    /// How long a claim lasts: longer than one push can take, including its timeout.
    pub lease: chrono::Duration,
    pub batch: u32,
}

impl Worker {
    pub fn new(store: SharedStore, line: Arc<LineApi>) -> Self {
        Worker { store, line, lease: chrono::Duration::seconds(60), batch: 50 }
    }

    /// One pass: expires requests whose hold ran out, queues the reminders that are due, then
    /// claims what is due at `now` and tries each once. Returns how many it tried.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.expire_lapsed_requests(now).await?;
        self.store.queue_reminders(now).await?;
        let claimed = self.store.claim_notifications(now, now + self.lease, self.batch).await?;
        for message in &claimed {
            let record = self.deliver(message).await;
            if let DeliveryRecord::Failed { error, .. } = &record {
                tracing::warn!(notification = message.id, %error, "notification failed");
            }
            self.store.record_delivery(message.id, record, Utc::now()).await?;
        }
        Ok(claimed.len())
    }

    /// A request the clinic did not answer in time becomes `expired` (which queues the patient's
    /// notice in the same transaction). Staff acting at the same moment win or lose cleanly.
    async fn expire_lapsed_requests(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        for (clinic, id) in self.store.lapsed_requests(now).await? {
            match self.store.transition(clinic, id, Transition::Expire, Actor::System, now).await {
                Ok(_) => tracing::info!(appointment = %id, "request expired"),
                Err(StoreError::StatusChanged { .. }) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn deliver(&self, message: &OutboxMessage) -> DeliveryRecord {
        let token = match self.store.line_settings(message.clinic_id).await {
            Ok(Some(settings)) => settings.channel_access_token,
            Ok(None) => None,
            Err(e) => {
                // The cause is logged; staff see a plain reason.
                tracing::error!(error = %e, notification = message.id, "cannot read the clinic's LINE settings");
                return self.retry(message, "the clinic's settings could not be read".into(), None);
            }
        };
        if token.is_none() && message.recipient.starts_with(app::notify::SANDBOX_RECIPIENT_PREFIX) {
            // Sandbox mode: the message is delivered to the console's LINE sandbox, which shows
            // the stored payload exactly as LINE would have received it.
            return DeliveryRecord::Sent { request_id: Some("sandbox".into()) };
        }
        let Some(token) = token else {
            return DeliveryRecord::Failed { error: "the clinic has no LINE channel access token".into(), request_id: None };
        };
        let messages: Vec<serde_json::Value> = match serde_json::from_str(&message.payload) {
            Ok(m) => m,
            Err(e) => return DeliveryRecord::Failed { error: format!("unreadable payload: {e}"), request_id: None },
        };
        match self.line.push(&token, &message.recipient, &messages, &message.retry_key).await {
            PushOutcome::Delivered { request_id } => DeliveryRecord::Sent { request_id },
            PushOutcome::AlreadyAccepted { accepted_request_id, request_id } => DeliveryRecord::Sent { request_id: accepted_request_id.or(request_id) },
            PushOutcome::RetryLater { reason, request_id } => self.retry(message, reason, request_id),
            PushOutcome::RateLimited { request_id, quota_exhausted: true } => {
                DeliveryRecord::Failed { error: "LINE's monthly message quota is used up".into(), request_id }
            }
            PushOutcome::RateLimited { request_id, quota_exhausted: false } => self.retry(message, "rate limited by LINE".into(), request_id),
            PushOutcome::Rejected { status, message: why, request_id } => DeliveryRecord::Failed { error: format!("LINE refused it ({status}): {why}"), request_id },
        }
    }

    fn retry(&self, message: &OutboxMessage, error: String, request_id: Option<String>) -> DeliveryRecord {
        let now = Utc::now();
        let first = message.first_attempt_at.unwrap_or(now);
        let jitter = f64::from(uuid::Uuid::new_v4().as_bytes()[0]) / 255.0;
        match retry_at(message.attempts, first, now, jitter) {
            Some(at) => DeliveryRecord::RetryAt { at, error, request_id },
            None => DeliveryRecord::Failed { error: format!("gave up inside LINE's 24-hour retry window: {error}"), request_id },
        }
    }

    /// Runs passes every second until the process ends; every ten minutes it also deletes
    /// expired sessions and old sign-in attempts.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut last_cleanup: Option<DateTime<Utc>> = None;
            loop {
                let now = Utc::now();
                if last_cleanup.is_none_or(|t| now - t >= chrono::Duration::minutes(10)) {
                    last_cleanup = Some(now);
                    match self.store.forget_expired(now, now - chrono::Duration::days(1)).await {
                        Ok(n) if n > 0 => tracing::info!(deleted = n, "expired sessions and old sign-in attempts deleted"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "cleanup of expired sessions failed"),
                    }
                }
                match self.run_once(Utc::now()).await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "notification worker pass failed"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}

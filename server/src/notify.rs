//! The background worker: expires requests whose hold ran out, queues reminders, and delivers
//! queued LINE messages exactly once (and e-mails, see `mail`). It claims due rows with
//! a lease, pushes each with its stored retry key, and records the outcome. A worker that dies
//! mid-send leaves its claim to run out; the next attempt carries the same key, so LINE answers
//! 409 "already accepted" instead of sending twice.

use std::sync::Arc;
use std::time::Duration;

use app::actions::notices;
use app::error::Problem;
use app::notify::{retry_at, Channel};
use app::store::{DeliveryRecord, Identity, OutboxMessage, SharedStore};
use chrono::{DateTime, Utc};

use crate::line::api::{LineApi, PushOutcome};
use crate::mail::{MailOutcome, Mailer};
use app::notify::email::Email;

/// What staff read on a notice waiting for the patient to add the clinic's account.
pub const NOT_A_FRIEND: &str = "waiting: the patient is not a friend of the clinic's LINE account (sent once they add it)";

/// ... and on one that waited a day in vain (staff may send it again once the patient follows).
pub const NOT_SENT_NO_FRIEND: &str = "not sent: the patient did not add the clinic's LINE account within a day";

pub struct Worker {
    pub store: SharedStore,
    pub line: Arc<LineApi>,
    pub mail: Arc<Mailer>,
    /// How long a claim lasts: longer than one push can take, including its timeout.
    pub lease: chrono::Duration,
    pub batch: u32,
}

impl Worker {
    pub fn new(store: SharedStore, line: Arc<LineApi>) -> Self {
        Worker { store, line, mail: Arc::new(Mailer::Sandbox), lease: chrono::Duration::seconds(60), batch: 50 }
    }

    /// E-mails go by SMTP (without it, to the console's sandbox).
    pub fn with_mail(self, mail: Arc<Mailer>) -> Self {
        Worker { mail, ..self }
    }

    /// One pass: expires requests whose hold ran out, queues the reminders that are due, then
    /// claims what is due at `now` and tries each once. Returns how many it tried.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, Problem> {
        for id in notices::expire_lapsed(self.store.as_ref(), now).await? {
            tracing::info!(appointment = %id, "request expired");
        }
        notices::queue_reminders(self.store.as_ref(), now).await?;
        // The claim commits before any push: another worker skips these rows until the lease
        // runs out, and no transaction stays open while LINE is asked.
        let mut tx = self.store.write().await?;
        let claimed = tx.claim_notifications(now, now + self.lease, self.batch).await?;
        tx.commit().await?;
        for message in &claimed {
            // A pass may take a while (pushes time out): retries are scheduled from no earlier
            // than the moment each one failed.
            let record = self.deliver(message, now.max(Utc::now())).await;
            if let DeliveryRecord::Failed { error, .. } = &record {
                tracing::warn!(notification = %message.id, %error, "notification failed");
            }
            let mut tx = self.store.write().await?;
            tx.record_delivery(message.id, &record, Utc::now()).await?;
            tx.commit().await?;
        }
        Ok(claimed.len())
    }

    /// `now`: the pass's time; a retry is scheduled from it.
    async fn deliver(&self, message: &OutboxMessage, now: DateTime<Utc>) -> DeliveryRecord {
        match message.channel {
            // The console's LINE sandbox shows the stored payload exactly as LINE would have
            // received it.
            Channel::Sandbox => return DeliveryRecord::Sent { request_id: Some("sandbox".into()) },
            Channel::Email => return self.mail(message, now).await,
            Channel::Line => {}
        }
        // LINE accepts a push to someone who is not a friend of the account and drops it: such
        // a notice waits (backing off, inside the retry window) until the patient adds the
        // account, which makes it due at once (`patients::line_friend`).
        let token = match self.push_context(message).await {
            Ok((Some(Identity::Line { friend: Some(false), .. }), _)) => return self.retry(message, NOT_A_FRIEND.into(), None, now),
            Ok((_, settings)) => settings.and_then(|s| s.channel_access_token),
            Err(e) => {
                // The cause is logged; staff see a plain reason.
                tracing::error!(error = %e, notification = %message.id, "cannot read the clinic's LINE settings");
                return self.retry(message, "the clinic's settings could not be read".into(), None, now);
            }
        };
        let Some(token) = token else {
            return DeliveryRecord::Failed { error: "the clinic has no LINE channel access token".into(), request_id: None };
        };
        let messages: Vec<serde_json::Value> = match serde_json::from_str(&message.payload) {
            Ok(m) => m,
            Err(e) => {
                // The cause is logged; staff see a plain reason.
                tracing::error!(error = %e, notification = %message.id, "a stored LINE message cannot be read");
                return DeliveryRecord::Failed { error: "the stored message could not be read".into(), request_id: None };
            }
        };
        match self.line.push(&token, &message.recipient, &messages, &message.retry_key).await {
            PushOutcome::Delivered { request_id } => DeliveryRecord::Sent { request_id },
            PushOutcome::AlreadyAccepted { accepted_request_id, request_id } => DeliveryRecord::Sent { request_id: accepted_request_id.or(request_id) },
            PushOutcome::RetryLater { reason, request_id } => self.retry(message, reason, request_id, now),
            PushOutcome::RateLimited { request_id, quota_exhausted: true } => {
                DeliveryRecord::Failed { error: "LINE's monthly message quota is used up".into(), request_id }
            }
            PushOutcome::RateLimited { request_id, quota_exhausted: false } => self.retry(message, "rate limited by LINE".into(), request_id, now),
            PushOutcome::Rejected { status, message: why, request_id } => {
                DeliveryRecord::Failed { error: format!("LINE refused it ({status}): {why}"), request_id }
            }
        }
    }

    async fn mail(&self, message: &OutboxMessage, now: DateTime<Utc>) -> DeliveryRecord {
        let email = match Email::parse(&message.payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, notification = %message.id, "a stored e-mail cannot be read");
                return DeliveryRecord::Failed { error: "the stored e-mail could not be read".into(), request_id: None };
            }
        };
        let clinic = match self.store.read().await {
            Ok(mut db) => match db.clinic(message.clinic_id).await {
                Ok(Some(c)) => db.mail_from(c.id).await.map(|from| Some((c.name_ja, from))),
                other => other.map(|_| None),
            },
            Err(e) => Err(e),
        };
        let (clinic_name, own_from) = match clinic {
            Ok(Some(sender)) => sender,
            Ok(None) => return DeliveryRecord::Failed { error: "the clinic is gone".into(), request_id: None },
            Err(e) => {
                tracing::error!(error = %e, notification = %message.id, "cannot read the clinic");
                return self.retry(message, "the clinic could not be read".into(), None, now);
            }
        };
        match self.mail.send(&clinic_name, own_from.as_deref(), &message.recipient, &email, &message.retry_key).await {
            MailOutcome::Sent { id } => DeliveryRecord::Sent { request_id: Some(id) },
            MailOutcome::RetryLater(reason) => self.retry(message, reason, None, now),
            MailOutcome::Rejected(reason) => DeliveryRecord::Failed { error: reason, request_id: None },
        }
    }

    /// The patient's identity (is LINE's account a friend?) and the clinic's LINE settings, read
    /// on one connection.
    async fn push_context(&self, message: &OutboxMessage) -> Result<(Option<Identity>, Option<app::store::LineSettings>), app::store::StoreError> {
        let mut db = self.store.read().await?;
        let identity = db.line_patient(message.clinic_id, &message.recipient).await?.map(|p| p.identity);
        Ok((identity, db.line_settings(message.clinic_id).await?))
    }

    fn retry(&self, message: &OutboxMessage, error: String, request_id: Option<String>, now: DateTime<Utc>) -> DeliveryRecord {
        let first = message.first_attempt_at.unwrap_or(now);
        let jitter = f64::from(uuid::Uuid::new_v4().as_bytes()[0]) / 255.0;
        match retry_at(message.attempts, first, now, jitter) {
            Some(at) => DeliveryRecord::RetryAt { at, error, request_id },
            None if error == NOT_A_FRIEND => DeliveryRecord::Failed { error: NOT_SENT_NO_FRIEND.into(), request_id },
            None => DeliveryRecord::Failed { error: format!("gave up inside LINE's 24-hour retry window: {error}"), request_id },
        }
    }

    async fn forget_expired(&self, now: DateTime<Utc>) -> Result<u64, Problem> {
        let mut tx = self.store.write().await?;
        let n = tx.forget_expired(now, now - chrono::Duration::days(1)).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Deletes expired sessions, old sign-in attempts and old website requests, and the
    /// questionnaire answers the clinics' retention rules no longer keep.
    pub async fn housekeeping(&self, now: DateTime<Utc>) {
        match self.forget_expired(now).await {
            Ok(n) if n > 0 => tracing::info!(deleted = n, "expired sessions and old sign-in attempts deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cleanup of expired sessions failed"),
        }
        let retention = async {
            let mut tx = self.store.write().await?;
            app::actions::retention::delete_old_answers(tx.as_mut(), now).await?;
            tx.commit().await.map_err(Problem::from)
        };
        if let Err(e) = retention.await {
            tracing::error!(error = %e, "the clinics' retention rules could not be applied");
        }
    }

    /// Runs passes every second until the process ends; every ten minutes it also does its
    /// housekeeping.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut last_cleanup: Option<DateTime<Utc>> = None;
            loop {
                let now = Utc::now();
                if last_cleanup.is_none_or(|t| now - t >= chrono::Duration::minutes(10)) {
                    last_cleanup = Some(now);
                    self.housekeeping(now).await;
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

//! The background worker: expires requests whose hold ran out, queues reminders, and delivers
//! queued LINE messages exactly once (and e-mails, see `mail`). It claims due rows with
//! a lease, pushes each with its stored retry key, and records the outcome. A worker that dies
//! mid-send leaves its claim to run out; the next attempt carries the same key, so LINE answers
//! 409 "already accepted" instead of sending twice.

use std::sync::Arc;
use std::time::Duration;

use app::actions::notices;
use app::booking::ids::PatientId;
use app::error::Problem;
use app::notify::{retry_at, Channel, SentVia};
use app::store::{DeliveryRecord, Identity, LineSettings, OutboxMessage, Patient, Route, ServiceMessages, ServiceToken, SharedStore, StoreError};
use chrono::{DateTime, Utc};

use crate::line::api::{LineApi, PushOutcome};
use crate::line::service::ServiceOutcome;
use crate::mail::{MailOutcome, Mailer};
use app::notify::email::Email;

/// What staff read on a notice waiting for the patient to add the clinic's account.
pub const NOT_A_FRIEND: &str = "waiting: the patient is not a friend of the clinic's LINE account (sent once they add it)";

/// ... and on one that waited a day in vain (staff may send it again once the patient follows).
pub const NOT_SENT_NO_FRIEND: &str = "not sent: the patient did not add the clinic's LINE account within a day";

/// What staff read on a service message whose answer was lost: LINE may have sent it. The next
/// attempt, with the same token, tells: it still works (it was not sent), or LINE refuses it
/// because the send renewed it (it was).
pub const SERVICE_UNKNOWN: &str = "waiting: LINE did not answer the service message; trying again with the same token";

/// ... and on one that cannot be told any more (the token was replaced or LINE refuses the
/// message now): it is not sent again, by any way, so the patient never hears twice.
pub const SERVICE_MAYBE_SENT: &str =
    "not sent again: LINE may have delivered it as a service message (its answer was lost); send it again if the patient did not get it";

/// The patient's service notification token after a send: LINE's renewal (`None`: used up or
/// refused) replaces the token used, unless another has replaced that one meanwhile.
struct TokenChange {
    patient: PatientId,
    used: String,
    renewed: Option<ServiceToken>,
}

/// What one attempt ended in, and the token change it brings: recorded in one transaction.
struct Attempt {
    record: DeliveryRecord,
    token: Option<TokenChange>,
}

impl From<DeliveryRecord> for Attempt {
    fn from(record: DeliveryRecord) -> Self {
        Attempt { record, token: None }
    }
}

/// What a LINE notice needs: the patient, the clinic's channels and service messages, and the
/// patient's notification token.
struct LineContext {
    patient: Option<Patient>,
    settings: Option<LineSettings>,
    service: Option<ServiceMessages>,
    token: Option<ServiceToken>,
}

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
            let attempt = self.deliver(message, now.max(Utc::now())).await;
            if let DeliveryRecord::Failed { error, .. } = &attempt.record {
                tracing::warn!(notification = %message.id, %error, "notification failed");
            }
            let mut tx = self.store.write().await?;
            if let Some(t) = &attempt.token {
                tx.renew_service_token(message.clinic_id, t.patient, &t.used, t.renewed.as_ref(), Utc::now()).await?;
            }
            tx.record_delivery(message.id, &attempt.record, Utc::now()).await?;
            tx.commit().await?;
        }
        Ok(claimed.len())
    }

    /// `now`: the pass's time; a retry is scheduled from it.
    async fn deliver(&self, message: &OutboxMessage, now: DateTime<Utc>) -> Attempt {
        match message.channel {
            // The console's LINE sandbox shows the stored payload exactly as LINE would have
            // received it.
            Channel::Sandbox => return DeliveryRecord::Sent { request_id: Some("sandbox".into()), via: SentVia::Sandbox }.into(),
            Channel::Email => return self.mail(message, now).await.into(),
            Channel::Line => {}
        }
        let context = match self.line_context(message).await {
            Ok(c) => c,
            Err(e) => {
                // The cause is logged; staff see a plain reason.
                tracing::error!(error = %e, notification = %message.id, "cannot read the clinic's LINE settings");
                return self.retry(message, "the clinic's settings could not be read".into(), None, now).into();
            }
        };
        // A service message first, while the patient's token allows: it needs no friendship
        // and no quota. Otherwise, or once LINE refuses it, a push.
        if let Some(attempt) = self.service_message(message, &context, now).await {
            return attempt;
        }
        self.push(message, context, now).await.into()
    }

    /// `None`: the notice goes by push (its way is fixed as push first). A service message goes
    /// while the patient's token allows; its way is fixed before the send, so every retry uses
    /// that token and nothing is pushed once a send may have reached LINE.
    async fn service_message(&self, message: &OutboxMessage, context: &LineContext, now: DateTime<Utc>) -> Option<Attempt> {
        let used = match &message.route {
            Some(Route::Push) => return None,
            Some(Route::ServiceMessage { token_digest }) => Some(token_digest.clone()),
            None => None,
        };
        let ready = || {
            let body: serde_json::Value = serde_json::from_str(message.service.as_deref()?).ok()?;
            let secret = context.service.as_ref()?.channel_secret.clone()?;
            Some((body, secret, context.patient.as_ref()?, context.settings.as_ref()?, context.token.as_ref()?))
        };
        let Some(used) = used else {
            // A notice without a service message can only ever be pushed: nothing to record (the
            // outbox of a clinic without service messages costs no extra write).
            message.service.as_ref()?;
            // The first attempt: a service message if it can go, else a push, for good.
            let ready = ready().filter(|r| r.4.usable(now));
            let route = match &ready {
                Some(r) => Route::ServiceMessage { token_digest: r.4.digest() },
                None => Route::Push,
            };
            if let Err(e) = self.fix_route(message, &route).await {
                tracing::error!(error = %e, notification = %message.id, "the notice's way could not be recorded");
                return Some(self.retry(message, "the outbox could not be written".into(), None, now).into());
            }
            // `None` (a push) passes through: `send_service` sends only what is ready.
            return self.send_service(message, ready, now, false).await;
        };
        // A retry after an answer that never came: only the same token can tell what happened.
        match ready() {
            Some(r) if r.4.digest() == used => self.send_service(message, Some(r), now, true).await,
            _ => Some(DeliveryRecord::Failed { error: SERVICE_MAYBE_SENT.into(), request_id: None }.into()),
        }
    }

    /// Sends the service message (`retry`: a send before it may have reached LINE). `None`:
    /// LINE refused it before it went; the notice goes by push.
    async fn send_service(
        &self,
        message: &OutboxMessage,
        ready: Option<(serde_json::Value, String, &Patient, &LineSettings, &ServiceToken)>,
        now: DateTime<Utc>,
        retry: bool,
    ) -> Option<Attempt> {
        let (body, secret, patient, line, token) = ready?;
        let outcome = self.line.send_service_message(&line.login_channel_id, &secret, &token.token, &body).await;
        // LINE keeps no log of service messages: this is it.
        tracing::info!(notification = %message.id, retry, outcome = %outcome_name(&outcome), "service message");
        let change = |renewed: Option<ServiceToken>| Some(TokenChange { patient: patient.id, used: token.digest(), renewed });
        let sent = DeliveryRecord::Sent { request_id: None, via: SentVia::ServiceMessage };
        let refused_now = match outcome {
            ServiceOutcome::Sent(renewed) => return Some(Attempt { record: sent, token: change(Some(renewed).filter(|t| t.usable(now))) }),
            // The token worked before the attempt whose answer was lost and is refused now: that
            // send renewed it, so the message went.
            ServiceOutcome::TokenRefused(_) if retry => return Some(Attempt { record: sent, token: change(None) }),
            ServiceOutcome::Unknown(why) => {
                tracing::warn!(notification = %message.id, %why, "service message: no answer");
                return Some(self.retry(message, SERVICE_UNKNOWN.into(), None, now).into());
            }
            // After a lost answer, a refusal of the message itself cannot tell whether it went.
            _ if retry => return Some(DeliveryRecord::Failed { error: SERVICE_MAYBE_SENT.into(), request_id: None }.into()),
            refused => refused,
        };
        // Refused before anything went: a push instead, for good.
        tracing::warn!(notification = %message.id, outcome = %outcome_name(&refused_now), "service message refused: the notice goes by push");
        if let ServiceOutcome::TokenRefused(_) = refused_now {
            self.forget_token(message, patient.id, &token.digest()).await;
        }
        if let Err(e) = self.fix_route(message, &Route::Push).await {
            tracing::error!(error = %e, notification = %message.id, "the notice's way could not be recorded");
            return Some(self.retry(message, "the outbox could not be written".into(), None, now).into());
        }
        None
    }

    /// Records the way a notice goes, before it is tried.
    async fn fix_route(&self, message: &OutboxMessage, route: &Route) -> Result<(), StoreError> {
        let mut tx = self.store.write().await?;
        tx.set_route(message.id, route).await?;
        tx.commit().await
    }

    /// Forgets a token LINE refused, at once (unless another replaced it): the push that follows
    /// may wait for a day.
    async fn forget_token(&self, message: &OutboxMessage, patient: PatientId, used: &str) {
        let forgotten = async {
            let mut tx = self.store.write().await?;
            tx.renew_service_token(message.clinic_id, patient, used, None, Utc::now()).await?;
            tx.commit().await
        };
        if let Err(e) = forgotten.await {
            tracing::error!(error = %e, notification = %message.id, "a refused service token could not be forgotten");
        }
    }

    async fn push(&self, message: &OutboxMessage, context: LineContext, now: DateTime<Utc>) -> DeliveryRecord {
        // LINE accepts a push to someone who is not a friend of the account and drops it: such
        // a notice waits (backing off, inside the retry window) until the patient adds the
        // account, which makes it due at once (`patients::line_friend`).
        if let Some(Patient { identity: Identity::Line { friend: Some(false), .. }, .. }) = context.patient {
            return self.retry(message, NOT_A_FRIEND.into(), None, now);
        }
        let Some(token) = context.settings.and_then(|s| s.channel_access_token) else {
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
        let sent = |request_id| DeliveryRecord::Sent { request_id, via: SentVia::Push };
        match self.line.push(&token, &message.recipient, &messages, &message.retry_key).await {
            PushOutcome::Delivered { request_id } => sent(request_id),
            PushOutcome::AlreadyAccepted { accepted_request_id, request_id } => sent(accepted_request_id.or(request_id)),
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
            MailOutcome::Sent { id } => DeliveryRecord::Sent { request_id: Some(id), via: SentVia::Email },
            MailOutcome::RetryLater(reason) => self.retry(message, reason, None, now),
            MailOutcome::Rejected(reason) => DeliveryRecord::Failed { error: reason, request_id: None },
        }
    }

    /// Everything a LINE notice needs, read on one connection.
    async fn line_context(&self, message: &OutboxMessage) -> Result<LineContext, StoreError> {
        let mut db = self.store.read().await?;
        let patient = db.line_patient(message.clinic_id, &message.recipient).await?;
        let token = match (&patient, &message.service) {
            (Some(p), Some(_)) => db.service_token(message.clinic_id, p.id).await?,
            _ => None,
        };
        let service = if token.is_some() { db.service_messages(message.clinic_id).await? } else { None };
        Ok(LineContext { patient, settings: db.line_settings(message.clinic_id).await?, service, token })
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

/// A service message's outcome as its log line names it (never the token).
fn outcome_name(outcome: &ServiceOutcome) -> String {
    match outcome {
        ServiceOutcome::Sent(t) => format!("sent ({} sends left)", t.remaining),
        ServiceOutcome::TokenRefused(why) => format!("token refused: {why}"),
        ServiceOutcome::Refused { status, message } => format!("refused ({status}): {message}"),
        ServiceOutcome::ChannelRefused(why) => format!("channel refused: {why}"),
        ServiceOutcome::Unknown(why) => format!("unknown: {why}"),
    }
}

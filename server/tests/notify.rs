//! Notifications: queued in the same transaction as the change, delivered exactly once by the
//! worker against the fake LINE API, on SQLite and on PostgreSQL.

mod support;

use std::sync::Arc;

use app::booking::ids::StaffId;
use app::booking::status::AppointmentStatus;
use app::notify::{Channel, DeliveryStatus, NoticeType};
use app::store::*;
use chrono::Duration;
use fake_line::FakeLine;
use server::line::api::LineApi;
use server::notify::Worker;
use support::*;

support::on_both!(
    an_approval_pushes_exactly_one_card,
    server_errors_are_retried_with_the_same_key,
    a_plain_rate_limit_is_retried_and_delivered_once,
    an_already_accepted_key_counts_as_delivered,
    a_refused_push_is_not_retried,
    a_worker_killed_between_send_and_record_still_delivers_once,
    two_workers_race_over_a_thousand_messages,
    reminders_are_queued_once_at_the_clinics_hour,
    an_unanswered_request_expires_by_itself_and_the_patient_is_told,
    a_notice_to_a_non_friend_waits_until_they_add_the_account,
);

const USER: &str = "U0123456789abcdef0123456789abcdef";

struct Setup {
    store: SharedStore,
    fake: FakeLine,
    worker: Worker,
    clinic: Clinic1,
    appointment: Appointment,
}

/// A LINE clinic, a LINE patient with a request, and a worker pointed at a fake LINE.
async fn setup(db: &TestDb) -> Setup {
    let store = db.store.clone();
    let clinic = support::clinic(store.as_ref(), "a").await;
    let line = LineSettings { channel_access_token: Some("token-a".into()), ..test_line_settings() };
    connect_line(store.as_ref(), clinic.clinic, line).await;
    let patient = line_patient(store.as_ref(), clinic.clinic, USER).await;
    let appointment = book(store.as_ref(), &booking(clinic.clinic, clinic.slot, clinic.doctor, tokyo(2030, 1, 7, 10, 0), patient.id)).await.expect("booked");
    let (url, fake) = fake_line().await;
    let line = Arc::new(LineApi::with_timeout(&url, std::time::Duration::from_secs(2)).expect("client"));
    let worker = Worker::new(store.clone(), line);
    Setup { store, fake, worker, clinic, appointment }
}

/// Reception approves the request at `at`.
async fn approve_at(s: &Setup, at: chrono::DateTime<chrono::Utc>) -> Result<Appointment, Problem> {
    let clinic = clinic_row(s.store.as_ref(), s.clinic.clinic).await;
    in_tx!(s.store, |tx| actions::reception::approve(tx, desk(&clinic, StaffId(1), at), s.appointment.id).await)
}

async fn approve(s: &Setup) {
    approve_at(s, now()).await.expect("confirm");
}

async fn states(s: &Setup) -> Vec<NotificationRecord> {
    read(s.store.as_ref()).await.notifications(s.clinic.clinic, &[s.appointment.id]).await.expect("notifications")
}

/// What a worker that dies before recording anything would have claimed.
async fn claim(s: &Setup, lease_until: chrono::DateTime<chrono::Utc>) -> Vec<OutboxMessage> {
    in_tx!(s.store, |tx| Ok(tx.claim_notifications(now(), lease_until, 10).await?)).expect("claim")
}

async fn an_approval_pushes_exactly_one_card(db: &TestDb) {
    let s = setup(db).await;
    assert!(states(&s).await.is_empty(), "a request sends nothing");
    approve(&s).await;
    let queued = states(&s).await;
    assert_eq!((queued.len(), queued[0].notice, queued[0].status, queued[0].channel), (1, NoticeType::Confirmed, DeliveryStatus::Queued, Channel::Line));
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    let pushes = s.fake.accepted_pushes();
    assert_eq!(pushes.len(), 1);
    let push = &pushes[0];
    assert_eq!((push.to.as_str(), push.access_token.as_str()), (USER, "token-a"));
    assert_eq!(push.retry_key.as_deref(), Some(queued[0].retry_key.as_str()));
    let card = &push.messages[0];
    assert_eq!(card["type"], "flex");
    let alt = card["altText"].as_str().expect("altText");
    assert!(alt.contains("ご予約が確定しました") && alt.contains("1月7日(月) 10:00"), "{alt}");
    assert!(card.to_string().contains(&format!("https://liff.line.me/1657000000-AbCdEfGh/a/{}", s.appointment.reference)));
    let sent = states(&s).await;
    assert_eq!((sent[0].status, sent[0].attempts), (DeliveryStatus::Sent, 1));
    assert_eq!(sent[0].line_request_id.as_deref(), Some(push.request_id.as_str()));
    // Nothing is sent twice.
    assert_eq!(s.worker.run_once(now() + Duration::hours(1)).await.expect("pass"), 0);
    assert_eq!(s.fake.push_attempt_keys().len(), 1);
}

async fn server_errors_are_retried_with_the_same_key(db: &TestDb) {
    let s = setup(db).await;
    approve(&s).await;
    s.fake.fail_next("/v2/bot/message/push", 500, 2);
    // Each pass an hour later: past the backoff of the failed attempt.
    for hours in 0..3 {
        s.worker.run_once(now() + Duration::hours(hours)).await.expect("pass");
    }
    let state = &states(&s).await[0];
    assert_eq!((state.status, state.attempts), (DeliveryStatus::Sent, 3));
    let keys = s.fake.push_attempt_keys();
    assert_eq!(keys, vec![Some(state.retry_key.clone()); 3], "the same key on every attempt");
    assert_eq!(s.fake.accepted_pushes().len(), 1);
}

/// LINE's 429 without the monthly-limit text is a rate limit: back off and try again with the
/// same key (only the used-up monthly quota fails the message).
async fn a_plain_rate_limit_is_retried_and_delivered_once(db: &TestDb) {
    let s = setup(db).await;
    approve(&s).await;
    s.fake.fail_next_with("/v2/bot/message/push", 429, 1, "Too Many Requests");
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    let waiting = states(&s).await.remove(0);
    assert_eq!(waiting.status, DeliveryStatus::Queued, "{waiting:?}");
    assert!(waiting.last_error.as_deref().is_some_and(|e| e.contains("rate limited")), "{waiting:?}");
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 0, "backing off");
    s.worker.run_once(now() + Duration::hours(1)).await.expect("pass");
    let state = states(&s).await.remove(0);
    assert_eq!((state.status, state.attempts), (DeliveryStatus::Sent, 2));
    assert_eq!(s.fake.push_attempt_keys(), vec![Some(state.retry_key.clone()); 2], "the same key on both attempts");
    assert_eq!(s.fake.accepted_pushes().len(), 1);
}

async fn an_already_accepted_key_counts_as_delivered(db: &TestDb) {
    let s = setup(db).await;
    approve(&s).await;
    let state = states(&s).await.remove(0);
    // An earlier attempt reached LINE, but its answer was lost.
    let claimed = claim(&s, now() + Duration::seconds(60)).await;
    let card: Vec<serde_json::Value> = serde_json::from_str(&claimed[0].payload).expect("payload");
    let direct = s.worker.line.push("token-a", USER, &card, &state.retry_key).await;
    assert!(direct.delivered());
    // The claim runs out; the worker sends again, LINE answers 409, and it counts as sent.
    assert_eq!(s.worker.run_once(now() + Duration::seconds(61)).await.expect("pass"), 1);
    let after = states(&s).await.remove(0);
    assert_eq!(after.status, DeliveryStatus::Sent);
    assert_eq!(s.fake.accepted_pushes().len(), 1);
}

async fn a_refused_push_is_not_retried(db: &TestDb) {
    let s = setup(db).await;
    approve(&s).await;
    s.fake.fail_next("/v2/bot/message/push", 400, 1);
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    let state = states(&s).await.remove(0);
    assert_eq!(state.status, DeliveryStatus::Failed);
    assert!(state.last_error.as_deref().is_some_and(|e| e.contains("400")), "{state:?}");
    assert_eq!(s.worker.run_once(now() + Duration::hours(1)).await.expect("pass"), 0, "not retried");
    assert!(s.fake.accepted_pushes().is_empty());
}

async fn a_worker_killed_between_send_and_record_still_delivers_once(db: &TestDb) {
    let s = setup(db).await;
    approve(&s).await;
    // Worker A claims and sends, then dies before recording.
    let claimed = claim(&s, now() + s.worker.lease).await;
    assert_eq!(claimed.len(), 1);
    let card: Vec<serde_json::Value> = serde_json::from_str(&claimed[0].payload).expect("payload");
    assert!(s.worker.line.push("token-a", USER, &card, &claimed[0].retry_key).await.delivered());
    // While its claim lasts nobody touches the row; after a restart it is sent again, safely.
    assert_eq!(s.worker.run_once(now() + Duration::seconds(10)).await.expect("pass"), 0);
    assert_eq!(s.worker.run_once(now() + s.worker.lease + Duration::seconds(1)).await.expect("pass"), 1);
    assert_eq!(states(&s).await[0].status, DeliveryStatus::Sent);
    assert_eq!(s.fake.accepted_pushes().len(), 1, "LINE delivered it once");
    assert_eq!(s.fake.push_attempt_keys().len(), 2);
}

async fn two_workers_race_over_a_thousand_messages(db: &TestDb) {
    let s = setup(db).await;
    insert_queued(&s, 1000).await;
    // A second app instance: its own connection pool on the same database.
    let other_store = support::open_store(&db.url).await;
    let other = Worker { store: other_store, line: s.worker.line.clone(), mail: s.worker.mail.clone(), lease: s.worker.lease, batch: 25 };
    let first = Worker { store: s.store.clone(), line: s.worker.line.clone(), mail: s.worker.mail.clone(), lease: s.worker.lease, batch: 25 };
    let drain = |w: Worker| {
        tokio::spawn(async move {
            let mut tried = 0;
            loop {
                let n = w.run_once(now()).await.expect("pass");
                if n == 0 {
                    break tried;
                }
                tried += n;
            }
        })
    };
    let (a, b) = (drain(first), drain(other));
    let (a, b) = (a.await.expect("worker a"), b.await.expect("worker b"));
    assert_eq!(a + b, 1000, "each message tried once ({a} + {b})");
    let pushes = s.fake.accepted_pushes();
    assert_eq!(pushes.len(), 1000);
    let keys: std::collections::HashSet<_> = pushes.iter().map(|p| p.retry_key.clone()).collect();
    assert_eq!(keys.len(), 1000, "no message delivered twice");
    assert_eq!(s.fake.push_attempt_keys().len(), 1000, "no second attempt at all");
}

async fn reminders_are_queued_once_at_the_clinics_hour(db: &TestDb) {
    let s = setup(db).await;
    let patient = line_patient(s.store.as_ref(), s.clinic.clinic, USER).await;
    // Confirmed at once, for tomorrow (8 January) at 9:00.
    let tomorrow =
        book(s.store.as_ref(), &booking(s.clinic.clinic, s.clinic.auto, s.clinic.doctor, tokyo(2030, 1, 8, 9, 0), patient.id)).await.expect("booked");
    let queue_reminders = |at| actions::notices::queue_reminders(s.store.as_ref(), at);
    assert_eq!(queue_reminders(tokyo(2030, 1, 7, 17, 59)).await.expect("pass"), 0, "not before the clinic's hour (18:00)");
    assert_eq!(queue_reminders(tokyo(2030, 1, 7, 18, 0)).await.expect("pass"), 1);
    assert_eq!(queue_reminders(tokyo(2030, 1, 7, 20, 0)).await.expect("pass"), 0, "once, whatever restarts");
    let kinds: Vec<NoticeType> =
        read(s.store.as_ref()).await.notifications(s.clinic.clinic, &[tomorrow.id]).await.expect("read").into_iter().map(|n| n.notice).collect();
    assert_eq!(kinds, [NoticeType::Confirmed, NoticeType::Reminder]);
    // The worker delivers both (and, by 18:01, the expiry notice of the morning's unanswered
    // request); the reminder carries the attend / cancel buttons.
    s.worker.run_once(tokyo(2030, 1, 7, 18, 1)).await.expect("pass");
    let pushes = s.fake.accepted_pushes();
    assert_eq!(pushes.len(), 3);
    let reminder = pushes.iter().map(|p| p.messages[0].to_string()).find(|m| m.contains("明日")).expect("a reminder");
    assert!(reminder.contains(&format!("action=attend&ref={}", tomorrow.reference)) && reminder.contains(&format!("action=cancel&ref={}", tomorrow.reference)));
    assert!(reminder.contains("明日のご予約のお知らせ"));
}

async fn an_unanswered_request_expires_by_itself_and_the_patient_is_told(db: &TestDb) {
    let s = setup(db).await;
    let expiry = s.appointment.hold_expires_at.expect("a request holds its place");
    assert_eq!(s.worker.run_once(expiry - Duration::seconds(1)).await.expect("pass"), 0);
    let status = || async { read(s.store.as_ref()).await.appointment(s.clinic.clinic, s.appointment.id).await.expect("read").map(|a| a.status) };
    assert_eq!(status().await, Some(AppointmentStatus::Requested));
    assert_eq!(s.worker.run_once(expiry).await.expect("pass"), 1, "expired, and the notice sent");
    assert_eq!(status().await, Some(AppointmentStatus::Expired));
    let trail = read(s.store.as_ref()).await.audit_trail(s.clinic.clinic, s.appointment.id).await.expect("trail");
    assert_eq!(trail.last().map(|e| e.actor), Some(Actor::System));
    let pushes = s.fake.accepted_pushes();
    assert_eq!(pushes.len(), 1);
    assert!(pushes[0].messages[0]["altText"].as_str().is_some_and(|t| t.contains("期限切れ")));
    // Approving it now is refused, clearly.
    let late = approve_at(&s, expiry).await;
    assert!(matches!(late, Err(Problem::StatusChanged { current: AppointmentStatus::Expired })), "{late:?}");
    assert_eq!(status().await, Some(AppointmentStatus::Expired));
}

async fn a_notice_to_a_non_friend_waits_until_they_add_the_account(db: &TestDb) {
    let s = setup(db).await;
    in_tx!(s.store, |tx| actions::patients::line_friend(tx, s.clinic.clinic, USER, false, now()).await).expect("unfollowed");
    approve(&s).await;
    // LINE would accept the push and drop it: it is not sent, it waits, and staff read why.
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    assert!(s.fake.push_attempt_keys().is_empty());
    let waiting = states(&s).await;
    assert_eq!((waiting[0].status, waiting[0].last_error.as_deref()), (DeliveryStatus::Queued, Some(server::notify::NOT_A_FRIEND)));
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 0, "not due again at once");
    assert_eq!(s.worker.run_once(now() + Duration::minutes(1)).await.expect("pass"), 1, "tried again later, still waiting");
    assert!(s.fake.push_attempt_keys().is_empty());
    // The patient adds the account (the webhook's follow): the notice goes now, once.
    in_tx!(s.store, |tx| actions::patients::line_friend(tx, s.clinic.clinic, USER, true, now()).await).expect("followed");
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    assert_eq!(s.fake.accepted_pushes().len(), 1);
    assert_eq!(states(&s).await[0].status, DeliveryStatus::Sent);
}

/// Queues `n` messages directly (as if from as many appointment changes), in one transaction.
async fn insert_queued(s: &Setup, n: usize) {
    let card = serde_json::json!([{ "type": "text", "text": "test" }]).to_string();
    let notice = |retry_key: String| NewNotification {
        clinic_id: s.clinic.clinic,
        appointment_id: s.appointment.id,
        notice: NoticeType::Confirmed,
        channel: Channel::Line,
        recipient: USER.into(),
        payload: card.clone(),
        service: None,
        retry_key,
        queued_at: now(),
    };
    in_tx!(s.store, |tx| {
        for _ in 0..n {
            assert!(tx.queue_notification(&notice(uuid::Uuid::new_v4().to_string())).await?);
        }
        Ok(())
    })
    .expect("queued");
}

//! The fake LINE API's switches, end to end: the monthly quota (LINE's endpoints and its 429),
//! a retry key LINE accepted before our server crashed, and signed webhooks sent to the real app.

mod support;

use std::sync::Arc;

use app::booking::ids::{ClinicId, StaffId};
use app::notify::flex::NoticeKind;
use app::notify::DeliveryStatus;
use app::store::*;
use chrono::{Duration, Utc};
use fake_line::{FakeLine, QUOTA_EXHAUSTED_MESSAGE};
use serde_json::{json, Value};
use server::line::api::{LineApi, PushOutcome};
use server::notify::Worker;
use support::*;

const USER: &str = "U0123456789abcdef0123456789abcdef";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const QUOTA_USED_UP: &str = "LINE's monthly message quota is used up";

#[test]
fn quota_endpoints_and_a_used_up_quota_on_sqlite() {
    run(async { on(TestDb::sqlite().await, quota_endpoints_and_a_used_up_quota).await })
}

#[test]
fn quota_endpoints_and_a_used_up_quota_on_postgres() {
    run(async { on(TestDb::postgres().await, quota_endpoints_and_a_used_up_quota).await })
}

#[test]
fn a_key_accepted_before_a_crash_is_recorded_sent_once_on_sqlite() {
    run(async { on(TestDb::sqlite().await, a_key_accepted_before_a_crash_is_recorded_sent_once).await })
}

#[test]
fn a_key_accepted_before_a_crash_is_recorded_sent_once_on_postgres() {
    run(async { on(TestDb::postgres().await, a_key_accepted_before_a_crash_is_recorded_sent_once).await })
}

async fn on<F, Fut>(db: TestDb, test: F)
where
    F: FnOnce(Setup) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let s = setup(&db).await;
    test(s).await;
    db.cleanup().await;
}

struct Setup {
    store: SharedStore,
    url: String,
    fake: FakeLine,
    http: reqwest::Client,
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
    Setup { store, url, fake, http: reqwest::Client::new(), worker, clinic, appointment }
}

impl Setup {
    async fn approve(&self) {
        let clinic = clinic_row(self.store.as_ref(), self.clinic.clinic).await;
        in_tx!(self.store, |tx| actions::reception::approve(tx, desk(&clinic, StaffId(1), now()), self.appointment.id).await).expect("confirm");
    }

    async fn states(&self) -> Vec<NotificationRecord> {
        read(self.store.as_ref()).await.notifications(self.clinic.clinic, &[self.appointment.id]).await.expect("notifications")
    }

    /// `GET path` on the fake with `token` as the bearer: status and JSON body.
    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("fake answers");
        assert!(response.headers().contains_key("x-line-request-id"), "{path}: every answer has x-line-request-id");
        (response.status().as_u16(), response.json().await.expect("JSON body"))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.http.post(format!("{}{path}", self.url)).json(&body).send().await.expect("fake answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn quota_endpoints_and_a_used_up_quota(s: Setup) {
    // Like push, the quota endpoints need the channel access token.
    for path in ["/v2/bot/message/quota", "/v2/bot/message/quota/consumption"] {
        let (status, body) = s.get(path, None).await;
        assert_eq!(status, 401, "{path}");
        assert!(body["message"].as_str().is_some_and(|m| m.starts_with("Authentication failed")), "{body}");
    }
    assert_eq!(s.get("/v2/bot/message/quota", Some("token-a")).await, (200, json!({ "type": "none" })));
    assert_eq!(s.get("/v2/bot/message/quota/consumption", Some("token-a")).await, (200, json!({ "totalUsage": 0 })));

    assert_eq!(s.post("/__fake/quota", json!({ "limit": 1 })).await.0, 204);
    assert_eq!(s.get("/v2/bot/message/quota", Some("token-a")).await, (200, json!({ "type": "limited", "value": 1 })));

    // The approval card uses the one message left; a push counts once per recipient.
    s.approve().await;
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    assert_eq!(s.states().await[0].status, DeliveryStatus::Sent);
    assert_eq!(s.get("/v2/bot/message/quota/consumption", Some("token-a")).await, (200, json!({ "totalUsage": 1 })));

    // On the wire: 429 with LINE's body, which our client reads as "quota used up".
    let key = uuid::Uuid::new_v4().to_string();
    let raw = s
        .http
        .post(format!("{}/v2/bot/message/push", s.url))
        .bearer_auth("token-a")
        .header("X-Line-Retry-Key", &key)
        .json(&json!({ "to": USER, "messages": [{ "type": "text", "text": "x" }] }))
        .send()
        .await
        .expect("push");
    assert_eq!(raw.status().as_u16(), 429);
    assert!(raw.headers().contains_key("x-line-request-id"));
    assert_eq!(raw.json::<Value>().await.expect("body"), json!({ "message": QUOTA_EXHAUSTED_MESSAGE }));
    let direct = s.worker.line.push("token-a", USER, &[json!({ "type": "text", "text": "x" })], &uuid::Uuid::new_v4().to_string()).await;
    assert!(matches!(direct, PushOutcome::RateLimited { quota_exhausted: true, .. }), "{direct:?}");

    // The next queued message fails for good, with the reason, and is not retried.
    let key = insert_queued(&s).await;
    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    let failed = s.states().await.into_iter().find(|n| n.retry_key == key).expect("row");
    assert_eq!((failed.status, failed.last_error.as_deref()), (DeliveryStatus::Failed, Some(QUOTA_USED_UP)), "{failed:?}");
    assert_eq!(s.worker.run_once(now() + Duration::hours(1)).await.expect("pass"), 0, "not retried");
    assert_eq!(s.fake.accepted_pushes().len(), 1);
    assert_eq!(s.fake.quota_usage(), 1, "refused pushes do not count");

    // Unlimited again.
    assert_eq!(s.post("/__fake/quota", json!({ "limit": null })).await.0, 204);
    assert_eq!(s.get("/v2/bot/message/quota", Some("token-a")).await, (200, json!({ "type": "none" })));
    assert!(s.worker.line.push("token-a", USER, &[json!({ "type": "text", "text": "x" })], &uuid::Uuid::new_v4().to_string()).await.delivered());
}

async fn a_key_accepted_before_a_crash_is_recorded_sent_once(s: Setup) {
    s.approve().await;
    let key = s.states().await.remove(0).retry_key;
    // LINE accepted the push, but our server crashed before it heard the answer.
    let (status, body) = s.post("/__fake/accepted-keys", json!({ "retry_key": key })).await;
    assert_eq!(status, 200);
    let accepted = body["accepted_request_id"].as_str().expect("accepted request id").to_string();
    assert_eq!(s.post("/__fake/accepted-keys", json!({ "retry_key": "not-a-uuid" })).await.0, 400);

    assert_eq!(s.worker.run_once(now()).await.expect("pass"), 1);
    let state = s.states().await.remove(0);
    assert_eq!((state.status, state.attempts), (DeliveryStatus::Sent, 1));
    assert_eq!(state.line_request_id.as_deref(), Some(accepted.as_str()), "LINE's id of the accepted push");
    assert_eq!(s.worker.run_once(now() + Duration::hours(1)).await.expect("pass"), 0, "recorded once");
    assert_eq!(s.fake.push_attempt_keys(), vec![Some(key)], "one attempt, answered 409");
    assert!(s.fake.accepted_pushes().is_empty(), "no second message");
    assert_eq!(s.get("/v2/bot/message/quota/consumption", Some("token-a")).await, (200, json!({ "totalUsage": 1 })));
}

/// Queues one more notice about the appointment, the way every change queues one; returns its
/// retry key.
async fn insert_queued(s: &Setup) -> String {
    let clinic = clinic_row(s.store.as_ref(), s.clinic.clinic).await;
    let queued = in_tx!(s.store, |tx| actions::notices::queue(tx, &clinic, &s.appointment, NoticeKind::Confirmed, now()).await).expect("queue");
    assert!(queued, "a LINE patient of a LINE clinic is told");
    let waiting: Vec<_> = s.states().await.into_iter().filter(|n| n.status == DeliveryStatus::Queued).collect();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    waiting[0].retry_key.clone()
}

/// The real app on a local port, with a LINE clinic (`line-demo`) whose channel secret is
/// `SECRET`: its webhook URL and the clinic.
async fn served_app(db: &TestDb) -> (String, ClinicId) {
    let clinic = server::seed::seed_demo_as(db.store.as_ref(), "line-demo", Utc::now()).await.expect("seed");
    let line = LineSettings {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: "1657000000".into(),
        channel_secret: Some(SECRET.into()),
        channel_access_token: None,
        add_friend_url: None,
    };
    connect_line(db.store.as_ref(), clinic, line).await;
    let (url, _fake) = fake_line().await;
    let line = Arc::new(LineApi::new(&url).expect("client"));
    let router = support::router(db.store.clone(), line);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("app");
    });
    (format!("http://{addr}/line/webhook/line-demo"), clinic)
}

#[test]
fn signed_webhooks_reach_the_app_and_redeliveries_count_once() {
    run(async {
        let db = TestDb::sqlite().await;
        let (webhook_url, clinic) = served_app(&db).await;
        line_patient(db.store.as_ref(), clinic, USER).await;
        let (fake_url, _fake) = fake_line().await;
        let http = reqwest::Client::new();
        let send = |body: Value| {
            let (http, fake_url) = (http.clone(), fake_url.clone());
            async move {
                let response = http.post(format!("{fake_url}/__fake/webhook")).json(&body).send().await.expect("fake answers");
                assert_eq!(response.status().as_u16(), 200, "the fake sent it");
                response.json::<Value>().await.expect("JSON")
            }
        };
        let follow = json!({ "type": "follow", "source": { "type": "user", "userId": USER } });

        // A wrong secret: our webhook refuses it and nothing changes.
        let refused = send(json!({ "url": webhook_url, "channel_secret": "wrong-secret", "events": [follow] })).await;
        assert_eq!(refused["status"], 401, "{refused}");
        assert_eq!(line_friend(db.store.as_ref(), clinic, USER).await, None);

        let answer = send(json!({ "url": webhook_url, "channel_secret": SECRET, "events": [follow] })).await;
        assert_eq!(answer["status"], 200, "{answer}");
        assert_eq!(line_friend(db.store.as_ref(), clinic, USER).await, Some(true));
        let sent: Value = serde_json::from_str(answer["sent"].as_str().expect("sent body")).expect("JSON");
        assert_eq!(sent["destination"], fake_line::DEFAULT_DESTINATION);
        let event = &sent["events"][0];
        let event_id = event["webhookEventId"].as_str().expect("webhookEventId").to_string();
        assert_eq!(event_id.len(), 26, "ULID-like: {event_id}");
        assert_eq!((&event["mode"], &event["deliveryContext"]["isRedelivery"]), (&json!("active"), &json!(false)));
        assert!(event["timestamp"].as_i64().is_some_and(|t| t > 1_700_000_000_000), "{event}");

        // The patient blocks the account later; a redelivery of the old follow must not undo it.
        in_tx!(db.store, |tx| actions::patients::line_friend(tx, clinic, USER, false, chrono::Utc::now()).await).expect("unfollow");
        let again = send(json!({ "redeliver_last": true })).await;
        assert_eq!(again["status"], 200, "{again}");
        let resent: Value = serde_json::from_str(again["sent"].as_str().expect("sent body")).expect("JSON");
        assert_eq!(resent["events"][0]["webhookEventId"], json!(event_id), "same event id");
        assert_eq!(resent["events"][0]["deliveryContext"]["isRedelivery"], true);
        assert_eq!(line_friend(db.store.as_ref(), clinic, USER).await, Some(false), "processed once");

        // LINE's connectivity check: no events.
        let empty = send(json!({ "url": webhook_url, "channel_secret": SECRET, "events": [] })).await;
        assert_eq!(empty["status"], 200, "{empty}");
        db.cleanup().await;
    })
}

//! LINE MINI App service messages, on both backends against the local fake of LINE: the owner
//! turns them on (over HTTP), the LIFF sign-in exchanges the patient's access token for a
//! notification token, and the outbox sends each notice with a template as a service message
//! (no friendship needed), keeps the renewed token, and hands the notice to push when LINE
//! refuses the token. A lost answer never makes the patient hear twice.

mod support;

use app::api::staff::settings::{ServiceView, SettingsData};
use app::booking::ids::PatientId;
use app::error::ErrorCode;
use app::notify::flex::NoticeKind;
use app::notify::{DeliveryStatus, NoticeType, SentVia};
use app::store::*;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use fake_line::FakeLine;
use server::notify::{Worker, NOT_A_FRIEND, SERVICE_MAYBE_SENT, SERVICE_UNKNOWN};
use support::web::*;
use support::*;

const CHANNEL: &str = "1657000000";
const SECRET: &str = "mini-app-channel-secret";
const ALICE: &str = "U1111111111111111111111111111111a";
const BOB: &str = "U2222222222222222222222222222222b";

struct Mini {
    site: Site,
    fake: FakeLine,
    worker: Worker,
    c: Clinic1,
    owner: (String, String),
}

fn json(value: serde_json::Value) -> String {
    value.to_string()
}

/// A clinic connected to (fake) LINE whose LIFF app is a MINI App, with templates for
/// confirmations and the patient's cancellations, turned on by its owner over HTTP.
async fn mini_clinic(db: &TestDb) -> Mini {
    let s = db.store.as_ref();
    let (url, fake) = fake_line().await;
    fake.register_mini_app(CHANNEL, SECRET);
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let c = clinic(s, "mini").await;
    connect_line(s, c.clinic, test_line_settings()).await;
    // A patient here holds more visits than the default limit of three.
    let options = read(s).await.clinic_options(c.clinic).await.expect("options");
    in_tx!(s, |tx| Ok(tx.set_clinic_options(c.clinic, ClinicOptions { booking_limit: 10, ..options }).await?)).expect("options");
    let site = Site { router: support::router(db.store.clone(), line.clone()), store: db.store.clone(), clinic: c.clinic };
    let (cookie, csrf, _) = staff_cookie(&site, StaffRole::Owner).await;
    let save = |secret: &str, confirm: &str| {
        let templates = serde_json::json!([["confirmed", confirm], ["cancelled_by_patient", "reservation_cancel"], ["reminder", ""]]);
        json(serde_json::json!({ "csrf": csrf, "lang": "ja", "form": { "channel_secret": secret, "templates": templates } }))
    };
    let path = "/api/staff/settings/service-messages";
    // The first time, the MINI App channel's secret is needed; a template name is LINE's shape,
    // without the language.
    let reply = post(&site.router, path, "application/json", save("", "reservation_confirm"), Some(&cookie)).await;
    let error = app_error(reply.status, &reply.body, ErrorCode::Invalid);
    assert_eq!(error.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["service-channel_secret"], "{}", reply.body);
    for wrong in ["reservation_confirm_ja", "予約確定", "a b"] {
        let reply = post(&site.router, path, "application/json", save(SECRET, wrong), Some(&cookie)).await;
        let error = app_error(reply.status, &reply.body, ErrorCode::Invalid);
        assert_eq!(error.fields[0].field, "service-template-confirmed", "{wrong}: {}", reply.body);
    }
    let (desk, desk_csrf, _) = staff_cookie(&site, StaffRole::Staff).await;
    let by_desk = json(serde_json::json!({ "csrf": desk_csrf, "lang": "ja", "form": { "channel_secret": SECRET, "templates": [] } }));
    assert_eq!(post(&site.router, path, "application/json", by_desk, Some(&desk)).await.status, StatusCode::FORBIDDEN, "owners only");
    let reply = post(&site.router, path, "application/json", save(SECRET, "reservation_confirm"), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let worker = Worker::new(db.store.clone(), line);
    Mini { site, fake, worker, c, owner: (cookie, csrf) }
}

async fn service_view(m: &Mini) -> ServiceView {
    let reply = post(&m.site.router, "/api/staff/settings", "application/x-www-form-urlencoded", "lang=ja".into(), Some(&m.owner.0)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!reply.body.contains(SECRET), "the secret never reaches the page");
    serde_json::from_str::<SettingsData>(&reply.body).expect("settings").line.service
}

/// Signs `user` in on the LIFF page with a fresh LIFF access token (`friend`: as LINE says).
async fn sign_in(m: &Mini, user: &str, friend: bool) -> PatientId {
    let id_token = m.fake.issue_id_token(user, CHANNEL, None, 600);
    let access = m.fake.issue_access_token(user, CHANNEL, friend, 600);
    let form = format!("slug=mini&id_token={id_token}&access_token={access}&lang=ja");
    let reply = post(&m.site.router, "/api/liff/sign_in", "application/x-www-form-urlencoded", form, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    read(m.site.store.as_ref()).await.line_patient(m.c.clinic, user).await.expect("read").expect("the patient").id
}

async fn token_of(m: &Mini, patient: PatientId) -> Option<ServiceToken> {
    read(m.site.store.as_ref()).await.service_token(m.c.clinic, patient).await.expect("read")
}

/// A visit `days` from now (Tokyo, 9:00) of the auto-confirmed menu: its confirmation is queued.
/// (Never tomorrow: the worker would queue its reminder too.)
async fn visit(m: &Mini, patient: PatientId, days: i64) -> Appointment {
    let day = (Utc::now().with_timezone(&TOKYO).date_naive() + Duration::days(days)).and_hms_opt(9, 0, 0).expect("time");
    let at = day.and_local_timezone(TOKYO).single().expect("time").with_timezone(&Utc);
    let b = Booking { now: Utc::now(), ..booking(m.c.clinic, m.c.auto, m.c.doctor, at, patient) };
    let a = book(m.site.store.as_ref(), &b).await.expect("booked");
    assert_eq!(a.status, app::booking::status::AppointmentStatus::Confirmed);
    a
}

async fn notices(m: &Mini, a: &Appointment) -> Vec<NotificationRecord> {
    read(m.site.store.as_ref()).await.notifications(m.c.clinic, &[a.id]).await.expect("read")
}

async fn pass(m: &Mini, minutes: i64) {
    m.worker.run_once(Utc::now() + Duration::minutes(minutes)).await.expect("a pass");
}

async fn a_mini_app_patient_gets_service_messages_without_friendship(db: &TestDb) {
    let m = mini_clinic(db).await;
    let view = service_view(&m).await;
    assert!(view.on && view.secret_set, "{view:?}");
    assert_eq!(view.templates[0], (NoticeType::Confirmed, "reservation_confirm".into()));
    assert_eq!(view.templates.iter().find(|(n, _)| *n == NoticeType::Reminder), Some(&(NoticeType::Reminder, String::new())));

    // Alice is not a friend of the clinic's account: a push would never reach her.
    let alice = sign_in(&m, ALICE, false).await;
    let first = token_of(&m, alice).await.expect("a notification token");
    assert_eq!((first.remaining, m.fake.notification_tokens_issued()), (5, 1));
    // Signing in again while the token lasts a visit asks LINE for no other.
    sign_in(&m, ALICE, false).await;
    assert_eq!(m.fake.notification_tokens_issued(), 1);

    let a = visit(&m, alice, 2).await;
    pass(&m, 0).await;
    let sent = m.fake.service_messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].to.as_str(), sent[0].template_name.as_str()), (ALICE, "reservation_confirm_ja"));
    assert_eq!(sent[0].params["menu"], "auto");
    assert!(sent[0].params["btn1_url"].as_str().is_some_and(|u| u.ends_with(&format!("/a/{}", a.reference))), "{:?}", sent[0].params);
    assert!(m.fake.accepted_pushes().is_empty(), "nothing went by push");
    let record = notices(&m, &a).await.remove(0);
    assert_eq!((record.status, record.sent_via), (DeliveryStatus::Sent, Some(SentVia::ServiceMessage)));
    // LINE renewed the token: the new one is kept, with one send fewer.
    let renewed = token_of(&m, alice).await.expect("the renewed token");
    assert_eq!(renewed.remaining, 4);
    assert_ne!(renewed.token, first.token);

    // Her cancellation's receipt goes the same way, with the renewed token.
    in_tx!(m.site.store.as_ref(), |tx| app::actions::booking::cancel(tx, m.c.clinic, alice, a.id, Utc::now()).await).expect("cancelled");
    pass(&m, 0).await;
    let sent = m.fake.service_messages();
    assert_eq!(sent.iter().map(|s| s.template_name.as_str()).collect::<Vec<_>>(), ["reservation_confirm_ja", "reservation_cancel_ja"]);
    assert_eq!(token_of(&m, alice).await.expect("renewed again").remaining, 3);

    // A notice without a template goes by push: to a non-friend, it waits for her to follow.
    let b = visit(&m, alice, 3).await;
    pass(&m, 0).await;
    let clinic = clinic_row(m.site.store.as_ref(), m.c.clinic).await;
    in_tx!(m.site.store.as_ref(), |tx| app::actions::notices::queue(tx, &clinic, &b, NoticeKind::Reminder, Utc::now()).await).expect("queued");
    pass(&m, 0).await;
    let reminder = notices(&m, &b).await.into_iter().find(|n| n.notice == NoticeType::Reminder).expect("the reminder");
    assert_eq!((reminder.status, reminder.last_error.as_deref()), (DeliveryStatus::Queued, Some(NOT_A_FRIEND)));
    assert_eq!(m.fake.service_messages().len(), 3, "the second visit's confirmation, and no reminder");

    // Turned off, the clinic's notices go by push again.
    let off = json(serde_json::json!({ "csrf": m.owner.1, "lang": "ja" }));
    let reply = post(&m.site.router, "/api/staff/settings/service-messages/off", "application/json", off, Some(&m.owner.0)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!service_view(&m).await.on);
    let bob = sign_in(&m, BOB, true).await;
    assert_eq!(token_of(&m, bob).await, None, "no token asked for when off");
    let c = visit(&m, bob, 2).await;
    pass(&m, 0).await;
    assert_eq!(notices(&m, &c).await[0].sent_via, Some(SentVia::Push));
    assert_eq!(m.fake.accepted_pushes().len(), 1);
}

async fn a_refused_token_hands_the_notice_to_push(db: &TestDb) {
    let m = mini_clinic(db).await;
    let bob = sign_in(&m, BOB, true).await;
    // A token LINE no longer honours (renewed elsewhere, or revoked).
    let stale = ServiceToken { token: "stale-token".into(), remaining: 5, expires_at: Utc::now() + Duration::days(300) };
    in_tx!(m.site.store.as_ref(), |tx| Ok(tx.set_service_token(m.c.clinic, bob, &stale, Utc::now()).await?)).expect("stored");
    let a = visit(&m, bob, 2).await;
    pass(&m, 0).await;
    assert!(m.fake.service_messages().is_empty());
    let record = notices(&m, &a).await.remove(0);
    assert_eq!((record.status, record.sent_via), (DeliveryStatus::Sent, Some(SentVia::Push)), "{record:?}");
    assert_eq!(m.fake.accepted_pushes().len(), 1);
    assert_eq!(token_of(&m, bob).await, None, "the refused token is forgotten");

    // A token with no sends left is not tried at all; the next sign-in brings a new one.
    let spent = ServiceToken { token: "spent".into(), remaining: 0, expires_at: Utc::now() + Duration::days(300) };
    in_tx!(m.site.store.as_ref(), |tx| Ok(tx.set_service_token(m.c.clinic, bob, &spent, Utc::now()).await?)).expect("stored");
    let b = visit(&m, bob, 3).await;
    pass(&m, 0).await;
    assert_eq!(notices(&m, &b).await[0].sent_via, Some(SentVia::Push));
    assert_eq!(token_of(&m, bob).await.map(|t| (t.token, t.remaining)), Some((spent.token, 0)), "not tried, so not refused either");
    sign_in(&m, BOB, true).await;
    assert_eq!(token_of(&m, bob).await.map(|t| t.remaining), Some(5));
    assert_eq!(m.fake.notification_tokens_issued(), 2);
}

async fn failed_sends_are_retried_and_a_lost_answer_is_not_sent_twice(db: &TestDb) {
    let m = mini_clinic(db).await;
    let carol = sign_in(&m, ALICE, true).await;

    // LINE fails: nothing went; the retry with the same token sends it once.
    m.fake.fail_next("/message/v3/notifier/send", 500, 1);
    let a = visit(&m, carol, 2).await;
    pass(&m, 0).await;
    let record = notices(&m, &a).await.remove(0);
    assert_eq!((record.status, record.last_error.as_deref()), (DeliveryStatus::Queued, Some(SERVICE_UNKNOWN)));
    assert!(m.fake.service_messages().is_empty() && m.fake.accepted_pushes().is_empty());
    pass(&m, 5).await;
    assert_eq!(notices(&m, &a).await[0].sent_via, Some(SentVia::ServiceMessage));
    assert_eq!(m.fake.service_messages().len(), 1);
    assert_eq!(token_of(&m, carol).await.expect("renewed").remaining, 4);

    // LINE sends it and its answer is lost: the retry finds the old token renewed, so the
    // message went; it is recorded as sent, and nothing goes by push.
    m.fake.fail_next("/message/v3/notifier/send#after", 503, 1);
    let b = visit(&m, carol, 3).await;
    pass(&m, 0).await;
    assert_eq!(m.fake.service_messages().len(), 2, "LINE has it");
    assert_eq!(notices(&m, &b).await[0].status, DeliveryStatus::Queued, "we do not know yet");
    pass(&m, 5).await;
    let record = notices(&m, &b).await.remove(0);
    assert_eq!((record.status, record.sent_via), (DeliveryStatus::Sent, Some(SentVia::ServiceMessage)), "{record:?}");
    assert_eq!(m.fake.service_messages().len(), 2, "not sent twice");
    assert!(m.fake.accepted_pushes().is_empty(), "nor pushed");
    assert_eq!(token_of(&m, carol).await, None, "the lost renewed token is gone: later notices push");

    // A lost answer, then a sign-in brings a new token before the retry: the retry cannot tell
    // whether LINE sent it, so it sends nothing, by any way.
    sign_in(&m, ALICE, true).await;
    let mut low = token_of(&m, carol).await.expect("a new token");
    low.remaining = 1;
    in_tx!(m.site.store.as_ref(), |tx| Ok(tx.set_service_token(m.c.clinic, carol, &low, Utc::now()).await?)).expect("stored");
    m.fake.fail_next("/message/v3/notifier/send#after", 503, 1);
    let c = visit(&m, carol, 4).await;
    pass(&m, 0).await;
    assert_eq!(m.fake.service_messages().len(), 3, "LINE has it");
    sign_in(&m, ALICE, true).await;
    assert_ne!(token_of(&m, carol).await.expect("a fresh token").token, low.token, "one send left: the sign-in asked for another");
    pass(&m, 5).await;
    let record = notices(&m, &c).await.remove(0);
    assert_eq!((record.status, record.last_error.as_deref()), (DeliveryStatus::Failed, Some(SERVICE_MAYBE_SENT)), "{record:?}");
    assert_eq!(m.fake.service_messages().len(), 3, "not sent twice");

    // A lost answer, then another notice of the patient tries the same token first: LINE refuses
    // it (the lost send renewed it), so that notice goes by push; the first is not sent again.
    m.fake.fail_next("/message/v3/notifier/send#after", 503, 1);
    let d = visit(&m, carol, 5).await;
    pass(&m, 0).await;
    assert_eq!(m.fake.service_messages().len(), 4, "LINE has it");
    in_tx!(m.site.store.as_ref(), |tx| app::actions::booking::cancel(tx, m.c.clinic, carol, c.id, Utc::now()).await).expect("cancelled");
    pass(&m, 0).await;
    let receipt = notices(&m, &c).await.into_iter().find(|n| n.notice == NoticeType::CancelledByPatient).expect("the receipt");
    assert_eq!((receipt.status, receipt.sent_via), (DeliveryStatus::Sent, Some(SentVia::Push)), "{receipt:?}");
    pass(&m, 5).await;
    assert_eq!(notices(&m, &d).await[0].status, DeliveryStatus::Failed, "the first is not sent again");
    assert_eq!((m.fake.service_messages().len(), m.fake.accepted_pushes().len()), (4, 1));
}

on_both!(
    a_mini_app_patient_gets_service_messages_without_friendship,
    a_refused_token_hands_the_notice_to_push,
    failed_sends_are_retried_and_a_lost_answer_is_not_sent_twice
);

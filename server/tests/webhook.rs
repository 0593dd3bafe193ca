//! The LINE webhook over HTTP: signatures, redeliveries, friend status and Flex-button postbacks.

mod support;

use app::booking::status::AppointmentStatus;
use app::i18n::Lang;
use app::store::{availability, Actor, Appointment, LineSettings, NewBooking, SharedStore};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use chrono::{Days, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tower::ServiceExt;

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const USER: &str = "U0123456789abcdef0123456789abcdef";
const STRANGER: &str = "Ufedcba9876543210fedcba9876543210";

struct App {
    router: axum::Router,
    store: SharedStore,
    clinic: app::booking::ids::ClinicId,
    db: support::TestDb,
}

async fn app() -> App {
    app_on(support::TestDb::sqlite().await).await
}

async fn app_on(db: support::TestDb) -> App {
    server::seed::seed_demo_as(db.store.as_ref(), "line-demo", Utc::now()).await.expect("seed");
    let clinic = db.store.clinic_by_slug("line-demo").await.expect("read").expect("clinic").id;
    let line = LineSettings { liff_id: "1657000000-AbCdEfGh".into(), login_channel_id: "1657000000".into(), channel_secret: Some(SECRET.into()), channel_access_token: None, add_friend_url: None };
    db.store.set_line_settings(clinic, Some(line)).await.expect("line");
    let (url, _fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let router = support::router(db.store.clone(), line);
    App { router, store: db.store.clone(), clinic, db }
}

fn sign(body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn deliver(app: &App, body: &str, signature: Option<&str>) -> StatusCode {
    let mut request = Request::post("/line/webhook/line-demo").header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("x-line-signature", signature);
    }
    app.router.clone().oneshot(request.body(Body::from(body.to_string())).expect("request")).await.expect("response").status()
}

fn event(id: &str, kind: &str, user: &str, postback: Option<&str>) -> String {
    let mut e = serde_json::json!({
        "type": kind, "mode": "active", "timestamp": 1_700_000_000_000u64, "webhookEventId": id,
        "deliveryContext": { "isRedelivery": false }, "source": { "type": "user", "userId": user },
    });
    if let Some(data) = postback {
        e["postback"] = serde_json::json!({ "data": data });
    }
    serde_json::json!({ "destination": "U00000000000000000000000000000000", "events": [e] }).to_string()
}

/// A confirmed visit of the LINE user, two days or more ahead (outside the 3-hour cut-off).
async fn confirmed_visit(app: &App) -> Appointment {
    let patient = app.store.line_patient(app.clinic, USER, Lang::Ja).await.expect("patient");
    let clinic = app.store.clinics().await.expect("clinics").into_iter().find(|c| c.id == app.clinic).expect("clinic");
    let menu = app.store.menus(app.clinic).await.expect("menus").into_iter().find(|m| m.name_en == "Follow-up visit").expect("auto-confirmed menu");
    let from = Utc::now().with_timezone(&clinic.time_zone).date_naive() + Days::new(2);
    let offer = availability(app.store.as_ref(), &clinic, &menu, from, from + Days::new(14), Utc::now()).await.expect("availability").remove(0);
    let booking = NewBooking { clinic_id: app.clinic, menu_id: menu.id, resource_id: offer.resource_id, starts_at: offer.starts_at, patient_id: patient.id, actor: Actor::Patient(patient.id), now: Utc::now(), answers: vec![], replaces: None, source: Default::default() };
    let a = app.store.book(booking).await.expect("booked");
    assert_eq!(a.status, AppointmentStatus::Confirmed);
    a
}

#[test]
fn a_bad_signature_is_refused_and_changes_nothing() {
    support::run(async {
        let app = app().await;
        app.store.line_patient(app.clinic, USER, Lang::Ja).await.expect("patient");
        let body = event("01HZ0000000000000000000001", "follow", USER, None);
        assert_eq!(deliver(&app, &body, None).await, StatusCode::UNAUTHORIZED);
        assert_eq!(deliver(&app, &body, Some("bm90IGEgc2lnbmF0dXJl")).await, StatusCode::UNAUTHORIZED);
        assert_eq!(deliver(&app, &body, Some(&sign(&format!("{body} ")))).await, StatusCode::UNAUTHORIZED, "signed over other bytes");
        assert_eq!(app.store.line_friend(app.clinic, USER).await.expect("read"), None);
        // LINE's connectivity check: no events, valid signature.
        let empty = r#"{"destination":"U00000000000000000000000000000000","events":[]}"#;
        assert_eq!(deliver(&app, empty, Some(&sign(empty))).await, StatusCode::OK);
    })
}

#[test]
fn follow_and_unfollow_keep_the_friend_status_and_replays_count_once() {
    support::run(async {
        let app = app().await;
        app.store.line_patient(app.clinic, USER, Lang::Ja).await.expect("patient");
        let follow = event("01HZ0000000000000000000002", "follow", USER, None);
        assert_eq!(deliver(&app, &follow, Some(&sign(&follow))).await, StatusCode::OK);
        assert_eq!(app.store.line_friend(app.clinic, USER).await.expect("read"), Some(true));
        let unfollow = event("01HZ0000000000000000000003", "unfollow", USER, None);
        assert_eq!(deliver(&app, &unfollow, Some(&sign(&unfollow))).await, StatusCode::OK);
        // A late redelivery of the old follow event must not undo the unfollow.
        assert_eq!(deliver(&app, &follow, Some(&sign(&follow))).await, StatusCode::OK);
        assert_eq!(app.store.line_friend(app.clinic, USER).await.expect("read"), Some(false));
    })
}

#[test]
fn postbacks_cancel_or_confirm_attendance_once_and_only_for_their_patient() {
    support::run(async {
        let app = app().await;
        let visit = confirmed_visit(&app).await;
        let attend = event("01HZ0000000000000000000004", "postback", USER, Some(&format!("action=attend&ref={}", visit.reference)));
        assert_eq!(deliver(&app, &attend, Some(&sign(&attend))).await, StatusCode::OK);
        assert!(app.store.attendance_confirmed_at(app.clinic, visit.id).await.expect("read").is_some());

        let stranger = event("01HZ0000000000000000000005", "postback", STRANGER, Some(&format!("action=cancel&ref={}", visit.reference)));
        assert_eq!(deliver(&app, &stranger, Some(&sign(&stranger))).await, StatusCode::OK);
        assert_eq!(app.store.appointment(app.clinic, visit.id).await.expect("read").map(|a| a.status), Some(AppointmentStatus::Confirmed));

        let cancel = event("01HZ0000000000000000000006", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
        for _ in 0..2 {
            assert_eq!(deliver(&app, &cancel, Some(&sign(&cancel))).await, StatusCode::OK);
        }
        assert_eq!(app.store.appointment(app.clinic, visit.id).await.expect("read").map(|a| a.status), Some(AppointmentStatus::CancelledByPatient));
        let trail = app.store.audit_trail(app.clinic, visit.id).await.expect("trail");
        assert_eq!(trail.iter().filter(|e| e.to == AppointmentStatus::CancelledByPatient).count(), 1, "processed once");
    })
}

#[test]
fn a_cancel_past_the_cut_off_tells_the_patient_why_once_on_sqlite() {
    support::run(async { a_cancel_past_the_cut_off_tells_the_patient_why_once(support::TestDb::sqlite().await).await })
}

#[test]
fn a_cancel_past_the_cut_off_tells_the_patient_why_once_on_postgres() {
    support::run(async { a_cancel_past_the_cut_off_tells_the_patient_why_once(support::TestDb::postgres().await).await })
}

/// The reminder's cancel button after the menu's cut-off: the visit stays, and the patient gets
/// one LINE message (through the outbox) with the deadline in clinic time and what to do.
async fn a_cancel_past_the_cut_off_tells_the_patient_why_once(db: support::TestDb) {
    let app = app_on(db).await;
    let line = LineSettings { liff_id: "1657000000-AbCdEfGh".into(), login_channel_id: "1657000000".into(), channel_secret: Some(SECRET.into()), channel_access_token: Some("token".into()), add_friend_url: None };
    app.store.set_line_settings(app.clinic, Some(line)).await.expect("line");
    let visit = confirmed_visit(&app).await;
    // A 30-day cut-off puts the deadline of a visit two to sixteen days ahead in the past.
    let cutoff_sql = "UPDATE menus SET cancel_cutoff_minutes = 43200 WHERE id = $1";
    if app.db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.expect("sqlite");
        sqlx::query(cutoff_sql).bind(visit.menu_id.0).execute(&pool).await.expect("cut-off");
    } else {
        let pool = sqlx::PgPool::connect(&app.db.url).await.expect("postgres");
        sqlx::query(cutoff_sql).bind(visit.menu_id.0).execute(&pool).await.expect("cut-off");
    }
    let clinic = app.store.clinics().await.expect("clinics").into_iter().find(|c| c.id == app.clinic).expect("clinic");
    let deadline = app::booking::format::datetime_label(visit.starts_at - chrono::Duration::days(30), clinic.time_zone, Lang::Ja);

    let cancel = event("01HZ0000000000000000000007", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
    for _ in 0..2 {
        // The second delivery is LINE redelivering the same event.
        assert_eq!(deliver(&app, &cancel, Some(&sign(&cancel))).await, StatusCode::OK);
    }
    // The patient taps again (a new event): the explanation is already in their chat.
    let again = event("01HZ0000000000000000000008", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
    assert_eq!(deliver(&app, &again, Some(&sign(&again))).await, StatusCode::OK);
    assert_eq!(app.store.appointment(app.clinic, visit.id).await.expect("read").map(|a| a.status), Some(AppointmentStatus::Confirmed));
    let notices = app.store.clinic_notifications(app.clinic, 50).await.expect("notifications");
    let refused: Vec<_> = notices.iter().filter(|n| n.kind == "cancel_refused").collect();
    assert_eq!(refused.len(), 1, "one tap, one message: {notices:?}");
    let n = refused[0];
    assert_eq!((n.appointment_id, n.recipient.as_str(), n.status.as_str()), (Some(visit.id), USER, "queued"));
    assert!(n.payload.contains("ご予約はキャンセルできませんでした"), "{}", n.payload);
    assert!(n.payload.contains(&format!("キャンセル期限({deadline})を過ぎています。お電話で医院にご連絡ください。")), "{}", n.payload);

    // Another clinic cannot queue notices about this appointment.
    server::seed::seed_demo_as(app.store.as_ref(), "other-clinic", Utc::now()).await.expect("seed");
    let other = app.store.clinic_by_slug("other-clinic").await.expect("read").expect("clinic").id;
    let kind = app::notify::flex::NoticeKind::CancelRefused { reason: "x".into() };
    assert!(matches!(app.store.queue_notice(other, visit.id, kind, Utc::now()).await, Err(app::store::StoreError::NotFound)));

    let App { router, store, db, .. } = app;
    drop((router, store));
    db.cleanup().await;
}

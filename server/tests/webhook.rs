//! The LINE webhook over HTTP: signatures, redeliveries, friend status and Flex-button postbacks.

mod support;

use app::actions::booking::availability;
use app::booking::ids::{AppointmentId, MenuId};
use app::booking::model::MenuSpec;
use app::booking::status::AppointmentStatus;
use app::i18n::Lang;
use app::notify::{DeliveryStatus, NoticeType};
use app::store::{Actor, Appointment, LineSettings, NotificationRecord, SharedStore};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use chrono::{Days, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support::{actions, in_tx, line_friend, line_patient, settings};
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
    let clinic = server::seed::seed_demo_as(db.store.as_ref(), "line-demo", Utc::now()).await.expect("seed");
    let (url, _fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let router = support::router(db.store.clone(), line);
    let app = App { router, store: db.store.clone(), clinic, db };
    connect(&app, None).await;
    app
}

/// Connects the clinic to LINE (with the channel secret `SECRET`), as the owner's settings do;
/// with an access token, its patients are sent messages.
async fn connect(app: &App, access_token: Option<&str>) {
    let line = LineSettings {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: "1657000000".into(),
        channel_secret: Some(SECRET.into()),
        channel_access_token: access_token.map(str::to_string),
        add_friend_url: None,
    };
    in_tx!(app.store, |tx| settings::update_line(tx, editor(app), Some(line)).await).expect("line");
}

/// The system changing the clinic's settings now.
fn editor(app: &App) -> app::store::Editor {
    app::store::Editor { clinic: app.clinic, actor: Actor::System, now: Utc::now() }
}

async fn stored(app: &App, id: AppointmentId) -> Appointment {
    support::read(app.store.as_ref()).await.appointment(app.clinic, id).await.expect("read").expect("the appointment")
}

/// The clinic's notices, newest first.
async fn notices(app: &App) -> Vec<NotificationRecord> {
    support::read(app.store.as_ref()).await.clinic_notifications(app.clinic, false, 50).await.expect("notifications")
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

/// Changes a menu of the clinic the way the owner's settings do.
async fn change_menu(app: &App, id: MenuId, change: impl FnOnce(&mut MenuSpec)) {
    let menus = support::read(app.store.as_ref()).await.menus(app.clinic).await.expect("menus");
    let mut spec = menus.into_iter().find(|m| m.id == id).expect("the menu").spec;
    change(&mut spec);
    in_tx!(app.store, |tx| settings::save_menu(tx, editor(app), Some(id), &spec).await).expect("menu saved");
}

/// The same events as LINE redelivers them.
fn redelivered(body: &str) -> String {
    let mut body: serde_json::Value = serde_json::from_str(body).expect("JSON");
    for e in body["events"].as_array_mut().expect("events") {
        e["deliveryContext"]["isRedelivery"] = true.into();
    }
    body.to_string()
}

/// A confirmed visit of the LINE user, two days or more ahead (outside the 3-hour cut-off).
async fn confirmed_visit(app: &App) -> Appointment {
    let patient = line_patient(app.store.as_ref(), app.clinic, USER).await;
    let clinic = support::clinic_row(app.store.as_ref(), app.clinic).await;
    let mut db = support::read(app.store.as_ref()).await;
    let menu = db.menus(app.clinic).await.expect("menus").into_iter().find(|m| m.name_en == "Follow-up visit").expect("auto-confirmed menu");
    let from = Utc::now().with_timezone(&clinic.time_zone).date_naive() + Days::new(2);
    let offer = availability(db.as_mut(), &clinic, &menu, from, from + Days::new(14), Utc::now()).await.expect("availability").remove(0);
    drop(db);
    let booking = support::Booking { now: Utc::now(), ..support::booking(app.clinic, menu.id, offer.resource_id, offer.starts_at, patient.id) };
    let a = support::book(app.store.as_ref(), &booking).await.expect("booked");
    assert_eq!(a.status, AppointmentStatus::Confirmed);
    a
}

#[test]
fn a_bad_signature_is_refused_and_changes_nothing() {
    support::run(async {
        let app = app().await;
        line_patient(app.store.as_ref(), app.clinic, USER).await;
        let body = event("01HZ0000000000000000000001", "follow", USER, None);
        assert_eq!(deliver(&app, &body, None).await, StatusCode::UNAUTHORIZED);
        assert_eq!(deliver(&app, &body, Some("bm90IGEgc2lnbmF0dXJl")).await, StatusCode::UNAUTHORIZED);
        assert_eq!(deliver(&app, &body, Some(&sign(&format!("{body} ")))).await, StatusCode::UNAUTHORIZED, "signed over other bytes");
        assert_eq!(line_friend(app.store.as_ref(), app.clinic, USER).await, None);
        // LINE's connectivity check: no events, valid signature.
        let empty = r#"{"destination":"U00000000000000000000000000000000","events":[]}"#;
        assert_eq!(deliver(&app, empty, Some(&sign(empty))).await, StatusCode::OK);
    })
}

#[test]
fn follow_and_unfollow_keep_the_friend_status_and_replays_count_once() {
    support::run(async {
        let app = app().await;
        line_patient(app.store.as_ref(), app.clinic, USER).await;
        let follow = event("01HZ0000000000000000000002", "follow", USER, None);
        assert_eq!(deliver(&app, &follow, Some(&sign(&follow))).await, StatusCode::OK);
        assert_eq!(line_friend(app.store.as_ref(), app.clinic, USER).await, Some(true));
        let unfollow = event("01HZ0000000000000000000003", "unfollow", USER, None);
        assert_eq!(deliver(&app, &unfollow, Some(&sign(&unfollow))).await, StatusCode::OK);
        // A late redelivery of the old follow event must not undo the unfollow.
        assert_eq!(deliver(&app, &follow, Some(&sign(&follow))).await, StatusCode::OK);
        assert_eq!(line_friend(app.store.as_ref(), app.clinic, USER).await, Some(false));
    })
}

#[test]
fn postbacks_cancel_or_confirm_attendance_once_and_only_for_their_patient() {
    support::run(async {
        let app = app().await;
        let visit = confirmed_visit(&app).await;
        let attend = event("01HZ0000000000000000000004", "postback", USER, Some(&format!("action=attend&ref={}", visit.reference)));
        assert_eq!(deliver(&app, &attend, Some(&sign(&attend))).await, StatusCode::OK);
        assert!(stored(&app, visit.id).await.attendance_confirmed_at.is_some());

        let stranger = event("01HZ0000000000000000000005", "postback", STRANGER, Some(&format!("action=cancel&ref={}", visit.reference)));
        assert_eq!(deliver(&app, &stranger, Some(&sign(&stranger))).await, StatusCode::OK);
        assert_eq!(stored(&app, visit.id).await.status, AppointmentStatus::Confirmed);

        let cancel = event("01HZ0000000000000000000006", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
        for _ in 0..2 {
            assert_eq!(deliver(&app, &cancel, Some(&sign(&cancel))).await, StatusCode::OK);
        }
        assert_eq!(stored(&app, visit.id).await.status, AppointmentStatus::CancelledByPatient);
        let trail = support::read(app.store.as_ref()).await.audit_trail(app.clinic, visit.id).await.expect("trail");
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
    connect(&app, Some("token")).await;
    let visit = confirmed_visit(&app).await;
    // A 30-day cut-off puts the deadline of a visit two to sixteen days ahead in the past.
    change_menu(&app, visit.menu_id, |menu| menu.cancel_cutoff_minutes = 43200).await;
    let clinic = support::clinic_row(app.store.as_ref(), app.clinic).await;
    let deadline = app::booking::format::datetime_label(visit.starts_at - chrono::Duration::days(30), clinic.time_zone, Lang::Ja);

    let cancel = event("01HZ0000000000000000000007", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
    for _ in 0..2 {
        // The second delivery is LINE redelivering the same event.
        assert_eq!(deliver(&app, &cancel, Some(&sign(&cancel))).await, StatusCode::OK);
    }
    // The patient taps again (a new event): the explanation is already in their chat.
    let again = event("01HZ0000000000000000000008", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
    assert_eq!(deliver(&app, &again, Some(&sign(&again))).await, StatusCode::OK);
    assert_eq!(stored(&app, visit.id).await.status, AppointmentStatus::Confirmed);
    let notices = notices(&app).await;
    let refused: Vec<_> = notices.iter().filter(|n| n.notice == NoticeType::CancelRefused).collect();
    assert_eq!(refused.len(), 1, "one tap, one message: {notices:?}");
    let n = refused[0];
    assert_eq!((n.appointment_id, n.recipient.as_str(), n.status), (Some(visit.id), USER, DeliveryStatus::Queued));
    assert!(n.payload.contains("ご予約はキャンセルできませんでした"), "{}", n.payload);
    assert!(n.payload.contains(&format!("キャンセル期限({deadline})を過ぎています。お電話で医院にご連絡ください。")), "{}", n.payload);

    // Another clinic cannot queue notices about this appointment.
    let other = server::seed::seed_demo_as(app.store.as_ref(), "other-clinic", Utc::now()).await.expect("seed");
    let other = support::clinic_row(app.store.as_ref(), other).await;
    assert_eq!(support::read(app.store.as_ref()).await.appointment(other.id, visit.id).await.expect("read"), None, "not the other clinic's");
    let kind = app::notify::flex::NoticeKind::CancelRefused { reason: "x".into() };
    let queued = in_tx!(app.store, |tx| actions::notices::queue(tx, &other, &visit, kind, Utc::now()).await).expect("queue");
    assert!(!queued, "the patient is not the other clinic's");
    assert!(support::read(app.store.as_ref()).await.clinic_notifications(other.id, false, 50).await.expect("read").is_empty());
    assert_eq!(crate::notices(&app).await.len(), notices.len(), "nothing queued about the visit");

    let App { router, store, db, .. } = app;
    drop((router, store));
    db.cleanup().await;
}

/// The reminder's cancel button of a visit whose menu the clinic has hidden since: hidden menus
/// take no new bookings, but the visits made before keep their rules and can be cancelled.
#[test]
fn a_cancel_postback_works_for_a_visit_whose_menu_was_hidden() {
    support::run(async {
        let app = app().await;
        connect(&app, Some("token")).await;
        let visit = confirmed_visit(&app).await;
        change_menu(&app, visit.menu_id, |menu| menu.active = false).await;
        let menus = support::read(app.store.as_ref()).await.menus(app.clinic).await.expect("menus");
        assert!(!menus.iter().find(|m| m.id == visit.menu_id).expect("still listed").active, "hidden");

        let cancel = event("01HZ0000000000000000000009", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
        assert_eq!(deliver(&app, &cancel, Some(&sign(&cancel))).await, StatusCode::OK);
        assert_eq!(stored(&app, visit.id).await.status, AppointmentStatus::CancelledByPatient);
        let trail = support::read(app.store.as_ref()).await.audit_trail(app.clinic, visit.id).await.expect("trail");
        let last = trail.last().expect("audited");
        assert_eq!(
            (last.from, last.to, last.actor),
            (Some(AppointmentStatus::Confirmed), AppointmentStatus::CancelledByPatient, Actor::Patient(visit.patient_id))
        );
        // The patient gets the receipt, not a refusal.
        let kinds: Vec<NoticeType> = notices(&app).await.iter().filter(|n| n.appointment_id == Some(visit.id)).map(|n| n.notice).collect();
        assert_eq!(kinds, [NoticeType::CancelledByPatient, NoticeType::Confirmed], "newest first");
    })
}

/// LINE redelivers an event it is not sure we received: once processed, it does nothing again.
/// (A cancel processed twice would tell the patient, the second time, that the visit cannot be
/// cancelled: it is already cancelled.)
#[test]
fn a_redelivered_event_does_nothing_the_second_time() {
    support::run(async {
        let app = app().await;
        connect(&app, Some("token")).await;
        let visit = confirmed_visit(&app).await;
        let about_visit = |all: Vec<NotificationRecord>| all.into_iter().filter(|n| n.appointment_id == Some(visit.id)).map(|n| n.notice).collect::<Vec<_>>();
        let trail = || async { support::read(app.store.as_ref()).await.audit_trail(app.clinic, visit.id).await.expect("trail") };

        let cancel = event("01HZ0000000000000000000010", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
        assert_eq!(deliver(&app, &cancel, Some(&sign(&cancel))).await, StatusCode::OK);
        assert_eq!(stored(&app, visit.id).await.status, AppointmentStatus::CancelledByPatient);
        let told = about_visit(notices(&app).await);
        assert_eq!(told, [NoticeType::CancelledByPatient, NoticeType::Confirmed]);
        let audited = trail().await;

        let again = redelivered(&cancel);
        assert_eq!(deliver(&app, &again, Some(&sign(&again))).await, StatusCode::OK);
        assert_eq!(stored(&app, visit.id).await.status, AppointmentStatus::CancelledByPatient);
        assert_eq!(about_visit(notices(&app).await), told, "no second message");
        assert_eq!(trail().await, audited, "no second change");

        // A new tap on the cancelled visit is a new event, and is answered.
        let tap = event("01HZ0000000000000000000011", "postback", USER, Some(&format!("action=cancel&ref={}", visit.reference)));
        assert_eq!(deliver(&app, &tap, Some(&sign(&tap))).await, StatusCode::OK);
        assert_eq!(about_visit(notices(&app).await), [NoticeType::CancelRefused, NoticeType::CancelledByPatient, NoticeType::Confirmed]);
    })
}

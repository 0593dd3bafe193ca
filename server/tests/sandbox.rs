//! The console's LINE sandbox over HTTP: a sandbox patient books, staff approve, one worker pass
//! "delivers" the confirmation to the sandbox, and the console shows the card, on SQLite and
//! PostgreSQL. A clinic connected to LINE has no sandbox; another clinic never sees the messages.

mod support;

use support::Reply;

use app::actions::booking::availability;
use app::api::liff::AppointmentView;
use app::api::staff::sandbox::SandboxInbox;
use app::api::staff::StaffMe;
use app::booking::status::AppointmentStatus;
use app::notify::Channel;
use app::store::{Actor, Editor, LineSettings, SharedStore, StaffRole};
use axum::http::StatusCode;
use chrono::Utc;

const PASSWORD: &str = "correct horse battery";

struct App {
    router: axum::Router,
    store: SharedStore,
    line: std::sync::Arc<server::line::api::LineApi>,
}

/// `demo` and `other` in sandbox mode, `line-demo` connected to LINE; a receptionist in each.
async fn app(db: &support::TestDb) -> App {
    let store = db.store.clone();
    server::seed::seed_demo(store.as_ref(), Utc::now()).await.expect("seed");
    for slug in ["other", "line-demo"] {
        server::seed::seed_demo_as(store.as_ref(), slug, Utc::now()).await.expect("seed");
    }
    let mut db = support::read(store.as_ref()).await;
    let connected = db.clinic_by_slug("line-demo").await.expect("read").expect("clinic");
    let line = LineSettings {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: "1657000000".into(),
        channel_secret: None,
        channel_access_token: Some("token".into()),
        add_friend_url: None,
    };
    let editor = |clinic| Editor { clinic, actor: Actor::System, now: Utc::now() };
    support::in_tx!(store, |tx| support::settings::update_line(tx, editor(connected.id), Some(line)).await).expect("line settings");
    for slug in ["demo", "other", "line-demo"] {
        let clinic = db.clinic_by_slug(slug).await.expect("read").expect("clinic");
        let password_hash = server::staff::hash_password(PASSWORD).expect("hash");
        let email = format!("desk@{slug}.example.jp");
        support::in_tx!(store, |tx| support::settings::add_staff(tx, editor(clinic.id), &email, "受付", StaffRole::Staff, password_hash).await).expect("staff");
    }
    drop(db);
    // Nothing may reach LINE in these tests: a closed port.
    let line = std::sync::Arc::new(server::line::api::LineApi::new("http://127.0.0.1:9").expect("client"));
    let router = support::router(store.clone(), line.clone());
    App { router, store, line }
}

async fn post(app: &App, path: &str, content_type: &str, body: String, cookie: Option<&str>) -> Reply {
    support::post(&app.router, path, content_type, body, cookie).await
}

async fn form(app: &App, path: &str, body: String, cookie: Option<&str>) -> Reply {
    post(app, path, "application/x-www-form-urlencoded", body, cookie).await
}

/// Signs a receptionist in: their cookie and CSRF token.
async fn staff_sign_in(app: &App, slug: &str) -> (String, String) {
    let reply = form(app, "/api/staff/sign_in", format!("email=desk%40{slug}.example.jp&password=correct+horse+battery&lang=ja"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let me: StaffMe = serde_json::from_str(&reply.body).expect("me");
    let cookie = reply.cookie.expect("a session cookie");
    assert!(cookie.starts_with("yoyaku_staff="), "{cookie}");
    (cookie, me.csrf)
}

async fn sandbox(app: &App, cookie: &str, lang: &str) -> SandboxInbox {
    let reply = form(app, "/api/staff/sandbox_messages", format!("lang={lang}"), Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("sandbox inbox")
}

/// A sandbox patient of `demo` asks for a health check-up (a menu staff approve); its id.
async fn request_checkup(app: &App) -> app::booking::ids::AppointmentId {
    let patient = form(app, "/api/liff/sandbox_sign_in", "slug=demo&lang=ja".into(), None).await;
    assert_eq!(patient.status, StatusCode::OK, "{}", patient.body);
    let cookie = patient.cookie.expect("patient cookie");
    let mut db = support::read(app.store.as_ref()).await;
    let clinic = db.clinic_by_slug("demo").await.expect("read").expect("clinic");
    let menu = db.menus(clinic.id).await.expect("menus").into_iter().find(|m| m.name_en == "Health check-up").expect("menu");
    let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
    let offer = availability(db.as_mut(), &clinic, &menu, today, today + chrono::Days::new(30), Utc::now()).await.expect("availability").remove(0);
    let body = serde_json::json!({ "request": {
        "slug": "demo", "menu_id": menu.id.0, "resource_id": offer.resource_id.0, "starts_at": offer.starts_at.timestamp(),
        "details": { "name": "山田 花子", "furigana": "ヤマダ ハナコ", "phone": "090-1234-5678", "birth_date": "1980-04-01" },
        "answers": [], "consent": true, "replaces": null, "lang": "ja"
    }});
    let reply = post(app, "/api/liff/submit", "application/json", body.to_string(), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view: AppointmentView = serde_json::from_str(&reply.body).expect("a request");
    assert_eq!(view.status, AppointmentStatus::Requested);
    db.appointment_by_reference(clinic.id, &view.reference).await.expect("read").expect("booked").id
}

async fn the_whole_loop_ends_with_the_card_in_the_sandbox(db: &support::TestDb) {
    let app = app(db).await;
    let (cookie, csrf) = staff_sign_in(&app, "demo").await;
    let empty = sandbox(&app, &cookie, "ja").await;
    assert!(empty.sandbox && empty.messages.is_empty(), "{empty:?}");
    assert_eq!(empty.clinic_name, "さくら内科クリニック(デモ)");

    let id = request_checkup(&app).await;
    let approved = form(&app, "/api/staff/approve", format!("id={}&csrf={csrf}&lang=ja", id.0), Some(&cookie)).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    // Queued in the approval's transaction, waiting for the worker.
    let queued = sandbox(&app, &cookie, "ja").await;
    assert_eq!(queued.messages.len(), 1, "{queued:?}");
    assert_eq!(queued.messages[0].status, "送信待ち");

    let worker = server::notify::Worker::new(app.store.clone(), app.line.clone());
    assert!(worker.run_once(Utc::now()).await.expect("worker pass") >= 1);
    let inbox = sandbox(&app, &cookie, "ja").await;
    assert_eq!(inbox.messages.len(), 1, "{inbox:?}");
    let card = &inbox.messages[0];
    assert_eq!(card.status, "送信済み");
    assert_eq!(card.kind, "予約確定のお知らせ");
    assert_eq!(card.recipient_label, "山田 花子");
    assert!(card.html.contains("ご予約が確定しました") && card.html.contains("健康診断"), "{}", card.html);
    assert!(card.html.starts_with(r#"<div class="flex-bubble">"#), "{}", card.html);
    // The button opens the appointment in the (sandbox) LIFF page by its opaque reference.
    let mut db = support::read(app.store.as_ref()).await;
    let demo = db.clinic_by_slug("demo").await.expect("read").expect("c").id;
    let reference = db.appointment(demo, id).await.expect("read").expect("a").reference;
    // Delivered to the sandbox because the notice was stored for it, not to any LINE user.
    let stored = db.notifications(demo, &[id]).await.expect("notices");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!((stored[0].channel, stored[0].recipient.as_str()), (Channel::Sandbox, ""), "{stored:?}");
    drop(db);
    assert!(card.html.contains(&format!(r#"href="/liff/demo/a/{reference}""#)), "{}", card.html);
    assert!(card.alt_text.starts_with("【さくら内科クリニック(デモ)】ご予約が確定しました"), "{}", card.alt_text);
    assert!(card.when_sent.contains('(') && card.when_sent.contains(':'), "clinic-local with the weekday: {}", card.when_sent);
    // Labels follow the staff member's language; the card stays in the patient's.
    let en = sandbox(&app, &cookie, "en").await;
    assert_eq!((en.messages[0].kind.as_str(), en.messages[0].status.as_str()), ("Confirmation", "Sent"));
    assert!(en.messages[0].html.contains("ご予約が確定しました"));

    // Another clinic's staff never see it; a LINE-connected clinic has no sandbox.
    let (other, _) = staff_sign_in(&app, "other").await;
    let other = sandbox(&app, &other, "ja").await;
    assert!(other.sandbox && other.messages.is_empty(), "{other:?}");
    let (connected, _) = staff_sign_in(&app, "line-demo").await;
    let connected = sandbox(&app, &connected, "en").await;
    assert!(!connected.sandbox && connected.messages.is_empty(), "{connected:?}");
}

#[test]
fn sandbox_shows_the_confirmation_card_sqlite() {
    support::run(async {
        let db = support::TestDb::sqlite().await;
        the_whole_loop_ends_with_the_card_in_the_sandbox(&db).await;
        db.cleanup().await;
    })
}

#[test]
fn sandbox_shows_the_confirmation_card_postgres() {
    support::run(async {
        let db = support::TestDb::postgres().await;
        the_whole_loop_ends_with_the_card_in_the_sandbox(&db).await;
        db.cleanup().await;
    })
}

#[test]
fn sandbox_needs_a_signed_in_staff_member() {
    support::run(async {
        let db = support::TestDb::sqlite().await;
        let app = app(&db).await;
        let reply = form(&app, "/api/staff/sandbox_messages", "lang=en".into(), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        // A patient's session is not a staff session.
        let patient = form(&app, "/api/liff/sandbox_sign_in", "slug=demo&lang=ja".into(), None).await.cookie.expect("patient cookie");
        let reply = form(&app, "/api/staff/sandbox_messages", "lang=en".into(), Some(&patient)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        drop(app);
        db.cleanup().await;
    })
}

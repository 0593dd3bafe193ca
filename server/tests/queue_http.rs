//! The live day queue over HTTP, as the console, the waiting room's display and the patients'
//! pages use it, on the seeded demo clinic: reception's buttons with their sign-in, CSRF and
//! idempotency, the refusals as stable codes, the display page, and the board's live stream
//! (no sign-in, no names).

mod staff_console;
mod support;

use app::actions::queue::{self, QueueKey};
use app::booking::ids::{AppointmentId, StaffId};
use app::booking::model::BookingMode;
use app::booking::status::AppointmentStatus;
use app::error::ErrorCode;
use app::i18n::Lang;
use app::store::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use staff_console::*;
use tower::ServiceExt;

/// The demo clinic's day queue with `n` confirmed places today (put there directly: the test
/// does not depend on the day of the week it runs on).
async fn today_queue(app: &App, n: u32) -> (QueueKey, Vec<AppointmentId>) {
    today_queue_of(app, n, |_| Identity::Offline).await
}

/// As [`today_queue`], the patient of place `number` known as `identity(number)`.
async fn today_queue_of(app: &App, n: u32, identity: impl Fn(u32) -> Identity) -> (QueueKey, Vec<AppointmentId>) {
    let mut db = app.store.read().await.expect("read");
    let clinic = db.clinic(app.clinic).await.expect("read").expect("clinic");
    let menu = db.menus(app.clinic).await.expect("menus").into_iter().find(|m| matches!(m.mode, BookingMode::DayQueue { .. })).expect("a queue menu");
    drop(db);
    let key = QueueKey { resource: menu.resource_ids[0], menu: menu.id };
    let now = Utc::now();
    let today = queue::today(&clinic, now);
    let mut ids = Vec::new();
    let mut tx = app.store.write().await.expect("write");
    for number in 1..=n {
        let details =
            PatientDetails { name: format!("待合 患者{number}"), furigana: "ジュンバン".into(), phone: "0900000000".into(), birth_date: None };
        let new = NewPatient { clinic_id: app.clinic, identity: identity(number), details, language: Lang::Ja };
        let patient = tx.insert_patient(&new, now).await.expect("patient").expect("new");
        let place = NewAppointment {
            clinic_id: app.clinic,
            menu_id: menu.id,
            resource_id: key.resource,
            patient_id: patient,
            starts_at: now - Duration::hours(1),
            ends_at: now + Duration::hours(2),
            held_from: now - Duration::hours(1),
            held_until: now + Duration::hours(2),
            service_date: today,
            status: AppointmentStatus::Confirmed,
            queue_number: Some(number),
            hold_expires_at: None,
            reference: format!("{:032x}", 0xabc0 + u64::from(number)),
            replaces_id: None,
            proposal: false,
            created_at: now,
        };
        ids.push(tx.insert_appointment(&place, Actor::System).await.expect("place"));
    }
    tx.commit().await.expect("commit");
    (key, ids)
}

fn press_form(key: QueueKey, action: &str, staff: &Staff) -> String {
    format!("resource_id={}&menu_id={}&{action}&csrf={}&lang=ja", key.resource, key.menu, staff.csrf)
}

async fn press(app: &App, staff: &Staff, form: &str) -> Reply {
    post(app, "/api/staff/queue/press", form, Some(&staff.cookie), Some(&format!("http://{HOST}"))).await
}

#[test]
fn reception_presses_the_queue_over_http() {
    support::run(async {
        let app = app().await;
        let (key, ids) = today_queue(&app, 3).await;
        let staff = signed_in(&app, StaffRole::Staff, "demo").await;

        let anonymous = post(&app, "/api/staff/queue/press", &press_form(key, "action=next", &staff), None, None).await;
        support::app_error(anonymous.status, &anonymous.body, ErrorCode::SignInRequired);
        let forged = press(&app, &staff, &format!("resource_id={}&menu_id={}&action=next&lang=ja", key.resource, key.menu)).await;
        support::app_error(forged.status, &forged.body, ErrorCode::CsrfRejected);

        // 「次の方」, sent twice with one key (a retry after a lost answer): one call.
        let once = format!("{}&key={}", press_form(key, "action=next", &staff), support::fresh_key());
        for _ in 0..2 {
            let reply = press(&app, &staff, &once).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
        let trail = app.store.read().await.expect("read").queue_trail(app.clinic, ids[0]).await.expect("trail");
        assert_eq!(trail.iter().map(|e| (e.step, e.actor)).collect::<Vec<_>>(), [(QueueStep::Called, Actor::Staff(staff_id(&app).await))]);

        let day = load_queue(&app, &staff).await;
        let desk = day.queues.iter().find(|q| q.menu_id == key.menu && q.resource_id == key.resource).expect("the queue");
        assert_eq!(desk.calling.as_ref().map(|p| (p.number, p.patient_name.as_str())), Some((1, "待合 患者1")));
        assert_eq!(desk.waiting.iter().map(|p| p.number).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(day.display_url, "/d/demo");

        // A page still showing nobody called is behind: refused, nothing changes.
        let behind = press(&app, &staff, &press_form(key, "action=next", &staff)).await;
        let error = support::app_error(behind.status, &behind.body, ErrorCode::QueueMoved);
        assert!(error.message.contains("ほかの端末"), "{}", error.message);
        // Recalling a number that is not aside: a conflict with its code, nothing changes.
        let calling_1 = format!("calling={}", ids[0]);
        let wrong = press(&app, &staff, &press_form(key, &format!("action[recall]={}&{calling_1}", ids[2]), &staff)).await;
        let error = support::app_error(wrong.status, &wrong.body, ErrorCode::QueueNotAside);
        assert!(error.message.contains("呼び出し済み"), "{}", error.message);
        // Skip 1 (2 is called), then recall it: the browser's encoding of a button with its place.
        assert_eq!(press(&app, &staff, &press_form(key, &format!("action=skip&{calling_1}"), &staff)).await.status, StatusCode::OK);
        let recall = press(&app, &staff, &press_form(key, &format!("action[recall]={}&calling={}", ids[0], ids[1]), &staff)).await;
        assert_eq!(recall.status, StatusCode::OK, "{}", recall.body);
        let desk = load_queue(&app, &staff).await.queues.into_iter().find(|q| q.menu_id == key.menu).expect("the queue");
        assert_eq!((desk.calling.map(|p| p.number), desk.waiting.len(), desk.done), (Some(1), 1, 1), "2 was seen when 1 was recalled");

        // Another menu is not a queue; a malformed button is a bad request.
        let slot = app.store.read().await.expect("read").menus(app.clinic).await.expect("menus").into_iter().find(|m| m.id != key.menu).expect("a menu");
        let not_a_queue = press(&app, &staff, &format!("resource_id={}&menu_id={}&action=next&csrf={}&lang=ja", key.resource, slot.id, staff.csrf)).await;
        support::app_error(not_a_queue.status, &not_a_queue.body, ErrorCode::MenuNotFound);
        let garbled = press(&app, &staff, &press_form(key, &format!("action=dance&calling={}", ids[0]), &staff)).await;
        support::app_error(garbled.status, &garbled.body, ErrorCode::BadRequest);
    })
}

async fn staff_id(app: &App) -> StaffId {
    let email = server::seed::demo_staff_email(StaffRole::Staff, "demo");
    app.store.read().await.expect("read").staff_by_email(&email).await.expect("read").expect("staff").id
}

async fn load_queue(app: &App, staff: &Staff) -> app::api::staff::queue::QueueDay {
    let reply = post(app, "/api/staff/queue", "lang=ja", Some(&staff.cookie), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("QueueDay")
}

#[test]
fn the_display_and_its_live_board_need_no_sign_in_and_name_nobody() {
    support::run(async {
        let app = app().await;
        let (key, _) = today_queue(&app, 2).await;
        let page = request(&app, Request::get("/d/demo").header(header::HOST, HOST).body(Body::empty()).expect("request")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("ただいまの番号") && page.body.contains("お待ちの方 2人"), "rendered with the queue: {}", page.body);
        assert!(!page.body.contains("待合 患者"), "no names on the display");
        let missing = request(&app, Request::get("/d/nowhere/events").header(header::HOST, HOST).body(Body::empty()).expect("request")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        let events =
            Request::get("/d/demo/events").header(header::HOST, HOST).header(header::ACCEPT, "text/event-stream").body(Body::empty()).expect("request");
        let response =
            tokio::time::timeout(std::time::Duration::from_secs(10), app.router.clone().oneshot(events)).await.expect("a response").expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let mut body = response.into_body();
        let mut next_frame = async || {
            let frame =
                tokio::time::timeout(std::time::Duration::from_secs(10), body.frame()).await.expect("a frame in time").expect("a frame").expect("frame");
            String::from_utf8(frame.into_data().expect("data").to_vec()).expect("utf-8")
        };
        // The board at once (a display that reconnects shows the queue as it is).
        let first = next_frame().await;
        assert!(first.contains("event: board") && first.contains(r#""calling":null"#) && first.contains(r#""waiting":[1,2]"#), "{first}");
        // Reception calls 1: the change arrives within a poll.
        let clinic = app.store.read().await.expect("read").clinic(app.clinic).await.expect("read").expect("clinic");
        let mut tx = app.store.write().await.expect("write");
        let desk = app::actions::reception::Desk { clinic: &clinic, staff: staff_id(&app).await, now: Utc::now() };
        queue::press(tx.as_mut(), desk, key, app::booking::queue::QueueAction::Next, None).await.expect("next");
        tx.commit().await.expect("commit");
        let moved = next_frame().await;
        assert!(moved.contains(r#""calling":1"#) && moved.contains(r#""waiting":[2]"#), "{moved}");
        assert!(!moved.contains("待合 患者"), "numbers only: {moved}");
    })
}

#[test]
fn a_website_patient_checks_in_from_the_emails_link_and_sees_the_queue() {
    support::run(async {
        let app = app().await;
        let key = "linkkey0123456789abcdef";
        let web = |_| Identity::Email { address: "hanako@example.jp".into(), key: key.into() };
        let (_, ids) = today_queue_of(&app, 1, web).await;
        let visit = app.store.read().await.expect("read").appointment(app.clinic, ids[0]).await.expect("read").expect("visit");
        let page = |query: &str| {
            Request::get(format!("/w/demo/a/{}?k={key}&lang=ja{query}", visit.reference)).header(header::HOST, HOST).body(Body::empty()).expect("request")
        };
        let before = request(&app, page("")).await;
        assert_eq!(before.status, StatusCode::OK);
        assert!(before.body.contains("到着しました(受付に知らせる)") && before.body.contains("live-place"), "{}", before.body);

        // A wrong link key finds nothing; the right one checks in and comes back to the page.
        let form = |k: &str| format!("slug=demo&reference={}&key={k}&lang=ja", visit.reference);
        let post = |body: String| {
            Request::post("/api/widget/check_in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .header(header::REFERER, format!("http://{HOST}/w/demo/a/{}?k={key}&lang=ja", visit.reference))
                .header(header::HOST, HOST)
                .body(Body::from(body))
                .expect("request")
        };
        let wrong = app.router.clone().oneshot(post(form("wrong"))).await.expect("response");
        let back = wrong.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(back.contains("__err="), "refused back to the page: {back}");
        assert_eq!(app.store.read().await.expect("read").appointment(app.clinic, visit.id).await.expect("read").expect("visit").arrived_at, None);
        let done = app.router.clone().oneshot(post(form(key))).await.expect("response");
        assert_eq!(done.status(), StatusCode::FOUND);
        let to = done.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(to.ends_with("&arrived=1") && to.contains(&visit.reference), "{to}");
        let trail = app.store.read().await.expect("read").queue_trail(app.clinic, visit.id).await.expect("trail");
        assert_eq!(trail.iter().map(|e| (e.step, e.actor)).collect::<Vec<_>>(), [(QueueStep::Arrived, Actor::Patient(visit.patient_id))]);
        let after = request(&app, page("&arrived=1")).await;
        assert!(after.body.contains("受付に到着をお知らせしました。") && !after.body.contains("到着しました(受付に知らせる)"), "{}", after.body);
    })
}

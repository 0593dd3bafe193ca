//! Every state-changing action carries the key the page made for one intention: a double tap, a
//! retry after a lost reply and duplicates arriving at the same moment all get the first answer
//! and act once, on both backends. Independently, a patient holds one place of a menu a day
//! unless the menu allows several.

mod support;

use std::net::SocketAddr;

use app::actions::booking::availability;
use app::api::liff::AppointmentView;
use app::api::staff::StaffMe;
use app::booking::ids::{MenuId, ResourceId};
use app::booking::model::{Clinic, Menu};
use app::booking::status::AppointmentStatus;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use server::seed::{demo_staff_email, DEMO_PASSWORD};
use support::{app_error, fresh_key, ErrorCode, TestDb};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1";

struct App {
    router: axum::Router,
    store: app::store::SharedStore,
    clinic: Clinic,
}

async fn app(db: &TestDb) -> App {
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let (line_url, _fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&line_url).expect("client"));
    let clinic = support::read(db.store.as_ref()).await.clinic_by_slug("demo").await.expect("read").expect("demo");
    App { router: support::router(db.store.clone(), line), store: db.store.clone(), clinic }
}

/// Posts exactly `body` (no key is added: these tests choose their keys).
async fn post(app: &App, path: &str, content_type: &str, body: String, cookie: Option<&str>) -> (StatusCode, String, Option<String>) {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, content_type).header(header::ACCEPT, "application/json").header(header::HOST, HOST);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie).header(header::ORIGIN, format!("http://{HOST}"));
    }
    let response = app.router.clone().oneshot(request.body(Body::from(body)).expect("request")).await.expect("response");
    let status = response.status();
    let cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).map(|v| v.split(';').next().unwrap_or_default().to_string());
    let body = String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("utf-8");
    (status, body, cookie)
}

/// A new sandbox patient, signed in on their phone: the cookie.
async fn patient(app: &App) -> String {
    let (status, body, cookie) = post(app, "/api/liff/sandbox_sign_in", "application/x-www-form-urlencoded", "slug=demo&lang=ja".into(), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    cookie.expect("a patient cookie")
}

async fn menu(app: &App, name_en: &str) -> Menu {
    support::read(app.store.as_ref()).await.menus(app.clinic.id).await.expect("menus").into_iter().find(|m| m.name_en == name_en).expect("menu")
}

/// The free places of `menu` on its first two days with any: (day one, day two).
async fn places(app: &App, menu: &Menu) -> (Vec<(ResourceId, i64)>, Vec<(ResourceId, i64)>) {
    let now = Utc::now();
    let today = now.with_timezone(&app.clinic.time_zone).date_naive();
    let mut db = support::read(app.store.as_ref()).await;
    let offers = availability(db.as_mut(), &app.clinic, menu, today, today + chrono::Days::new(30), now).await.expect("availability");
    let on = |day| offers.iter().filter(|o| o.date == day).map(|o| (o.resource_id, o.starts_at.timestamp())).collect::<Vec<_>>();
    // The first day with two places or more (late in the clinic's day, today may have only one
    // left); a day queue has one a day.
    let mut days = offers.iter().map(|o| o.date).collect::<Vec<_>>();
    days.dedup();
    let first_day = days.iter().copied().find(|d| on(*d).len() >= 2).unwrap_or(days[0]);
    let second_day = days.into_iter().find(|d| *d > first_day).expect("a second day");
    (on(first_day), on(second_day))
}

fn booking(menu: MenuId, (resource, starts_at): (ResourceId, i64), key: &str) -> String {
    serde_json::json!({
        "request": {
            "slug": "demo", "menu_id": menu.0, "resource_id": resource.0, "starts_at": starts_at,
            "details": { "name": "山田 花子", "furigana": "ヤマダ ハナコ", "phone": "090-1234-5678", "birth_date": "1950-04-01" },
            "answers": [], "consent": true, "replaces": null, "lang": "ja"
        },
        "key": key,
    })
    .to_string()
}

async fn submit(app: &App, cookie: &str, body: String) -> (StatusCode, String) {
    let (status, body, _) = post(app, "/api/liff/submit", "application/json", body, Some(cookie)).await;
    (status, body)
}

async fn my_appointments(app: &App, cookie: &str) -> Vec<AppointmentView> {
    let (status, body, _) = post(app, "/api/liff/appointments", "application/x-www-form-urlencoded", "slug=demo&lang=ja".into(), Some(cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).expect("appointments")
}

/// A band place (the check-up holds three patients at once, so a second booking of the same
/// patient would otherwise fit): the same request twice is one booking; the same key with another
/// request is refused; a new key for the same day is refused as already booked.
async fn a_repeated_booking_gets_the_first_answer_and_books_once(db: &TestDb) {
    let app = app(db).await;
    let checkup = menu(&app, "Health check-up").await;
    let (day_one, day_two) = places(&app, &checkup).await;
    let alice = patient(&app).await;
    let key = fresh_key();

    let first = submit(&app, &alice, booking(checkup.id, day_one[0], &key)).await;
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    let again = submit(&app, &alice, booking(checkup.id, day_one[0], &key)).await;
    assert_eq!(again, first, "a repeat gets the first answer, word for word");
    let mine = my_appointments(&app, &alice).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    let view: AppointmentView = serde_json::from_str(&first.1).expect("view");
    assert_eq!((mine[0].reference.as_str(), mine[0].status), (view.reference.as_str(), AppointmentStatus::Requested));

    // The key named another request: refused, nothing booked.
    let (status, body) = submit(&app, &alice, booking(checkup.id, day_one[1], &key)).await;
    app_error(status, &body, ErrorCode::IdempotencyKeyReused);
    // Another intention (a new key) for the same menu that day: one a day.
    let (status, body) = submit(&app, &alice, booking(checkup.id, day_one[1], &fresh_key())).await;
    app_error(status, &body, ErrorCode::AlreadyBooked);
    assert_eq!(my_appointments(&app, &alice).await.len(), 1);
    // Another day, or another patient the same day, is fine.
    let (status, body) = submit(&app, &alice, booking(checkup.id, day_two[0], &fresh_key())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bob = patient(&app).await;
    let (status, body) = submit(&app, &bob, booking(checkup.id, day_one[0], &key)).await;
    assert_eq!(status, StatusCode::OK, "keys are per patient: {body}");
    assert_eq!(my_appointments(&app, &alice).await.len(), 2);
    assert_eq!(my_appointments(&app, &bob).await.len(), 1);
}

/// The same request sent eight times at once (a phone retrying on a flaky network, two instances
/// behind a load balancer): one booking, and every reply is the first answer.
async fn concurrent_duplicates_book_once(db: &TestDb) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let app = app(db).await;
    let queue = menu(&app, "Vaccination (day queue)").await;
    let (day_one, _) = places(&app, &queue).await;
    let alice = patient(&app).await;
    let key = fresh_key();
    let replies = futures::future::join_all((0..8).map(|_| submit(&app, &alice, booking(queue.id, day_one[0], &key)))).await;
    for (status, body) in &replies {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(body, &replies[0].1, "every duplicate gets the first answer");
    }
    let mine = my_appointments(&app, &alice).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].queue_number, Some(1), "one queue number handed out");
}

/// A proxy that passes each request on to `upstream` and, once the answer starts, hangs up on the
/// client without passing it on: the server did the work, the phone never heard.
async fn losing_proxy(upstream: SocketAddr) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut server = tokio::net::TcpStream::connect(upstream).await.expect("upstream");
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                // Headers, then as much body as they announce.
                loop {
                    let n = client.read(&mut buf).await.expect("read the request");
                    request.extend_from_slice(&buf[..n]);
                    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                    let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().expect("length"));
                    if request.len() >= end + 4 + length || n == 0 {
                        break;
                    }
                }
                server.write_all(&request).await.expect("forward");
                let _ = server.read(&mut buf).await.expect("the answer starts");
                // Dropping both connections: the client's reply is lost.
            });
        }
    });
    addr
}

async fn a_retry_after_a_lost_reply_gets_the_first_answer(db: &TestDb) {
    let app = app(db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let direct = listener.local_addr().expect("address");
    let service = app.router.clone().into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.expect("serve") });
    let lossy = losing_proxy(direct).await;
    let alice = patient(&app).await;
    let checkup = menu(&app, "Health check-up").await;
    let (day_one, _) = places(&app, &checkup).await;
    let key = fresh_key();
    let client = reqwest::Client::new();
    let send = |base: SocketAddr| {
        client
            .post(format!("http://{base}/api/liff/submit"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, &alice)
            .body(booking(checkup.id, day_one[0], &key))
            .send()
    };
    assert!(send(lossy).await.is_err(), "the first reply is lost on the way");
    // The phone tries again, with the same key, and this time hears back.
    let retry = send(direct).await.expect("the retry is answered");
    assert_eq!(retry.status(), StatusCode::OK);
    let view: AppointmentView = retry.json().await.expect("the first answer");
    let mine = my_appointments(&app, &alice).await;
    assert_eq!(mine.iter().map(|a| a.reference.as_str()).collect::<Vec<_>>(), [view.reference.as_str()], "booked once");
}

/// Reception taps "approve" twice: the second tap is the first's answer, not a conflict; a new
/// approval of the same request is one.
async fn a_repeated_approval_is_answered_as_the_first(db: &TestDb) {
    let app = app(db).await;
    let checkup = menu(&app, "Health check-up").await;
    let (day_one, _) = places(&app, &checkup).await;
    let alice = patient(&app).await;
    let (status, body) = submit(&app, &alice, booking(checkup.id, day_one[0], &fresh_key())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reference = serde_json::from_str::<AppointmentView>(&body).expect("view").reference;
    let id = support::read(app.store.as_ref()).await.appointment_by_reference(app.clinic.id, &reference).await.expect("read").expect("request").id;

    let form = format!("email={}&password={DEMO_PASSWORD}&lang=ja", demo_staff_email(app::store::StaffRole::Staff, "demo").replace('@', "%40"));
    let (status, body, cookie) = post(&app, "/api/staff/sign_in", "application/x-www-form-urlencoded", form, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (cookie, csrf) = (cookie.expect("a staff cookie"), serde_json::from_str::<StaffMe>(&body).expect("me").csrf);
    let approve = |key: &str| format!("id={id}&key={key}&csrf={csrf}&lang=ja");
    let key = fresh_key();
    for _ in 0..2 {
        let (status, body, _) = post(&app, "/api/staff/approve", "application/x-www-form-urlencoded", approve(&key), Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body, _) = post(&app, "/api/staff/approve", "application/x-www-form-urlencoded", approve(&fresh_key()), Some(&cookie)).await;
    app_error(status, &body, ErrorCode::StatusChanged);
    let trail = support::read(app.store.as_ref()).await.audit_trail(app.clinic.id, id).await.expect("trail");
    let confirmations = trail.iter().filter(|e| e.to == AppointmentStatus::Confirmed).count();
    assert_eq!(confirmations, 1, "{trail:?}");
    // A key is the staff member's own: the owner using the same one acts (and is refused as a
    // second approval, not answered with the receptionist's reply).
    let form = format!("email={}&password={DEMO_PASSWORD}&lang=ja", demo_staff_email(app::store::StaffRole::Owner, "demo").replace('@', "%40"));
    let (_, body, owner) = post(&app, "/api/staff/sign_in", "application/x-www-form-urlencoded", form, None).await;
    let owner_csrf = serde_json::from_str::<StaffMe>(&body).expect("me").csrf;
    let (status, body, _) =
        post(&app, "/api/staff/approve", "application/x-www-form-urlencoded", format!("id={id}&key={key}&csrf={owner_csrf}&lang=ja"), owner.as_deref()).await;
    app_error(status, &body, ErrorCode::StatusChanged);
}

/// A menu the clinic lets patients book more than once a day.
async fn a_menu_may_allow_several_places_a_day(db: &TestDb) {
    let app = app(db).await;
    let checkup = menu(&app, "Health check-up").await;
    let several = app::booking::model::MenuSpec { several_per_day: true, ..checkup.spec.clone() };
    support::in_tx!(app.store, |tx| support::settings::save_menu(tx, support::system(app.clinic.id), Some(checkup.id), &several).await).expect("save");
    let (day_one, _) = places(&app, &checkup).await;
    let alice = patient(&app).await;
    for place in [day_one[0], day_one[1]] {
        let (status, body) = submit(&app, &alice, booking(checkup.id, place, &fresh_key())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(my_appointments(&app, &alice).await.len(), 2);
}

/// A change without a key, or with one that is not a key, is a bad request and changes nothing.
async fn a_change_without_a_key_is_refused(db: &TestDb) {
    let app = app(db).await;
    let checkup = menu(&app, "Health check-up").await;
    let (day_one, _) = places(&app, &checkup).await;
    let alice = patient(&app).await;
    let mut body: serde_json::Value = serde_json::from_str(&booking(checkup.id, day_one[0], "unused-unused-unused")).expect("json");
    body.as_object_mut().expect("object").remove("key");
    let (status, reply) = submit(&app, &alice, body.to_string()).await;
    app_error(status, &reply, ErrorCode::BadRequest);
    let (status, reply) = submit(&app, &alice, booking(checkup.id, day_one[0], "short")).await;
    app_error(status, &reply, ErrorCode::BadRequest);
    assert!(my_appointments(&app, &alice).await.is_empty());
}

support::on_both!(
    a_repeated_booking_gets_the_first_answer_and_books_once,
    concurrent_duplicates_book_once,
    a_retry_after_a_lost_reply_gets_the_first_answer,
    a_repeated_approval_is_answered_as_the_first,
    a_menu_may_allow_several_places_a_day,
    a_change_without_a_key_is_refused,
);

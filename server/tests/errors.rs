//! The error protocol over HTTP: every patient and staff server function answers each way it can
//! be refused with its stable code and the status that code names, in the reader's language and
//! without internals; and no request, however broken, makes the server answer 500.
//!
//! The world is built the way users build it, through the server functions: a patient of the
//! sandbox demo clinic with a pending request and a confirmed visit, its owner and receptionist,
//! and the owner of another clinic.

mod support;

use app::api::liff::AppointmentView;
use app::api::staff::StaffMe;
use app::api::ClinicOverview;
use app::store::SharedStore;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use server::seed::{demo_staff_email, DEMO_PASSWORD};
use support::{app_error, AppError, ErrorCode};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1";

struct Session {
    cookie: String,
    csrf: String,
}

struct World {
    router: axum::Router,
    store: SharedStore,
    patient: String,
    /// Another sandbox patient of the demo clinic.
    neighbour: String,
    owner: Session,
    staff: Session,
    other_owner: Session,
    /// A first-visit request waiting for the clinic.
    request: AppointmentView,
    request_id: i64,
    /// A follow-up visit, confirmed at once, at `confirmed_place` (resource, start).
    confirmed: AppointmentView,
    confirmed_id: i64,
    confirmed_place: (i64, i64),
    first_visit_menu: i64,
    follow_up_menu: i64,
    _db: support::TestDb,
}

enum Payload {
    Form(String),
    Json(serde_json::Value),
    Raw(&'static str, Vec<u8>),
}

async fn call(router: &axum::Router, path: &str, payload: Payload, cookie: Option<&str>) -> (StatusCode, String) {
    let (content_type, body) = match payload {
        Payload::Form(s) => ("application/x-www-form-urlencoded", s.into_bytes()),
        Payload::Json(v) => ("application/json", v.to_string().into_bytes()),
        Payload::Raw(t, b) => (t, b),
    };
    let body = support::with_key(path, content_type, body);
    let mut request = Request::post(path).header(header::CONTENT_TYPE, content_type).header(header::ACCEPT, "application/json").header(header::HOST, HOST);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = router.clone().oneshot(request.body(Body::from(body)).expect("request")).await.expect("response");
    let status = response.status();
    let set_cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    // The cookie a sign-in sets comes back as the body's first line, for the fixtures below.
    match set_cookie {
        Some(c) if status.is_success() => (status, format!("{}\n{body}", c.split(';').next().unwrap_or_default())),
        _ => (status, body),
    }
}

fn form(s: &str) -> Payload {
    Payload::Form(s.to_string())
}

fn json(v: serde_json::Value) -> Payload {
    Payload::Json(v)
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Splits what `call` answered for a sign-in: the cookie, and the body.
fn signed(status: StatusCode, reply: String) -> (String, String) {
    assert_eq!(status, StatusCode::OK, "{reply}");
    let (cookie, body) = reply.split_once('\n').expect("a cookie");
    (cookie.to_string(), body.to_string())
}

async fn staff_session(router: &axum::Router, role: app::store::StaffRole, slug: &str) -> Session {
    let body = format!("email={}&password={}&lang=ja", encode(&demo_staff_email(role, slug)), encode(DEMO_PASSWORD));
    let (status, reply) = call(router, "/api/staff/sign_in", form(&body), None).await;
    let (cookie, body) = signed(status, reply);
    let me: StaffMe = serde_json::from_str(&body).expect("me");
    Session { cookie, csrf: me.csrf }
}

fn booking(menu: i64, resource: i64, starts_at: i64, replaces: Option<&str>) -> serde_json::Value {
    serde_json::json!({ "request": {
        "slug": "demo", "menu_id": menu, "resource_id": resource, "starts_at": starts_at,
        "details": { "name": "山田 花子", "furigana": "ヤマダ ハナコ", "phone": "090-1234-5678", "birth_date": "1950-04-01" },
        "answers": [[1, "咳"], [2, "今日"]], "consent": true, "replaces": replaces, "lang": "ja"
    }})
}

async fn world() -> World {
    let db = support::TestDb::sqlite().await;
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    server::seed::seed_demo_as(db.store.as_ref(), "other", Utc::now()).await.expect("seed other");
    let (line_url, _fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&line_url).expect("client"));
    let router = support::router(db.store.clone(), line);
    let owner = staff_session(&router, app::store::StaffRole::Owner, "demo").await;
    let staff = staff_session(&router, app::store::StaffRole::Staff, "demo").await;
    let other_owner = staff_session(&router, app::store::StaffRole::Owner, "other").await;
    let (status, reply) = call(&router, "/api/liff/sandbox_sign_in", form("slug=demo&lang=ja"), None).await;
    let (patient, _) = signed(status, reply);
    let (status, reply) = call(&router, "/api/liff/sandbox_sign_in", form("slug=demo&lang=ja"), None).await;
    let (neighbour, _) = signed(status, reply);

    let (status, body) = call(&router, "/api/clinic_overview", form("slug=demo&lang=ja"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let overview: ClinicOverview = serde_json::from_str(&body).expect("overview");
    let (first, follow) = (&overview.menus[0], &overview.menus[1]);
    assert_eq!((first.name.as_str(), follow.name.as_str()), ("初診", "再診"));
    let place = &first.next_places[0];
    let (status, body) = call(&router, "/api/liff/submit", json(booking(first.id.0, place.resource_id.0, place.starts_at, None)), Some(&patient)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let request: AppointmentView = serde_json::from_str(&body).expect("a request");
    // Both menus see the same doctor: the follow-up's places as they are now.
    let (_, body) = call(&router, "/api/clinic_overview", form("slug=demo&lang=ja"), None).await;
    let overview: ClinicOverview = serde_json::from_str(&body).expect("overview");
    let follow = &overview.menus[1];
    let place = &follow.next_places[0];
    let confirmed_place = (place.resource_id.0, place.starts_at);
    let (status, body) = call(&router, "/api/liff/submit", json(booking(follow.id.0, place.resource_id.0, place.starts_at, None)), Some(&patient)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let confirmed: AppointmentView = serde_json::from_str(&body).expect("a visit");
    assert_eq!(confirmed.status, app::booking::status::AppointmentStatus::Confirmed);
    let mut reads = support::read(db.store.as_ref()).await;
    let clinic = reads.clinic_by_slug("demo").await.expect("read").expect("demo");
    let request_id = reads.appointment_by_reference(clinic.id, &request.reference).await.expect("read").expect("booked").id.0;
    let confirmed_id = reads.appointment_by_reference(clinic.id, &confirmed.reference).await.expect("read").expect("booked").id.0;
    drop(reads);
    World {
        router,
        store: db.store.clone(),
        patient,
        neighbour,
        owner,
        staff,
        other_owner,
        request,
        request_id,
        confirmed,
        confirmed_id,
        confirmed_place,
        first_visit_menu: first.id.0,
        follow_up_menu: follow.id.0,
        _db: db,
    }
}

/// Sends each request and checks the code (and so the status) it is refused with.
async fn expect_refusals(w: &World, cases: Vec<(&str, Payload, Option<&str>, ErrorCode)>) {
    for (path, payload, cookie, code) in cases {
        let (status, body) = call(&w.router, path, payload, cookie).await;
        let error = app_error(status, &body, code);
        assert_no_internals(path, &error, &body);
    }
}

fn assert_no_internals(path: &str, error: &AppError, body: &str) {
    for internal in ["expected", "missing field", "struct", "sqlx", "Args", "Deserialization", "panicked", "invalid type"] {
        assert!(!error.message.contains(internal) && !body.contains(internal), "{path} shows internals: {body}");
    }
}

#[test]
fn every_patient_function_answers_its_errors() {
    support::run(async {
        let w = world().await;
        let (p, n) = (Some(w.patient.as_str()), Some(w.neighbour.as_str()));
        let (first, follow) = (w.first_visit_menu, w.follow_up_menu);
        let (resource, starts_at) = w.confirmed_place;
        let mut bad_details = booking(first, resource, starts_at, None);
        bad_details["request"]["details"]["phone"] = "12-34".into();
        bad_details["request"]["consent"] = false.into();
        // Just over the server functions' limit (server::request_limits::BODY).
        let oversized = serde_json::json!({ "request": { "slug": "x".repeat(server::request_limits::BODY) } });
        let cancel = |r: &str| form(&format!("slug=demo&reference={r}&lang=ja"));
        expect_refusals(
            &w,
            vec![
                ("/api/clinic_overview", form("slug=nope&lang=en"), None, ErrorCode::ClinicNotFound),
                ("/api/clinic_overview", form("lang=en"), None, ErrorCode::BadRequest),
                ("/api/clinic_overview", form("slug=demo&lang=xx"), None, ErrorCode::BadRequest),
                ("/api/clinics", form("lang=fr"), None, ErrorCode::BadRequest),
                ("/api/liff/setup", form("slug=nope&lang=ja"), None, ErrorCode::ClinicNotFound),
                ("/api/liff/sign_in", form("slug=demo&id_token=abc&lang=ja"), None, ErrorCode::WrongSignIn),
                ("/api/liff/sign_in", form("slug=nope&id_token=abc&lang=ja"), None, ErrorCode::ClinicNotFound),
                ("/api/liff/sandbox_sign_in", form("slug=nope&lang=ja"), None, ErrorCode::ClinicNotFound),
                ("/api/liff/current", form("slug=nope&lang=ja"), None, ErrorCode::ClinicNotFound),
                ("/api/liff/menus", form("slug=nope&lang=ja"), None, ErrorCode::ClinicNotFound),
                ("/api/liff/calendar", form("slug=demo&menu_id=abc&lang=ja"), None, ErrorCode::BadRequest),
                ("/api/liff/calendar", form("slug=demo&menu_id=999999&lang=ja"), None, ErrorCode::MenuNotFound),
                ("/api/liff/calendar", form(&format!("slug=demo&menu_id={first}&month=99999-99&lang=ja")), None, ErrorCode::Invalid),
                ("/api/liff/calendar", form(&format!("slug=demo&menu_id={first}&month=2999-01&lang=ja")), None, ErrorCode::Invalid),
                ("/api/liff/day", form(&format!("slug=demo&menu_id={first}&date=tomorrow&lang=ja")), None, ErrorCode::Invalid),
                ("/api/liff/day", form(&format!("slug=other&menu_id={first}&date=2030-01-07&lang=ja")), None, ErrorCode::MenuNotFound),
                ("/api/liff/booking_setup", form(&format!("slug=demo&menu_id={first}&lang=ja")), None, ErrorCode::SignInRequired),
                ("/api/liff/submit", json(booking(first, resource, starts_at, None)), None, ErrorCode::SignInRequired),
                ("/api/liff/submit", Payload::Raw("application/json", b"{\"request\": {".to_vec()), p, ErrorCode::BadRequest),
                ("/api/liff/submit", form("request=1"), p, ErrorCode::BadRequest),
                ("/api/liff/submit", json(serde_json::json!({ "request": { "slug": "demo" } })), p, ErrorCode::BadRequest),
                ("/api/liff/submit", Payload::Raw("application/json", b"{\"request\": \"\xff\xfe\"}".to_vec()), p, ErrorCode::BadRequest),
                ("/api/liff/submit", json(oversized), p, ErrorCode::TooLarge),
                ("/api/liff/submit", json(bad_details), p, ErrorCode::Invalid),
                // The neighbour asks for the place the patient holds.
                ("/api/liff/submit", json(booking(follow, resource, starts_at, None)), n, ErrorCode::PlaceTaken),
                ("/api/liff/submit", json(booking(999_999, resource, starts_at, None)), p, ErrorCode::MenuNotFound),
                ("/api/liff/submit", json(booking(first, resource, starts_at, Some("not-a-reference"))), p, ErrorCode::AppointmentNotFound),
                // Someone else's visit cannot be replaced either.
                ("/api/liff/submit", json(booking(follow, resource, starts_at, Some(&w.confirmed.reference))), n, ErrorCode::AppointmentNotFound),
                ("/api/liff/appointments", form("slug=demo&lang=ja"), None, ErrorCode::SignInRequired),
                ("/api/liff/appointment", form("slug=demo&reference=nope&lang=ja"), p, ErrorCode::AppointmentNotFound),
                ("/api/liff/appointment", form(&format!("slug=demo&reference={}&lang=ja", w.request.reference)), n, ErrorCode::AppointmentNotFound),
                ("/api/liff/appointment", form(&format!("slug=demo&reference={}&lang=ja", w.request.reference)), None, ErrorCode::SignInRequired),
                ("/api/liff/answer_proposal", form(&format!("slug=demo&reference={}&accept=true&lang=ja", w.request.reference)), p, ErrorCode::NotAProposal),
                ("/api/liff/answer_proposal", form(&format!("slug=demo&reference={}&accept=maybe&lang=ja", w.request.reference)), p, ErrorCode::BadRequest),
                ("/api/liff/cancel", cancel("nope"), p, ErrorCode::AppointmentNotFound),
                ("/api/liff/cancel", cancel(&w.confirmed.reference), n, ErrorCode::AppointmentNotFound),
                ("/api/liff/cancel", cancel(&w.request.reference), p, ErrorCode::StatusChanged),
                ("/api/liff/cancel", cancel(&w.confirmed.reference), None, ErrorCode::SignInRequired),
                ("/api/liff/withdraw", cancel("nope"), p, ErrorCode::AppointmentNotFound),
                ("/api/liff/withdraw", cancel(&w.request.reference), n, ErrorCode::AppointmentNotFound),
                // A confirmed visit is cancelled, not withdrawn.
                ("/api/liff/withdraw", cancel(&w.confirmed.reference), p, ErrorCode::StatusChanged),
                ("/api/liff/withdraw", cancel(&w.request.reference), None, ErrorCode::SignInRequired),
                ("/api/liff/withdraw", form(&format!("slug=nope&reference={}&lang=ja", w.request.reference)), p, ErrorCode::ClinicNotFound),
            ],
        )
        .await;
        // The owner moves the follow-up's cancellation deadline to 30 days before: the visit is
        // past it now.
        let mut menu = w.menu_form(follow).await;
        menu["cancel_cutoff_minutes"] = "43200".into();
        let body = serde_json::json!({ "csrf": w.owner.csrf, "form": menu, "lang": "ja" });
        let (status, reply) = call(&w.router, "/api/staff/settings/menu", json(body), Some(&w.owner.cookie)).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        expect_refusals(&w, vec![("/api/liff/cancel", cancel(&w.confirmed.reference), p, ErrorCode::PastCutOff)]).await;
        // Nothing of it changed the patient's appointments, nor gave the neighbour any.
        for (cookie, count) in [(p, 2), (n, 0)] {
            let (status, body) = call(&w.router, "/api/liff/appointments", form("slug=demo&lang=ja"), cookie).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let mine: Vec<AppointmentView> = serde_json::from_str(&body).expect("list");
            assert_eq!(mine.len(), count, "{mine:?}");
            assert!(mine.iter().all(|a| a.status != app::booking::status::AppointmentStatus::CancelledByPatient), "{mine:?}");
        }
    })
}

impl World {
    /// The settings page's form of menu `id`, as the owner would send it back.
    async fn menu_form(&self, id: i64) -> serde_json::Value {
        let (status, body) = call(&self.router, "/api/staff/settings", form("lang=ja"), Some(&self.owner.cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let data: serde_json::Value = serde_json::from_str(&body).expect("settings");
        data["menus"].as_array().expect("menus").iter().find(|m| m["id"] == id).expect("the menu").clone()
    }
}

#[test]
fn every_staff_function_answers_its_errors() {
    support::run(async {
        let w = world().await;
        let (o, s, x) = (Some(w.owner.cookie.as_str()), Some(w.staff.cookie.as_str()), Some(w.other_owner.cookie.as_str()));
        let (oc, sc, xc) = (w.owner.csrf.as_str(), w.staff.csrf.as_str(), w.other_owner.csrf.as_str());
        let (request, confirmed, first) = (w.request_id, w.confirmed_id, w.first_visit_menu);
        let (resource, starts_at) = w.confirmed_place;
        let mut reads = support::read(w.store.as_ref()).await;
        let demo = reads.clinic_by_slug("demo").await.expect("read").expect("demo");
        let patient_id = reads.appointment(demo.id, app::booking::ids::AppointmentId(request)).await.expect("read").expect("request").patient_id.0;
        let other = reads.clinic_by_slug("other").await.expect("read").expect("other");
        let their_staff = reads.staff_members(other.id).await.expect("staff")[0].id.0;
        let our_owner = reads.staff_by_email(&demo_staff_email(app::store::StaffRole::Owner, "demo")).await.expect("read").expect("owner").id.0;
        let their_resource = reads.resources(other.id).await.expect("resources")[0].id.0;
        drop(reads);
        let phone = |menu: i64, csrf: &str, name: &str| {
            json(serde_json::json!({ "booking": { "menu_id": menu, "resource_id": resource, "starts_at": starts_at,
                "details": { "name": name, "furigana": "タナカ", "phone": "03-1234-5678", "birth_date": "1970-01-01" }, "lang": "ja", "csrf": csrf } }))
        };
        let settings = |csrf: &str, form: serde_json::Value| json(serde_json::json!({ "csrf": csrf, "form": form, "lang": "ja" }));
        let mut menu = w.menu_form(first).await;
        menu["capacity"] = "0".into();
        let mut foreign_menu = w.menu_form(first).await;
        foreign_menu["resource_ids"] = serde_json::json!([their_resource]);
        let mut bad_mode = w.menu_form(first).await;
        bad_mode["mode"] = "lottery".into();
        let question = |menu: i64, label: &str| serde_json::json!({ "id": null, "menu_id": menu, "label_ja": label, "label_en": label, "kind": "text", "choices_ja": "", "choices_en": "", "required": false });
        let staff_form = |email: &str, password: &str| serde_json::json!({ "email": email, "name": "受付 二郎", "role": "staff", "password": password });
        expect_refusals(
            &w,
            vec![
                ("/api/staff/sign_in", form(&format!("email={}&password=wrong&lang=ja", encode(&demo_staff_email(app::store::StaffRole::Owner, "demo")))), None, ErrorCode::WrongPassword),
                ("/api/staff/inbox", form("lang=ja"), None, ErrorCode::SignInRequired),
                ("/api/staff/inbox", form("lang=ja"), Some("yoyaku_staff=forged"), ErrorCode::SignInRequired),
                ("/api/staff/approve", form(&format!("id={request}&lang=ja")), s, ErrorCode::CsrfRejected),
                ("/api/staff/approve", form(&format!("id={request}&csrf=wrong&lang=ja")), s, ErrorCode::CsrfRejected),
                ("/api/staff/approve", form(&format!("id={request}&csrf={oc}&lang=ja")), s, ErrorCode::CsrfRejected),
                ("/api/staff/approve", form(&format!("id=abc&csrf={sc}&lang=ja")), s, ErrorCode::BadRequest),
                ("/api/staff/approve", form(&format!("id=999999&csrf={sc}&lang=ja")), s, ErrorCode::AppointmentNotFound),
                ("/api/staff/approve", form(&format!("id={request}&csrf={xc}&lang=ja")), x, ErrorCode::AppointmentNotFound),
                ("/api/staff/approve", form(&format!("id={confirmed}&csrf={sc}&lang=ja")), s, ErrorCode::StatusChanged),
                ("/api/staff/decline", form(&format!("id={request}&reason=&csrf={sc}&lang=ja")), s, ErrorCode::Invalid),
                ("/api/staff/decline", form(&format!("id={request}&reason={}&csrf={sc}&lang=ja", "x".repeat(201))), s, ErrorCode::Invalid),
                ("/api/staff/proposal_places", form("id=999999&date=2030-01-07&lang=ja"), s, ErrorCode::AppointmentNotFound),
                ("/api/staff/proposal_places", form(&format!("id={request}&date=someday&lang=ja")), s, ErrorCode::Invalid),
                ("/api/staff/propose", form(&format!("id={request}&resource_id={resource}&starts_at={starts_at}&csrf={sc}&lang=ja")), s, ErrorCode::PlaceTaken),
                ("/api/staff/propose", form(&format!("id=999999&resource_id={resource}&starts_at={starts_at}&csrf={sc}&lang=ja")), s, ErrorCode::AppointmentNotFound),
                ("/api/staff/propose", form(&format!("id={request}&resource_id={resource}&starts_at={}&csrf={sc}&lang=ja", i64::MAX)), s, ErrorCode::Invalid),
                ("/api/staff/resend", form(&format!("id=999999&csrf={sc}&lang=ja")), s, ErrorCode::NotFound),
                ("/api/staff/calendar", form("date=someday&days=1&lang=ja"), s, ErrorCode::Invalid),
                ("/api/staff/calendar", form("date=&days=week&lang=ja"), s, ErrorCode::BadRequest),
                ("/api/staff/free_places", form("menu_id=999999&date=&lang=ja"), s, ErrorCode::MenuNotFound),
                ("/api/staff/visit", form(&format!("id={confirmed}&action=Fly&message=&csrf={sc}&lang=ja")), s, ErrorCode::BadRequest),
                ("/api/staff/visit", form(&format!("id={confirmed}&action=NoShow&message=&csrf={sc}&lang=ja")), s, ErrorCode::VisitNotYet),
                ("/api/staff/visit", form(&format!("id={confirmed}&action=CancelByClinic&message=&csrf={sc}&lang=ja")), s, ErrorCode::Invalid),
                ("/api/staff/visit", form(&format!("id=999999&action=Completed&message=&csrf={sc}&lang=ja")), s, ErrorCode::AppointmentNotFound),
                ("/api/staff/book_by_phone", phone(first, sc, ""), s, ErrorCode::Invalid),
                ("/api/staff/book_by_phone", phone(first, "", "田中 一"), s, ErrorCode::CsrfRejected),
                ("/api/staff/book_by_phone", phone(999_999, sc, "田中 一"), s, ErrorCode::MenuNotFound),
                ("/api/staff/book_by_phone", phone(w.follow_up_menu, sc, "田中 一"), s, ErrorCode::PlaceTaken),
                ("/api/staff/patients_search", form("query=山田&lang=ja"), None, ErrorCode::SignInRequired),
                ("/api/staff/patient_details", form("id=abc&lang=ja"), s, ErrorCode::BadRequest),
                ("/api/staff/patient_details", form(&format!("id={patient_id}&lang=ja")), x, ErrorCode::NotFound),
                ("/api/staff/sandbox_messages", form("lang=ja"), None, ErrorCode::SignInRequired),
                ("/api/staff/settings", form("lang=ja"), s, ErrorCode::OwnerOnly),
                ("/api/staff/settings", form("lang=ja"), None, ErrorCode::SignInRequired),
                ("/api/staff/settings/menu", settings(sc, w.menu_form(first).await), s, ErrorCode::OwnerOnly),
                ("/api/staff/settings/menu", settings(oc, menu), o, ErrorCode::Invalid),
                ("/api/staff/settings/menu", settings(oc, foreign_menu.clone()), o, ErrorCode::Invalid),
                ("/api/staff/settings/menu", settings(xc, foreign_menu), x, ErrorCode::NotFound),
                ("/api/staff/settings/menu", settings(oc, bad_mode), o, ErrorCode::BadRequest),
                ("/api/staff/settings/resource", settings(oc, serde_json::json!({ "id": null, "name_ja": "", "name_en": "", "kind": "room" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/resource", settings(oc, serde_json::json!({ "id": null, "name_ja": "a", "name_en": "a", "kind": "robot" })), o, ErrorCode::BadRequest),
                ("/api/staff/settings/resource", settings(xc, serde_json::json!({ "id": resource, "name_ja": "a", "name_en": "a", "kind": "room" })), x, ErrorCode::NotFound),
                ("/api/staff/settings/hours", json(serde_json::json!({ "csrf": oc, "resource_id": resource, "weekday": 1, "hours": "9-8", "lang": "ja" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/hours", json(serde_json::json!({ "csrf": oc, "resource_id": resource, "weekday": 9, "hours": "", "lang": "ja" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/hours", json(serde_json::json!({ "csrf": xc, "resource_id": resource, "weekday": 1, "hours": "", "lang": "ja" })), x, ErrorCode::NotFound),
                ("/api/staff/settings/exception", settings(oc, serde_json::json!({ "date": "soon", "resource_id": null, "closed": true, "opens": "", "closes": "" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/exception/remove", json(serde_json::json!({ "csrf": oc, "id": 999_999, "lang": "ja" })), o, ErrorCode::NotFound),
                ("/api/staff/settings/clinic", json(serde_json::json!({ "csrf": oc, "open_on_holidays": true, "reminder_hour": "25", "booking_limit": "3", "lang": "ja" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/question", settings(oc, question(first, "")), o, ErrorCode::Invalid),
                ("/api/staff/settings/question", settings(xc, question(first, "他院の質問")), x, ErrorCode::NotFound),
                ("/api/staff/settings/question/remove", json(serde_json::json!({ "csrf": oc, "id": 999_999, "lang": "ja" })), o, ErrorCode::NotFound),
                // The request answered the first-visit menu's first question.
                ("/api/staff/settings/question/remove", json(serde_json::json!({ "csrf": oc, "id": 1, "lang": "ja" })), o, ErrorCode::QuestionAnswered),
                ("/api/staff/settings/question/move", json(serde_json::json!({ "csrf": oc, "id": 999_999, "up": true, "lang": "ja" })), o, ErrorCode::NotFound),
                ("/api/staff/settings/privacy", json(serde_json::json!({ "csrf": oc, "ja": "", "en": " ", "lang": "ja" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/retention", json(serde_json::json!({ "csrf": oc, "days": "0", "lang": "ja" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/line", settings(oc, serde_json::json!({ "liff_id": "nope", "login_channel_id": "x", "add_friend_url": "", "channel_secret": "", "channel_access_token": "" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/staff/add", settings(oc, staff_form("not-an-address", "a-long-password")), o, ErrorCode::Invalid),
                ("/api/staff/settings/staff/add", settings(oc, staff_form(&demo_staff_email(app::store::StaffRole::Staff, "demo"), "a-long-password")), o, ErrorCode::EmailTaken),
                ("/api/staff/settings/staff/role", json(serde_json::json!({ "csrf": oc, "id": our_owner, "role": "staff", "lang": "ja" })), o, ErrorCode::OwnAccount),
                ("/api/staff/settings/staff/role", json(serde_json::json!({ "csrf": oc, "id": our_owner, "role": "admin", "lang": "ja" })), o, ErrorCode::BadRequest),
                ("/api/staff/settings/staff/disabled", json(serde_json::json!({ "csrf": oc, "id": our_owner, "disabled": true, "lang": "ja" })), o, ErrorCode::OwnAccount),
                ("/api/staff/settings/staff/password", json(serde_json::json!({ "csrf": oc, "id": our_owner, "password": "short", "lang": "ja" })), o, ErrorCode::Invalid),
                ("/api/staff/settings/staff/password", json(serde_json::json!({ "csrf": oc, "id": their_staff, "password": "a-long-password", "lang": "ja" })), o, ErrorCode::NotFound),
            ],
        )
        .await;
        // Nothing of it changed the request.
        let still =
            support::read(w.store.as_ref()).await.appointment(demo.id, app::booking::ids::AppointmentId(request)).await.expect("read").expect("request");
        assert_eq!(still.status, app::booking::status::AppointmentStatus::Requested);

        // Approved once; a second answer is told what happened meanwhile, and its notice (queued
        // for the sandbox) is not failed, so it cannot be sent again.
        let approve = format!("id={request}&csrf={sc}&lang=ja");
        let (status, body) = call(&w.router, "/api/staff/approve", form(&approve), s).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let notice = support::read(w.store.as_ref()).await.notifications(demo.id, &[app::booking::ids::AppointmentId(request)]).await.expect("read")[0].id;
        expect_refusals(
            &w,
            vec![
                ("/api/staff/approve", form(&approve), s, ErrorCode::StatusChanged),
                ("/api/staff/decline", form(&format!("id={request}&reason=x&csrf={sc}&lang=ja")), s, ErrorCode::StatusChanged),
                ("/api/staff/resend", form(&format!("id={notice}&csrf={sc}&lang=ja")), s, ErrorCode::NoticeNotFailed),
                ("/api/staff/resend", form(&format!("id={notice}&csrf={xc}&lang=ja")), x, ErrorCode::NotFound),
            ],
        )
        .await;
        let (status, body) = call(&w.router, "/api/staff/approve", form(&approve), s).await;
        assert_eq!(app_error(status, &body, ErrorCode::StatusChanged).current, Some(app::booking::status::AppointmentStatus::Confirmed));

        // The neighbour's request, and the clinic's proposal of another time: reception cannot
        // accept it for the patient.
        let (status, body) = call(&w.router, "/api/clinic_overview", form("slug=demo&lang=ja"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let overview: ClinicOverview = serde_json::from_str(&body).expect("overview");
        let places = &overview.menus[0].next_places;
        let (status, body) =
            call(&w.router, "/api/liff/submit", json(booking(first, places[0].resource_id.0, places[0].starts_at, None)), Some(&w.neighbour)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let theirs: AppointmentView = serde_json::from_str(&body).expect("a request");
        let theirs = support::read(w.store.as_ref()).await.appointment_by_reference(demo.id, &theirs.reference).await.expect("read").expect("booked").id.0;
        let propose = format!("id={theirs}&resource_id={}&starts_at={}&csrf={sc}&lang=ja", places[1].resource_id.0, places[1].starts_at);
        let (status, body) = call(&w.router, "/api/staff/propose", form(&propose), s).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = call(&w.router, "/api/staff/inbox", form("lang=ja"), s).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let inbox: app::api::staff::inbox::InboxView = serde_json::from_str(&body).expect("inbox");
        let proposal = inbox.proposals[0].id.0;
        expect_refusals(
            &w,
            vec![
                ("/api/staff/approve", form(&format!("id={proposal}&csrf={sc}&lang=ja")), s, ErrorCode::ProposalAwaitsPatient),
                ("/api/staff/propose", form(&propose), s, ErrorCode::StatusChanged),
            ],
        )
        .await;
    })
}

/// Whatever arrives, the server answers as a server that understood the request: 4xx with an
/// error it can explain, never 500, never a framework's internals.
#[test]
fn no_request_makes_the_server_fail() {
    support::run(async {
        let w = world().await;
        let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).filter(|p| p.starts_with("/api/")).collect();
        assert!(paths.len() >= 45, "{paths:?}");
        let bodies: Vec<(&str, Vec<u8>)> = vec![
            ("application/x-www-form-urlencoded", Vec::new()),
            ("application/x-www-form-urlencoded", b"%zz=%%&lang=xx&id=one".to_vec()),
            ("application/json", b"{".to_vec()),
            ("application/json", b"[]".to_vec()),
            ("application/json", b"{\"lang\": 42}".to_vec()),
            ("text/plain", b"\xff\xfe\x00garbage".to_vec()),
        ];
        let mut answered = 0;
        for path in &paths {
            for cookie in [None, Some(w.owner.cookie.as_str()), Some(w.patient.as_str())] {
                for (content_type, body) in &bodies {
                    let (status, reply) = call(&w.router, path, Payload::Raw(content_type, body.clone()), cookie).await;
                    // Sign-out needs nothing, and the sandbox sign-in of an unnamed clinic is
                    // still a refusal; everything else is refused for what it is.
                    if status.is_success() {
                        continue;
                    }
                    assert!(status.is_client_error(), "{path} {content_type} {body:?}: {status} {reply}");
                    let error: AppError = serde_json::from_str(&reply).unwrap_or_else(|e| panic!("{path}: not an AppError ({e}): {reply}"));
                    assert_eq!(error.status, status.as_u16(), "{path}: {reply}");
                    assert_no_internals(path, &error, &reply);
                    answered += 1;
                }
            }
        }
        assert!(answered > paths.len() * 10, "{answered}");
    })
}

#[test]
fn each_route_refuses_a_body_over_its_limit_with_413() {
    support::run(async {
        let w = world().await;
        let big = |n: usize| serde_json::json!({ "csrf": w.owner.csrf, "ja": "あ".repeat(n / 3), "en": "a", "lang": "en" });
        let (status, reply) = call(&w.router, "/api/staff/settings/privacy", json(big(server::request_limits::BODY + 1024)), Some(&w.owner.cookie)).await;
        let error = app_error(status, &reply, ErrorCode::TooLarge);
        // The body was not read, so neither was its language: Japanese first.
        assert_eq!(error.message, "送信された内容が大きすぎます。");
        // Within the limit, the same function reads it (and names the field that is too long).
        let (status, reply) = call(&w.router, "/api/staff/settings/privacy", json(big(100 * 1024)), Some(&w.owner.cookie)).await;
        assert_eq!(app_error(status, &reply, ErrorCode::Invalid).fields[0].field, "privacy-ja");

        // The rich menu's picture takes more, up to its own limit (the demo clinic, without a
        // LINE token, then refuses it for that: the body was read).
        let picture = |bytes: usize| {
            let image = format!("data:image/png;base64,{}", "A".repeat(bytes));
            serde_json::json!({ "csrf": w.owner.csrf, "form": { "access_url": "", "menu_buttons": false, "image": image }, "lang": "en" })
        };
        let path = app::api::staff::settings::SET_RICH_MENU_PATH;
        let (status, reply) = call(&w.router, path, json(picture(server::request_limits::BODY * 4)), Some(&w.owner.cookie)).await;
        app_error(status, &reply, ErrorCode::LineNotConnected);
        let (status, reply) = call(&w.router, path, json(picture(server::request_limits::PICTURE_BODY + 1)), Some(&w.owner.cookie)).await;
        app_error(status, &reply, ErrorCode::TooLarge);

        // LINE's webhook batches take more, up to their own limit.
        let webhook = |bytes: usize| {
            Request::post("/line/webhook/demo")
                .header(header::HOST, HOST)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-line-signature", "c2lnbmF0dXJl")
                .body(Body::from(format!(r#"{{"events":[],"pad":"{}"}}"#, "x".repeat(bytes))))
                .expect("request")
        };
        let within = w.router.clone().oneshot(webhook(server::request_limits::BODY * 2)).await.expect("response").status();
        assert_ne!(within, StatusCode::PAYLOAD_TOO_LARGE, "a batch over the server functions' limit is still read");
        assert!(within.is_client_error(), "{within}: the demo clinic has no LINE secret, so the signature fails");
        let over = w.router.clone().oneshot(webhook(server::request_limits::WEBHOOK_BODY + 1)).await.expect("response").status();
        assert_eq!(over, StatusCode::PAYLOAD_TOO_LARGE);
    })
}

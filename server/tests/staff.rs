//! The staff console over HTTP, as a browser uses it, against a seeded SQLite database: sign-in
//! and its refusals (wrong password, lock-out, expired or ended sessions, missing or wrong CSRF
//! token, another site, another clinic, a receptionist on an owner's page), and the answers to
//! requests (approve, decline, propose, the patient accepting), their notices and live updates.

mod support;

use app::api::staff::StaffMe;
use app::booking::ids::{AppointmentId, ClinicId, PatientId};
use app::booking::status::AppointmentStatus;
use app::store::console::StaffSession;
use app::store::{Actor, Appointment, NewBooking, SharedStore, StaffRole};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Days, Duration, Utc};
use http_body_util::BodyExt;
use server::seed::{demo_staff_email, DEMO_PASSWORD};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1";

struct App {
    router: axum::Router,
    store: SharedStore,
    line: std::sync::Arc<server::line::api::LineApi>,
    clinic: ClinicId,
    db: support::TestDb,
}

/// The demo clinic (sandbox mode) and a second demo clinic, `other`, with its own staff.
async fn app() -> App {
    let db = support::TestDb::sqlite().await;
    let clinic = server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    server::seed::seed_demo_as(db.store.as_ref(), "other", Utc::now()).await.expect("seed other");
    let (url, _fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let router = support::router(db.store.clone(), line.clone());
    App { router, store: db.store.clone(), line, clinic, db }
}

struct Reply {
    status: StatusCode,
    /// The whole `Set-Cookie` header, if any.
    set_cookie: Option<String>,
    body: String,
}

impl Reply {
    /// `name=value` of the cookie set.
    fn cookie(&self) -> String {
        self.set_cookie.as_deref().expect("a cookie").split(';').next().unwrap_or_default().to_string()
    }
}

async fn request(app: &App, request: Request<Body>) -> Reply {
    let uri = request.uri().clone();
    let response = tokio::time::timeout(std::time::Duration::from_secs(10), app.router.clone().oneshot(request))
        .await
        .unwrap_or_else(|_| panic!("no response for {uri}"))
        .expect("response");
    let status = response.status();
    let set_cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = response.into_body().collect().await.expect("body").to_bytes();
    Reply { status, set_cookie, body: String::from_utf8(body.to_vec()).expect("utf-8") }
}

/// A form post to a server function, as the console page sends it.
async fn post(app: &App, path: &str, form: &str, cookie: Option<&str>, origin: Option<&str>) -> Reply {
    let mut r = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, HOST);
    if let Some(cookie) = cookie {
        r = r.header(header::COOKIE, cookie);
    }
    if let Some(origin) = origin {
        r = r.header(header::ORIGIN, origin);
    }
    request(app, r.body(Body::from(form.to_string())).expect("request")).await
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn sign_in(app: &App, email: &str, password: &str) -> Reply {
    post(app, "/api/staff/sign_in", &format!("email={}&password={}&lang=ja", urlencode(email), urlencode(password)), None, None).await
}

/// A signed-in staff member: the cookie to send and the CSRF token.
struct Staff {
    cookie: String,
    csrf: String,
}

async fn signed_in(app: &App, role: StaffRole, slug: &str) -> Staff {
    let reply = sign_in(app, &demo_staff_email(role, slug), DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let me: StaffMe = serde_json::from_str(&reply.body).expect("StaffMe");
    Staff { cookie: reply.cookie(), csrf: me.csrf }
}

async fn inbox(app: &App, cookie: Option<&str>) -> Reply {
    post(app, "/api/staff/inbox", "lang=ja", cookie, None).await
}

/// A sandbox patient of the demo clinic, signed in on their phone, with a request for the
/// first-visit menu (which needs the clinic's approval).
struct Patient {
    cookie: String,
    id: PatientId,
    request: Appointment,
}

async fn patient_with_request(app: &App) -> Patient {
    let reply = post(app, "/api/liff/sandbox_sign_in", "slug=demo&lang=ja", None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.cookie();
    let (_, id) = app.store.patient_session(cookie.trim_start_matches("yoyaku_patient="), Utc::now()).await.expect("read").expect("session");
    let request = book(app, id).await;
    Patient { cookie, id, request }
}

/// Books the first free first-visit place for `patient`.
async fn book(app: &App, patient: PatientId) -> Appointment {
    let (menu, offer) = free_place(app).await;
    let now = Utc::now();
    let booking = NewBooking {
        clinic_id: app.clinic,
        menu_id: menu,
        resource_id: offer.resource_id,
        starts_at: offer.starts_at,
        patient_id: patient,
        actor: Actor::Patient(patient),
        now,
        answers: Vec::new(),
        replaces: None,
        source: Default::default(),
    };
    let a = app.store.book(booking).await.expect("booked");
    assert_eq!(a.status, AppointmentStatus::Requested);
    a
}

async fn free_place(app: &App) -> (app::booking::ids::MenuId, app::booking::availability::Offer) {
    let clinic = app.store.clinics().await.expect("clinics").into_iter().find(|c| c.id == app.clinic).expect("clinic");
    let menu = app.store.menus(app.clinic).await.expect("menus").into_iter().find(|m| m.name_en == "First visit").expect("menu");
    let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
    let offer = app::store::availability(app.store.as_ref(), &clinic, &menu, today, today + Days::new(25), Utc::now())
        .await
        .expect("availability")
        .into_iter()
        .next()
        .expect("a free place");
    (menu.id, offer)
}

async fn status_of(app: &App, id: AppointmentId) -> AppointmentStatus {
    app.store.appointment(app.clinic, id).await.expect("read").expect("appointment").status
}

async fn approve(app: &App, id: AppointmentId, staff: &Staff) -> Reply {
    post(app, "/api/staff/approve", &format!("id={id}&csrf={}&lang=ja", staff.csrf), Some(&staff.cookie), Some(&format!("http://{HOST}"))).await
}

async fn staff_sessions(app: &App) -> i64 {
    let pool = sqlx::SqlitePool::connect(&app.db.url).await.expect("sqlite");
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM staff_sessions").fetch_one(&pool).await.expect("count");
    pool.close().await;
    n
}

#[test]
fn wrong_passwords_are_refused_and_lock_the_account() {
    support::run(async {
        let app = app().await;
        let owner = demo_staff_email(StaffRole::Owner, "demo");
        let wrong = sign_in(&app, &owner, "not-the-password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
        assert!(wrong.set_cookie.is_none(), "no cookie for a wrong password");
        assert!(wrong.body.contains("メールアドレスまたはパスワードが違います"), "{}", wrong.body);
        // An unknown address gets the very same answer.
        let unknown = sign_in(&app, "nobody@demo.example.jp", DEMO_PASSWORD).await;
        assert_eq!((unknown.status, unknown.set_cookie.is_none()), (StatusCode::UNAUTHORIZED, true));
        assert_eq!(unknown.body, wrong.body);

        for _ in 0..4 {
            let reply = sign_in(&app, &owner, "still-wrong").await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        }
        // Five failures: now even the right password is refused, with a clear message.
        let locked = sign_in(&app, &owner, DEMO_PASSWORD).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
        assert!(locked.set_cookie.is_none());
        assert!(locked.body.contains("ロック") && locked.body.contains("15分"), "{}", locked.body);
        // Upper case is the same account.
        assert_eq!(sign_in(&app, &owner.to_uppercase(), DEMO_PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(staff_sessions(&app).await, 0, "no session was created");

        // Another account is not locked by them.
        let receptionist = sign_in(&app, &demo_staff_email(StaffRole::Staff, "demo"), DEMO_PASSWORD).await;
        assert_eq!(receptionist.status, StatusCode::OK, "{}", receptionist.body);
        assert_eq!(staff_sessions(&app).await, 1);
    })
}

/// A sign-in from the network address `ip` (as `axum::serve` with connect info records it).
async fn sign_in_from(app: &App, ip: [u8; 4], email: &str, password: &str) -> Reply {
    let form = format!("email={}&password={}&lang=en", urlencode(email), urlencode(password));
    let mut r = Request::post("/api/staff/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, HOST)
        .body(Body::from(form))
        .expect("request");
    r.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
    request(app, r).await
}

#[test]
fn one_address_trying_many_accounts_is_locked_out() {
    support::run(async {
        let app = app().await;
        let attacker = [203, 0, 113, 9];
        for i in 0..20 {
            let reply = sign_in_from(&app, attacker, &format!("guess{i}@demo.example.jp"), "password").await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{i}: {}", reply.body);
        }
        let owner = demo_staff_email(StaffRole::Owner, "demo");
        let locked = sign_in_from(&app, attacker, &owner, DEMO_PASSWORD).await;
        let error = support::app_error(locked.status, &locked.body, support::ErrorCode::TooManyAttempts);
        assert!(error.message.contains("Too many failed attempts"), "{}", locked.body);
        assert!(locked.set_cookie.is_none());
        // The owner at the clinic's own address is not locked out by it.
        let clinic = sign_in_from(&app, [198, 51, 100, 7], &owner, DEMO_PASSWORD).await;
        assert_eq!(clinic.status, StatusCode::OK, "{}", clinic.body);
    })
}

/// Behind a reverse proxy (`serve --behind-proxy`) every connection is the proxy's: clients are
/// told apart by the address the proxy appended to `X-Forwarded-For`.
#[test]
fn behind_a_proxy_each_client_is_limited_by_its_own_address() {
    support::run(async {
        let mut app = app().await;
        app.router = server::http::behind_proxy(app.router.clone());
        let proxy = [10, 0, 0, 2];
        let from = |client: &str, email: &str, password: &str| {
            let form = format!("email={}&password={}&lang=en", urlencode(email), urlencode(password));
            let mut r = Request::post("/api/staff/sign_in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .header(header::HOST, HOST)
                // The client may claim anything first; the proxy's own entry comes last.
                .header("x-forwarded-for", format!("192.0.2.1, {client}"))
                .body(Body::from(form))
                .expect("request");
            r.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((proxy, 40000))));
            r
        };
        for i in 0..20 {
            let reply = request(&app, from("203.0.113.9", &format!("guess{i}@demo.example.jp"), "password")).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{i}: {}", reply.body);
        }
        let owner = demo_staff_email(StaffRole::Owner, "demo");
        let locked = request(&app, from("203.0.113.9", &owner, DEMO_PASSWORD)).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
        // The reception desk, behind the same proxy, is not locked out by the attacker.
        let desk = request(&app, from("198.51.100.7", &owner, DEMO_PASSWORD)).await;
        assert_eq!(desk.status, StatusCode::OK, "{}", desk.body);
    })
}

#[test]
fn the_session_cookie_is_http_only_and_sign_out_ends_it_on_the_server() {
    support::run(async {
        let app = app().await;
        let reply = sign_in(&app, &demo_staff_email(StaffRole::Owner, "demo"), DEMO_PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let set_cookie = reply.set_cookie.clone().expect("Set-Cookie");
        assert!(set_cookie.starts_with("yoyaku_staff="), "{set_cookie}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set_cookie.split("; ").any(|a| a == attribute), "{attribute} in {set_cookie}");
        }
        let me: StaffMe = serde_json::from_str(&reply.body).expect("StaffMe");
        assert_eq!((me.role.as_str(), me.clinic_slug.as_str(), me.sandbox), ("owner", "demo", true));
        assert!(me.csrf.len() >= 32, "{}", me.csrf);
        let cookie = reply.cookie();
        let token = cookie.trim_start_matches("yoyaku_staff=");
        assert!(token.len() >= 32, "{token}");
        assert!(!reply.body.contains(token), "the session token never reaches the page");

        let me_again = post(&app, "/api/staff/me", "lang=ja", Some(&cookie), None).await;
        assert_eq!(me_again.status, StatusCode::OK);
        assert_eq!(serde_json::from_str::<Option<StaffMe>>(&me_again.body).expect("me"), Some(me));
        assert_eq!(inbox(&app, Some(&cookie)).await.status, StatusCode::OK);
        // Not signed in: the console shows the sign-in form; the inbox is refused.
        assert_eq!(serde_json::from_str::<Option<StaffMe>>(&post(&app, "/api/staff/me", "lang=ja", None, None).await.body).expect("me"), None);
        assert_eq!(inbox(&app, None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(inbox(&app, Some("yoyaku_staff=made-up-token")).await.status, StatusCode::UNAUTHORIZED);

        let out = post(&app, "/api/staff/sign_out", "", Some(&cookie), None).await;
        assert_eq!(out.status, StatusCode::OK, "{}", out.body);
        assert!(out.set_cookie.as_deref().is_some_and(|c| c.contains("Max-Age=0")), "{:?}", out.set_cookie);
        assert_eq!(app.store.staff_session(token, Utc::now()).await.expect("read"), None, "ended on the server");
        // The old cookie (kept by an attacker, say) no longer works.
        let after = inbox(&app, Some(&cookie)).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
    })
}

#[test]
fn an_expired_session_is_refused() {
    support::run(async {
        let app = app().await;
        let owner = app.store.staff_by_email(&demo_staff_email(StaffRole::Owner, "demo")).await.expect("read").expect("owner");
        let now = Utc::now();
        let session = StaffSession { staff_id: owner.id, clinic_id: owner.clinic_id, csrf_token: "csrf-expired".into(), expires_at: now - Duration::minutes(1) };
        app.store.create_staff_session("expired-token", &session, now - Duration::hours(12)).await.expect("session");
        let live = StaffSession { expires_at: now + Duration::hours(1), csrf_token: "csrf-live".into(), ..session.clone() };
        app.store.create_staff_session("live-token", &live, now).await.expect("session");

        let reply = inbox(&app, Some("yoyaku_staff=expired-token")).await;
        assert!(support::app_error(reply.status, &reply.body, support::ErrorCode::SignInRequired).message.contains("ログイン"), "{}", reply.body);
        assert_eq!(inbox(&app, Some("yoyaku_staff=live-token")).await.status, StatusCode::OK);

        let patient = patient_with_request(&app).await;
        let expired = Staff { cookie: "yoyaku_staff=expired-token".into(), csrf: "csrf-expired".into() };
        assert_eq!(approve(&app, patient.request.id, &expired).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(status_of(&app, patient.request.id).await, AppointmentStatus::Requested);
    })
}

#[test]
fn changes_need_the_sessions_csrf_token_and_this_site() {
    support::run(async {
        let app = app().await;
        let owner = signed_in(&app, StaffRole::Owner, "demo").await;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;
        let same_site = format!("http://{HOST}");

        // No token at all.
        let missing = post(&app, "/api/staff/approve", &format!("id={id}&lang=ja"), Some(&owner.cookie), Some(&same_site)).await;
        support::app_error(missing.status, &missing.body, support::ErrorCode::CsrfRejected);
        // An empty one, a wrong one, another session's one.
        let other = signed_in(&app, StaffRole::Staff, "demo").await;
        for csrf in ["", "wrong-token", other.csrf.as_str()] {
            let reply = post(&app, "/api/staff/approve", &format!("id={id}&csrf={csrf}&lang=ja"), Some(&owner.cookie), Some(&same_site)).await;
            let error = support::app_error(reply.status, &reply.body, support::ErrorCode::CsrfRejected);
            assert!(error.message.contains("画面を開き直して"), "{csrf}: {}", reply.body);
        }
        // The right token from another site.
        let cross = post(&app, "/api/staff/approve", &format!("id={id}&csrf={}&lang=ja", owner.csrf), Some(&owner.cookie), Some("https://evil.example")).await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN, "{}", cross.body);
        // The right token without a cookie.
        let anonymous = post(&app, "/api/staff/approve", &format!("id={id}&csrf={}&lang=ja", owner.csrf), None, Some(&same_site)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", anonymous.body);
        for refused in ["decline", "resend"] {
            let form = format!("id={id}&reason=x&csrf=wrong&lang=ja");
            assert_eq!(post(&app, &format!("/api/staff/{refused}"), &form, Some(&owner.cookie), None).await.status, StatusCode::FORBIDDEN, "{refused}");
        }
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Requested, "nothing changed");
        assert_eq!(app.store.audit_trail(app.clinic, id).await.expect("trail").len(), 1);
        assert!(app.store.notifications(app.clinic, id).await.expect("read").is_empty());
    })
}

#[test]
fn approving_confirms_audits_and_notifies_once() {
    support::run(async {
        let app = app().await;
        let owner = signed_in(&app, StaffRole::Owner, "demo").await;
        let staff_id = app.store.staff_by_email(&demo_staff_email(StaffRole::Owner, "demo")).await.expect("read").expect("owner").id;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;

        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&owner.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().any(|item| item.id == id), "the request is in the inbox");

        let reply = approve(&app, id, &owner).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Confirmed);
        let trail = app.store.audit_trail(app.clinic, id).await.expect("trail");
        assert_eq!(trail.last().map(|e| (e.actor.to_stored(), e.to)), Some((format!("staff:{staff_id}"), AppointmentStatus::Confirmed)));
        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&owner.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().all(|item| item.id != id), "answered requests leave the inbox");

        // Another receptionist (or a double click) approving again: a clear conflict.
        let receptionist = signed_in(&app, StaffRole::Staff, "demo").await;
        let again = approve(&app, id, &receptionist).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(again.body.contains("すでに変更されています") && again.body.contains("確定"), "{}", again.body);
        assert_eq!(app.store.audit_trail(app.clinic, id).await.expect("trail").len(), trail.len());

        // The sandbox delivers the confirmation in one pass of the worker.
        let queued = app.store.notifications(app.clinic, id).await.expect("read");
        assert_eq!(queued.iter().map(|n| (n.kind.as_str(), n.status.as_str())).collect::<Vec<_>>(), [("confirmed", "queued")]);
        let worker = server::notify::Worker::new(app.store.clone(), app.line.clone());
        worker.run_once(Utc::now()).await.expect("worker");
        // (After the clinic's reminder hour the same pass may also queue tomorrow's reminder.)
        let sent = app.store.notifications(app.clinic, id).await.expect("read");
        let confirmation: Vec<_> = sent.iter().filter(|n| n.kind == "confirmed").map(|n| (n.status.as_str(), n.line_request_id.as_deref())).collect();
        assert_eq!(confirmation, [("sent", Some("sandbox"))]);
        let record = app.store.clinic_notifications(app.clinic, 10).await.expect("read").into_iter().find(|n| n.appointment_id == Some(id) && n.kind == "confirmed").expect("record");
        assert!(record.recipient.starts_with("sandbox-") && record.sent_at.is_some(), "{record:?}");
        assert!(record.payload.contains("ご予約が確定しました"), "{}", record.payload);
    })
}

#[test]
fn declining_needs_a_reason_which_reaches_the_patient() {
    support::run(async {
        let app = app().await;
        let staff = signed_in(&app, StaffRole::Staff, "demo").await;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;
        let decline = |reason: &str| format!("id={id}&reason={}&csrf={}&lang=ja", urlencode(reason), staff.csrf);

        let empty = post(&app, "/api/staff/decline", &decline("   "), Some(&staff.cookie), None).await;
        let error = support::app_error(empty.status, &empty.body, support::ErrorCode::Invalid);
        assert_eq!((error.field.as_deref(), error.fields[0].reason.clone()), (Some("reason"), app::error::Reason::GiveAReason), "{}", empty.body);
        let long = post(&app, "/api/staff/decline", &decline(&"長".repeat(201)), Some(&staff.cookie), None).await;
        let error = support::app_error(long.status, &long.body, support::ErrorCode::Invalid);
        assert_eq!(error.fields[0].reason, app::error::Reason::TooLong { max: 200 }, "{}", long.body);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Requested);

        let reason = "担当医が不在のため";
        let reply = post(&app, "/api/staff/decline", &decline(reason), Some(&staff.cookie), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let declined = app.store.appointment(app.clinic, id).await.expect("read").expect("declined");
        assert_eq!((declined.status, declined.note.as_deref()), (AppointmentStatus::Declined, Some(reason)));
        let notice = app.store.clinic_notifications(app.clinic, 10).await.expect("read").into_iter().find(|n| n.appointment_id == Some(id)).expect("notice");
        assert_eq!(notice.kind, "declined");
        assert!(notice.payload.contains(reason), "{}", notice.payload);

        // Approving a declined request: a conflict, nothing changes.
        assert_eq!(approve(&app, id, &staff).await.status, StatusCode::CONFLICT);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Declined);
    })
}

#[test]
fn a_proposal_is_accepted_by_the_patient_on_their_phone() {
    support::run(async {
        let app = app().await;
        let staff = signed_in(&app, StaffRole::Staff, "demo").await;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;
        let (_, place) = free_place(&app).await;
        assert_ne!(place.starts_at, patient.request.starts_at);

        let form = format!("id={id}&resource_id={}&starts_at={}&csrf={}&lang=ja", place.resource_id, place.starts_at.timestamp(), staff.csrf);
        let reply = post(&app, "/api/staff/propose", &form, Some(&staff.cookie), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Declined);
        let proposals = app.store.open_proposals(app.clinic).await.expect("read");
        assert_eq!(proposals.len(), 1);
        let proposal = proposals[0].clone();
        assert_eq!((proposal.patient_id, proposal.starts_at, proposal.proposal), (patient.id, place.starts_at, true));
        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&staff.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().all(|i| i.id != id && i.id != proposal.id));
        assert_eq!(view.proposals.iter().map(|i| i.id).collect::<Vec<_>>(), [proposal.id]);
        // The same place cannot be proposed twice (it is now held).
        let again = post(&app, "/api/staff/propose", &form, Some(&staff.cookie), None).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

        // The patient accepts on their phone.
        let answer = |accept: bool| format!("slug=demo&reference={}&accept={accept}&lang=ja", proposal.reference);
        let accepted = post(&app, "/api/liff/answer_proposal", &answer(true), Some(&patient.cookie), None).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        assert_eq!(status_of(&app, proposal.id).await, AppointmentStatus::Confirmed);
        assert_eq!(app.store.audit_trail(app.clinic, proposal.id).await.expect("trail").last().map(|e| e.actor), Some(Actor::Patient(patient.id)));
        let twice = post(&app, "/api/liff/answer_proposal", &answer(false), Some(&patient.cookie), None).await;
        let error = support::app_error(twice.status, &twice.body, support::ErrorCode::StatusChanged);
        assert_eq!(error.current, Some(AppointmentStatus::Confirmed), "{}", twice.body);
        assert_eq!(status_of(&app, proposal.id).await, AppointmentStatus::Confirmed);
        // The patient was told of the proposal, then of the confirmation.
        let kinds: Vec<String> = app.store.notifications(app.clinic, proposal.id).await.expect("read").into_iter().map(|n| n.kind).collect();
        assert_eq!(kinds, ["proposed", "confirmed"]);
    })
}

#[test]
fn staff_of_another_clinic_get_not_found_and_change_nothing() {
    support::run(async {
        let app = app().await;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;
        let other = signed_in(&app, StaffRole::Owner, "other").await;
        let (_, place) = free_place(&app).await;

        let approve_reply = approve(&app, id, &other).await;
        assert_eq!(approve_reply.status, StatusCode::NOT_FOUND, "{}", approve_reply.body);
        assert!(approve_reply.body.contains("予約が見つかりません"), "{}", approve_reply.body);
        let decline = post(&app, "/api/staff/decline", &format!("id={id}&reason=x&csrf={}&lang=ja", other.csrf), Some(&other.cookie), None).await;
        assert_eq!(decline.status, StatusCode::NOT_FOUND, "{}", decline.body);
        let form = format!("id={id}&resource_id={}&starts_at={}&csrf={}&lang=ja", place.resource_id, place.starts_at.timestamp(), other.csrf);
        let propose = post(&app, "/api/staff/propose", &form, Some(&other.cookie), None).await;
        assert_eq!(propose.status, StatusCode::NOT_FOUND, "{}", propose.body);
        let places = post(&app, "/api/staff/proposal_places", &format!("id={id}&date=2030-01-07&lang=ja"), Some(&other.cookie), None).await;
        assert_eq!(places.status, StatusCode::NOT_FOUND, "{}", places.body);
        // Nor a visit of clinic A: approved by A, then "arrived" or cancelled by B.
        let own = signed_in(&app, StaffRole::Staff, "demo").await;
        let visit = book(&app, patient.id).await;
        assert_eq!(approve(&app, visit.id, &own).await.status, StatusCode::OK);
        for (action, message) in [("Arrived", ""), ("NoShow", ""), ("CancelByClinic", "x")] {
            let form = format!("id={}&action={action}&message={message}&csrf={}&lang=ja", visit.id, other.csrf);
            let reply = post(&app, "/api/staff/visit", &form, Some(&other.cookie), None).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{action}: {}", reply.body);
        }
        let visit_now = app.store.appointment(app.clinic, visit.id).await.expect("read").expect("visit");
        assert_eq!((visit_now.status, visit_now.arrived_at), (AppointmentStatus::Confirmed, None));
        // Clinic A's own staff: a visit that has not come yet is not marked arrived or missed
        // (a misclick would end it early), but can be cancelled with a message.
        for action in ["Arrived", "NoShow", "Completed"] {
            let form = format!("id={}&action={action}&message=&csrf={}&lang=ja", visit.id, own.csrf);
            let early = post(&app, "/api/staff/visit", &form, Some(&own.cookie), None).await;
            assert_eq!(early.status, StatusCode::CONFLICT, "{action}: {}", early.body);
        }
        let form = format!("id={}&action=CancelByClinic&message=%E4%BC%91%E8%A8%BA&csrf={}&lang=ja", visit.id, own.csrf);
        assert_eq!(post(&app, "/api/staff/visit", &form, Some(&own.cookie), None).await.status, StatusCode::OK);
        let cancelled = app.store.appointment(app.clinic, visit.id).await.expect("read").expect("visit");
        assert_eq!((cancelled.status, cancelled.note.as_deref()), (AppointmentStatus::CancelledByClinic, Some("休診")));

        // Their inbox does not show it.
        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&other.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().chain(&view.proposals).all(|i| i.id != id && i.reference != patient.request.reference));

        assert_eq!(status_of(&app, id).await, AppointmentStatus::Requested);
        assert_eq!(app.store.audit_trail(app.clinic, id).await.expect("trail").len(), 1);
        assert!(app.store.open_proposals(app.clinic).await.expect("read").is_empty());
    })
}

#[test]
fn owner_pages_are_refused_to_receptionists() {
    support::run(async {
        let app = app().await;
        let receptionist = signed_in(&app, StaffRole::Staff, "demo").await;
        let refused = post(&app, "/api/staff/settings", "lang=ja", Some(&receptionist.cookie), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(refused.body.contains("院長"), "{}", refused.body);
        let owner = signed_in(&app, StaffRole::Owner, "demo").await;
        let allowed = post(&app, "/api/staff/settings", "lang=ja", Some(&owner.cookie), None).await;
        assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    })
}

#[test]
fn live_updates_need_a_session_and_tell_of_each_change() {
    support::run(async {
        let app = app().await;
        let get = |cookie: Option<&str>| {
            let mut r = Request::get("/staff/events").header(header::HOST, HOST).header(header::ACCEPT, "text/event-stream");
            if let Some(cookie) = cookie {
                r = r.header(header::COOKIE, cookie);
            }
            r.body(Body::empty()).expect("request")
        };
        let anonymous = request(&app, get(None)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let expired = request(&app, get(Some("yoyaku_staff=nope"))).await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED);

        patient_with_request(&app).await;
        let staff = signed_in(&app, StaffRole::Staff, "demo").await;
        let response = tokio::time::timeout(std::time::Duration::from_secs(10), app.router.clone().oneshot(get(Some(&staff.cookie))))
            .await
            .expect("a response")
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        let mut body = response.into_body();
        // The page was rendered with the current inbox: nothing is sent until it changes.
        assert!(tokio::time::timeout(std::time::Duration::from_secs(3), body.frame()).await.is_err(), "no event without a change");
        patient_with_request(&app).await;
        let pending = app.store.pending_requests(app.clinic).await.expect("read").len();
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
            .await
            .expect("the change is told within a poll or two")
            .expect("a frame")
            .expect("frame");
        let data = String::from_utf8(frame.into_data().expect("data").to_vec()).expect("utf-8");
        assert!(data.contains("event: inbox") && data.contains(&format!("\"pending\":{pending}")), "{data}");
    })
}

/// The demo accounts have a published password: seeding adds them to a clinic it creates, or to
/// a sandbox clinic nobody can sign in to yet, never to a clinic with staff of its own.
#[test]
fn seeding_never_gives_a_staffed_clinic_the_demo_password() {
    support::run(async {
        let db = support::TestDb::sqlite().await;
        let store = db.store.as_ref();
        let clinic = |slug: &str| app::store::NewClinic {
            slug: slug.into(),
            name_ja: "さくら".into(),
            name_en: "Sakura".into(),
            time_zone: chrono_tz::Asia::Tokyo,
            open_on_holidays: false,
        };
        let real = store.create_clinic(clinic("sakura")).await.expect("clinic");
        let hash = server::staff::hash_password("a-real-owner-password").expect("hash");
        let owner = app::store::NewStaff { clinic_id: real, email: "inchou@sakura.jp".into(), display_name: "院長".into(), role: StaffRole::Owner, password_hash: hash };
        store.create_staff(owner).await.expect("owner");
        server::seed::seed_demo_as(store, "sakura", Utc::now()).await.expect("seed");
        assert!(store.staff_by_email(&demo_staff_email(StaffRole::Owner, "sakura")).await.expect("read").is_none());

        // A demo clinic from before staff accounts existed gets its demo accounts.
        store.create_clinic(clinic("old-demo")).await.expect("clinic");
        server::seed::seed_demo_as(store, "old-demo", Utc::now()).await.expect("seed");
        assert!(store.staff_by_email(&demo_staff_email(StaffRole::Owner, "old-demo")).await.expect("read").is_some());
        db.cleanup().await;
    })
}

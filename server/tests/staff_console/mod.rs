//! The staff console over HTTP, as a browser uses it, against a seeded SQLite database: the
//! demo clinic and a second one, signed-in staff, sandbox patients with a request. Shared by
//! `staff_sign_in.rs` and `staff_reception.rs`.

#![allow(dead_code)]

use app::actions::booking::{availability, Booking};
use app::api::staff::StaffMe;
use app::booking::availability::Offer;
use app::booking::ids::{AppointmentId, ClinicId, MenuId, PatientId};
use app::booking::status::AppointmentStatus;
use app::booking::BookingSource;
use app::store::{Actor, Appointment, SharedStore, StaffRole};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Days, Utc};
use http_body_util::BodyExt;
use server::seed::{demo_staff_email, DEMO_PASSWORD};
use tower::ServiceExt;

use crate::support;

pub const HOST: &str = "127.0.0.1";

pub struct App {
    pub router: axum::Router,
    pub store: SharedStore,
    pub line: std::sync::Arc<server::line::api::LineApi>,
    pub clinic: ClinicId,
    pub db: support::TestDb,
}

/// The demo clinic (sandbox mode) and a second demo clinic, `other`, with its own staff.
pub async fn app() -> App {
    let db = support::TestDb::sqlite().await;
    let clinic = server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    server::seed::seed_demo_as(db.store.as_ref(), "other", Utc::now()).await.expect("seed other");
    let (url, _fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let router = support::router(db.store.clone(), line.clone());
    App { router, store: db.store.clone(), line, clinic, db }
}

pub struct Reply {
    pub status: StatusCode,
    /// The whole `Set-Cookie` header, if any.
    pub set_cookie: Option<String>,
    pub body: String,
}

impl Reply {
    /// `name=value` of the cookie set.
    pub fn cookie(&self) -> String {
        self.set_cookie.as_deref().expect("a cookie").split(';').next().unwrap_or_default().to_string()
    }
}

pub async fn request(app: &App, request: Request<Body>) -> Reply {
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
pub async fn post(app: &App, path: &str, form: &str, cookie: Option<&str>, origin: Option<&str>) -> Reply {
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
    let body = crate::support::with_key(path, "application/x-www-form-urlencoded", form.as_bytes().to_vec());
    request(app, r.body(Body::from(body)).expect("request")).await
}

pub fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

pub async fn sign_in(app: &App, email: &str, password: &str) -> Reply {
    post(app, "/api/staff/sign_in", &format!("email={}&password={}&lang=ja", urlencode(email), urlencode(password)), None, None).await
}

/// A signed-in staff member: the cookie to send and the CSRF token.
pub struct Staff {
    pub cookie: String,
    pub csrf: String,
}

pub async fn signed_in(app: &App, role: StaffRole, slug: &str) -> Staff {
    let reply = sign_in(app, &demo_staff_email(role, slug), DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let me: StaffMe = serde_json::from_str(&reply.body).expect("StaffMe");
    Staff { cookie: reply.cookie(), csrf: me.csrf }
}

pub async fn inbox(app: &App, cookie: Option<&str>) -> Reply {
    post(app, "/api/staff/inbox", "lang=ja", cookie, None).await
}

/// A sandbox patient of the demo clinic, signed in on their phone, with a request for the
/// first-visit menu (which needs the clinic's approval).
pub struct Patient {
    pub cookie: String,
    pub id: PatientId,
    pub request: Appointment,
}

pub async fn patient_with_request(app: &App) -> Patient {
    let reply = post(app, "/api/liff/sandbox_sign_in", "slug=demo&lang=ja", None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.cookie();
    let token = cookie.trim_start_matches("yoyaku_patient=");
    let (_, id) = support::read(app.store.as_ref()).await.patient_session(token, Utc::now()).await.expect("read").expect("session");
    let request = book(app, id).await;
    Patient { cookie, id, request }
}

/// Books the first free first-visit place for `patient`, as the patient's booking does.
pub async fn book(app: &App, patient: PatientId) -> Appointment {
    let (menu, offer) = free_place(app).await;
    let booking = Booking {
        clinic: app.clinic,
        menu,
        resource: offer.resource_id,
        starts_at: offer.starts_at,
        patient,
        actor: Actor::Patient(patient),
        source: BookingSource::Patient,
        answers: Vec::new(),
        replaces: None,
        now: Utc::now(),
    };
    let a = support::book(app.store.as_ref(), &booking).await.expect("booked");
    assert_eq!(a.status, AppointmentStatus::Requested);
    a
}

/// The first-visit menu and its first free place from tomorrow on: a place today could already
/// have "come" (arrival may be marked early on the day), which would make tests depend on the
/// hour they run at.
pub async fn free_place(app: &App) -> (MenuId, Offer) {
    let mut db = support::read(app.store.as_ref()).await;
    let clinic = db.clinic(app.clinic).await.expect("read").expect("clinic");
    let menu = db.menus(app.clinic).await.expect("menus").into_iter().find(|m| m.name_en == "First visit").expect("menu");
    let tomorrow = Utc::now().with_timezone(&clinic.time_zone).date_naive() + Days::new(1);
    let offer = availability(db.as_mut(), &clinic, &menu, tomorrow, tomorrow + Days::new(25), Utc::now())
        .await
        .expect("availability")
        .into_iter()
        .next()
        .expect("a free place");
    (menu.id, offer)
}

pub async fn appointment(app: &App, id: AppointmentId) -> Appointment {
    support::read(app.store.as_ref()).await.appointment(app.clinic, id).await.expect("read").expect("appointment")
}

pub async fn status_of(app: &App, id: AppointmentId) -> AppointmentStatus {
    appointment(app, id).await.status
}

pub async fn approve(app: &App, id: AppointmentId, staff: &Staff) -> Reply {
    post(app, "/api/staff/approve", &format!("id={id}&csrf={}&lang=ja", staff.csrf), Some(&staff.cookie), Some(&format!("http://{HOST}"))).await
}

pub async fn staff_sessions(app: &App) -> i64 {
    let pool = sqlx::SqlitePool::connect(&app.db.url).await.expect("sqlite");
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM staff_sessions").fetch_one(&pool).await.expect("count");
    pool.close().await;
    n
}

/// A read connection to the app's database.
pub async fn db(app: &App) -> Box<dyn app::store::Reads> {
    support::read(app.store.as_ref()).await
}

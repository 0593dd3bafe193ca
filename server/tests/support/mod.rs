//! Fresh databases for tests: a temporary SQLite file, or a new PostgreSQL database created on
//! the server named by `YOYAKU_TEST_POSTGRES_URL` (default: the local `test` database). A test
//! that cannot reach PostgreSQL fails; it is never skipped.

#![allow(dead_code)]

pub mod web;

use std::sync::Once;

pub use app::actions::{self, booking::Booking, reception::Desk, settings};
use app::booking::hours::Interval;
use app::booking::ids::*;
use app::booking::model::*;
use app::booking::BookingSource;
pub use app::error::{AppError, ErrorCode, Problem};
use app::i18n::Lang;
use app::store::*;
use chrono::{DateTime, TimeZone, Utc, Weekday};
use sqlx::{Connection, Executor, PgConnection};

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDb {
    pub store: SharedStore,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn admin_url() -> String {
    std::env::var("YOYAKU_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_string())
}

async fn admin_connection(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap_or_else(|e| panic!("PostgreSQL is required for these tests and is not reachable at {url}: {e}"))
}

/// The key the test databases seal LINE credentials with.
pub fn test_key() -> server::db::secrets::SecretKey {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([7u8; 32]).parse().expect("a key")
}

/// Opens (and migrates) the database at `url` as the server does, with [`test_key`].
pub async fn open_store(url: &str) -> SharedStore {
    server::db::open(url, Some(test_key())).await.expect("open the database")
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("yoyaku.db").display());
        let store = open_store(&url).await;
        TestDb { store, url, cleanup: Cleanup::Sqlite(dir) }
    }

    pub async fn postgres() -> TestDb {
        static STALE: Once = Once::new();
        let admin_url = admin_url();
        let mut admin = admin_connection(&admin_url).await;
        let mut drop_stale = false;
        STALE.call_once(|| drop_stale = true);
        if drop_stale {
            // Databases left by earlier runs that were killed midway.
            let stale: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'yoyaku_test_%'")
                .fetch_all(&mut admin)
                .await
                .expect("list test databases");
            // Named `yoyaku_test_{pid}_…`: only databases of test processes that are gone.
            let alive = |name: &str| {
                name.strip_prefix("yoyaku_test_")
                    .and_then(|rest| rest.split('_').next())
                    .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
            };
            for name in stale.into_iter().filter(|n| !alive(n)) {
                let _ = admin.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str()).await;
            }
        }
        let name = format!("yoyaku_test_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
        admin.execute(format!("CREATE DATABASE \"{name}\"").as_str()).await.expect("create test database");
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("YOYAKU_TEST_POSTGRES_URL must name a database: {admin_url}"),
        };
        let store = open_store(&url).await;
        TestDb { store, url, cleanup: Cleanup::Postgres { admin_url, name } }
    }

    pub async fn cleanup(self) {
        drop(self.store);
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { admin_url, name } => {
                let mut admin = admin_connection(&admin_url).await;
                admin.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str()).await.expect("drop test database");
            }
        }
    }
}

pub const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;

pub fn tokyo(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    TOKYO.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid time").with_timezone(&Utc)
}

/// Monday 7 January 2030, 08:00 in Tokyo: "now" in the storage tests.
pub fn now() -> DateTime<Utc> {
    tokyo(2030, 1, 7, 8, 0)
}

pub struct Clinic1 {
    pub clinic: ClinicId,
    pub doctor: ResourceId,
    pub room: ResourceId,
    pub slot: MenuId,
    pub band: MenuId,
    pub queue: MenuId,
    pub auto: MenuId,
}

/// `in_tx!(store, |tx| body)`: runs `body` (`tx: &mut dyn Write`; `?` works inside, ending in a
/// `Result<_, Problem>`) in one write transaction, committed when the body is `Ok`, dropped
/// (rolled back) otherwise.
#[allow(unused_macros)]
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $store.write().await.expect("begin a write transaction");
        let result: Result<_, app::error::Problem> = {
            let $tx: &mut dyn app::store::Write = $tx.as_mut();
            async { $body }.await
        };
        if result.is_ok() {
            $tx.commit().await.expect("commit");
        }
        result
    }};
}
#[allow(unused_imports)]
pub(crate) use in_tx;

/// A connection for reads.
pub async fn read(store: &dyn Store) -> Box<dyn Reads> {
    store.read().await.expect("a read connection")
}

/// The system as the editor of `clinic`'s settings (seeding and the command line do the same).
pub fn system(clinic: ClinicId) -> Editor {
    Editor { clinic, actor: Actor::System, now: now() }
}

pub fn menu(name: &str, mode: BookingMode, duration: u32, resource: ResourceId) -> MenuSpec {
    MenuSpec {
        name_ja: name.into(),
        name_en: name.into(),
        duration_minutes: duration,
        mode,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 0,
        horizon_days: 30,
        cancel_cutoff_minutes: 60,
        approval: Approval::RequiresStaff,
        hold_minutes: 60,
        resource_ids: vec![resource],
        active: true,
        several_per_day: false,
        near_turn: 3,
    }
}

pub fn resource(name: &str, kind: ResourceKind) -> ResourceSpec {
    ResourceSpec { name_ja: name.into(), name_en: name.into(), kind }
}

/// A clinic open 9:00–12:00 every day, with one menu of each booking mode, made the way the
/// owner's settings make one.
pub async fn clinic(store: &dyn Store, slug: &str) -> Clinic1 {
    let result = in_tx!(store, |tx| {
        let new = NewClinic { slug: slug.into(), name_ja: "テスト医院".into(), name_en: "Test clinic".into(), time_zone: TOKYO, open_on_holidays: true };
        let clinic = settings::create_clinic(tx, &new, now()).await?;
        let by = system(clinic);
        // Two receptionists: the first test clinic of a database has staff 1 and 2, whom the
        // reception tests act as (a staff change is kept in the access log, by a real account).
        for n in 1..=2 {
            settings::add_staff(tx, by, &format!("desk{n}@{slug}.example.jp"), &format!("受付{n}"), StaffRole::Staff, "unused".into()).await?;
        }
        let doctor =
            settings::save_resource(tx, by, None, &ResourceSpec { name_ja: "医師".into(), name_en: "Doctor".into(), kind: ResourceKind::Practitioner }).await?;
        let room = settings::save_resource(tx, by, None, &ResourceSpec { name_ja: "部屋".into(), name_en: "Room".into(), kind: ResourceKind::Room }).await?;
        let shots =
            settings::save_resource(tx, by, None, &ResourceSpec { name_ja: "接種".into(), name_en: "Shots".into(), kind: ResourceKind::Practitioner }).await?;
        for resource in [doctor, room, shots] {
            for weekday in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun] {
                settings::set_weekday_hours(tx, by, resource, weekday, &[Interval { opens: 9 * 60, closes: 12 * 60 }], settings::OnVisits::Refuse).await?;
            }
        }
        let slot = settings::save_menu(tx, by, None, &menu("slot", BookingMode::TimeSlot { seats: 1 }, 30, doctor)).await?;
        let band = settings::save_menu(tx, by, None, &menu("band", BookingMode::TimeBand { capacity: 3 }, 60, room)).await?;
        let queue = settings::save_menu(tx, by, None, &menu("queue", BookingMode::DayQueue { places: 5 }, 10, shots)).await?;
        let auto_confirm = MenuSpec { approval: Approval::AutoConfirm, ..menu("auto", BookingMode::TimeSlot { seats: 1 }, 30, doctor) };
        let auto = settings::save_menu(tx, by, None, &auto_confirm).await?;
        Ok(Clinic1 { clinic, doctor, room, slot, band, queue, auto })
    });
    result.expect("the test clinic")
}

/// `n` LINE patients of `clinic`, each with a different LINE user id and their details given.
pub async fn patients(store: &dyn Store, clinic: ClinicId, n: usize) -> Vec<PatientId> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let result = in_tx!(store, |tx| {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let i = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let details = PatientDetails { name: format!("患者 {i}"), furigana: "カンジャ".into(), phone: "09000000000".into(), birth_date: None };
            let new = NewPatient { clinic_id: clinic, identity: Identity::Line { user_id: format!("U{i:032x}"), friend: None }, details, language: Lang::Ja };
            ids.push(tx.insert_patient(&new, now()).await?.expect("a new patient"));
        }
        Ok(ids)
    });
    result.expect("patients")
}

/// The patient's own request for a place, made at [`now`].
pub fn booking(clinic: ClinicId, menu: MenuId, resource: ResourceId, starts_at: DateTime<Utc>, patient: PatientId) -> Booking {
    Booking {
        clinic,
        menu,
        resource,
        starts_at,
        patient,
        actor: Actor::Patient(patient),
        source: BookingSource::Patient,
        answers: Vec::new(),
        replaces: None,
        now: now(),
    }
}

/// Books in a transaction of its own, as a server function does.
pub async fn book(store: &dyn Store, b: &Booking) -> Result<Appointment, Problem> {
    in_tx!(store, |tx| actions::booking::book(tx, b).await)
}

/// The clinic, for the actions that take it whole.
pub async fn clinic_row(store: &dyn Store, clinic: ClinicId) -> app::booking::model::Clinic {
    read(store).await.clinic(clinic).await.expect("read the clinic").expect("the clinic")
}

/// Staff member `staff` at the desk of `clinic` at `at`, for the reception actions.
pub fn desk(clinic: &app::booking::model::Clinic, staff: StaffId, at: DateTime<Utc>) -> Desk<'_> {
    Desk { clinic, staff, now: at }
}

/// A fake LINE API on a free local port: its base URL and a handle to issue tokens or inject
/// failures.
pub async fn fake_line() -> (String, fake_line::FakeLine) {
    let fake = fake_line::FakeLine::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = fake.router();
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("fake LINE");
    });
    (format!("http://{addr}"), fake)
}

/// Runs a test on one runtime shared by the whole test binary. Leptos keeps process-wide state
/// (its task spawner) that must not outlive the runtime it first saw, so tests that render pages
/// must not each bring their own runtime.
/// The HTTP app as `serve` builds it, on `store`, with LINE at `line` and LINE's mock SDK.
pub fn router(store: SharedStore, line: std::sync::Arc<server::line::api::LineApi>) -> axum::Router {
    router_with_limits(store, line, app::api::limits::PatientLimits::per_minute(std::num::NonZeroU32::new(100_000).expect("non-zero")))
}

/// The same, with patients' per-address limits as given (the tests of those limits).
pub fn router_with_limits(store: SharedStore, line: std::sync::Arc<server::line::api::LineApi>, limits: app::api::limits::PatientLimits) -> axum::Router {
    let leptos_options = leptos::prelude::LeptosOptions::builder().output_name("yoyaku").build();
    let limits = std::sync::Arc::new(limits);
    server::http::router(app::state::AppState { leptos_options, store, line, liff_sdk: app::state::LiffSdk::Mock, limits })
}

/// `on_both!(test_a, test_b)`: each `async fn test_a(db: &TestDb)` runs on a fresh SQLite and a
/// fresh PostgreSQL database.
#[allow(unused_macros)]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { let db = $crate::support::TestDb::sqlite().await; super::$name(&db).await; db.cleanup().await; }
        )* }
        mod postgres { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { let db = $crate::support::TestDb::postgres().await; super::$name(&db).await; db.cleanup().await; }
        )* }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both;

pub fn run<F: std::future::Future>(test: F) -> F::Output {
    static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> =
        std::sync::LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("test runtime"));
    RUNTIME.block_on(test)
}

/// The error a server function answered with: it must be `code`, with the HTTP status the code
/// names (and says in its body).
pub fn app_error(status: axum::http::StatusCode, body: &str, code: ErrorCode) -> AppError {
    let error: AppError = serde_json::from_str(body).unwrap_or_else(|e| panic!("not an AppError ({e}): {status} {body}"));
    assert_eq!((error.code, status.as_u16(), error.status), (code, code.status(), code.status()), "{body}");
    assert!(!error.message.is_empty(), "{body}");
    error
}

/// The patient LINE user `user` becomes on their first sign-in.
pub async fn line_patient(store: &dyn Store, clinic: ClinicId, user: &str) -> Patient {
    in_tx!(store, |tx| actions::patients::line_patient(tx, clinic, user, Lang::Ja, now()).await).expect("a LINE patient")
}

/// Whether LINE user `user` is a friend of the clinic's Official Account, as stored.
pub async fn line_friend(store: &dyn Store, clinic: ClinicId, user: &str) -> Option<bool> {
    match read(store).await.line_patient(clinic, user).await.expect("read").expect("the patient").identity {
        Identity::Line { friend, .. } => friend,
        other => panic!("not a LINE patient: {other:?}"),
    }
}

/// Test LINE channels (nothing answers them), so notices are queued for LINE patients.
pub fn test_line_settings() -> LineSettings {
    LineSettings {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: "1657000000".into(),
        channel_secret: Some("secret".into()),
        channel_access_token: Some("token".into()),
        add_friend_url: None,
    }
}

/// Connects the clinic to `line`, as its owner does in the settings.
pub async fn connect_line(store: &dyn Store, clinic: ClinicId, line: LineSettings) {
    in_tx!(store, |tx| settings::update_line(tx, system(clinic), Some(line)).await).expect("LINE settings")
}

/// A staff account (whose password is never used).
pub async fn staff_member(store: &dyn Store, clinic: ClinicId, email: &str, role: StaffRole) -> StaffId {
    in_tx!(store, |tx| settings::add_staff(tx, system(clinic), email, "受付", role, "unused".into()).await).expect("a staff account")
}

/// Whether the server function at `path` changes something, and so takes an idempotency key.
pub fn takes_key(path: &str) -> bool {
    const KEYED: [&str; 13] = [
        "/api/liff/submit",
        "/api/liff/check_in",
        "/api/staff/queue/press",
        "/api/liff/cancel",
        "/api/liff/withdraw",
        "/api/liff/answer_proposal",
        "/api/staff/approve",
        "/api/staff/decline",
        "/api/staff/propose",
        "/api/staff/resend",
        "/api/staff/visit",
        "/api/staff/book_by_phone",
        "/api/staff/patient_erase",
    ];
    KEYED.contains(&path) || path.starts_with("/api/staff/settings/")
}

/// A fresh idempotency key, as a page makes one for one intention.
pub fn fresh_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The body a test sends to `path`, with a fresh idempotency key when the function takes one and
/// the body names none: each call a test makes is a new intention unless it says otherwise (by
/// sending `key` itself). Bodies that are not a form or a JSON object go as they are.
pub fn with_key(path: &str, content_type: &str, body: Vec<u8>) -> Vec<u8> {
    if !takes_key(path) {
        return body;
    }
    if content_type.starts_with("application/json") {
        return match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(mut fields)) if !fields.contains_key("key") => {
                fields.insert("key".into(), fresh_key().into());
                serde_json::Value::Object(fields).to_string().into_bytes()
            }
            _ => body,
        };
    }
    let text = String::from_utf8_lossy(&body);
    if text.split('&').any(|field| field.starts_with("key=")) {
        body
    } else if text.is_empty() {
        format!("key={}", fresh_key()).into_bytes()
    } else {
        format!("{text}&key={}", fresh_key()).into_bytes()
    }
}

/// What the app answered: the status, the session cookie it set (`name=value`), the body.
pub struct Reply {
    pub status: axum::http::StatusCode,
    pub cookie: Option<String>,
    pub body: String,
}

/// POSTs `body` to a server function as the browser's client does (with a fresh idempotency key
/// where one is due, see [`with_key`]).
pub async fn post(router: &axum::Router, path: &str, content_type: &str, body: String, cookie: Option<&str>) -> Reply {
    post_from(router, None, path, content_type, body, cookie).await
}

/// [`post`] from the client at `from`, as the server's listener tells the app.
pub async fn post_from(router: &axum::Router, from: Option<std::net::SocketAddr>, path: &str, content_type: &str, body: String, cookie: Option<&str>) -> Reply {
    use axum::http::header;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request =
        axum::http::Request::post(path).header(header::CONTENT_TYPE, content_type).header(header::ACCEPT, "application/json").header(header::HOST, "127.0.0.1");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let body = with_key(path, content_type, body.into_bytes());
    let mut request = request.body(axum::body::Body::from(body)).expect("request");
    if let Some(from) = from {
        request.extensions_mut().insert(axum::extract::ConnectInfo(from));
    }
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).map(|v| v.split(';').next().unwrap_or_default().to_string());
    let body = String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("utf-8");
    Reply { status, cookie, body }
}

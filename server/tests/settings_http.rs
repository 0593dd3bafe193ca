//! The settings' server functions over HTTP, on the seeded demo clinics: only the clinic's
//! owner, with the session's CSRF token, reads or changes anything; staff accounts added,
//! disabled and given new passwords sign in (or not) at once; LINE secrets never reach the page;
//! a closure takes the day off the patient's page at once; ids of another clinic are not found.
//! The actions themselves, on both backends: `settings.rs` and `settings_staff.rs`.

mod support;

use app::booking::hours::Interval;
use app::booking::ids::*;
use app::store::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, Utc, Weekday};
use http_body_util::BodyExt;
use support::*;
use tower::ServiceExt;

struct App {
    router: axum::Router,
    store: SharedStore,
    _db: TestDb,
}

async fn app() -> App {
    let db = TestDb::sqlite().await;
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    server::seed::seed_demo_as(db.store.as_ref(), "other", Utc::now()).await.expect("seed");
    let (url, _fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let router = support::router(db.store.clone(), line);
    App { router, store: db.store.clone(), _db: db }
}

async fn clinic_of(app: &App, slug: &str) -> app::booking::model::Clinic {
    read(app.store.as_ref()).await.clinic_by_slug(slug).await.expect("read").expect("clinic")
}

/// A signed-in staff member of `slug` (the account added by the system): the session cookie,
/// its CSRF token and the account's id.
async fn session(app: &App, slug: &str, role: StaffRole) -> (String, String, StaffId) {
    let clinic = clinic_of(app, slug).await.id;
    let email = format!("{}-{}@example.jp", role.as_str(), slug);
    let token = format!("token-{slug}-{}", role.as_str());
    let csrf = format!("csrf-{slug}-{}", role.as_str());
    let staff = in_tx!(app.store, |tx| {
        let by = Editor { clinic, actor: Actor::System, now: Utc::now() };
        let staff = settings::add_staff(tx, by, &email, role.as_str(), role, "unused".into()).await?;
        let s = StaffSession { staff_id: staff, clinic_id: clinic, csrf_token: csrf.clone(), expires_at: Utc::now() + Duration::hours(1) };
        tx.insert_staff_session(&token, &s, Utc::now()).await?;
        Ok(staff)
    })
    .expect("session");
    (format!("yoyaku_staff={token}"), csrf, staff)
}

async fn audit(app: &App, clinic: ClinicId) -> Vec<SettingsAuditEntry> {
    read(app.store.as_ref()).await.settings_audit(clinic, 500).await.expect("audit")
}

async fn staff_members(app: &App, clinic: ClinicId) -> Vec<StaffAccount> {
    read(app.store.as_ref()).await.staff_members(clinic).await.expect("staff")
}

async fn opening_hours(app: &App, clinic: ClinicId) -> Vec<app::booking::model::OpeningHours> {
    read(app.store.as_ref()).await.opening_hours(clinic).await.expect("hours")
}

async fn post(app: &App, path: &str, body: serde_json::Value, cookie: Option<&str>) -> (StatusCode, String) {
    send(app, path, "application/json", body.to_string(), cookie).await
}

/// The page's read (`load_settings`) takes a URL-encoded form.
async fn load(app: &App, lang: &str, cookie: Option<&str>) -> (StatusCode, String) {
    send(app, "/api/staff/settings", "application/x-www-form-urlencoded", format!("lang={lang}"), cookie).await
}

async fn send(app: &App, path: &str, content_type: &str, body: String, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, content_type).header(header::ACCEPT, "application/json").header(header::HOST, "127.0.0.1");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let body = with_key(path, content_type, body.into_bytes());
    let response = app.router.clone().oneshot(request.body(Body::from(body)).expect("request")).await.expect("response");
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8(body.to_vec()).expect("utf-8"))
}

/// Signs in with an e-mail and a password: the status, the session cookie (`name=value`) if any.
async fn sign_in(app: &App, email: &str, password: &str) -> (StatusCode, Option<String>) {
    let encode = |s: &str| {
        s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>()
    };
    let form = format!("email={}&password={}&lang=en", encode(email), encode(password));
    let request = Request::post("/api/staff/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "127.0.0.1")
        .body(Body::from(form))
        .expect("request");
    let response = app.router.clone().oneshot(request).await.expect("response");
    let cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).map(str::to_string);
    (response.status(), cookie)
}

async fn inbox(app: &App, cookie: &str) -> StatusCode {
    send(app, "/api/staff/inbox", "application/x-www-form-urlencoded", "lang=ja".into(), Some(cookie)).await.0
}

fn saved(status: StatusCode, body: &str) {
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn invalid_fields(status: StatusCode, body: &str) -> Vec<String> {
    app_error(status, body, ErrorCode::Invalid).fields.into_iter().map(|e| e.field).collect()
}

#[test]
fn only_the_clinics_owner_with_the_csrf_token_changes_settings() {
    run(async {
        let app = app().await;
        let demo = clinic_of(&app, "demo").await;
        let doctor = read(app.store.as_ref()).await.resources(demo.id).await.expect("resources")[0].id;
        let (owner_cookie, owner_csrf, owner) = session(&app, "demo", StaffRole::Owner).await;
        let (staff_cookie, staff_csrf, _) = session(&app, "demo", StaffRole::Staff).await;
        let (other_cookie, other_csrf, _) = session(&app, "other", StaffRole::Owner).await;
        let hours_before = opening_hours(&app, demo.id).await;
        let audit_before = audit(&app, demo.id).await;
        let change = |csrf: &str| serde_json::json!({ "csrf": csrf, "resource_id": doctor.0, "weekday": 1, "hours": "", "lang": "en" });

        let refused = [
            (None, owner_csrf.as_str(), StatusCode::UNAUTHORIZED),
            (Some(staff_cookie.as_str()), staff_csrf.as_str(), StatusCode::FORBIDDEN),
            (Some(owner_cookie.as_str()), "wrong-token", StatusCode::FORBIDDEN),
            (Some(owner_cookie.as_str()), "", StatusCode::FORBIDDEN),
            (Some(other_cookie.as_str()), other_csrf.as_str(), StatusCode::NOT_FOUND),
        ];
        for (cookie, csrf, expected) in refused {
            let (status, body) = post(&app, "/api/staff/settings/hours", change(csrf), cookie).await;
            assert_eq!(status, expected, "{cookie:?} {csrf}: {body}");
        }
        // A staff member (not the owner) cannot even read the settings.
        assert_eq!(load(&app, "en", Some(&staff_cookie)).await.0, StatusCode::FORBIDDEN);
        assert_eq!(load(&app, "en", None).await.0, StatusCode::UNAUTHORIZED);
        // Nothing changed, nothing audited.
        assert_eq!(opening_hours(&app, demo.id).await, hours_before);
        assert_eq!(audit(&app, demo.id).await, audit_before);

        // A broken form is answered per field and changes nothing.
        let mut broken = change(&owner_csrf);
        broken["hours"] = "9:00-8:00".into();
        let (status, body) = post(&app, "/api/staff/settings/hours", broken, Some(&owner_cookie)).await;
        assert_eq!(invalid_fields(status, &body), [format!("hours-{}-1", doctor.0)]);
        assert_eq!(opening_hours(&app, demo.id).await, hours_before);
        assert_eq!(audit(&app, demo.id).await, audit_before);

        // The owner, with the token: the doctor is closed on Tuesdays, and it is audited once.
        let tuesdays = |hours: &[app::booking::model::OpeningHours]| {
            hours.iter().filter(|h| h.resource_id == doctor && h.weekday == Weekday::Tue).map(|h| Interval::of_times(h.opens, h.closes)).collect::<Vec<_>>()
        };
        assert!(!tuesdays(&hours_before).is_empty(), "the seeded doctor works on Tuesdays");
        let (status, body) = post(&app, "/api/staff/settings/hours", change(&owner_csrf), Some(&owner_cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(tuesdays(&opening_hours(&app, demo.id).await).is_empty());
        let audit = audit(&app, demo.id).await;
        assert_eq!(audit.len(), audit_before.len() + 1);
        assert_eq!((audit[0].area, audit[0].actor), (SettingsArea::Hours, Actor::Staff(owner)));
    })
}

#[test]
fn the_owner_adds_disables_and_keeps_staff_accounts() {
    use app::api::staff::settings::SettingsData;
    run(async {
        let app = app().await;
        let demo = clinic_of(&app, "demo").await;
        let other = clinic_of(&app, "other").await;
        let other_audit_before = audit(&app, other.id).await;
        let (owner_cookie, owner_csrf, _) = session(&app, "demo", StaffRole::Owner).await;
        let (staff_cookie, staff_csrf, _) = session(&app, "demo", StaffRole::Staff).await;
        let form = |csrf: &str, password: &str| {
            serde_json::json!({ "csrf": csrf, "lang": "en",
                "form": { "email": " New.Nurse@Demo.example.jp ", "name": "看護師 新人", "role": "staff", "password": password } })
        };
        let any_id = staff_members(&app, demo.id).await[0].id;
        let calls = |csrf: &str, id: StaffId| {
            [
                ("/api/staff/settings/staff/add", form(csrf, "a-long-password-1")),
                ("/api/staff/settings/staff/role", serde_json::json!({ "csrf": csrf, "id": id, "role": "owner", "lang": "en" })),
                ("/api/staff/settings/staff/disabled", serde_json::json!({ "csrf": csrf, "id": id, "disabled": true, "lang": "en" })),
                ("/api/staff/settings/staff/password", serde_json::json!({ "csrf": csrf, "id": id, "password": "a-long-password-2", "lang": "en" })),
            ]
        };
        // A receptionist is refused every change.
        for (path, body) in calls(&staff_csrf, any_id) {
            let (status, reply) = post(&app, path, body, Some(&staff_cookie)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {reply}");
        }
        let members_before = staff_members(&app, demo.id).await;

        // A short password is answered on its field, and nothing is added.
        let (status, body) = post(&app, "/api/staff/settings/staff/add", form(&owner_csrf, "short"), Some(&owner_cookie)).await;
        assert_eq!(invalid_fields(status, &body), ["staff-password"]);
        assert_eq!(staff_members(&app, demo.id).await, members_before);

        // The owner adds a receptionist, who signs in.
        let (status, body) = post(&app, "/api/staff/settings/staff/add", form(&owner_csrf, "a-long-password-1"), Some(&owner_cookie)).await;
        saved(status, &body);
        let (status, body) = post(&app, "/api/staff/settings/staff/add", form(&owner_csrf, "a-long-password-1"), Some(&owner_cookie)).await;
        assert_eq!(app_error(status, &body, ErrorCode::EmailTaken).status, 409, "the same address twice");
        let (status, nurse_cookie) = sign_in(&app, "new.nurse@demo.example.jp", "a-long-password-1").await;
        assert_eq!(status, StatusCode::OK);
        let nurse_cookie = nurse_cookie.expect("a session cookie");
        assert_eq!(inbox(&app, &nurse_cookie).await, StatusCode::OK);

        // The page lists the accounts, never a password hash.
        let (status, body) = load(&app, "en", Some(&owner_cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(!body.contains("argon2") && !body.contains("a-long-password-1"), "{body}");
        let data: SettingsData = serde_json::from_str(&body).expect("settings");
        let nurse = data.staff.iter().find(|m| m.email == "new.nurse@demo.example.jp").expect("listed");
        assert_eq!((nurse.name.as_str(), nurse.role, nurse.disabled, nurse.is_me), ("看護師 新人", StaffRole::Staff, false, false));
        let me = data.staff.iter().find(|m| m.is_me).expect("me").id;

        // Disabling ends the session at once and refuses the next sign-in.
        let disable = |id: StaffId, disabled: bool| serde_json::json!({ "csrf": owner_csrf, "id": id, "disabled": disabled, "lang": "en" });
        let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(nurse.id, true), Some(&owner_cookie)).await;
        saved(status, &body);
        assert_eq!(inbox(&app, &nurse_cookie).await, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, "new.nurse@demo.example.jp", "a-long-password-1").await.0, StatusCode::UNAUTHORIZED);
        // Enabled again, with a new password.
        let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(nurse.id, false), Some(&owner_cookie)).await;
        saved(status, &body);
        let password = serde_json::json!({ "csrf": owner_csrf, "id": nurse.id, "password": "another-password", "lang": "en" });
        let (status, body) = post(&app, "/api/staff/settings/staff/password", password, Some(&owner_cookie)).await;
        saved(status, &body);
        assert_eq!(sign_in(&app, "new.nurse@demo.example.jp", "a-long-password-1").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, "new.nurse@demo.example.jp", "another-password").await.0, StatusCode::OK);

        // The seeded demo owner is disabled: the signed-in owner is the last one, and can
        // neither disable nor demote themself.
        let seeded = data.staff.iter().find(|m| m.email == "owner@demo.example.jp").expect("seeded owner").id;
        let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(seeded, true), Some(&owner_cookie)).await;
        saved(status, &body);
        let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(me, true), Some(&owner_cookie)).await;
        app_error(status, &body, ErrorCode::OwnAccount);
        let demote = serde_json::json!({ "csrf": owner_csrf, "id": me, "role": "staff", "lang": "ja" });
        let (status, body) = post(&app, "/api/staff/settings/staff/role", demote, Some(&owner_cookie)).await;
        assert!(app_error(status, &body, ErrorCode::OwnAccount).message.contains("自分のアカウント"), "{body}");
        let owners: Vec<_> = staff_members(&app, demo.id).await.into_iter().filter(|m| m.role == StaffRole::Owner && !m.disabled).collect();
        assert_eq!(owners.iter().map(|m| m.id).collect::<Vec<_>>(), [me]);

        // Another clinic's account: 404, and nothing changes.
        let theirs_before = staff_members(&app, other.id).await;
        for (path, body) in calls(&owner_csrf, theirs_before[0].id).into_iter().skip(1) {
            let (status, reply) = post(&app, path, body, Some(&owner_cookie)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {reply}");
        }
        assert_eq!(staff_members(&app, other.id).await, theirs_before);
        assert_eq!(audit(&app, other.id).await, other_audit_before);
        // The owner's five changes are audited (the refusals not), never a password or a hash.
        let audit = audit(&app, demo.id).await;
        let mine: Vec<_> = audit.iter().filter(|a| a.actor == Actor::Staff(me)).collect();
        assert_eq!(mine.len(), 5, "{mine:?}");
        assert!(mine.iter().all(|a| a.area == SettingsArea::Staff), "{mine:?}");
        assert!(audit.iter().all(|a| !a.summary.contains("password-") && !a.summary.contains("argon2")), "{audit:?}");

        // A new password of one's own signs out every other device, not this one.
        let other_device = StaffSession { staff_id: me, clinic_id: demo.id, csrf_token: "csrf-elsewhere".into(), expires_at: Utc::now() + Duration::hours(1) };
        in_tx!(app.store, |tx| Ok(tx.insert_staff_session("token-elsewhere", &other_device, Utc::now()).await?)).expect("session");
        let elsewhere = "yoyaku_staff=token-elsewhere".to_string();
        assert_eq!(inbox(&app, &elsewhere).await, StatusCode::OK);
        let mine = serde_json::json!({ "csrf": owner_csrf, "id": me, "password": "my-new-owner-password", "lang": "en" });
        let (status, body) = post(&app, "/api/staff/settings/staff/password", mine, Some(&owner_cookie)).await;
        saved(status, &body);
        assert_eq!(inbox(&app, &owner_cookie).await, StatusCode::OK, "this device stays signed in");
        assert_eq!(inbox(&app, &elsewhere).await, StatusCode::UNAUTHORIZED, "the other device is signed out");
    })
}

#[test]
fn line_secrets_never_reach_the_page() {
    run(async {
        let app = app().await;
        let (cookie, csrf, _) = session(&app, "demo", StaffRole::Owner).await;
        let form = serde_json::json!({
            "csrf": csrf, "lang": "ja",
            "form": { "liff_id": "1657000000-AbCdEfGh", "login_channel_id": "1657000000", "add_friend_url": "",
                      "channel_secret": "0123456789abcdef0123456789abcdef", "channel_access_token": "ACCESS-TOKEN-VALUE" },
        });
        let (status, body) = post(&app, "/api/staff/settings/line", form, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = load(&app, "ja", Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(!body.contains("0123456789abcdef0123456789abcdef") && !body.contains("ACCESS-TOKEN-VALUE"), "{body}");
        let data: app::api::staff::settings::SettingsData = serde_json::from_str(&body).expect("settings");
        assert!(data.line.connected && data.line.secret_set && data.line.token_set);
        // The one change by a person (the seeding's are the system's, shown as `-`): the LINE one.
        let by_people: Vec<_> = data.audit.iter().filter(|a| a.staff != "-").collect();
        assert_eq!(by_people.len(), 1, "{:?}", data.audit);
        assert_eq!((by_people[0].area.as_str(), by_people[0].staff.as_str()), ("LINE", "owner"));
        assert_eq!(by_people[0], &data.audit[0], "the newest entry");
        assert!(!by_people[0].summary.contains("ACCESS-TOKEN-VALUE") && !by_people[0].summary.contains("0123456789abcdef"));
    })
}

#[test]
fn the_settings_page_is_served_as_the_console_shell() {
    run(async {
        let app = app().await;
        let (cookie, _, _) = session(&app, "demo", StaffRole::Owner).await;
        let request = Request::get("/staff/settings").header(header::HOST, "127.0.0.1").header(header::COOKIE, cookie).body(Body::empty()).expect("request");
        let response = app.router.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.expect("body").to_bytes();
        let html = String::from_utf8(body.to_vec()).expect("utf-8");
        // The console is built in the browser (its data comes from the server functions
        // tested above; Playwright checks the page): the server sends the shell only.
        assert!(html.contains(r#"<div class="console">"#) && html.contains("読み込み中"), "{html}");
        assert!(!html.contains("祝日も診療する"), "no settings in the server's HTML");
    })
}

/// The waiting-room poster: any staff member of the clinic prints it; its QR code is of the
/// clinic's booking page (decoded from the rendered page in `end2end/tests/poster.spec.ts`).
#[test]
fn the_poster_points_at_the_clinics_booking_page() {
    run(async {
        let app = app().await;
        let (cookie, _, _) = session(&app, "demo", StaffRole::Staff).await;
        let (status, body) = send(&app, "/api/staff/poster", "application/x-www-form-urlencoded", "lang=ja".into(), Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let poster: app::api::staff::poster::Poster = serde_json::from_str(&body).expect("poster");
        assert_eq!(poster.booking_url, "http://127.0.0.1/liff/demo", "a sandbox clinic: its LIFF page on this server");
        assert!(poster.booking_qr.contains("<svg") && poster.booking_qr.contains("</svg>"), "{}", poster.booking_qr);
        assert_eq!(poster.friend_qr, None);
        // The demo's practitioners and room, merged: Dr. Yamada's surgery covers the others.
        assert_eq!(poster.hours, ["月〜金 09:00–12:30, 14:00–18:00", "土 09:00–12:30", "日 休診"]);

        let (status, body) = send(&app, "/api/staff/poster", "application/x-www-form-urlencoded", "lang=ja".into(), None).await;
        app_error(status, &body, ErrorCode::SignInRequired);
    })
}

/// The acceptance check: a closure the owner adds takes the day off the patient's page.
#[test]
fn a_closure_changes_what_patients_are_offered_at_once() {
    run(async {
        let app = app().await;
        let (cookie, csrf, _) = session(&app, "demo", StaffRole::Owner).await;
        let overview = || async {
            let (status, body) = send(&app, "/api/clinic_overview", "application/x-www-form-urlencoded", "slug=demo&lang=ja".into(), None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            serde_json::from_str::<app::api::ClinicOverview>(&body).expect("overview")
        };
        let before = overview().await;
        let day = before.menus[0].next_places.first().expect("a free place").date.clone();
        let form = serde_json::json!({ "csrf": csrf, "lang": "ja", "form": { "date": day, "resource_id": null, "closed": true, "opens": "", "closes": "" } });
        let (status, body) = post(&app, "/api/staff/settings/exception", form, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let after = overview().await;
        assert!(after.menus.iter().flat_map(|m| &m.next_places).all(|p| p.date != day), "{day} is still offered");
    })
}

/// Another clinic's owner sends the demo clinic's menu id: 404, and the menu is unchanged.
#[test]
fn a_menu_of_another_clinic_is_not_found() {
    run(async {
        let app = app().await;
        let demo = clinic_of(&app, "demo").await;
        let other = clinic_of(&app, "other").await;
        let (cookie, csrf, _) = session(&app, "other", StaffRole::Owner).await;
        let menus = |clinic: ClinicId| {
            let store = app.store.clone();
            async move { read(store.as_ref()).await.menus(clinic).await.expect("menus") }
        };
        let menus_before = menus(demo.id).await;
        let (demo_audit, other_audit) = (audit(&app, demo.id).await, audit(&app, other.id).await);
        let own_resource = read(app.store.as_ref()).await.resources(other.id).await.expect("resources")[0].id;
        let mut form = serde_json::to_value(app::api::staff::settings::MenuForm::new_menu()).expect("json");
        form["id"] = menus_before[0].id.0.into();
        form["name_ja"] = "乗っ取り".into();
        form["name_en"] = "Hijack".into();
        form["resource_ids"] = serde_json::json!([own_resource.0]);
        let body = serde_json::json!({ "csrf": csrf, "lang": "en", "form": form });
        let (status, reply) = post(&app, "/api/staff/settings/menu", body, Some(&cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{reply}");
        assert_eq!(menus(demo.id).await, menus_before);
        assert_eq!(audit(&app, demo.id).await, demo_audit);
        assert_eq!(audit(&app, other.id).await, other_audit);
    })
}

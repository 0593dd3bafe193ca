//! The staff console's sign-in and sessions over HTTP, as a browser uses them, against a seeded
//! SQLite database: wrong passwords and lock-out (per account, per address, behind a proxy),
//! the session cookie and sign-out, expired sessions, missing or wrong CSRF tokens and other
//! sites, a receptionist on an owner's page, and the demo accounts seeding hands out.

mod staff_console;
mod support;

use app::actions::settings;
use app::api::staff::StaffMe;
use app::booking::status::AppointmentStatus;
use app::store::{StaffRole, StaffSession};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, Utc};
use server::seed::{demo_staff_email, DEMO_PASSWORD};
use staff_console::*;

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
        assert_eq!((me.role, me.clinic_slug.as_str(), me.sandbox), (StaffRole::Owner, "demo", true));
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
        assert_eq!(db(&app).await.staff_session(token, Utc::now()).await.expect("read"), None, "ended on the server");
        // The old cookie (kept by an attacker, say) no longer works.
        let after = inbox(&app, Some(&cookie)).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
    })
}

#[test]
fn an_expired_session_is_refused() {
    support::run(async {
        let app = app().await;
        let owner = db(&app).await.staff_by_email(&demo_staff_email(StaffRole::Owner, "demo")).await.expect("read").expect("owner");
        let now = Utc::now();
        let session =
            StaffSession { staff_id: owner.id, clinic_id: owner.clinic_id, csrf_token: "csrf-expired".into(), expires_at: now - Duration::minutes(1) };
        let live = StaffSession { expires_at: now + Duration::hours(1), csrf_token: "csrf-live".into(), ..session.clone() };
        support::in_tx!(app.store, |tx| {
            tx.insert_staff_session("expired-token", &session, now - Duration::hours(12)).await?;
            Ok(tx.insert_staff_session("live-token", &live, now).await?)
        })
        .expect("sessions");

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
        assert_eq!(db(&app).await.audit_trail(app.clinic, id).await.expect("trail").len(), 1);
        assert!(db(&app).await.notifications(app.clinic, &[id]).await.expect("read").is_empty());
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
        let real = support::in_tx!(store, |tx| settings::create_clinic(tx, &clinic("sakura"), Utc::now()).await).expect("clinic");
        let hash = server::staff::hash_password("a-real-owner-password").expect("hash");
        let by = support::system(real);
        support::in_tx!(store, |tx| settings::add_staff(tx, by, "inchou@sakura.jp", "院長", StaffRole::Owner, hash).await).expect("owner");
        server::seed::seed_demo_as(store, "sakura", Utc::now()).await.expect("seed");
        let demo_owner = |slug: &str| demo_staff_email(StaffRole::Owner, slug);
        assert!(support::read(store).await.staff_by_email(&demo_owner("sakura")).await.expect("read").is_none());

        // A demo clinic from before staff accounts existed gets its demo accounts.
        support::in_tx!(store, |tx| settings::create_clinic(tx, &clinic("old-demo"), Utc::now()).await).expect("clinic");
        server::seed::seed_demo_as(store, "old-demo", Utc::now()).await.expect("seed");
        assert!(support::read(store).await.staff_by_email(&demo_owner("old-demo")).await.expect("read").is_some());
        db.cleanup().await;
    })
}

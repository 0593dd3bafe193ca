//! The patient's identity over HTTP: LINE ID tokens are verified with (a local fake of) LINE's
//! verify endpoint, and nothing a browser sends in a body can make it book as someone else.

mod support;

use app::actions::booking::availability;
use app::api::liff::AppointmentView;
use app::booking::status::AppointmentStatus;
use app::store::{LineSettings, SharedStore};
use axum::http::StatusCode;
use chrono::Utc;
use fake_line::FakeLine;
use support::{app_error, ErrorCode, Reply};

const CHANNEL: &str = "1657000000";
const ALICE: &str = "U1111111111111111111111111111111a";
const MALLORY: &str = "U2222222222222222222222222222222b";

struct App {
    router: axum::Router,
    store: SharedStore,
    fake: FakeLine,
    _db: support::TestDb,
}

/// The demo clinic connected to (fake) LINE as `line-demo`, and the sandbox demo as `demo`.
async fn app() -> App {
    let db = support::TestDb::sqlite().await;
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let clinic = server::seed::seed_demo_as(db.store.as_ref(), "line-demo", Utc::now()).await.expect("seed");
    let line = LineSettings {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: CHANNEL.into(),
        channel_secret: None,
        channel_access_token: None,
        add_friend_url: None,
    };
    support::in_tx!(db.store, |tx| support::settings::update_line(tx, support::system(clinic), Some(line)).await).expect("line settings");
    let (url, fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let router = support::router(db.store.clone(), line);
    App { router, store: db.store.clone(), fake, _db: db }
}

async fn post(app: &App, path: &str, content_type: &str, body: String, cookie: Option<&str>) -> Reply {
    support::post(&app.router, path, content_type, body, cookie).await
}

async fn sign_in(app: &App, slug: &str, token: &str) -> Reply {
    let form = format!("slug={slug}&id_token={}&lang=en", urlencode(token));
    post(app, "/api/liff/sign_in", "application/x-www-form-urlencoded", form, None).await
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn a_valid_token_signs_in_and_sets_an_http_only_cookie() {
    support::run(async {
        let app = app().await;
        let token = app.fake.issue_id_token(ALICE, CHANNEL, Some("Alice"), 600);
        let reply = sign_in(&app, "line-demo", &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.cookie.expect("a session cookie");
        assert!(cookie.starts_with("yoyaku_patient="));
        let mut db = support::read(app.store.as_ref()).await;
        let clinic = db.clinic_by_slug("line-demo").await.expect("read").expect("clinic");
        let token_value = cookie.trim_start_matches("yoyaku_patient=");
        let (clinic_id, patient_id) = db.patient_session(token_value, Utc::now()).await.expect("read").expect("session");
        assert_eq!(clinic_id, clinic.id);
        let patient = db.patient(clinic.id, patient_id).await.expect("read").expect("patient");
        assert_eq!(patient.identity.line_user(), Some(ALICE));
    })
}

/// Pushes reach friends only: at sign-in the server asks LINE itself (with the patient's LIFF
/// access token, checked to be this channel's and this patient's) and keeps the answer.
#[test]
fn the_server_asks_line_whether_the_patient_is_a_friend() {
    support::run(async {
        let app = app().await;
        let clinic = support::read(app.store.as_ref()).await.clinic_by_slug("line-demo").await.expect("read").expect("clinic").id;
        let sign_in_with = |access: String| {
            let id_token = app.fake.issue_id_token(ALICE, CHANNEL, None, 600);
            let form = format!("slug=line-demo&id_token={}&access_token={}&lang=en", urlencode(&id_token), urlencode(&access));
            post(&app, "/api/liff/sign_in", "application/x-www-form-urlencoded", form, None)
        };
        let friend_of = |reply: Reply| {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            serde_json::from_str::<app::api::liff::PatientView>(&reply.body).expect("patient").friend
        };
        assert_eq!(friend_of(sign_in_with(app.fake.issue_access_token(ALICE, CHANNEL, false, 600)).await), Some(false));
        assert_eq!(support::line_friend(app.store.as_ref(), clinic, ALICE).await, Some(false));
        assert_eq!(friend_of(sign_in_with(app.fake.issue_access_token(ALICE, CHANNEL, true, 600)).await), Some(true));
        assert_eq!(support::line_friend(app.store.as_ref(), clinic, ALICE).await, Some(true));

        // Someone else's token, another channel's, an expired one, none, or LINE not answering:
        // the sign-in works and the stored answer stays.
        // (The injected 500 meets the last token: the others are refused before LINE is asked
        // about friendship.)
        app.fake.fail_next("/friendship/v1/status", 500, 1);
        for access in [
            app.fake.issue_access_token(MALLORY, CHANNEL, false, 600),
            app.fake.issue_access_token(ALICE, "1999999999", false, 600),
            app.fake.issue_access_token(ALICE, CHANNEL, false, -5),
            String::new(),
            app.fake.issue_access_token(ALICE, CHANNEL, false, 600),
        ] {
            assert_eq!(friend_of(sign_in_with(access).await), Some(true));
        }
        assert_eq!(support::line_friend(app.store.as_ref(), clinic, ALICE).await, Some(true));
    })
}

#[test]
fn forged_expired_and_foreign_tokens_are_refused() {
    support::run(async {
        let app = app().await;
        let expired = app.fake.issue_id_token(ALICE, CHANNEL, None, -5);
        let other_channel = app.fake.issue_id_token(ALICE, "1999999999", None, 600);
        let oversized = "x".repeat(app::api::liff::MAX_ID_TOKEN_BYTES + 1);
        for (token, code) in [
            ("forged.token.value", ErrorCode::LineSignInRejected),
            ("", ErrorCode::LineSignInRejected),
            (other_channel.as_str(), ErrorCode::LineSignInRejected),
            (expired.as_str(), ErrorCode::LineSignInExpired),
            // Not passed on to LINE at all.
            (oversized.as_str(), ErrorCode::BadRequest),
        ] {
            let reply = sign_in(&app, "line-demo", token).await;
            let error = app_error(reply.status, &reply.body, code);
            assert!(!error.message.contains("verify") && !error.message.contains("token"), "{token}: {}", reply.body);
            assert!(reply.cookie.is_none(), "no session for {token}");
        }
        // LINE being down is its own clear answer (503), not a rejection.
        app.fake.fail_next("/oauth2/v2.1/verify", 500, 1);
        let valid = app.fake.issue_id_token(ALICE, CHANNEL, None, 600);
        let reply = sign_in(&app, "line-demo", &valid).await;
        assert!(app_error(reply.status, &reply.body, ErrorCode::LineUnavailable).message.contains("LINE cannot be reached"), "{}", reply.body);
        assert!(reply.cookie.is_none());
        let mut db = support::read(app.store.as_ref()).await;
        let clinic = db.clinic_by_slug("line-demo").await.expect("read").expect("clinic");
        assert!(db.appointments_of(clinic.id, &[app::booking::ids::PatientId(1)]).await.expect("read").is_empty());
    })
}

#[test]
fn the_sandbox_sign_in_is_refused_for_a_clinic_with_line() {
    support::run(async {
        let app = app().await;
        let reply = post(&app, "/api/liff/sandbox_sign_in", "application/x-www-form-urlencoded", "slug=line-demo&lang=en".into(), None).await;
        assert!(app_error(reply.status, &reply.body, ErrorCode::WrongSignIn).message.contains("Please sign in with LINE"), "{}", reply.body);
        assert!(reply.cookie.is_none());
        let sandbox = post(&app, "/api/liff/sandbox_sign_in", "application/x-www-form-urlencoded", "slug=demo&lang=en".into(), None).await;
        assert_eq!(sandbox.status, StatusCode::OK, "{}", sandbox.body);
        assert!(sandbox.cookie.is_some());
        // And a LINE token cannot sign in to the sandbox clinic.
        let token = app.fake.issue_id_token(ALICE, CHANNEL, None, 600);
        let reply = sign_in(&app, "demo", &token).await;
        assert!(app_error(reply.status, &reply.body, ErrorCode::WrongSignIn).message.contains("not connected to LINE"));
    })
}

/// A booking request whose body names another user books for the signed-in patient only.
#[test]
fn a_user_id_in_the_body_cannot_book_as_that_user() {
    support::run(async {
        let app = app().await;
        let mut db = support::read(app.store.as_ref()).await;
        let clinic = db.clinic_by_slug("line-demo").await.expect("read").expect("clinic");
        // Alice exists as a patient; Mallory signs in.
        let alice_token = app.fake.issue_id_token(ALICE, CHANNEL, None, 600);
        let alice_cookie = sign_in(&app, "line-demo", &alice_token).await.cookie.expect("alice");
        let alice_session = db.patient_session(alice_cookie.trim_start_matches("yoyaku_patient="), Utc::now()).await.expect("read").expect("s");
        let mallory_token = app.fake.issue_id_token(MALLORY, CHANNEL, None, 600);
        let mallory_cookie = sign_in(&app, "line-demo", &mallory_token).await.cookie.expect("mallory");

        let menus = db.menus(clinic.id).await.expect("menus");
        let follow_up = menus.iter().find(|m| m.name_en == "Follow-up visit").expect("menu");
        let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
        let offer = availability(db.as_mut(), &clinic, follow_up, today, today + chrono::Days::new(20), Utc::now()).await.expect("availability").remove(0);
        let body = serde_json::json!({
            "request": {
                "slug": "line-demo",
                "menu_id": follow_up.id.0,
                "resource_id": offer.resource_id.0,
                "starts_at": offer.starts_at.timestamp(),
                "details": { "name": "山田 太郎", "furigana": "ヤマダ タロウ", "phone": "090-1234-5678", "birth_date": "1960-01-02" },
                "answers": [],
                "consent": true,
                "replaces": null,
                "lang": "en",
                // What an attacker might add: all ignored.
                "patient_id": alice_session.1 .0,
                "line_user_id": ALICE,
                "user_id": ALICE,
            }
        });
        // Without a session: refused.
        let anonymous = post(&app, "/api/liff/submit", "application/json", body.to_string(), None).await;
        assert!(app_error(anonymous.status, &anonymous.body, ErrorCode::SignInRequired).message.contains("Please sign in again"), "{}", anonymous.body);

        let reply = post(&app, "/api/liff/submit", "application/json", body.to_string(), Some(&mallory_cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let view: AppointmentView = serde_json::from_str(&reply.body).expect("a booking");
        assert_eq!(view.status, AppointmentStatus::Confirmed);
        let booked = db.appointment_by_reference(clinic.id, &view.reference).await.expect("read").expect("booked");
        let mallory = db.patient(clinic.id, booked.patient_id).await.expect("read").expect("patient");
        assert_eq!(mallory.identity.line_user(), Some(MALLORY));
        assert!(db.appointments_of(clinic.id, &[alice_session.1]).await.expect("read").is_empty(), "nothing booked for Alice");
    })
}

#[test]
fn bad_details_come_back_per_field_and_nothing_is_booked() {
    support::run(async {
        let app = app().await;
        let mut db = support::read(app.store.as_ref()).await;
        let clinic = db.clinic_by_slug("line-demo").await.expect("read").expect("clinic");
        let token = app.fake.issue_id_token(ALICE, CHANNEL, None, 600);
        let cookie = sign_in(&app, "line-demo", &token).await.cookie.expect("cookie");
        let menu = db.menus(clinic.id).await.expect("menus").into_iter().find(|m| m.name_en == "First visit").expect("menu");
        let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
        let offer = availability(db.as_mut(), &clinic, &menu, today, today + chrono::Days::new(20), Utc::now()).await.expect("availability").remove(0);
        let body = serde_json::json!({ "request": {
            "slug": "line-demo", "menu_id": menu.id.0, "resource_id": offer.resource_id.0, "starts_at": offer.starts_at.timestamp(),
            "details": { "name": "山田 太郎", "furigana": "ヤマダ タロウ", "phone": "12-34", "birth_date": "1960-01-02" },
            "answers": [], "consent": false, "replaces": null, "lang": "ja"
        }});
        let reply = post(&app, "/api/liff/submit", "application/json", body.to_string(), Some(&cookie)).await;
        let errors = app_error(reply.status, &reply.body, ErrorCode::Invalid).fields;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        // The phone, both required questions of 初診, and the consent.
        assert!(fields.contains(&"phone") && fields.contains(&"consent"), "{fields:?}");
        assert_eq!(fields.iter().filter(|f| f.starts_with("question-")).count(), 2, "{fields:?}");
        assert!(errors.iter().any(|e| e.message.starts_with("電話番号は")));
        let session = db.patient_session(cookie.trim_start_matches("yoyaku_patient="), Utc::now()).await.expect("read").expect("s");
        assert!(db.appointments_of(clinic.id, &[session.1]).await.expect("read").is_empty());
    })
}

async fn form(app: &App, path: &str, body: String, cookie: &str) -> Reply {
    post(app, path, "application/x-www-form-urlencoded", body, Some(cookie)).await
}

/// A request the clinic has not answered is the patient's to take back: it is cancelled by the
/// patient at once and its place is free again; nobody else can take it back for them.
#[test]
fn a_patient_withdraws_an_unanswered_request() {
    support::run(async {
        let app = app().await;
        let mut db = support::read(app.store.as_ref()).await;
        let clinic = db.clinic_by_slug("line-demo").await.expect("read").expect("clinic");
        let alice = sign_in(&app, "line-demo", &app.fake.issue_id_token(ALICE, CHANNEL, None, 600)).await.cookie.expect("alice");
        let mallory = sign_in(&app, "line-demo", &app.fake.issue_id_token(MALLORY, CHANNEL, None, 600)).await.cookie.expect("mallory");
        let menu = db.menus(clinic.id).await.expect("menus").into_iter().find(|m| m.name_en == "First visit").expect("menu");
        assert_eq!(menu.approval, app::booking::model::Approval::RequiresStaff);
        let mut questions: Vec<_> = db.questions(clinic.id).await.expect("questions").into_iter().filter(|q| q.menu_id == menu.id).collect();
        questions.truncate(2);
        let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
        let until = today + chrono::Days::new(20);
        let offer = availability(db.as_mut(), &clinic, &menu, today, until, Utc::now()).await.expect("availability").remove(0);
        let place = (offer.resource_id, offer.starts_at);
        let request = serde_json::json!({ "request": {
            "slug": "line-demo", "menu_id": menu.id.0, "resource_id": offer.resource_id.0, "starts_at": offer.starts_at.timestamp(),
            "details": { "name": "山田 花子", "furigana": "ヤマダ ハナコ", "phone": "090-1234-5678", "birth_date": "1950-04-01" },
            "answers": [[questions[0].id.0, "咳"], [questions[1].id.0, "今日"]], "consent": true, "replaces": null, "lang": "ja"
        }});
        let offered = |offers: Vec<app::booking::availability::Offer>| offers.iter().any(|o| (o.resource_id, o.starts_at) == place);

        let reply = post(&app, "/api/liff/submit", "application/json", request.to_string(), Some(&alice)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let booked: AppointmentView = serde_json::from_str(&reply.body).expect("a request");
        assert_eq!((booked.status, booked.can_withdraw, booked.proposal), (AppointmentStatus::Requested, true, false), "{booked:?}");
        // The consent given with it is on record: the notice's version, by LINE.
        let patient = support::line_patient(app.store.as_ref(), clinic.id, ALICE).await;
        let consents = db.consents(clinic.id, Some(patient.id)).await.expect("consents");
        let version = db.privacy_version(clinic.id).await.expect("version");
        assert_eq!(consents.iter().map(|c| (c.notice_version, c.channel)).collect::<Vec<_>>(), [(version, app::store::ConsentChannel::Line)]);
        let reference = booked.reference.clone();
        let withdraw = |r: &str| format!("slug=line-demo&reference={r}&lang=ja");
        let reply = form(&app, "/api/liff/appointment", withdraw(&reference), &alice).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let shown: AppointmentView = serde_json::from_str(&reply.body).expect("the request");
        assert!(shown.can_withdraw, "{shown:?}");
        assert!(!offered(availability(db.as_mut(), &clinic, &menu, today, until, Utc::now()).await.expect("availability")), "the request holds its place");

        // Someone else's reference is not found, and leaves the request as it was.
        let reply = form(&app, "/api/liff/withdraw", withdraw(&reference), &mallory).await;
        app_error(reply.status, &reply.body, ErrorCode::AppointmentNotFound);
        let stored = db.appointment_by_reference(clinic.id, &reference).await.expect("read").expect("the request");
        assert_eq!(stored.status, AppointmentStatus::Requested);

        let reply = form(&app, "/api/liff/withdraw", withdraw(&reference), &alice).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let withdrawn: AppointmentView = serde_json::from_str(&reply.body).expect("the withdrawn request");
        assert_eq!(
            (withdrawn.reference.as_str(), withdrawn.status, withdrawn.can_withdraw),
            (reference.as_str(), AppointmentStatus::CancelledByPatient, false),
            "{withdrawn:?}"
        );
        assert!(!withdrawn.upcoming && !withdrawn.can_cancel, "{withdrawn:?}");
        let stored = db.appointment_by_reference(clinic.id, &reference).await.expect("read").expect("the request");
        assert_eq!(stored.status, AppointmentStatus::CancelledByPatient);
        let trail = db.audit_trail(clinic.id, stored.id).await.expect("trail");
        let last = trail.last().expect("audited");
        assert_eq!(
            (last.from, last.to, last.actor),
            (Some(AppointmentStatus::Requested), AppointmentStatus::CancelledByPatient, app::store::Actor::Patient(stored.patient_id))
        );

        // Taking it back again is told what it is now.
        let reply = form(&app, "/api/liff/withdraw", withdraw(&reference), &alice).await;
        assert_eq!(app_error(reply.status, &reply.body, ErrorCode::StatusChanged).current, Some(AppointmentStatus::CancelledByPatient));

        // The place is free again: offered, and bookable.
        assert!(offered(availability(db.as_mut(), &clinic, &menu, today, until, Utc::now()).await.expect("availability")), "the place is offered again");
        let reply = post(&app, "/api/liff/submit", "application/json", request.to_string(), Some(&mallory)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let again: AppointmentView = serde_json::from_str(&reply.body).expect("a request");
        assert_eq!((again.status, again.can_withdraw), (AppointmentStatus::Requested, true));
        assert_ne!(again.reference, reference);
    })
}

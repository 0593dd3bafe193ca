//! Limits against a flood: per-address rate limits on patients' sign-ins and booking requests
//! (429 `rate_limited`, other addresses unaffected), and the clinic's limit of places one
//! patient holds at once (429 `booking_limit`), on SQLite and PostgreSQL.

mod support;

use std::net::SocketAddr;
use std::num::NonZeroU32;

use app::api::limits::PatientLimits;
use app::booking::ids::*;
use app::booking::status::AppointmentStatus;
use app::booking::BookingSource;
use app::error::ErrorCode;
use app::store::*;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use support::*;

support::on_both!(a_patient_holds_at_most_the_clinics_limit_of_places, one_address_is_limited_and_others_are_not, the_limit_answers_429_over_http,);

async fn withdraw(store: &dyn Store, clinic: ClinicId, patient: PatientId, id: AppointmentId) -> Appointment {
    in_tx!(store, |tx| actions::booking::withdraw(tx, clinic, patient, id, now()).await).expect("withdrawn")
}

async fn a_patient_holds_at_most_the_clinics_limit_of_places(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let p = patients(store, c.clinic, 1).await[0];
    let day = |n: i64| tokyo(2030, 1, 7, 10, 0) + Duration::days(n);
    let mut held = Vec::new();
    for n in 0..3 {
        held.push(book(store, &booking(c.clinic, c.slot, c.doctor, day(n), p)).await.expect("within the limit"));
    }
    // The default limit is three places to come.
    match book(store, &booking(c.clinic, c.slot, c.doctor, day(3), p)).await {
        Err(Problem::BookingLimit { limit: 3 }) => {}
        other => panic!("expected the limit, got {other:?}"),
    }
    // Another patient is not affected.
    let other = patients(store, c.clinic, 1).await[0];
    book(store, &booking(c.clinic, c.slot, c.doctor, day(3), other)).await.expect("another patient");
    // A request withdrawn frees one of the three.
    assert_eq!(withdraw(store, c.clinic, p, held[0].id).await.status, AppointmentStatus::CancelledByPatient);
    book(store, &booking(c.clinic, c.slot, c.doctor, day(4), p)).await.expect("room again");
    // Reception's phone bookings are the clinic's own decision.
    let phone = Booking { source: BookingSource::Reception, actor: Actor::System, ..booking(c.clinic, c.slot, c.doctor, day(5), p) };
    assert_eq!(book(store, &phone).await.expect("reception books").status, AppointmentStatus::Confirmed);
    // The owner raises the limit.
    let options = ClinicOptions { open_on_holidays: true, reminder_hour: 18, booking_limit: 5 };
    in_tx!(store, |tx| settings::set_options(tx, system(c.clinic), options).await).expect("options");
    book(store, &booking(c.clinic, c.slot, c.doctor, day(6), p)).await.expect("under the new limit");
    match book(store, &booking(c.clinic, c.slot, c.doctor, day(7), p)).await {
        Err(Problem::BookingLimit { limit: 5 }) => {}
        other => panic!("expected the new limit, got {other:?}"),
    }
    // Out of range is refused by field.
    let too_many = ClinicOptions { booking_limit: 0, ..options };
    match in_tx!(store, |tx| settings::set_options(tx, system(c.clinic), too_many).await) {
        Err(Problem::Invalid(fields)) => assert_eq!(fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["booking_limit"]),
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn one_address_is_limited_and_others_are_not(db: &TestDb) {
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let (line_url, _fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&line_url).expect("line"));
    let router = router_with_limits(db.store.clone(), line, PatientLimits::per_minute(NonZeroU32::new(2).expect("two")));
    let (a, b): (SocketAddr, SocketAddr) = ("10.0.0.1:5000".parse().expect("a"), "10.0.0.2:5000".parse().expect("b"));
    let sign_in = |from| post_from(&router, Some(from), "/api/liff/sandbox_sign_in", "application/x-www-form-urlencoded", "slug=demo&lang=en".into(), None);
    assert_eq!(sign_in(a).await.status, StatusCode::OK);
    let second = sign_in(a).await;
    assert_eq!(second.status, StatusCode::OK);
    let refused = sign_in(a).await;
    let e = app_error(StatusCode::TOO_MANY_REQUESTS, &refused.body, ErrorCode::RateLimited);
    assert!(e.message.contains("wait a minute"), "{}", e.message);
    // Another address has its own allowance.
    assert_eq!(sign_in(b).await.status, StatusCode::OK);
    // Booking requests have their own bucket: the refused address may still send two.
    let cookie = second.cookie.expect("a session");
    let submit = |from| {
        let body = serde_json::json!({ "request": { "slug": "demo", "menu_id": 0, "resource_id": 0, "starts_at": 0, "details": { "name": "", "furigana": "", "phone": "", "birth_date": "" }, "answers": [], "consent": false, "replaces": null, "lang": "en" } });
        let cookie = cookie.clone();
        let router = router.clone();
        async move { post_from(&router, Some(from), "/api/liff/submit", "application/json", body.to_string(), Some(&cookie)).await }
    };
    for _ in 0..2 {
        let reply = submit(a).await;
        assert_ne!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.body);
    }
    app_error(StatusCode::TOO_MANY_REQUESTS, &submit(a).await.body, ErrorCode::RateLimited);
}

async fn the_limit_answers_429_over_http(db: &TestDb) {
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let (line_url, _fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&line_url).expect("line"));
    let router = router(db.store.clone(), line);
    let patient = post(&router, "/api/liff/sandbox_sign_in", "application/x-www-form-urlencoded", "slug=demo&lang=ja".into(), None).await;
    let cookie = patient.cookie.expect("patient cookie");
    let mut db_read = read(db.store.as_ref()).await;
    let clinic = db_read.clinic_by_slug("demo").await.expect("read").expect("clinic");
    let menus = db_read.menus(clinic.id).await.expect("menus");
    drop(db_read);
    // Book the first free place on successive days until the limit.
    let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
    let mut accepted = 0;
    let mut last = None;
    'days: for day in 1..40u64 {
        let date = today + chrono::Days::new(day);
        // The follow-up visit asks no questions and is confirmed at once.
        for menu in menus.iter().filter(|m| m.name_en == "Follow-up visit") {
            let mut db_read = read(db.store.as_ref()).await;
            let offers = actions::booking::availability(db_read.as_mut(), &clinic, menu, date, date, Utc::now()).await.expect("offers");
            drop(db_read);
            let Some(o) = offers.first() else { continue };
            let body = serde_json::json!({ "request": {
                "slug": "demo", "menu_id": menu.id, "resource_id": o.resource_id, "starts_at": o.starts_at.timestamp(),
                "details": { "name": "山田 花子", "furigana": "やまだ はなこ", "phone": "090-1234-5678", "birth_date": "1950-04-01" },
                "answers": [], "consent": true, "replaces": null, "lang": "ja" } });
            let reply = post(&router, "/api/liff/submit", "application/json", body.to_string(), Some(&cookie)).await;
            if reply.status == StatusCode::OK {
                accepted += 1;
                continue 'days;
            }
            last = Some(reply);
            break 'days;
        }
    }
    assert_eq!(accepted, 3, "three places, then the limit: {:?}", last.as_ref().map(|r| &r.body));
    let refused = last.expect("a refusal");
    let e = app_error(StatusCode::TOO_MANY_REQUESTS, &refused.body, ErrorCode::BookingLimit);
    assert!(e.message.contains("3件まで"), "{}", e.message);
}

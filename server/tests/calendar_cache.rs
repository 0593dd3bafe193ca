//! The month calendar and the clinic's landing page are cached per clinic version: a booking
//! made through another instance (another router on the same database) and a closure set by the
//! owner show at once, on SQLite and PostgreSQL.

mod support;

use app::api::liff::CalendarMonth;
use axum::http::StatusCode;
use chrono::Utc;
use support::*;

support::on_both!(a_booking_or_a_closure_elsewhere_shows_in_the_next_calendar, a_booking_elsewhere_leaves_the_landing_page_at_once,);

const FORM: &str = "application/x-www-form-urlencoded";

async fn a_booking_or_a_closure_elsewhere_shows_in_the_next_calendar(db: &TestDb) {
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let (line_url, _fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&line_url).expect("line"));
    let (one, other) = (router(db.store.clone(), line.clone()), router(db.store.clone(), line));
    let mut r = read(db.store.as_ref()).await;
    let clinic = r.clinic_by_slug("demo").await.expect("read").expect("clinic");
    let menu = r.menus(clinic.id).await.expect("menus").into_iter().find(|m| m.name_en == "Follow-up visit").expect("menu");
    drop(r);
    // This month's calendar, and a day at least two days ahead with room (today's places may
    // run out while the test runs). Near the end of a month the next one is asked for.
    let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
    let month = (today + chrono::Days::new(2)).format("%Y-%m").to_string();
    let next_month = month;
    let calendar = |router: axum::Router| {
        let body = format!("slug=demo&menu_id={}&month={next_month}&lang=ja", menu.id.0);
        async move {
            let reply = post(&router, "/api/liff/calendar", FORM, body, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            serde_json::from_str::<CalendarMonth>(&reply.body).expect("a month")
        }
    };
    let before = calendar(one.clone()).await;
    assert_eq!(calendar(one.clone()).await, before, "asked again, the same month");
    let soonest = (today + chrono::Days::new(2)).format("%Y-%m-%d").to_string();
    let day = before.days.iter().find(|d| d.free > 0 && d.date >= soonest).expect("a day with room").clone();

    // A patient books on the other instance.
    let patient = post(&other, "/api/liff/sandbox_sign_in", FORM, "slug=demo&lang=ja".into(), None).await;
    let cookie = patient.cookie.expect("a session");
    let places = post(&other, "/api/liff/day", FORM, format!("slug=demo&menu_id={}&date={}&lang=ja", menu.id.0, day.date), None).await;
    let places: Vec<app::api::PlaceView> = serde_json::from_str(&places.body).expect("places");
    let body = serde_json::json!({ "request": {
        "slug": "demo", "menu_id": menu.id, "resource_id": places[0].resource_id, "starts_at": places[0].starts_at,
        "details": { "name": "山田 花子", "furigana": "やまだ はなこ", "phone": "090-1234-5678", "birth_date": "1950-04-01" },
        "answers": [], "consent": true, "replaces": null, "lang": "ja" } });
    let booked = post(&other, "/api/liff/submit", "application/json", body.to_string(), Some(&cookie)).await;
    assert_eq!(booked.status, StatusCode::OK, "{}", booked.body);
    let after = calendar(one.clone()).await;
    let free = |m: &CalendarMonth| m.days.iter().find(|d| d.date == day.date).map(|d| d.free);
    assert_eq!(free(&after), Some(day.free - 1), "the booking shows at once");

    // The owner closes the clinic that day, cancelling the request on it.
    let date = chrono::NaiveDate::parse_from_str(&day.date, "%Y-%m-%d").expect("date");
    let cancel = settings::OnVisits::CancelWith("臨時休診のため".into());
    in_tx!(db.store.as_ref(), |tx| settings::add_exception(tx, system(clinic.id), date, None, None, cancel.clone()).await).expect("closed");
    assert_eq!(free(&calendar(one).await), Some(0), "the closure shows at once");
}

async fn a_booking_elsewhere_leaves_the_landing_page_at_once(db: &TestDb) {
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let (line_url, _fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&line_url).expect("line"));
    let (one, other) = (router(db.store.clone(), line.clone()), router(db.store.clone(), line));
    let overview = |router: axum::Router| async move {
        let reply = post(&router, "/api/clinic_overview", FORM, "slug=demo&lang=ja".into(), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str::<app::api::ClinicOverview>(&reply.body).expect("overview")
    };
    let before = overview(one.clone()).await;
    assert_eq!(overview(one.clone()).await, before, "asked again, the same page");
    // The follow-up visit (one seat, confirmed at once): its first listed place, booked on the
    // other instance, is gone from this one's landing page at once.
    let follow_up = before.menus.iter().find(|m| m.name == "再診").expect("再診");
    let place = follow_up.next_places.first().expect("a free place").clone();
    let patient = post(&other, "/api/liff/sandbox_sign_in", FORM, "slug=demo&lang=ja".into(), None).await;
    let cookie = patient.cookie.expect("a session");
    let body = serde_json::json!({ "request": {
        "slug": "demo", "menu_id": follow_up.id, "resource_id": place.resource_id, "starts_at": place.starts_at,
        "details": { "name": "山田 花子", "furigana": "やまだ はなこ", "phone": "090-1234-5678", "birth_date": "1950-04-01" },
        "answers": [], "consent": true, "replaces": null, "lang": "ja" } });
    let booked = post(&other, "/api/liff/submit", "application/json", body.to_string(), Some(&cookie)).await;
    assert_eq!(booked.status, StatusCode::OK, "{}", booked.body);
    let after = overview(one).await;
    let listed = |o: &app::api::ClinicOverview| {
        o.menus
            .iter()
            .find(|m| m.id == follow_up.id)
            .map(|m| m.next_places.iter().any(|p| (p.resource_id, p.starts_at) == (place.resource_id, place.starts_at)))
    };
    assert_eq!((listed(&before), listed(&after)), (Some(true), Some(false)));
}

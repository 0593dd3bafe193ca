//! The HTTP surface as a browser uses it: health check, the server-rendered page, and the server
//! function behind it, against a seeded SQLite database.

mod support;

use app::actions::booking::availability;
use app::api::ClinicOverview;
use app::store::SharedStore;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Days, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn app() -> (axum::Router, SharedStore, support::TestDb) {
    let db = support::TestDb::sqlite().await;
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let (line_url, _fake) = support::fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&line_url).expect("client"));
    let router = support::router(db.store.clone(), line);
    (router, db.store.clone(), db)
}

async fn send(router: &axum::Router, request: Request<Body>) -> (StatusCode, String) {
    let uri = request.uri().clone();
    let response = tokio::time::timeout(std::time::Duration::from_secs(5), router.clone().oneshot(request))
        .await
        .unwrap_or_else(|_| panic!("no response for {uri}"))
        .expect("response");
    let status = response.status();
    let body = tokio::time::timeout(std::time::Duration::from_secs(5), response.into_body().collect())
        .await
        .unwrap_or_else(|_| panic!("body of {uri} never ended ({status})"))
        .expect("body")
        .to_bytes();
    (status, String::from_utf8(body.to_vec()).expect("utf-8"))
}

fn form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[test]
fn healthz_checks_the_database() {
    support::run(async {
        let (router, _, _db) = app().await;
        let (status, body) = send(&router, Request::get("/healthz").body(Body::empty()).expect("request")).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    })
}

#[test]
fn the_overview_server_function_returns_the_computed_availability() {
    support::run(async {
        let (router, store, _db) = app().await;
        let (status, body) = send(&router, form("/api/clinic_overview", "slug=demo&lang=ja")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let overview: ClinicOverview = serde_json::from_str(&body).expect("JSON overview");
        assert_eq!(overview.name, "さくら内科クリニック(デモ)");
        let names: Vec<&str> = overview.menus.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["初診", "再診", "健康診断", "予防接種(順番予約)"]);
        assert_eq!(overview.menus.iter().map(|m| m.mode.as_str()).collect::<Vec<_>>(), ["slot", "slot", "band", "queue"]);

        let mut db = support::read(store.as_ref()).await;
        let clinic = db.clinic_by_slug("demo").await.expect("read").expect("demo");
        let now = Utc::now();
        let today = now.with_timezone(&clinic.time_zone).date_naive();
        for (menu, shown) in db.menus(clinic.id).await.expect("menus").iter().zip(&overview.menus) {
            let offers = availability(db.as_mut(), &clinic, menu, today, today + Days::new(menu.horizon_days.into()), now).await.expect("availability");
            let expected: Vec<i64> = offers.iter().take(app::api::NEXT_PLACES).map(|o| o.starts_at.timestamp()).collect();
            let got: Vec<i64> = shown.next_places.iter().map(|p| p.starts_at).collect();
            assert!(!expected.is_empty(), "{} has free places", menu.name_en);
            assert_eq!(got, expected, "{}", menu.name_en);
        }
        // Every label is in Tokyo time with the weekday, e.g. 12月1日(火) 10:30.
        for place in overview.menus.iter().flat_map(|m| &m.next_places) {
            assert!(place.label.contains("月") && place.label.contains("日(") && place.label.contains(':'), "{}", place.label);
        }

        let (_, english) = send(&router, form("/api/clinic_overview", "slug=demo&lang=en")).await;
        let english: ClinicOverview = serde_json::from_str(&english).expect("JSON overview");
        assert_eq!(english.menus[0].name, "First visit");
    })
}

#[test]
fn an_unknown_clinic_is_a_clear_error() {
    support::run(async {
        let (router, _, _db) = app().await;
        let (status, body) = send(&router, form("/api/clinic_overview", "slug=nope&lang=en")).await;
        assert_eq!(support::app_error(status, &body, support::ErrorCode::ClinicNotFound).message, "Clinic not found.");
        let (status, body) = send(&router, form("/api/clinic_overview", "lang=en")).await;
        let error = support::app_error(status, &body, support::ErrorCode::BadRequest);
        assert!(!error.message.contains("slug") && !body.contains("missing field"), "no internals: {body}");
    })
}

#[test]
fn the_clinic_page_is_rendered_on_the_server() {
    support::run(async {
        let (router, _, _db) = app().await;
        let (status, html) = send(&router, Request::get("/c/demo").body(Body::empty()).expect("request")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<html lang=\"ja\""), "Japanese first");
        assert!(html.contains("さくら内科クリニック(デモ)") && html.contains("健康診断"), "{html}");
        assert!(html.contains("class=\"place\""), "free places are in the first HTML");
        let (status, _) = send(&router, Request::get("/no/such/page").body(Body::empty()).expect("request")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
}

/// Pages and answers travel compressed to a browser that accepts it, and say how long they stay
/// true: pages are revalidated each time and kept by no shared cache, answers are never kept.
#[test]
fn pages_and_answers_are_compressed_and_say_how_to_cache_them() {
    support::run(async {
        let (router, _, _db) = app().await;
        let fetch = |request: Request<Body>| {
            let router = router.clone();
            async move {
                let response = router.oneshot(request).await.expect("response");
                let header = |name| response.headers().get(name).map(|v| v.to_str().expect("ascii").to_string());
                let (encoding, cache) = (header(header::CONTENT_ENCODING), header(header::CACHE_CONTROL));
                let body = response.into_body().collect().await.expect("body").to_bytes();
                (encoding, cache, body)
            }
        };
        let page = |encoding: &str| Request::get("/c/demo").header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).expect("request");
        let (encoding, cache, plain) = fetch(Request::get("/c/demo").body(Body::empty()).expect("request")).await;
        assert_eq!((encoding, cache.as_deref()), (None, Some("private, no-cache")));
        let (encoding, cache, brotli) = fetch(page("gzip, deflate, br")).await;
        assert_eq!((encoding.as_deref(), cache.as_deref()), (Some("br"), Some("private, no-cache")));
        assert!(brotli.len() * 3 < plain.len(), "brotli {} of {} bytes", brotli.len(), plain.len());
        let (encoding, _, gzip) = fetch(page("gzip")).await;
        assert_eq!(encoding.as_deref(), Some("gzip"));
        assert!(gzip.len() < plain.len());
        // A server function's answer.
        let mut answer = form("/api/clinic_overview", "slug=demo&lang=ja");
        answer.headers_mut().insert(header::ACCEPT_ENCODING, "br".parse().expect("header"));
        let (encoding, cache, _) = fetch(answer).await;
        assert_eq!((encoding.as_deref(), cache.as_deref()), (Some("br"), Some("no-store")));
        // The health check is never cached either.
        let (_, cache, _) = fetch(Request::get("/healthz").body(Body::empty()).expect("request")).await;
        assert_eq!(cache.as_deref(), Some("no-store"));
    })
}

//! The website widget: the owner lists the clinic's websites (stored in the browser's form of an
//! origin, audited, on both backends); `/w/{clinic}` may be framed by exactly those (and by this
//! server, for the console's preview), every other page by nobody; the widget page works as
//! plain HTML, step by step through links, with the LINE booking as its last step. Playwright
//! embeds it from another origin (`end2end/tests/widget.spec.ts`).

mod support;

use app::booking::ids::ClinicId;
use app::store::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use support::*;
use tower::ServiceExt;

async fn websites(store: &dyn Store, clinic: ClinicId) -> Vec<String> {
    read(store).await.website_origins(clinic).await.expect("origins")
}

async fn the_owner_lists_the_websites_as_origins(db: &TestDb) {
    let s = db.store.as_ref();
    let a = clinic(s, "clinic-a").await;
    let b = clinic(s, "clinic-b").await;
    let by = system(a.clinic);
    let stored = in_tx!(s, |tx| settings::save_website_origins(tx, by, "https://www.Clinic-A.jp/\nhttp://localhost:8080\n").await).expect("saved");
    assert_eq!(stored, ["https://www.clinic-a.jp", "http://localhost:8080"]);
    assert_eq!(websites(s, a.clinic).await, stored);
    assert!(websites(s, b.clinic).await.is_empty(), "another clinic's list is its own");
    let audit = read(s).await.settings_audit(a.clinic, 10).await.expect("audit");
    assert_eq!((audit[0].area, audit[0].summary.contains("https://www.clinic-a.jp")), (SettingsArea::Website, true));

    // A wrong line changes nothing.
    let wrong = in_tx!(s, |tx| settings::save_website_origins(tx, by, "https://ok.example.jp\nhttp://not-secure.example.jp").await);
    assert!(matches!(wrong, Err(app::error::Problem::Invalid(ref f)) if f[0].field == "website_origins"), "{wrong:?}");
    assert_eq!(websites(s, a.clinic).await, stored);
    // Emptied: the widget opens top-level only.
    in_tx!(s, |tx| settings::save_website_origins(tx, by, "  \n").await).expect("emptied");
    assert!(websites(s, a.clinic).await.is_empty());
}

/// The clinic's own from-address: one plain address or none; a wrong one changes nothing.
async fn the_owner_sets_the_clinics_own_from_address(db: &TestDb) {
    let s = db.store.as_ref();
    let a = clinic(s, "clinic-a").await;
    let b = clinic(s, "clinic-b").await;
    let by = system(a.clinic);
    let stored = in_tx!(s, |tx| settings::save_mail_from(tx, by, " info@clinic-a.jp ").await).expect("saved");
    assert_eq!(stored.as_deref(), Some("info@clinic-a.jp"));
    assert_eq!(read(s).await.mail_from(a.clinic).await.expect("read").as_deref(), Some("info@clinic-a.jp"));
    assert_eq!(read(s).await.mail_from(b.clinic).await.expect("read"), None, "another clinic's is its own");
    let wrong = in_tx!(s, |tx| settings::save_mail_from(tx, by, "info@clinic-a.jp\r\nBcc: all@example.jp").await);
    assert!(matches!(wrong, Err(app::error::Problem::Invalid(ref f)) if f[0].field == "mail_from"), "{wrong:?}");
    assert_eq!(read(s).await.mail_from(a.clinic).await.expect("read").as_deref(), Some("info@clinic-a.jp"));
    let audit = read(s).await.settings_audit(a.clinic, 10).await.expect("audit");
    assert!(audit[0].summary.contains("info@clinic-a.jp"), "{:?}", audit[0]);
    in_tx!(s, |tx| settings::save_mail_from(tx, by, "").await).expect("emptied");
    assert_eq!(read(s).await.mail_from(a.clinic).await.expect("read"), None);
}

on_both!(the_owner_lists_the_websites_as_origins, the_owner_sets_the_clinics_own_from_address);

struct App {
    router: axum::Router,
    store: SharedStore,
    _db: TestDb,
}

async fn app() -> App {
    let db = TestDb::sqlite().await;
    server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let (url, _fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    App { router: support::router(db.store.clone(), line), store: db.store.clone(), _db: db }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn get(app: &App, path: &str) -> Reply {
    let request = Request::get(path).header(header::HOST, "127.0.0.1").body(Body::empty()).expect("request");
    reply(app.router.clone().oneshot(request).await.expect("response")).await
}

async fn reply(response: axum::response::Response) -> Reply {
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8(body.to_vec()).expect("utf-8") }
}

/// The demo owner's session cookie and CSRF token.
async fn owner(app: &App) -> (String, String) {
    let clinic = read(app.store.as_ref()).await.clinic_by_slug("demo").await.expect("read").expect("demo").id;
    let staff = read(app.store.as_ref()).await.staff_members(clinic).await.expect("staff").into_iter().find(|m| m.role == StaffRole::Owner).expect("owner");
    let s = StaffSession { staff_id: staff.id, clinic_id: clinic, csrf_token: "csrf-owner".into(), expires_at: Utc::now() + Duration::hours(1) };
    in_tx!(app.store, |tx| Ok(tx.insert_staff_session("token-owner", &s, Utc::now()).await?)).expect("session");
    ("yoyaku_staff=token-owner".into(), "csrf-owner".into())
}

async fn save(app: &App, origins: &str, cookie: &str, csrf: &str) -> Reply {
    let path = "/api/staff/settings/website";
    let body = serde_json::json!({ "csrf": csrf, "origins": origins, "lang": "ja" }).to_string();
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "127.0.0.1")
        .header(header::COOKIE, cookie)
        .body(Body::from(with_key(path, "application/json", body.into_bytes())))
        .expect("request");
    reply(app.router.clone().oneshot(request).await.expect("response")).await
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The policy's `frame-ancestors` directive.
fn framing(reply: &Reply) -> Option<&str> {
    header(reply, "content-security-policy")?.split("; ").find(|d| d.starts_with("frame-ancestors"))
}

#[test]
fn only_the_widget_may_be_framed_and_only_by_the_clinics_websites() {
    run(async {
        let app = app().await;
        for path in ["/", "/staff", "/staff/settings", "/liff/demo", "/c/demo", "/healthz", "/no-such-page"] {
            let r = get(&app, path).await;
            assert_eq!(framing(&r), Some("frame-ancestors 'none'"), "{path}");
            assert_eq!(header(&r, "x-frame-options"), Some("DENY"), "{path}");
            assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"), "{path}");
            assert_eq!(header(&r, "referrer-policy"), Some("same-origin"), "{path}");
        }
        assert_eq!(header(&get(&app, "/").await, "strict-transport-security"), None, "plain http: no HSTS");
        let request = Request::get("/").header(header::HOST, "127.0.0.1").header("x-forwarded-proto", "https").body(Body::empty()).expect("request");
        let over_tls = reply(app.router.clone().oneshot(request).await.expect("response")).await;
        assert_eq!(header(&over_tls, "strict-transport-security"), Some("max-age=31536000"));
        // None listed: only this server (the console's preview) may frame it.
        let widget = get(&app, "/w/demo").await;
        assert_eq!(widget.status, StatusCode::OK);
        assert_eq!(framing(&widget), Some("frame-ancestors 'self'"));
        assert_eq!(header(&widget, "x-frame-options"), None, "X-Frame-Options would refuse every site");

        let (cookie, csrf) = owner(&app).await;
        let refused = save(&app, "https://www.sakura-naika.jp\nftp://files.example.jp", &cookie, &csrf).await;
        let error = app_error(refused.status, &refused.body, ErrorCode::Invalid);
        assert_eq!(error.fields[0].field, "website_origins");
        assert!(error.fields[0].message.contains("https://www.example.jp"), "{}", refused.body);
        assert_eq!(save(&app, "https://www.sakura-naika.jp", &cookie, "wrong").await.status, StatusCode::FORBIDDEN);

        let saved = save(&app, "https://www.Sakura-Naika.jp/booking\nhttp://127.0.0.1:8081", &cookie, &csrf).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(serde_json::from_str::<Vec<String>>(&saved.body).expect("list"), ["https://www.sakura-naika.jp", "http://127.0.0.1:8081"]);
        let widget = get(&app, "/w/demo?menu=1").await;
        assert_eq!(framing(&widget), Some("frame-ancestors 'self' https://www.sakura-naika.jp http://127.0.0.1:8081"));
        assert_eq!(framing(&get(&app, "/staff").await), Some("frame-ancestors 'none'"));
        // An unknown clinic's widget is framed by nobody else, and is not found.
        let unknown = get(&app, "/w/nope").await;
        assert_eq!((unknown.status, framing(&unknown)), (StatusCode::NOT_FOUND, Some("frame-ancestors 'self'")));
    })
}

/// The `href`s of the links (`<a href="…" class="{class}">`) in the page, in order, with `&amp;`
/// read back.
fn links(html: &str, class: &str) -> Vec<String> {
    html.split("<a href=\"")
        .skip(1)
        .filter_map(|rest| {
            let (href, tag) = rest.split_once('"')?;
            tag.split('>').next()?.contains(&format!("class=\"{class}\"")).then(|| href.replace("&amp;", "&"))
        })
        .collect()
}

#[test]
fn the_widget_works_as_plain_html_from_menu_to_line() {
    run(async {
        let app = app().await;
        let (cookie, csrf) = owner(&app).await;
        assert_eq!(save(&app, "https://www.sakura-naika.jp", &cookie, &csrf).await.status, StatusCode::OK);

        let origin = "origin=https%3A%2F%2Fwww.sakura-naika.jp";
        let menus = get(&app, &format!("/w/demo?lang=ja&{origin}")).await;
        assert_eq!(menus.status, StatusCode::OK);
        assert!(menus.body.contains("<title>さくら内科クリニック(デモ) のご予約</title>"), "the title names the clinic: {}", menus.body);
        // The embedding page is one of the clinic's websites: the widget talks to it.
        assert!(menus.body.contains(r#"data-host-origin="https://www.sakura-naika.jp""#));
        let menu_links = links(&menus.body, "choice");
        assert!(menu_links.len() >= 3, "{}", menus.body);
        assert!(menu_links.iter().all(|l| l.starts_with(&format!("/w/demo?lang=ja&{origin}&menu="))), "{menu_links:?}");

        let month = get(&app, &menu_links[0]).await;
        let day_links: Vec<String> =
            month.body.split("<td class=\"day free\"><a href=\"").skip(1).filter_map(|rest| rest.split('"').next()).map(|h| h.replace("&amp;", "&")).collect();
        assert!(!day_links.is_empty(), "a day with room: {}", month.body);
        assert!(month.body.contains(r#"<th scope="col">日"#) && month.body.contains("<tr>"), "a table of weeks");

        let day = get(&app, &day_links[0]).await;
        assert!(day.body.contains("午前") || day.body.contains("午後"), "{}", day.body);
        let times = links(&day.body, "time");
        assert!(!times.is_empty(), "{}", day.body);

        let chosen = get(&app, &times[0]).await;
        let line = links(&chosen.body, "button primary line-button");
        assert_eq!(line.len(), 1, "{}", chosen.body);
        let place = times[0].split("place=").nth(1).expect("place");
        assert!(
            line[0].starts_with("/liff/demo?menu=") && line[0].ends_with(&format!("place={place}")),
            "sandbox: the demo LIFF page, with the choice: {}",
            line[0]
        );

        // Another site's origin is not told anything.
        let stranger = get(&app, "/w/demo?origin=https%3A%2F%2Fevil.example").await;
        assert!(stranger.body.contains(r#"data-host-origin="""#), "{}", stranger.body);
        // Nonsense in the query is left out, never an error.
        let odd = get(&app, "/w/demo?menu=999999&place=x&accent=red;x&lang=fr").await;
        assert_eq!(odd.status, StatusCode::OK);
        assert!(!odd.body.contains("red;x"), "{}", odd.body);
        assert!(!links(&odd.body, "choice").is_empty(), "back at the menus");
    })
}

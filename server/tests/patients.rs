//! The console's patients: search, history and the CSV export. Storage on SQLite and
//! PostgreSQL; the export and the server functions over HTTP with a signed-in staff member.

mod support;

use app::actions::booking::cancel;
use app::actions::reception::{approve, decline, visit};
use app::api::staff::patients::ssr::detail;
use app::booking::ids::*;
use app::booking::status::VisitAction;
use app::i18n::Lang;
use app::patients::search::PatientQuery;
use app::patients::HistoryCounts;
use app::store::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use support::*;

on_both!(search_finds_names_furigana_and_phones, search_never_crosses_clinics, history_counts_each_outcome, export_lists_the_range_with_names,);

/// A patient known to reception only, with these details.
async fn named(store: &dyn Store, clinic: ClinicId, name: &str, furigana: &str, phone: &str) -> PatientId {
    let details = PatientDetails { name: name.into(), furigana: furigana.into(), phone: phone.into(), birth_date: None };
    let new = NewPatient { clinic_id: clinic, identity: Identity::Offline, details, language: Lang::Ja };
    in_tx!(store, |tx| Ok(tx.insert_patient(&new, now()).await?)).expect("insert").expect("a new patient")
}

fn names(found: &[Patient]) -> Vec<&str> {
    found.iter().map(|p| p.details.name.as_str()).collect()
}

async fn search(store: &dyn Store, clinic: ClinicId, q: &str, limit: u32) -> Vec<Patient> {
    read(store).await.search_patients(clinic, &PatientQuery::new(q), limit).await.expect("search")
}

async fn search_finds_names_furigana_and_phones(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    named(store, c.clinic, "山田 太郎", "ヤマダ タロウ", "09012345678").await;
    named(store, c.clinic, "佐藤 花子", "さとう はなこ", "0355556666").await;
    // Signed in, never booked: no name yet.
    named(store, c.clinic, "", "", "09099999999").await;
    let find = |q: &'static str| search(store, c.clinic, q, 50);
    for q in ["山田", "山田太郎", "やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "090-1234-5678", "1234 5678", "０９０１２３４"] {
        assert_eq!(names(&find(q).await), ["山田 太郎"], "{q}");
    }
    for q in ["佐藤", "サトウ", "はなこ", "03-5555-6666", "(03) 5555"] {
        assert_eq!(names(&find(q).await), ["佐藤 花子"], "{q}");
    }
    // Ordered by furigana; the unnamed patient never shows.
    assert_eq!(names(&find("0").await), ["佐藤 花子", "山田 太郎"]);
    assert!(find("0909999").await.is_empty());
    assert!(find("").await.is_empty());
    assert!(find("  ").await.is_empty());
    assert!(find("鈴木").await.is_empty());
    assert_eq!(search(store, c.clinic, "0", 1).await.len(), 1);
}

async fn search_never_crosses_clinics(db: &TestDb) {
    let store = db.store.as_ref();
    let a = clinic(store, "a").await;
    let b = clinic(store, "b").await;
    let ours = named(store, a.clinic, "山田 太郎", "ヤマダ タロウ", "09012345678").await;
    let theirs = named(store, b.clinic, "山田 太郎", "ヤマダ タロウ", "09012345678").await;
    for q in ["山田", "やまだ", "09012345678"] {
        let found = search(store, a.clinic, q, 50).await;
        assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [ours], "{q}");
        assert!(found.iter().all(|p| p.clinic_id == a.clinic));
    }
    // Another clinic's patient id is not found, nor are their appointments listed.
    book(store, &booking(b.clinic, b.slot, b.doctor, tokyo(2030, 1, 7, 9, 0), theirs)).await.expect("booked");
    let mut reads = read(store).await;
    assert_eq!(reads.patient(a.clinic, theirs).await.expect("read"), None);
    assert!(reads.patients(a.clinic, &[theirs]).await.expect("read").is_empty());
    assert!(reads.appointments_of(a.clinic, &[theirs]).await.expect("read").is_empty());
    assert_eq!(reads.appointments_of(b.clinic, &[theirs]).await.expect("read").len(), 1);
    let day = NaiveDate::from_ymd_opt(2030, 1, 7).expect("date");
    assert!(reads.export(a.clinic, day, day).await.expect("export").is_empty());
    assert_eq!(reads.export(b.clinic, day, day).await.expect("export").len(), 1);
}

/// What reception (or the patient) does to an appointment after booking it.
#[derive(Clone, Copy, Debug)]
enum Step {
    Approve,
    Complete,
    NoShow,
    PatientCancels,
    ClinicCancels,
    Decline,
}

async fn history_counts_each_outcome(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let row = clinic_row(store, c.clinic).await;
    let p = named(store, c.clinic, "山田 太郎", "ヤマダ タロウ", "09012345678").await;
    let other = named(store, c.clinic, "佐藤 花子", "サトウ ハナコ", "0312345678").await;
    let staff = StaffId(1);
    let at = |h, m| tokyo(2030, 1, 7, h, m);
    // Completed and missed once the visit has begun; everything else at `now`.
    let afterwards = at(11, 45);
    use Step::*;
    let steps: [(DateTime<Utc>, &[Step]); 7] = [
        (at(9, 0), &[Approve, Complete]),
        (at(9, 30), &[Approve, Complete]),
        (at(10, 0), &[Approve, NoShow]),
        (at(10, 30), &[Approve, PatientCancels]),
        (at(11, 0), &[Approve, ClinicCancels]),
        (at(11, 30), &[Decline]),
        (tokyo(2030, 1, 10, 9, 0), &[Approve]),
    ];
    for (starts_at, steps) in steps {
        let a = book(store, &booking(c.clinic, c.slot, c.doctor, starts_at, p)).await.expect("booked");
        for step in steps {
            let result = in_tx!(store, |tx| {
                let at_once = desk(&row, staff, now());
                let once_begun = desk(&row, staff, afterwards);
                match step {
                    Approve => approve(tx, at_once, a.id).await,
                    Complete => visit(tx, once_begun, a.id, VisitAction::Completed, None).await,
                    NoShow => visit(tx, once_begun, a.id, VisitAction::NoShow, None).await,
                    PatientCancels => cancel(tx, c.clinic, p, a.id, now()).await,
                    ClinicCancels => visit(tx, at_once, a.id, VisitAction::CancelByClinic, Some("休診")).await,
                    Decline => decline(tx, at_once, a.id, "満席のため").await,
                }
            });
            result.unwrap_or_else(|e| panic!("{step:?} at {starts_at}: {e}"));
        }
    }
    // A fresh request for later (another day: one place of a menu a day), still holding its
    // place when the history is read.
    let later = tokyo(2030, 1, 7, 12, 0);
    let request = Booking { now: later - Duration::minutes(10), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 11, 9, 30), p) };
    book(store, &request).await.expect("request");
    // Someone else's visit is not theirs.
    book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 10, 10, 0), other)).await.expect("other");

    // As the patient's page in the console reads it.
    let mut reads = read(store).await;
    let patient = reads.patient(c.clinic, p).await.expect("read").expect("the patient");
    let appointments = reads.appointments_of(c.clinic, &[p]).await.expect("history");
    let menus = reads.menus(c.clinic).await.expect("menus");
    let resources = reads.resources(c.clinic).await.expect("resources");
    assert_eq!(patient.id, p);
    assert!(appointments.iter().all(|a| a.patient_id == p), "only theirs");
    assert_eq!(HistoryCounts::of(&appointments, later), HistoryCounts { visits: 2, upcoming: 2, cancellations: 2, no_shows: 1, declined: 1 });
    assert_eq!(appointments.len(), 8);
    assert!(appointments.windows(2).all(|w| w[0].starts_at >= w[1].starts_at), "newest first");
    let ja = detail(&patient, &appointments, &menus, &resources, TOKYO, later, Lang::Ja);
    let en = detail(&patient, &appointments, &menus, &resources, TOKYO, later, Lang::En);
    assert_eq!(ja.counts, HistoryCounts::of(&appointments, later));
    assert!(ja.appointments.iter().all(|a| a.menu == "slot" && a.resource == "医師"), "{:?}", ja.appointments);
    assert!(en.appointments.iter().all(|a| a.resource == "Doctor"), "{:?}", en.appointments);
    // Read the next morning, the unanswered request's hold has run out: no longer upcoming.
    assert_eq!(HistoryCounts::of(&appointments, tokyo(2030, 1, 8, 9, 0)).upcoming, 1);
}

async fn export_lists_the_range_with_names(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let p = named(store, c.clinic, "山田, 太郎", "ヤマダ タロウ", "09012345678").await;
    let q = named(store, c.clinic, "佐藤 花子", "サトウ ハナコ", "0312345678").await;
    let first = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), p)).await.expect("booked");
    let queued = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 0), q)).await.expect("booked");
    book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 9, 0), p)).await.expect("next day");
    let day = NaiveDate::from_ymd_opt(2030, 1, 7).expect("date");
    let mut reads = read(store).await;
    let rows = reads.export(c.clinic, day, day).await.expect("export");
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [queued.id, first.id], "by time, that day only");
    let r = &rows[1];
    assert_eq!((r.patient_name.as_str(), r.furigana.as_str(), r.phone.as_str()), ("山田, 太郎", "ヤマダ タロウ", "09012345678"));
    assert_eq!((r.menu_name_ja.as_str(), r.resource_name_en.as_str()), ("slot", "Doctor"));
    assert_eq!((r.service_date, r.starts_at, r.reference.as_str()), (day, first.starts_at, first.reference.as_str()));
    let two_days = reads.export(c.clinic, day, day + chrono::Days::new(1)).await.expect("export");
    assert_eq!(two_days.len(), 3);
}

// ---- over HTTP ----

mod http {

    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use http_body_util::BodyExt;

    use tower::ServiceExt;

    use super::*;

    const PASSWORD: &str = "correct horse battery";

    struct App {
        router: axum::Router,
        _db: TestDb,
    }

    async fn app() -> App {
        let db = TestDb::sqlite().await;
        let store = db.store.clone();
        let a = clinic(store.as_ref(), "a").await;
        let b = clinic(store.as_ref(), "b").await;
        let mut desk_a = None;
        for (clinic, email) in [(a.clinic, "desk@a.example.jp"), (b.clinic, "desk@b.example.jp")] {
            let password_hash = server::staff::hash_password(PASSWORD).expect("hash");
            let by = system(clinic);
            let id = in_tx!(store, |tx| settings::add_staff(tx, by, email, "受付", StaffRole::Staff, password_hash).await).expect("staff");
            desk_a = desk_a.or(Some(id));
        }
        let p = named(store.as_ref(), a.clinic, "山田, \"太郎\"", "ヤマダ タロウ", "09012345678").await;
        let attacker = named(store.as_ref(), a.clinic, "=HYPERLINK(\"http://x\")", "イコール", "0312345678").await;
        let first = book(store.as_ref(), &booking(a.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 10, 0), p)).await.expect("booked");
        let row = clinic_row(store.as_ref(), a.clinic).await;
        let staff = desk_a.expect("clinic a's receptionist");
        in_tx!(store, |tx| approve(tx, desk(&row, staff, now()), first.id).await).expect("confirm");
        book(store.as_ref(), &booking(a.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 11, 0), attacker)).await.expect("booked");
        let line = std::sync::Arc::new(server::line::api::LineApi::new("http://127.0.0.1:9").expect("client"));
        let router = crate::support::router(store, line);
        App { router, _db: db }
    }

    struct Reply {
        status: StatusCode,
        headers: axum::http::HeaderMap,
        body: Vec<u8>,
    }

    impl Reply {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }

    async fn send(app: &App, request: axum::http::request::Builder, body: String, cookie: Option<&str>) -> Reply {
        let mut request = request.header(header::HOST, "127.0.0.1").header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = app.router.clone().oneshot(request.body(Body::from(body)).expect("request")).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        Reply { status, headers, body }
    }

    async fn post_form(app: &App, path: &str, form: String, cookie: Option<&str>) -> Reply {
        let request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        send(app, request, form, cookie).await
    }

    async fn get(app: &App, path: &str, cookie: Option<&str>) -> Reply {
        send(app, Request::get(path), String::new(), cookie).await
    }

    fn urlencode(s: &str) -> String {
        s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
    }

    /// Signs in through the console's server function; the session cookie.
    async fn sign_in(app: &App, email: &str) -> String {
        let reply = post_form(app, "/api/staff/sign_in", format!("email={}&password={}&lang=ja", urlencode(email), urlencode(PASSWORD)), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let cookie = reply.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a session cookie");
        let cookie = cookie.split(';').next().unwrap_or_default().to_string();
        assert!(cookie.starts_with("yoyaku_staff="), "{cookie}");
        cookie
    }

    #[test]
    fn the_csv_export_has_a_bom_a_header_and_quoted_rows() {
        run(async {
            let app = app().await;
            let cookie = sign_in(&app, "desk@a.example.jp").await;
            let reply = get(&app, "/staff/export.csv?from=2030-01-07&to=2030-01-07", Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert_eq!(reply.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("text/csv; charset=utf-8"));
            let disposition = reply.headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert!(disposition.starts_with("attachment;") && disposition.contains("appointments-a-2030-01-07-2030-01-07.csv"), "{disposition}");
            assert!(reply.body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
            let text = String::from_utf8(reply.body[3..].to_vec()).expect("utf-8");
            let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
            assert_eq!(lines[0], "日付,開始,終了,メニュー,担当,患者名,フリガナ,電話番号,状態,受付番号,予約番号,受付日時");
            assert_eq!(lines.len(), 3, "{text}");
            // The comma and the quotes in the name are quoted, not new columns.
            assert!(lines[1].starts_with("2030-01-07,10:00,10:30,slot,医師,\"山田, \"\"太郎\"\"\",ヤマダ タロウ,09012345678,予約確定,,"), "{}", lines[1]);
            // A name that looks like a formula is shown, never run.
            assert!(lines[2].contains(",\"'=HYPERLINK(\"\"http://x\"\")\","), "{}", lines[2]);
            // Read back with a CSV reader: 12 columns everywhere, the name intact.
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("valid CSV");
            assert!(rows.iter().all(|r| r.len() == 12));
            assert_eq!(&rows[0][5], "山田, \"太郎\"");

            let reply = get(&app, "/staff/export.csv?from=2030-01-07&to=2030-01-07&lang=en", Some(&cookie)).await;
            let text = String::from_utf8_lossy(&reply.body[3..]).into_owned();
            assert!(text.starts_with("Date,Start,End,Menu,With,Patient,Furigana,Phone,Status,Queue number,Reference,Booked at\r\n"), "{text}");
            assert!(text.contains(",Confirmed,"), "{text}");
        })
    }

    #[test]
    fn the_export_needs_a_session_and_a_sane_range() {
        run(async {
            let app = app().await;
            let reply = get(&app, "/staff/export.csv?from=2030-01-07&to=2030-01-07", None).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
            let reply = get(&app, "/staff/export.csv?from=2030-01-07&to=2030-01-07", Some("yoyaku_staff=forged")).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

            let cookie = sign_in(&app, "desk@a.example.jp").await;
            for (query, message) in [
                ("from=2030-01-01&to=2031-01-02", "366"),
                ("from=2030-02-01&to=2030-01-31", "end date"),
                ("from=2030-13-01&to=2030-12-31", "start date must be YYYY-MM-DD"),
                ("from=2030-01-01&to=tomorrow", "end date must be YYYY-MM-DD"),
                ("from=2030-01-01", "end date must be YYYY-MM-DD"),
                ("", "start date must be YYYY-MM-DD"),
            ] {
                let reply = get(&app, &format!("/staff/export.csv?{query}"), Some(&cookie)).await;
                assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
                assert!(reply.text().contains(message), "{query}: {}", reply.text());
            }
            // Exactly 366 days is allowed.
            let reply = get(&app, "/staff/export.csv?from=2028-01-01&to=2028-12-31", Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        })
    }

    #[test]
    fn staff_see_only_their_own_clinic() {
        run(async {
            let app = app().await;
            let other = sign_in(&app, "desk@b.example.jp").await;
            let reply = get(&app, "/staff/export.csv?from=2030-01-01&to=2030-01-31", Some(&other)).await;
            assert_eq!(reply.status, StatusCode::OK);
            let text = String::from_utf8_lossy(&reply.body[3..]).into_owned();
            assert_eq!(text.lines().count(), 1, "only the header: {text}");
            // The search server function: the other clinic's staff find nobody.
            let reply = post_form(&app, "/api/staff/patients_search", format!("query={}&lang=ja", urlencode("山田")), Some(&other)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert_eq!(reply.text(), "[]");
            // Nor can they open the patient by id.
            let reply = post_form(&app, "/api/staff/patient_details", "id=1&lang=en".into(), Some(&other)).await;
            let error = support::app_error(reply.status, &reply.text(), support::ErrorCode::NotFound);
            assert_eq!(error.message, "Patient not found.");
        })
    }

    #[test]
    fn staff_search_and_open_a_patient() {
        run(async {
            let app = app().await;
            let reply = post_form(&app, "/api/staff/patients_search", format!("query={}&lang=ja", urlencode("やまだ")), None).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
            let cookie = sign_in(&app, "desk@a.example.jp").await;
            let reply = post_form(&app, "/api/staff/patients_search", format!("query={}&lang=ja", urlencode("やまだ")), Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            let found: Vec<app::api::staff::patients::PatientSummary> = serde_json::from_slice(&reply.body).expect("json");
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].phone, "090-1234-5678");
            let reply = post_form(&app, "/api/staff/patient_details", format!("id={}&lang=ja", found[0].id), Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            let detail: app::api::staff::patients::PatientDetailView = serde_json::from_slice(&reply.body).expect("json");
            assert_eq!(detail.patient.name, "山田, \"太郎\"");
            assert_eq!(detail.appointments.len(), 1);
            let a = &detail.appointments[0];
            assert_eq!(
                (a.when.as_str(), a.menu.as_str(), a.resource.as_str(), a.status_label.as_str()),
                ("1月7日(月) 10:00〜10:30", "slot", "医師", "予約確定")
            );
        })
    }

    #[test]
    fn the_patients_page_is_served_as_the_console_shell() {
        run(async {
            let app = app().await;
            let cookie = sign_in(&app, "desk@a.example.jp").await;
            let reply = send(&app, Request::get("/staff/patients").header(header::ACCEPT, "text/html"), String::new(), Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK);
            let html = reply.text();
            // The console is built in the browser (Playwright checks the page): the server sends
            // the shell, and never a patient's details.
            assert!(html.contains(r#"<div class="console">"#) && html.contains("読み込み中"), "{html}");
            assert!(!html.contains("山田"), "no patient data in the server's HTML");
        })
    }
}

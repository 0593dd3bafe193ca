//! The website patient's side, as the widget's plain HTML forms post it (no JavaScript, no
//! cookies): the demo clinic, its free places, the code e-mails, and a real SMTP server.

use std::sync::Arc;

use app::booking::ids::{AppointmentId, ClinicId, MenuId};
use app::booking::model::Approval;
use app::booking::status::AppointmentStatus;
use app::kinds::{Channel, NoticeType, QuestionKind};
use app::notify::email::Email;
use app::store::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::{read, TestDb};

pub struct Site {
    pub router: axum::Router,
    pub store: SharedStore,
    pub clinic: ClinicId,
}

pub async fn site(db: &TestDb) -> Site {
    let clinic = server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
    let line = Arc::new(server::line::api::LineApi::new("http://127.0.0.1:9").expect("client"));
    Site { router: super::router(db.store.clone(), line), store: db.store.clone(), clinic }
}

pub fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| app::api::web_booking::urlencoding(s);
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// What a browser gets for a form post: the status and where it is sent next.
pub struct Answer {
    pub status: StatusCode,
    pub location: String,
}

impl Answer {
    /// The error code a refusal carried back to the form (`__err`, as the page reads it).
    pub fn error(&self) -> Option<app::error::AppError> {
        // Back to the form: a redirect the browser follows, whatever the error's own status.
        assert_eq!(self.status, StatusCode::FOUND, "{}", self.location);
        let query = self.location.split_once('?')?.1;
        let err = query.split('&').find_map(|kv| kv.strip_prefix("__err="))?;
        let err = err.replace("%3D", "=").replace("%2B", "+").replace("%2F", "/");
        Some(leptos::server_fn::error::ServerFnUrlError::<app::error::AppError>::decode_err(&err))
    }

    pub fn flow(&self) -> String {
        self.location.split("flow=").nth(1).expect("a flow token").split('&').next().expect("token").to_string()
    }
}

/// A plain HTML form post from the widget's page (`Referer`: where a refusal goes back to).
pub async fn submit(site: &Site, path: &str, body: String) -> Answer {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://127.0.0.1/w/demo?lang=ja&by=email")
        .header(header::HOST, "127.0.0.1")
        .body(Body::from(body))
        .expect("request");
    let response = site.router.clone().oneshot(request).await.expect("response");
    let location = response.headers().get(header::LOCATION).map(|v| v.to_str().expect("ascii").to_string()).unwrap_or_default();
    Answer { status: response.status(), location }
}

pub async fn get(site: &Site, path: &str) -> (StatusCode, String, String) {
    let request = Request::get(path).header(header::HOST, "127.0.0.1").body(Body::empty()).expect("request");
    let response = site.router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let kind = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().expect("ascii").to_string()).unwrap_or_default();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, kind, String::from_utf8(body.to_vec()).expect("utf-8"))
}

/// The demo's menu that `approval` says, a free place of it (`resource-start`) on the `skip`-th
/// day with room, and answers to its required questions.
pub async fn free_place(site: &Site, approval: Approval, skip: usize) -> (MenuId, String, Vec<(String, String)>) {
    let mut db = read(site.store.as_ref()).await;
    let clinic = db.clinic(site.clinic).await.expect("read").expect("demo");
    let menu = db
        .menus(site.clinic)
        .await
        .expect("menus")
        .into_iter()
        .find(|m| m.active && m.approval == approval && m.mode.kind() == app::kinds::ModeKind::Slot)
        .expect("a menu");
    let today = Utc::now().with_timezone(&clinic.time_zone).date_naive();
    // From the day after tomorrow: every place is outside the menus' cancellation cut-off (a day at
    // most), whatever the hour the test runs at.
    let offers = app::actions::booking::availability(db.as_mut(), &clinic, &menu, today + chrono::Days::new(2), today + chrono::Days::new(21), Utc::now())
        .await
        .expect("availability");
    // One place of a menu a day per patient: each call takes another day.
    let mut days: Vec<_> = offers.iter().map(|o| o.date).collect();
    days.dedup();
    let day = *days.get(skip).expect("a day with room");
    let offer = offers.iter().find(|o| o.date == day).expect("a free place");
    let answers = db
        .questions(site.clinic)
        .await
        .expect("questions")
        .into_iter()
        .filter(|q| q.menu_id == menu.id && q.required)
        .map(|q| {
            let answer = match q.kind {
                QuestionKind::YesNo => "no".to_string(),
                QuestionKind::Choice => q.spec.choices_ja[0].clone(),
                QuestionKind::Text => "特になし".to_string(),
            };
            (format!("answers[{}]", q.id.0), answer)
        })
        .collect();
    (menu.id, format!("{}-{}", offer.resource_id, offer.starts_at.timestamp()), answers)
}

pub fn request_body(menu: MenuId, place: &str, answers: &[(String, String)], email: &str) -> String {
    let menu = menu.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("slug", "demo"),
        ("menu", &menu),
        ("place", place),
        ("name", "山田 花子"),
        ("furigana", "ヤマダ ハナコ"),
        ("phone", "090-1111-2222"),
        ("birth_era", "showa"),
        ("birth_year", "50"),
        ("birth_month", "4"),
        ("birth_day", "1"),
        ("email", email),
        ("consent", "yes"),
        ("lang", "ja"),
    ];
    fields.extend(answers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    form(&fields)
}

/// A website patient (hanako@example.jp) requests the first free place of the demo's menu that needs the
/// clinic's answer, with its answers, and types the e-mailed code: the request in the inbox.
pub async fn request_by_email(site: &Site) -> (Appointment, Vec<(String, String)>) {
    let (menu, place, answers) = free_place(site, Approval::RequiresStaff, 0).await;
    let sent = submit(site, "/api/widget/send", request_body(menu, &place, &answers, "hanako@example.jp")).await;
    let flow = sent.flow();
    let (request, code) = code_of(site, &flow).await;
    let verified = submit(site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow), ("code", &code), ("lang", "ja")])).await;
    assert_eq!(verified.status, StatusCode::FOUND, "{}", verified.location);
    (request, answers)
}

/// The appointment a flow token belongs to, and the code its latest e-mail carries.
pub async fn code_of(site: &Site, flow: &str) -> (Appointment, String) {
    let mut db = read(site.store.as_ref()).await;
    let request = db.web_request_by_flow(site.clinic, &app::actions::web::digest(flow, "flow")).await.expect("read").expect("the request");
    let appointment = db.appointment(site.clinic, request.appointment_id).await.expect("read").expect("appointment");
    let notices = db.notifications(site.clinic, &[appointment.id]).await.expect("notices");
    let mail = notices.iter().rev().find(|n| n.notice == NoticeType::EmailCode).expect("a code e-mail");
    assert_eq!((mail.channel, mail.recipient.as_str()), (Channel::Email, "hanako@example.jp"));
    let email = Email::parse(&mail.payload).expect("an e-mail");
    let code: String = email.subject.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{}", email.subject);
    (appointment, code)
}

pub async fn status_of(site: &Site, id: AppointmentId) -> AppointmentStatus {
    read(site.store.as_ref()).await.appointment(site.clinic, id).await.expect("read").expect("appointment").status
}

pub async fn answers_of(site: &Site, menu: MenuId) -> Vec<(String, String)> {
    let (m, _, answers) = free_place(site, Approval::RequiresStaff, 0).await;
    assert_eq!(m, menu);
    answers
}

pub async fn code_of_address(site: &Site, flow: &str, address: &str) -> (Appointment, String) {
    let mut db = read(site.store.as_ref()).await;
    let request = db.web_request_by_flow(site.clinic, &app::actions::web::digest(flow, "flow")).await.expect("read").expect("the request");
    assert_eq!(request.email, address);
    let appointment = db.appointment(site.clinic, request.appointment_id).await.expect("read").expect("appointment");
    let notices = db.notifications(site.clinic, &[appointment.id]).await.expect("notices");
    let mail = Email::parse(&notices.iter().find(|n| n.notice == NoticeType::EmailCode).expect("code").payload).expect("e-mail");
    (appointment, mail.subject.chars().filter(char::is_ascii_digit).collect())
}

/// A free local port for the SMTP server.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

pub struct SmtpServer(std::process::Child);

impl SmtpServer {
    pub fn start(port: u16, dir: &std::path::Path) -> SmtpServer {
        use std::io::BufRead;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_server.py");
        let mut child = std::process::Command::new("/usr/bin/python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("Debian's python3 with aiosmtpd (scripts/test installs it)");
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut ready).expect("read");
        assert_eq!(ready.trim(), "ready", "the SMTP server did not start");
        SmtpServer(child)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn kept(dir: &std::path::Path) -> Vec<String> {
    let mut mails: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| std::fs::read_to_string(e.path()).expect("mail"))
        .collect();
    mails.sort();
    mails
}

/// A new staff member of the demo clinic, signed in: the session cookie, its CSRF token, the
/// account.
pub async fn staff_cookie(site: &Site, role: StaffRole) -> (String, String, app::booking::ids::StaffId) {
    let staff = super::staff_member(site.store.as_ref(), site.clinic, &format!("{}@signed-in.example.jp", role.as_str()), role).await;
    let token = format!("signed-in-token-{}", role.as_str());
    let csrf = format!("signed-in-csrf-{}", role.as_str());
    let session = StaffSession { staff_id: staff, clinic_id: site.clinic, csrf_token: csrf.clone(), expires_at: Utc::now() + chrono::Duration::hours(1) };
    super::in_tx!(site.store.as_ref(), |tx| Ok(tx.insert_staff_session(&token, &session, Utc::now()).await?)).expect("session");
    (format!("yoyaku_staff={token}"), csrf, staff)
}

/// A GET as the console's links make it (a CSV download): the status and the body.
pub async fn download(site: &Site, path: &str, cookie: &str) -> (StatusCode, String) {
    let request = Request::get(path).header(header::HOST, "127.0.0.1").header(header::COOKIE, cookie).body(Body::empty()).expect("request");
    let response = site.router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

//! Booking on the clinic's website without LINE, over HTTP as the widget's plain forms post it
//! (no JavaScript, no cookies): the request holds its place while the patient types the code
//! e-mailed to them; a right code sends it to the inbox (or confirms it); wrong, replayed and
//! forged codes, too many requests and another clinic's ids are refused clearly, and nothing is
//! booked by them. The e-mails go through the outbox: to the console's sandbox without SMTP, and
//! to a real SMTP server (aiosmtpd) with it: delivered once after the server was down, and a
//! permanent refusal fails with its reason. On both backends.

mod support;

use std::sync::Arc;

use app::booking::ids::MenuId;
use app::booking::model::Approval;
use app::booking::status::AppointmentStatus;
use app::kinds::{Channel, NoticeType};
use app::notify::email::Email;
use app::store::*;
use axum::http::StatusCode;
use chrono::Utc;
use support::web::*;
use support::*;

async fn a_patient_without_line_books_with_an_emailed_code(db: &TestDb) {
    let site = site(db).await;
    let (menu, place, answers) = free_place(&site, Approval::RequiresStaff, 0).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, " Hanako@Example.jp ")).await;
    assert_eq!(sent.status, StatusCode::FOUND, "{}", sent.location);
    assert!(sent.location.starts_with("/w/demo/code?lang=ja&flow="), "{}", sent.location);
    let flow = sent.flow();
    let (held, code) = code_of(&site, &flow).await;
    assert_eq!(held.status, AppointmentStatus::Verifying);
    let unproven = read(site.store.as_ref()).await.patient(site.clinic, held.patient_id).await.expect("read").expect("patient");
    assert_eq!(unproven.details, PatientDetails::none(), "nothing typed is kept as the patient's before the code");
    let requests = read(site.store.as_ref()).await.requests(site.clinic, false, Page::ALL).await.expect("inbox");
    assert!(!requests.iter().any(|a| a.id == held.id), "not in the inbox before the code");
    let (status, _, page) = get(&site, &format!("/w/demo/code?lang=ja&flow={flow}")).await;
    assert!(status.is_success() && page.contains("ha***@example.jp") && page.contains("確認コード"), "{status}");

    // Another of the same address's attempts holds a second place; a third is refused.
    let (_, second, _) = free_place(&site, Approval::RequiresStaff, 1).await;
    let other = submit(&site, "/api/widget/send", request_body(menu, &second, &answers, "hanako@example.jp")).await;
    assert!(other.location.contains("flow="), "{}", other.location);
    let (_, third, _) = free_place(&site, Approval::RequiresStaff, 2).await;
    let refused = submit(&site, "/api/widget/send", request_body(menu, &third, &answers, "hanako@example.jp")).await;
    assert_eq!(refused.error().map(|e| e.code), Some(app::error::ErrorCode::TooManyWaiting), "{}", refused.location);

    // A wrong code is counted and explained; a forged flow token finds nothing.
    let verify = |flow: &str, code: &str| form(&[("slug", "demo"), ("flow", flow), ("code", code), ("lang", "ja")]);
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = submit(&site, "/api/widget/verify", verify(&flow, wrong_code)).await;
    let error = wrong.error().expect("refused");
    assert_eq!((error.code, error.status), (app::error::ErrorCode::WrongCode, 422));
    assert!(error.message.contains("あと4回"), "{}", error.message);
    let forged = submit(&site, "/api/widget/verify", verify("forged-token", &code)).await;
    assert_eq!(forged.error().map(|e| e.code), Some(app::error::ErrorCode::AppointmentNotFound));
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::Verifying);

    // The right code: the request is in the inbox, with the menu's own hold and the details.
    let right = submit(&site, "/api/widget/verify", verify(&flow, &code)).await;
    assert!(right.location.starts_with("/w/demo/code?") && right.location.contains("sent=1"), "{}", right.location);
    let requested = read(site.store.as_ref()).await.appointment(site.clinic, held.id).await.expect("read").expect("appointment");
    assert_eq!(requested.status, AppointmentStatus::Requested);
    assert!(requested.hold_expires_at > held.hold_expires_at, "the clinic's hold, not the code's 15 minutes");
    let requests = read(site.store.as_ref()).await.requests(site.clinic, false, Page::ALL).await.expect("inbox");
    assert!(requests.iter().any(|a| a.id == held.id), "in the inbox");
    // The patient's e-mail: received, with the link to see or withdraw it.
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[held.id]).await.expect("notices");
    let received = notices.iter().find(|n| n.notice == NoticeType::Received).expect("a receipt");
    let receipt = Email::parse(&received.payload).expect("an e-mail");
    assert!(receipt.link.as_ref().is_some_and(|(_, path)| path.starts_with(&format!("/w/demo/a/{}?k=", held.reference))), "{receipt:?}");
    let patient = read(site.store.as_ref()).await.patient(site.clinic, held.patient_id).await.expect("read").expect("patient");
    assert_eq!(patient.details.name, "山田 花子");
    assert_eq!(patient.details.birth_date, chrono::NaiveDate::from_ymd_opt(1975, 4, 1));
    let Identity::Email { address, key } = patient.identity.clone() else { panic!("an e-mail patient: {:?}", patient.identity) };
    assert_eq!(address, "hanako@example.jp");
    // The same code again (a double tap) changes nothing and still says it was sent.
    let replay = submit(&site, "/api/widget/verify", verify(&flow, &code)).await;
    assert!(replay.location.contains("sent=1"), "{}", replay.location);
    let (_, _, done) = get(&site, &right.location).await;
    assert!(done.contains(&format!("data-booked-reference=\"{}\"", held.reference)) && done.contains("data-booked-status=\"requested\""));

    // The clinic approves: the confirmation goes by e-mail with the patient's link.
    let clinic = clinic_row(site.store.as_ref(), site.clinic).await;
    let owner = read(site.store.as_ref()).await.staff_members(site.clinic).await.expect("staff")[0].id;
    in_tx!(site.store.as_ref(), |tx| app::actions::reception::approve(tx, desk(&clinic, owner, Utc::now()), held.id).await).expect("approved");
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[held.id]).await.expect("notices");
    let confirmed = notices.iter().find(|n| n.notice == NoticeType::Confirmed).expect("a confirmation");
    let mail = Email::parse(&confirmed.payload).expect("an e-mail");
    let link = format!("/w/demo/a/{}?k={key}", held.reference);
    assert_eq!(mail.link.as_ref().map(|(_, path)| path.as_str()), Some(link.as_str()));
    assert!(!mail.body.contains("特になし"), "no answers in an e-mail");

    // The link's page, its calendar file; a wrong key finds nothing.
    let (status, _, page) = get(&site, &format!("{link}&lang=ja")).await;
    assert!(status.is_success() && page.contains("予約確定"), "{status}");
    let (status, kind, ics) = get(&site, &format!("/w/demo/a/{}/ics?k={key}", held.reference)).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/calendar; charset=utf-8"));
    assert!(ics.contains("BEGIN:VEVENT") && ics.contains(&held.reference));
    let (status, _, _) = get(&site, &format!("/w/demo/a/{}?k=wrong", held.reference)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&site, &format!("/w/demo/a/{}/ics?k=wrong", held.reference)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The patient cancels from the link (inside the cut-off).
    let cancel = submit(&site, "/api/widget/cancel", form(&[("slug", "demo"), ("reference", &held.reference), ("key", &key), ("lang", "ja")])).await;
    assert!(cancel.location.contains("cancelled=1"), "{}", cancel.location);
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::CancelledByPatient);
}

async fn an_auto_confirm_menu_confirms_with_the_code_and_bad_input_books_nothing(db: &TestDb) {
    let site = site(db).await;
    let (menu, place, answers) = free_place(&site, Approval::AutoConfirm, 0).await;
    let before = read(site.store.as_ref())
        .await
        .appointments_on(site.clinic, chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"), chrono::NaiveDate::from_ymd_opt(2100, 1, 1).expect("date"))
        .await
        .expect("read")
        .len();
    // Bad input: every field to fix comes back, nothing is held.
    let bad = form(&[
        ("slug", "demo"),
        ("menu", &menu.to_string()),
        ("place", &place),
        ("name", ""),
        ("furigana", "yamada"),
        ("phone", "x"),
        ("email", "not-an-address"),
        ("lang", "ja"),
    ]);
    let refused = submit(&site, "/api/widget/send", bad).await;
    let error = refused.error().expect("refused");
    assert_eq!(error.code, app::error::ErrorCode::Invalid);
    for field in ["name", "furigana", "phone", "email", "consent"] {
        assert!(error.field_message(field).is_some(), "{field}: {:?}", error.fields);
    }
    // Another clinic's menu, a place that is not one: clear refusals.
    let other_menu = submit(&site, "/api/widget/send", request_body(MenuId(999_999), &place, &answers, "taro@example.jp")).await;
    assert_eq!(other_menu.error().map(|e| e.code), Some(app::error::ErrorCode::MenuNotFound));
    let no_place = submit(&site, "/api/widget/send", request_body(menu, "1-12", &answers, "taro@example.jp")).await;
    assert!(no_place.error().is_some_and(|e| e.status < 500), "{}", no_place.location);
    let after = read(site.store.as_ref())
        .await
        .appointments_on(site.clinic, chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"), chrono::NaiveDate::from_ymd_opt(2100, 1, 1).expect("date"))
        .await
        .expect("read")
        .len();
    assert_eq!(before, after, "nothing held by bad input");

    let sent = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, "hanako@example.jp")).await;
    let flow = sent.flow();
    let (held, code) = code_of(&site, &flow).await;
    // The place is held: nobody else can take it meanwhile.
    let taken = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, "jiro@example.jp")).await;
    assert_eq!(taken.error().map(|e| e.code), Some(app::error::ErrorCode::PlaceTaken));
    let done = submit(&site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow), ("code", &code), ("lang", "ja")])).await;
    assert!(done.location.contains("sent=1"), "{}", done.location);
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::Confirmed);
    // A day on, the worker forgets the request's typed details and tokens; the visit stays.
    let later = Utc::now() + chrono::Duration::days(2);
    in_tx!(site.store.as_ref(), |tx| Ok(tx.forget_expired(later, later - chrono::Duration::days(1)).await?)).expect("forget");
    assert_eq!(read(site.store.as_ref()).await.web_request(site.clinic, held.id).await.expect("read"), None);
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::Confirmed);
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[held.id]).await.expect("notices");
    assert!(notices.iter().any(|n| n.notice == NoticeType::Confirmed && n.channel == Channel::Email), "the confirmation e-mail");

    // Five wrong codes let the place go.
    let (_, second, _) = free_place(&site, Approval::AutoConfirm, 1).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &second, &answers, "saburo@example.jp")).await;
    let flow = sent.flow();
    let (held, code) = code_of_address(&site, &flow, "saburo@example.jp").await;
    let wrong = if code == "999999" { "888888" } else { "999999" };
    let mut last = None;
    for _ in 0..5 {
        last = submit(&site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow), ("code", wrong), ("lang", "ja")])).await.error().map(|e| e.code);
    }
    assert_eq!(last, Some(app::error::ErrorCode::CodesUsedUp));
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::CancelledByPatient);
    let late = submit(&site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow), ("code", &code), ("lang", "ja")])).await;
    assert_eq!(late.error().map(|e| e.code), Some(app::error::ErrorCode::StatusChanged), "the right code is too late");
}

async fn the_clinic_proposes_another_time_and_the_patient_answers_from_the_email(db: &TestDb) {
    let site = site(db).await;
    let (menu, place, answers) = free_place(&site, Approval::RequiresStaff, 0).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, "hanako@example.jp")).await;
    let flow = sent.flow();
    let (held, code) = code_of(&site, &flow).await;
    submit(&site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow), ("code", &code), ("lang", "ja")])).await;
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::Requested);

    // Another day's free place, proposed by reception.
    let (_, other, _) = free_place(&site, Approval::RequiresStaff, 3).await;
    let (resource, at) = app::pages::parse_place(&other).expect("a place");
    let clinic = clinic_row(site.store.as_ref(), site.clinic).await;
    let owner = read(site.store.as_ref()).await.staff_members(site.clinic).await.expect("staff")[0].id;
    let starts_at = chrono::DateTime::from_timestamp(at, 0).expect("time");
    let proposal = in_tx!(site.store.as_ref(), |tx| app::actions::reception::propose(tx, desk(&clinic, owner, Utc::now()), held.id, resource, starts_at).await)
        .expect("proposed");
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[proposal.id]).await.expect("notices");
    let mail = Email::parse(&notices.iter().find(|n| n.notice == NoticeType::Proposed).expect("the proposal e-mail").payload).expect("e-mail");
    let (_, link) = mail.link.expect("a link");
    assert!(link.starts_with(&format!("/w/demo/a/{}?k=", proposal.reference)), "{link}");
    let key = link.split("k=").nth(1).expect("key");
    let (status, _, page) = get(&site, &format!("{link}&lang=ja")).await;
    assert!(status.is_success() && page.contains("この日時で予約する"), "{status}");

    let answer = |answer: &str| form(&[("slug", "demo"), ("reference", &proposal.reference), ("key", key), ("answer", answer), ("lang", "ja")]);
    let odd = submit(&site, "/api/widget/answer", answer("maybe")).await;
    assert_eq!(odd.error().map(|e| e.code), Some(app::error::ErrorCode::BadRequest));
    let accepted = submit(&site, "/api/widget/answer", answer("accept")).await;
    assert!(accepted.error().is_none(), "{}", accepted.location);
    assert_eq!(status_of(&site, proposal.id).await, AppointmentStatus::Confirmed);
    let again = submit(&site, "/api/widget/answer", answer("decline")).await;
    assert_eq!(again.error().map(|e| e.code), Some(app::error::ErrorCode::StatusChanged), "answered once");
}

async fn codes_typed_at_once_all_count_and_a_new_code_replaces_the_old(db: &TestDb) {
    let site = site(db).await;
    let (menu, place, answers) = free_place(&site, Approval::RequiresStaff, 0).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, "hanako@example.jp")).await;
    let flow = sent.flow();
    let (held, code) = code_of(&site, &flow).await;
    let verify = |code: &str| form(&[("slug", "demo"), ("flow", &flow), ("code", code), ("lang", "ja")]);

    // Not six digits: no try is spent.
    let odd = submit(&site, "/api/widget/verify", verify("12ab")).await;
    let odd = odd.error().expect("refused");
    assert_eq!((odd.code, odd.field_message("code").is_some()), (app::error::ErrorCode::Invalid, true), "{odd:?}");
    let request = |site: &Site| {
        let (store, clinic, id) = (site.store.clone(), site.clinic, held.id);
        async move { read(store.as_ref()).await.web_request(clinic, id).await.expect("read").expect("request") }
    };
    assert_eq!(request(&site).await.code_attempts, 0);

    // A new code: not before a minute has passed, and then the old one no longer works.
    let now = Utc::now();
    let too_soon = in_tx!(site.store.as_ref(), |tx| app::actions::web::resend_code(tx, site.clinic, &flow, app::i18n::Lang::Ja, now).await);
    assert!(matches!(too_soon, Err(app::error::Problem::RateLimited)), "{too_soon:?}");
    in_tx!(site.store.as_ref(), |tx| app::actions::web::resend_code(tx, site.clinic, &flow, app::i18n::Lang::Ja, now + chrono::Duration::seconds(61)).await)
        .expect("a second code");
    let (_, second) = code_of(&site, &flow).await;
    assert_eq!(request(&site).await.codes_sent, 2);
    in_tx!(site.store.as_ref(), |tx| app::actions::web::resend_code(tx, site.clinic, &flow, app::i18n::Lang::Ja, now + chrono::Duration::seconds(122)).await)
        .expect("a third code");
    let used_up =
        in_tx!(site.store.as_ref(), |tx| app::actions::web::resend_code(tx, site.clinic, &flow, app::i18n::Lang::Ja, now + chrono::Duration::seconds(183))
            .await);
    assert!(matches!(used_up, Err(app::error::Problem::CodesUsedUp)), "{used_up:?}");
    let (_, third) = code_of(&site, &flow).await;
    assert_ne!(second, third);
    if code != third {
        let old = submit(&site, "/api/widget/verify", verify(&code)).await;
        assert_eq!(old.error().map(|e| e.code), Some(app::error::ErrorCode::WrongCode), "the first code stopped working");
    }

    // Eight wrong codes at the same moment: each one counts, the fifth lets the place go, and
    // the right code cannot slip in after.
    let wrong = if third == "000000" { "111111" } else { "000000" };
    let tries = (0..8).map(|_| submit(&site, "/api/widget/verify", verify(wrong)));
    let answers: Vec<_> = futures::future::join_all(tries).await.into_iter().map(|a| a.error().map(|e| e.code)).collect();
    assert!(answers.iter().all(|a| a.is_some()), "{answers:?}");
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::CancelledByPatient, "{answers:?}");
    assert_eq!(request(&site).await.code_attempts, 5, "{answers:?}");
    let late = submit(&site, "/api/widget/verify", verify(&third)).await;
    assert_eq!(late.error().map(|e| e.code), Some(app::error::ErrorCode::StatusChanged));

    // Full-width digits are the same code; a request nobody confirms expires quietly.
    let (_, other, _) = free_place(&site, Approval::RequiresStaff, 1).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &other, &answers_of(&site, menu).await, "jiro@example.jp")).await;
    let (second_held, code) = code_of_address(&site, &sent.flow(), "jiro@example.jp").await;
    let wide: String = code.chars().map(|c| char::from_u32('０' as u32 + c.to_digit(10).expect("digit")).expect("char")).collect();
    let flow2 = sent.flow();
    let done = submit(&site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow2), ("code", &wide), ("lang", "ja")])).await;
    assert!(done.location.contains("sent=1"), "{}", done.location);
    assert_eq!(status_of(&site, second_held.id).await, AppointmentStatus::Requested);

    let (_, third_place, _) = free_place(&site, Approval::RequiresStaff, 2).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &third_place, &answers_of(&site, menu).await, "saburo@example.jp")).await;
    let (forgotten, _) = code_of_address(&site, &sent.flow(), "saburo@example.jp").await;
    let line = Arc::new(server::line::api::LineApi::new("http://127.0.0.1:9").expect("client"));
    server::notify::Worker::new(site.store.clone(), line).run_once(Utc::now() + chrono::Duration::minutes(16)).await.expect("pass");
    assert_eq!(status_of(&site, forgotten.id).await, AppointmentStatus::Expired);
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[forgotten.id]).await.expect("notices");
    assert!(notices.iter().all(|n| n.notice == NoticeType::EmailCode), "no notice of a request nobody confirmed: {notices:?}");
}

/// The link key of an e-mail patient (what their e-mails' links carry).
async fn link_key(site: &Site, patient: app::booking::ids::PatientId) -> String {
    match read(site.store.as_ref()).await.patient(site.clinic, patient).await.expect("read").expect("patient").identity {
        Identity::Email { key, .. } => key,
        other => panic!("an e-mail patient: {other:?}"),
    }
}

/// Books `place` by e-mail for `address` and types the right code.
async fn booked(site: &Site, menu: MenuId, place: &str, answers: &[(String, String)], address: &str) -> Appointment {
    let sent = submit(site, "/api/widget/send", request_body(menu, place, answers, address)).await;
    let flow = sent.flow();
    let (held, code) = code_of_address(site, &flow, address).await;
    let done = submit(site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow), ("code", &code), ("lang", "ja")])).await;
    assert!(done.location.contains("sent=1"), "{}", done.location);
    held
}

/// A confirmed visit moves from the e-mail's link, with its answers: for a menu that confirms at
/// once the new time is confirmed and the old let go; for one the clinic approves, the new time
/// waits in the inbox while the old stays, and a second move waits for it. A wrong key, another
/// clinic's place or a request (not a visit) moves nothing.
async fn a_website_patient_moves_a_visit_from_the_emails_link(db: &TestDb) {
    let site = site(db).await;
    let moving = |reference: &str, key: &str, place: &str| form(&[("slug", "demo"), ("reference", reference), ("key", key), ("place", place), ("lang", "ja")]);

    let (menu, place, answers) = free_place(&site, Approval::AutoConfirm, 0).await;
    let old = booked(&site, menu, &place, &answers, "hanako@example.jp").await;
    assert_eq!(status_of(&site, old.id).await, AppointmentStatus::Confirmed);
    let key = link_key(&site, old.patient_id).await;
    let (status, _, page) = get(&site, &format!("/w/demo/a/{}?k={key}&lang=ja", old.reference)).await;
    assert!(status.is_success() && page.contains("日時を変更する") && page.contains(&format!("replaces={}", old.reference)), "{status}");
    let (status, _, page) = get(&site, &format!("/w/demo?lang=ja&menu={menu}&replaces={}&k={key}", old.reference)).await;
    assert!(status.is_success() && page.contains("ご予約の日時を変更します") && !page.contains("メニュー選択に戻る"), "{status}");

    let (_, second, _) = free_place(&site, Approval::AutoConfirm, 1).await;
    let forged = submit(&site, "/api/widget/move", moving(&old.reference, "wrong-key", &second)).await;
    assert_eq!(forged.error().map(|e| e.code), Some(app::error::ErrorCode::AppointmentNotFound));
    let nowhere = submit(&site, "/api/widget/move", moving(&old.reference, &key, "999999-1780000000")).await;
    assert!(nowhere.error().is_some_and(|e| e.status < 500), "{}", nowhere.location);
    assert_eq!(status_of(&site, old.id).await, AppointmentStatus::Confirmed, "nothing moved");

    // Inside the menu's cut-off the visit no longer moves, as it no longer cancels.
    let (resource, at) = app::pages::parse_place(&second).expect("a place");
    let to = (resource, chrono::DateTime::from_timestamp(at, 0).expect("time"));
    let late = old.starts_at - chrono::Duration::hours(1);
    let refused = in_tx!(site.store.as_ref(), |tx| app::actions::web::move_by_link(tx, site.clinic, &old.reference, &key, to, late).await);
    assert!(matches!(refused, Err(app::error::Problem::PastCutOff { .. })), "{refused:?}");

    let moved = submit(&site, "/api/widget/move", moving(&old.reference, &key, &second)).await;
    assert!(moved.error().is_none() && moved.location.contains("moved=1"), "{}", moved.location);
    let reference = moved.location.trim_start_matches("/w/demo/a/").split('?').next().expect("reference").to_string();
    let new = read(site.store.as_ref()).await.appointment_by_reference(site.clinic, &reference).await.expect("read").expect("the new visit");
    assert_eq!((new.status, new.patient_id, new.replaces_id), (AppointmentStatus::Confirmed, old.patient_id, Some(old.id)));
    assert_eq!(status_of(&site, old.id).await, AppointmentStatus::CancelledByPatient, "the old place is free again");
    let answers_kept = read(site.store.as_ref()).await.answers(site.clinic, &[old.id, new.id]).await.expect("answers");
    let of = |id| answers_kept.iter().filter(|(a, _, _)| *a == id).map(|(_, q, v)| (*q, v.clone())).collect::<Vec<_>>();
    assert_eq!(of(new.id), of(old.id), "the answers go with the visit");
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[new.id]).await.expect("notices");
    assert!(notices.iter().any(|n| n.notice == NoticeType::Confirmed && n.channel == Channel::Email), "{notices:?}");
    let again = submit(&site, "/api/widget/move", moving(&old.reference, &key, &place)).await;
    assert_eq!(again.error().map(|e| e.code), Some(app::error::ErrorCode::StatusChanged), "a cancelled visit does not move");

    // A menu the clinic approves: the move is a request; the visit stays until it is approved.
    let (menu, place, answers) = free_place(&site, Approval::RequiresStaff, 0).await;
    let old = booked(&site, menu, &place, &answers, "jiro@example.jp").await;
    let key = link_key(&site, old.patient_id).await;
    let (_, second, _) = free_place(&site, Approval::RequiresStaff, 2).await;
    let request = submit(&site, "/api/widget/move", moving(&old.reference, &key, &second)).await;
    assert_eq!(request.error().map(|e| e.code), Some(app::error::ErrorCode::StatusChanged), "a request moves by being withdrawn");
    let clinic = clinic_row(site.store.as_ref(), site.clinic).await;
    let owner = read(site.store.as_ref()).await.staff_members(site.clinic).await.expect("staff")[0].id;
    in_tx!(site.store.as_ref(), |tx| app::actions::reception::approve(tx, desk(&clinic, owner, Utc::now()), old.id).await).expect("approved");
    let moved = submit(&site, "/api/widget/move", moving(&old.reference, &key, &second)).await;
    assert!(moved.location.contains("moved=1"), "{}", moved.location);
    let reference = moved.location.trim_start_matches("/w/demo/a/").split('?').next().expect("reference").to_string();
    let new = read(site.store.as_ref()).await.appointment_by_reference(site.clinic, &reference).await.expect("read").expect("the request");
    assert_eq!(new.status, AppointmentStatus::Requested);
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[new.id]).await.expect("notices");
    assert!(notices.iter().any(|n| n.notice == NoticeType::Received && n.channel == Channel::Email), "{notices:?}");
    assert_eq!(status_of(&site, old.id).await, AppointmentStatus::Confirmed, "kept until the clinic answers");
    let (_, third, _) = free_place(&site, Approval::RequiresStaff, 3).await;
    let twice = submit(&site, "/api/widget/move", moving(&old.reference, &key, &third)).await;
    assert_eq!(twice.error().map(|e| e.code), Some(app::error::ErrorCode::AlreadyMoving));
    in_tx!(site.store.as_ref(), |tx| app::actions::reception::approve(tx, desk(&clinic, owner, Utc::now()), new.id).await).expect("approved");
    assert_eq!(status_of(&site, old.id).await, AppointmentStatus::CancelledByPatient, "released by the approval");
}

/// The clinic hides the menu while the patient reads their e-mail: the right code cannot send the
/// request any more; the place goes back and the patient is told why, clearly.
async fn a_right_code_for_a_place_no_longer_offered_lets_it_go(db: &TestDb) {
    let site = site(db).await;
    let (menu, place, answers) = free_place(&site, Approval::RequiresStaff, 0).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, "hanako@example.jp")).await;
    let flow = sent.flow();
    let (held, code) = code_of(&site, &flow).await;
    let hidden = read(site.store.as_ref()).await.menus(site.clinic).await.expect("menus").into_iter().find(|m| m.id == menu).expect("menu");
    let spec = app::booking::model::MenuSpec { active: false, ..hidden.spec.clone() };
    in_tx!(site.store.as_ref(), |tx| app::actions::settings::save_menu(tx, system(site.clinic), Some(menu), &spec).await).expect("hidden");
    let late = submit(&site, "/api/widget/verify", form(&[("slug", "demo"), ("flow", &flow), ("code", &code), ("lang", "ja")])).await;
    let error = late.error().expect("refused");
    assert_eq!((error.code, error.status), (app::error::ErrorCode::PlaceTaken, 409), "{}", error.message);
    assert_eq!(status_of(&site, held.id).await, AppointmentStatus::CancelledByPatient, "the place went back");
    let requests = read(site.store.as_ref()).await.requests(site.clinic, false, Page::ALL).await.expect("inbox");
    assert!(!requests.iter().any(|a| a.id == held.id), "nothing reached the inbox");
}

async fn emails_reach_a_real_smtp_server_once_even_after_it_was_down(db: &TestDb) {
    let site = site(db).await;
    let (menu, place, answers) = free_place(&site, Approval::RequiresStaff, 0).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, "hanako@example.jp")).await;
    let (held, code) = code_of(&site, &sent.flow()).await;

    let port = free_port();
    let dir = tempfile::tempdir().expect("dir");
    // The mail server may send for the clinic's domain, not for others.
    let sender = server::mail::Sender { from: "yoyaku@clinic.example.jp", domains: &["Sakura.example.jp".into()] };
    let mailer = server::mail::Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), None, None, sender, "https://yoyaku.example.jp").expect("mailer");
    let line = Arc::new(server::line::api::LineApi::new("http://127.0.0.1:9").expect("client"));
    let worker = server::notify::Worker::new(site.store.clone(), line).with_mail(Arc::new(mailer));
    // The clinic sends from its own address.
    in_tx!(site.store.as_ref(), |tx| app::actions::settings::save_mail_from(tx, system(site.clinic), "info@sakura.example.jp").await).expect("from");
    let code_notice = |n: &NotificationRecord| n.notice == NoticeType::EmailCode;

    // The server is down: the e-mail waits for a retry.
    worker.run_once(Utc::now()).await.expect("pass");
    let notices = read(site.store.as_ref()).await.notifications(site.clinic, &[held.id]).await.expect("notices");
    let first = notices.iter().find(|n| code_notice(n)).expect("the code e-mail");
    assert_eq!((first.status, first.attempts), (app::kinds::DeliveryStatus::Queued, 1), "{:?}", first.last_error);
    assert!(first.last_error.as_deref().is_some_and(|e| e.contains("mail server")), "{:?}", first.last_error);

    // Up again: the retry delivers it, once.
    let _smtp = SmtpServer::start(port, dir.path());
    worker.run_once(Utc::now() + chrono::Duration::minutes(5)).await.expect("pass");
    worker.run_once(Utc::now() + chrono::Duration::minutes(10)).await.expect("pass");
    let mails = kept(dir.path());
    assert_eq!(mails.len(), 1, "delivered once");
    assert!(mails[0].contains(&code) && mails[0].contains("hanako@example.jp"), "{}", mails[0]);
    let from = mails[0].lines().find(|l| l.starts_with("From: ")).expect("a From header");
    assert!(from.ends_with("<info@sakura.example.jp>"), "{from}");
    // Text and HTML, each UTF-8.
    assert!(mails[0].contains("multipart/alternative"), "{}", mails[0]);
    assert!(mails[0].contains("Content-Type: text/plain; charset=utf-8") && mails[0].contains("Content-Type: text/html; charset=utf-8"), "{}", mails[0]);
    let record = read(site.store.as_ref()).await.notifications(site.clinic, &[held.id]).await.expect("notices").into_iter().find(code_notice).expect("code");
    assert_eq!(record.status, app::kinds::DeliveryStatus::Sent);
    assert!(record.line_request_id.as_deref().is_some_and(|id| id.contains(&record.retry_key)), "Message-ID from the retry key");

    // An address the server refuses (550): failed with the reason, shown to staff.
    let (_, second, _) = free_place(&site, Approval::RequiresStaff, 1).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &second, &answers, "reject-me@example.jp")).await;
    let request = read(site.store.as_ref())
        .await
        .web_request_by_flow(site.clinic, &app::actions::web::digest(&sent.flow(), "flow"))
        .await
        .expect("read")
        .expect("request");
    worker.run_once(Utc::now() + chrono::Duration::minutes(15)).await.expect("pass");
    let refused = read(site.store.as_ref()).await.notifications(site.clinic, &[request.appointment_id]).await.expect("notices");
    let refused = refused.iter().find(|n| code_notice(n)).expect("code e-mail");
    assert_eq!(refused.status, app::kinds::DeliveryStatus::Failed);
    assert!(refused.last_error.as_deref().is_some_and(|e| e.contains("refused")), "{:?}", refused.last_error);
    assert_eq!(kept(dir.path()).len(), 1, "nothing more delivered");

    // A from-address in a domain the mail server may not send for: the deployment's address,
    // and the clinic's to reply to.
    in_tx!(site.store.as_ref(), |tx| app::actions::settings::save_mail_from(tx, system(site.clinic), "info@elsewhere.example.com").await).expect("from");
    let (_, third, _) = free_place(&site, Approval::RequiresStaff, 2).await;
    submit(&site, "/api/widget/send", request_body(menu, &third, &answers, "jiro@example.jp")).await;
    worker.run_once(Utc::now() + chrono::Duration::minutes(20)).await.expect("pass");
    let mails = kept(dir.path());
    let mail = mails.iter().find(|m| m.contains("jiro@example.jp")).expect("delivered");
    let header = |name: &str| mail.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_string();
    assert!(header("From: ").ends_with("<yoyaku@clinic.example.jp>"), "{mail}");
    assert!(header("Reply-To: ").ends_with("<info@elsewhere.example.com>"), "{mail}");
}

on_both!(
    a_patient_without_line_books_with_an_emailed_code,
    an_auto_confirm_menu_confirms_with_the_code_and_bad_input_books_nothing,
    emails_reach_a_real_smtp_server_once_even_after_it_was_down,
    the_clinic_proposes_another_time_and_the_patient_answers_from_the_email,
    codes_typed_at_once_all_count_and_a_new_code_replaces_the_old,
    a_website_patient_moves_a_visit_from_the_emails_link,
    a_right_code_for_a_place_no_longer_offered_lets_it_go,
);

//! The retention rule for questionnaire answers: off by default; set to N days, the worker's
//! housekeeping deletes the answers of visits more than N days old (in the clinic's time zone),
//! keeps the visits, the patients and the newer answers, records each pass that deleted some and
//! leaves other clinics alone. The owner sets it over HTTP (and only the owner). On both backends.

mod support;

use app::booking::ids::*;
use app::kinds::QuestionKind;
use app::store::*;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use support::web::*;
use support::*;

async fn question(store: &dyn Store, c: &Clinic1, label: &str) -> QuestionId {
    let q = QuestionSpec {
        label_ja: label.into(),
        label_en: label.into(),
        kind: QuestionKind::Text,
        choices_ja: Vec::new(),
        choices_en: Vec::new(),
        required: true,
    };
    in_tx!(store, |tx| settings::save_question(tx, system(c.clinic), None, c.slot, &q).await).expect("question")
}

/// A visit of the slot menu at 9:00 on `day` of January 2030, with two answers.
async fn visit(store: &dyn Store, c: &Clinic1, questions: &[QuestionId], day: u32) -> AppointmentId {
    let patient = patients(store, c.clinic, 1).await[0];
    let answers = questions.iter().map(|q| (*q, format!("回答 {day}"))).collect();
    let b = Booking { answers, ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, day, 9, 0), patient) };
    book(store, &b).await.expect("booked").id
}

async fn answered(store: &dyn Store, clinic: ClinicId, ids: &[AppointmentId]) -> Vec<AppointmentId> {
    let mut answered: Vec<AppointmentId> = read(store).await.answers(clinic, ids).await.expect("answers").into_iter().map(|(a, _, _)| a).collect();
    answered.dedup();
    answered
}

async fn visits(store: &dyn Store, clinic: ClinicId) -> usize {
    let day = |d| NaiveDate::from_ymd_opt(2030, 1, d).expect("date");
    read(store).await.appointments_on(clinic, day(1), day(31)).await.expect("visits").len()
}

async fn keep_answers(store: &dyn Store, clinic: ClinicId, days: Option<u32>) {
    in_tx!(store, |tx| settings::save_answers_kept_days(tx, system(clinic), days).await).expect("saved")
}

fn worker(store: &SharedStore) -> server::notify::Worker {
    let line = std::sync::Arc::new(server::line::api::LineApi::new("http://127.0.0.1:9").expect("client"));
    server::notify::Worker::new(store.clone(), line)
}

async fn old_answers_go_and_everything_else_stays(db: &TestDb) {
    let store = db.store.as_ref();
    let (c, other) = (clinic(store, "retention").await, clinic(store, "keeps").await);
    let questions = [question(store, &c, "どうされましたか").await, question(store, &c, "いつからですか").await];
    let ids = [visit(store, &c, &questions, 8).await, visit(store, &c, &questions, 10).await, visit(store, &c, &questions, 11).await];
    let theirs = [question(store, &other, "どうされましたか").await];
    let their_visit = visit(store, &other, &theirs, 8).await;
    assert_eq!(read(store).await.answers_kept_days(c.clinic).await.expect("read"), None, "off by default");

    // Off: the worker deletes nothing, however old.
    let later: DateTime<Utc> = tokyo(2030, 3, 1, 8, 0);
    worker(&db.store).housekeeping(later).await;
    assert_eq!(answered(store, c.clinic, &ids).await, ids.to_vec());

    // Kept 5 days: on 16 January (Tokyo) the visits before the 11th lose their answers.
    keep_answers(store, c.clinic, Some(5)).await;
    let audit = read(store).await.settings_audit(c.clinic, 1).await.expect("audit");
    assert!(audit[0].area == SettingsArea::Privacy && audit[0].summary.contains("5"), "{audit:?}");
    worker(&db.store).housekeeping(tokyo(2030, 1, 16, 0, 30)).await;
    assert_eq!(answered(store, c.clinic, &ids).await, vec![ids[2]], "the visit of the 11th keeps its answers");
    assert_eq!(visits(store, c.clinic).await, 3, "the visits stay");
    assert_eq!(answered(store, other.clinic, &[their_visit]).await, vec![their_visit], "another clinic's rule is its own");
    let deletions = read(store).await.answer_deletions(c.clinic, 10).await.expect("deletions");
    assert_eq!(deletions.len(), 1);
    let d = &deletions[0];
    assert_eq!((d.visits_before, d.visits, d.answers), (NaiveDate::from_ymd_opt(2030, 1, 11).expect("date"), 2, 4));
    assert_eq!(d.at, tokyo(2030, 1, 16, 0, 30));

    // The next pass finds nothing more to delete and records nothing.
    worker(&db.store).housekeeping(tokyo(2030, 1, 16, 0, 40)).await;
    assert_eq!(read(store).await.answer_deletions(c.clinic, 10).await.expect("deletions").len(), 1);

    // Turned off again: the rest stays.
    keep_answers(store, c.clinic, None).await;
    worker(&db.store).housekeeping(later).await;
    assert_eq!(answered(store, c.clinic, &ids).await, vec![ids[2]]);
}

on_both!(old_answers_go_and_everything_else_stays);

/// The owner sets it in the console's privacy settings; a receptionist cannot; a wrong number is
/// named; the page shows the rule and its deletions.
#[test]
fn the_owner_sets_how_long_answers_are_kept() {
    run(async {
        let db = TestDb::sqlite().await;
        let site = site(&db).await;
        let (owner, owner_csrf, _) = staff_cookie(&site, StaffRole::Owner).await;
        let (staff, staff_csrf, _) = staff_cookie(&site, StaffRole::Staff).await;
        let save = |csrf: &str, days: &str| serde_json::json!({ "csrf": csrf, "days": days, "lang": "ja" }).to_string();
        let kept = || async { read(site.store.as_ref()).await.answers_kept_days(site.clinic).await.expect("read") };

        let reply = post(&site.router, "/api/staff/settings/retention", "application/json", save(&staff_csrf, "30"), Some(&staff)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
        for wrong in ["0", "3651", "三十", "-5"] {
            let reply = post(&site.router, "/api/staff/settings/retention", "application/json", save(&owner_csrf, wrong), Some(&owner)).await;
            let error = app_error(reply.status, &reply.body, app::error::ErrorCode::Invalid);
            assert_eq!(error.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["answers-kept-days"], "{wrong}");
            assert!(error.fields[0].message.contains("3650"), "{}", error.fields[0].message);
        }
        assert_eq!(kept().await, None, "nothing was changed");

        let reply = post(&site.router, "/api/staff/settings/retention", "application/json", save(&owner_csrf, "１８２６"), Some(&owner)).await;
        assert_eq!(reply.status, StatusCode::OK, "full-width digits are read: {}", reply.body);
        assert_eq!(kept().await, Some(1826));
        let reply = post(&site.router, "/api/staff/settings", "application/x-www-form-urlencoded", "lang=ja".into(), Some(&owner)).await;
        let data: app::api::staff::settings::SettingsData = serde_json::from_str(&reply.body).expect("settings");
        assert_eq!((data.answers_kept_days, data.answer_deletions.len()), (Some(1826), 0));

        let reply = post(&site.router, "/api/staff/settings/retention", "application/json", save(&owner_csrf, " "), Some(&owner)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(kept().await, None, "empty turns it off");
    })
}

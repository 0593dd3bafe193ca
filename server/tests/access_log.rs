//! The access log: each staff read of patients' data (the inbox's answers, a patient's record,
//! the calendar, a search), each export and each change is kept with who, when and which
//! patient; a page that reloads itself is not kept twice; the owner reads it per patient and
//! per staff member and downloads it, other staff cannot; nobody can change or delete an entry,
//! not even with SQL. On both backends, over HTTP.

mod support;

use app::api::staff::access::AccessItem;
use app::api::staff::patients::PatientDetailView;
use app::store::*;
use axum::http::StatusCode;
use support::web::*;
use support::*;

async fn entries(site: &Site, filter: AccessFilter) -> Vec<AccessEntry> {
    read(site.store.as_ref()).await.access_log(site.clinic, filter, 1000).await.expect("access log")
}

fn form_post(site: &Site, path: &'static str, body: String, cookie: &str) -> impl std::future::Future<Output = Reply> {
    let (router, cookie) = (site.router.clone(), cookie.to_string());
    async move { post(&router, path, "application/x-www-form-urlencoded", body, Some(&cookie)).await }
}

/// Raw SQL on the database, as someone with its password might try.
async fn raw(db: &TestDb, statement: &str) -> Result<u64, sqlx::Error> {
    if db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let result = sqlx::query(statement).execute(&pool).await.map(|r| r.rows_affected());
        pool.close().await;
        result
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let result = sqlx::query(statement).execute(&pool).await.map(|r| r.rows_affected());
        pool.close().await;
        result
    }
}

async fn every_read_export_and_change_is_kept_and_only_the_owner_reads_it(db: &TestDb) {
    let site = site(db).await;
    // A request in the inbox, with its answers.
    let (request, _) = request_by_email(&site).await;
    let patient = request.patient_id;

    let (reception, reception_csrf, desk) = staff_cookie(&site, StaffRole::Staff).await;
    let (owner, _, _) = staff_cookie(&site, StaffRole::Owner).await;
    let mine = AccessFilter { staff: Some(desk), patient: None };

    // Reception reads the inbox (twice: a reload is not kept again).
    for _ in 0..2 {
        let reply = form_post(&site, "/api/staff/inbox", "lang=ja".into(), &reception).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let kept = entries(&site, mine).await;
    let answers_seen: Vec<_> = kept.iter().filter(|e| e.entry.kind == AccessKind::AnswersViewed && e.entry.patient_id == Some(patient)).collect();
    assert_eq!(answers_seen.len(), 1, "kept once: {kept:?}");
    assert_eq!(answers_seen[0].entry.detail, request.reference);

    // The patient's record, a search, the calendar of the request's day.
    let reply = form_post(&site, "/api/staff/patient_details", format!("id={}&lang=ja", patient.0), &reception).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let seen_by_reception: PatientDetailView = serde_json::from_str(&reply.body).expect("the patient");
    assert!(seen_by_reception.access.is_empty(), "only the owner sees who read it");
    let reply = form_post(&site, "/api/staff/patients_search", "query=%E5%B1%B1%E7%94%B0&lang=ja".into(), &reception).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let day = request.service_date.format("%Y-%m-%d").to_string();
    let reply = form_post(&site, "/api/staff/calendar", format!("date={day}&days=1&lang=ja"), &reception).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // A change: reception approves the request.
    let reply = form_post(&site, "/api/staff/approve", format!("id={}&csrf={reception_csrf}&lang=ja", request.id.0), &reception).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // An export.
    let (status, _) = download(&site, &format!("/staff/export.csv?from={day}&to={day}"), &reception).await;
    assert_eq!(status, StatusCode::OK);

    let kept = entries(&site, mine).await;
    let of = |kind: AccessKind| kept.iter().filter(|e| e.entry.kind == kind).map(|e| (e.entry.patient_id, e.entry.detail.clone())).collect::<Vec<_>>();
    assert_eq!(of(AccessKind::PatientViewed), [(Some(patient), String::new())]);
    assert!(of(AccessKind::DayViewed).contains(&(Some(patient), day.clone())), "{kept:?}");
    let changed = of(AccessKind::Changed);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, Some(patient));
    assert!(changed[0].1.starts_with(&request.reference) && changed[0].1.contains("confirmed"), "{changed:?}");
    assert_eq!(of(AccessKind::Exported), [(None, format!("appointments {day}..{day}"))]);
    assert!(kept.iter().all(|e| e.staff_name == "受付"), "{kept:?}");

    // The owner: on the patient's page, and the whole log by staff member; reception cannot.
    let reply = form_post(&site, "/api/staff/patient_details", format!("id={}&lang=ja", patient.0), &owner).await;
    let seen_by_owner: PatientDetailView = serde_json::from_str(&reply.body).expect("the patient");
    let whats: Vec<_> = seen_by_owner.access.iter().map(|a| a.what.as_str()).collect();
    for what in ["問診の回答を閲覧", "患者情報を閲覧", "予約を変更"] {
        assert!(whats.contains(&what), "{what}: {whats:?}");
    }
    let reply = form_post(&site, "/api/staff/access_log", format!("staff={}&lang=ja", desk.0), &owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let items: Vec<AccessItem> = serde_json::from_str(&reply.body).expect("entries");
    assert_eq!(items.len(), kept.len());
    assert!(items.iter().all(|i| i.staff_id == desk));
    let refused = form_post(&site, "/api/staff/access_log", "lang=ja".into(), &reception).await;
    app_error(refused.status, &refused.body, ErrorCode::OwnerOnly);
    let (status, csv) = download(&site, &format!("/staff/access.csv?staff={}", desk.0), &owner).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "日時,スタッフ,患者番号,患者名,内容,詳細");
    assert_eq!(lines.len(), kept.len() + 1, "{csv}");
    let (status, _) = download(&site, "/staff/access.csv", &reception).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nobody changes or deletes an entry, not even with SQL.
    assert!(raw(db, "UPDATE access_log SET detail = 'nothing'").await.is_err(), "no update");
    assert!(raw(db, "DELETE FROM access_log").await.is_err(), "no delete");
    if !db.url.starts_with("sqlite:") {
        assert!(raw(db, "TRUNCATE access_log").await.is_err(), "no truncate");
    }
    assert_eq!(entries(&site, mine).await.len(), kept.len());
}

on_both!(every_read_export_and_change_is_kept_and_only_the_owner_reads_it);

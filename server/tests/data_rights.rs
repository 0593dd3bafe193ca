//! Patients' data rights: a patient sees what the clinic holds about them (details, visits with
//! their answers, consents) from the e-mail's link or the LIFF page, and asks for deletion; the
//! owner (only) sees the requests, downloads one patient's data (kept in the access log), and
//! erases the patient once nothing is still to come: details, contact, answers, sessions and
//! notices go, the visits and their counts stay, the link no longer opens anything. On both
//! backends, over HTTP.

mod support;

use app::api::data_rights::PatientDataView;
use app::api::staff::erasure::DeletionItem;
use app::api::staff::patients::PatientDetailView;
use app::booking::ids::PatientId;
use app::booking::model::Approval;
use app::error::ErrorCode;
use app::store::*;
use axum::http::StatusCode;
use support::web::*;
use support::*;

const FORM: &str = "application/x-www-form-urlencoded";

async fn patient_of(site: &Site, id: PatientId) -> Patient {
    read(site.store.as_ref()).await.patient(site.clinic, id).await.expect("read").expect("the patient")
}

async fn web_data(site: &Site, reference: &str, key: &str) -> Reply {
    post(&site.router, "/api/widget/my_data", FORM, form(&[("slug", "demo"), ("reference", reference), ("key", key), ("lang", "ja")]), None).await
}

async fn a_website_patient_sees_their_data_asks_for_deletion_and_the_owner_erases_them(db: &TestDb) {
    let site = site(db).await;
    let (request, answers) = request_by_email(&site).await;
    let id = request.patient_id;
    let Identity::Email { key, .. } = patient_of(&site, id).await.identity else { panic!("an e-mail patient") };

    // What the clinic holds, from the e-mail's link.
    let reply = web_data(&site, &request.reference, &key).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let data: PatientDataView = serde_json::from_str(&reply.body).expect("the data");
    assert_eq!((data.name.as_str(), data.email.as_deref(), data.line), ("山田 花子", Some("hanako@example.jp"), false));
    assert_eq!(data.visits.len(), 1);
    assert_eq!(data.visits[0].reference, request.reference);
    assert_eq!(data.visits[0].answers.len(), answers.len(), "{:?}", data.visits[0]);
    assert!(data.visits[0].answers.iter().all(|a| !a.question.is_empty() && !a.answer.is_empty()));
    assert_eq!(data.consents.len(), 1);
    assert_eq!(data.deletion_requested, None);
    assert_eq!(web_data(&site, &request.reference, "wrong-key").await.status, StatusCode::NOT_FOUND);

    // The deletion request (a plain form), twice: one open request.
    let deletion = || form(&[("slug", "demo"), ("reference", &request.reference), ("key", &key), ("lang", "ja")]);
    for _ in 0..2 {
        let asked = submit(&site, "/api/widget/request_deletion", deletion()).await;
        assert_eq!(asked.status, StatusCode::FOUND);
        assert!(asked.location.starts_with(&format!("/w/demo/a/{}/data?k=", request.reference)), "{}", asked.location);
    }
    let open = read(site.store.as_ref()).await.deletion_requests(site.clinic, None).await.expect("requests");
    assert_eq!((open.len(), open[0].patient_id, open[0].channel), (1, id, ConsentChannel::Web));
    let data: PatientDataView = serde_json::from_str(&web_data(&site, &request.reference, &key).await.body).expect("the data");
    assert!(data.deletion_requested.is_some());

    // The owner's list and the patient's card; reception sees neither.
    let (owner, owner_csrf, owner_id) = staff_cookie(&site, StaffRole::Owner).await;
    let (desk, desk_csrf, _) = staff_cookie(&site, StaffRole::Staff).await;
    let reply = post(&site.router, "/api/staff/deletion_requests", FORM, "lang=ja".into(), Some(&owner)).await;
    let items: Vec<DeletionItem> = serde_json::from_str(&reply.body).expect("requests");
    assert_eq!(items.iter().map(|i| (i.patient_id, i.name.as_str(), i.channel.as_str())).collect::<Vec<_>>(), [(id, "山田 花子", "ウェブ")]);
    assert_eq!(post(&site.router, "/api/staff/deletion_requests", FORM, "lang=ja".into(), Some(&desk)).await.status, StatusCode::FORBIDDEN);
    let card = |cookie: String| {
        let router = site.router.clone();
        async move {
            let reply = post(&router, "/api/staff/patient_details", FORM, format!("id={}&lang=ja", id.0), Some(&cookie)).await;
            serde_json::from_str::<PatientDetailView>(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
        }
    };
    assert!(card(owner.clone()).await.deletion_requested.is_some_and(|r| r.contains("ウェブ")));

    // One patient's data as a file (開示請求): the owner's, logged before it is sent.
    let (status, file) = download(&site, &format!("/staff/patients/{}/data.json?lang=ja", id.0), &owner).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(serde_json::from_str::<PatientDataView>(&file).expect("the file"), data);
    assert_eq!(download(&site, &format!("/staff/patients/{}/data.json", id.0), &desk).await.0, StatusCode::FORBIDDEN);
    assert_eq!(download(&site, "/staff/patients/999999/data.json", &owner).await.0, StatusCode::NOT_FOUND);
    let log = read(site.store.as_ref()).await.access_log(site.clinic, AccessFilter { patient: Some(id), staff: None }, 100).await.expect("log");
    assert!(log.iter().any(|e| e.entry.kind == AccessKind::Exported && e.entry.staff_id == owner_id), "{log:?}");

    // Not while the request is still to come; not by reception.
    let erase = |cookie: &str, csrf: &str| {
        let (router, cookie, body) = (site.router.clone(), cookie.to_string(), format!("csrf={csrf}&id={}&lang=ja", id.0));
        async move { post(&router, "/api/staff/patient_erase", FORM, body, Some(&cookie)).await }
    };
    let refused = erase(&desk, &desk_csrf).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused = erase(&owner, &owner_csrf).await;
    assert!(app_error(refused.status, &refused.body, ErrorCode::PatientHasVisits).message.contains("1件"), "{}", refused.body);

    // The patient takes the request back; now the owner erases them.
    let withdrawn = submit(&site, "/api/widget/cancel", deletion()).await;
    assert_eq!(withdrawn.status, StatusCode::FOUND, "{}", withdrawn.location);
    let appointments_before = read(site.store.as_ref()).await.appointments_of(site.clinic, &[id]).await.expect("visits");
    let consents_before = read(site.store.as_ref()).await.consents(site.clinic, Some(id)).await.expect("consents");
    let their_ids: Vec<_> = appointments_before.iter().map(|a| a.id).collect();
    assert!(!read(site.store.as_ref()).await.notifications(site.clinic, &their_ids).await.expect("notices").is_empty(), "the e-mails sent to them");
    let erased = erase(&owner, &owner_csrf).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);

    let patient = patient_of(&site, id).await;
    assert!(matches!(patient.identity, Identity::Erased { .. }), "{:?}", patient.identity);
    assert_eq!(patient.details, PatientDetails::none());
    let mut db = read(site.store.as_ref()).await;
    let appointments_after = db.appointments_of(site.clinic, &[id]).await.expect("visits");
    assert_eq!(appointments_after, appointments_before, "the visits stay");
    let ids: Vec<_> = appointments_after.iter().map(|a| a.id).collect();
    assert!(db.answers(site.clinic, &ids).await.expect("answers").is_empty(), "the answers went");
    assert_eq!(db.consents(site.clinic, Some(id)).await.expect("consents"), consents_before, "the consents are records of their own");
    assert!(db.deletion_requests(site.clinic, None).await.expect("requests").is_empty(), "the request is done");
    assert!(db.deletion_requests(site.clinic, Some(id)).await.expect("requests")[0].completed_at.is_some());
    assert!(db.notifications(site.clinic, &ids).await.expect("notices").is_empty(), "their notices (the receipt, the withdrawal) went");
    assert!(db.search_patients(site.clinic, &app::patients::search::PatientQuery::new("山田"), 10).await.expect("search").iter().all(|p| p.id != id));
    drop(db);
    let log = read(site.store.as_ref()).await.access_log(site.clinic, AccessFilter { patient: Some(id), staff: None }, 100).await.expect("log");
    assert!(log.iter().any(|e| e.entry.kind == AccessKind::Erased && e.entry.staff_id == owner_id && e.entry.detail.contains("answers")), "{log:?}");
    let card = card(owner.clone()).await;
    assert!(card.erased.is_some() && card.patient.name.is_empty(), "{card:?}");
    assert_eq!(card.counts.cancellations + card.counts.declined + card.counts.visits + card.counts.upcoming + card.counts.no_shows, 1, "the counts stay");
    assert_eq!(web_data(&site, &request.reference, &key).await.status, StatusCode::NOT_FOUND, "the link opens nothing now");
    // Again: nothing more to do.
    assert_eq!(erase(&owner, &owner_csrf).await.status, StatusCode::OK);
}

/// The LIFF page's patient (the sandbox's sign-in) sees their data and asks for deletion.
async fn a_liff_patient_sees_their_data_and_asks_for_deletion(db: &TestDb) {
    let site = site(db).await;
    let signed_in = post(&site.router, "/api/liff/sandbox_sign_in", FORM, "slug=demo&lang=ja".into(), None).await;
    let cookie = signed_in.cookie.expect("a session");
    let reply = post(&site.router, "/api/liff/my_data", FORM, "slug=demo&lang=en".into(), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let data: PatientDataView = serde_json::from_str(&reply.body).expect("the data");
    assert!(data.visits.is_empty() && data.consents.is_empty() && data.deletion_requested.is_none(), "{data:?}");
    assert_eq!(post(&site.router, "/api/liff/my_data", FORM, "slug=demo&lang=en".into(), None).await.status, StatusCode::UNAUTHORIZED);

    let reply = post(&site.router, "/api/liff/request_deletion", FORM, "slug=demo&lang=en".into(), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let data: PatientDataView = serde_json::from_str(&reply.body).expect("the data");
    assert!(data.deletion_requested.is_some());
    let open = read(site.store.as_ref()).await.deletion_requests(site.clinic, None).await.expect("requests");
    assert_eq!(open.iter().map(|r| r.channel).collect::<Vec<_>>(), [ConsentChannel::Sandbox]);

    // Erased (nothing to come): the phone's session is gone, and what raced the erasure finds
    // nobody to book for or to give details to.
    let id = open[0].patient_id;
    let (owner, owner_csrf, owner_id) = staff_cookie(&site, StaffRole::Owner).await;
    let erased = post(&site.router, "/api/staff/patient_erase", FORM, format!("csrf={owner_csrf}&id={}&lang=ja", id.0), Some(&owner)).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    assert_eq!(post(&site.router, "/api/liff/my_data", FORM, "slug=demo&lang=en".into(), Some(&cookie)).await.status, StatusCode::UNAUTHORIZED);
    let (menu, place, _) = free_place(&site, Approval::RequiresStaff, 2).await;
    let (resource, starts_at) = place.split_once('-').expect("resource-start");
    let starts_at = chrono::DateTime::from_timestamp(starts_at.parse().expect("seconds"), 0).expect("time");
    let late = Booking { now: chrono::Utc::now(), ..booking(site.clinic, menu, app::booking::ids::ResourceId(resource.parse().expect("id")), starts_at, id) };
    assert!(matches!(book(site.store.as_ref(), &late).await, Err(app::error::Problem::NotFound(app::error::Missing::Patient))));
    let details = PatientDetails { name: "戻った 名前".into(), furigana: "モドッタ".into(), phone: "09011112222".into(), birth_date: None };
    in_tx!(site.store.as_ref(), |tx| app::actions::patients::save_details(tx, site.clinic, id, &details).await).expect("saved nowhere");
    assert_eq!(patient_of(&site, id).await.details, PatientDetails::none());
    let log = read(site.store.as_ref()).await.access_log(site.clinic, AccessFilter { patient: Some(id), staff: Some(owner_id) }, 10).await.expect("log");
    assert_eq!(log.iter().filter(|e| e.entry.kind == AccessKind::Erased).count(), 1);
}

on_both!(a_website_patient_sees_their_data_asks_for_deletion_and_the_owner_erases_them, a_liff_patient_sees_their_data_and_asks_for_deletion);

//! Consent on record: every booking keeps the patient's consent with the privacy notice's
//! version, the time and the channel (LINE's LIFF page, the website, the sandbox); a changed
//! notice is a new version, which the next booking's consent names; the owner sees a patient's
//! consents in the console and exports them all as CSV (other staff cannot). On both backends,
//! over HTTP.

mod support;

use app::api::staff::patients::PatientDetailView;
use app::booking::model::Approval;
use app::store::*;
use axum::http::StatusCode;
use support::web::*;
use support::*;

async fn consents_of(site: &Site, patient: app::booking::ids::PatientId) -> Vec<Consent> {
    read(site.store.as_ref()).await.consents(site.clinic, Some(patient)).await.expect("consents")
}

async fn every_booking_keeps_its_consent_with_the_notices_version(db: &TestDb) {
    let site = site(db).await;
    let version = read(site.store.as_ref()).await.privacy_version(site.clinic).await.expect("version");

    // A website booking: the form's consent, channel web, with its request.
    let (menu, place, answers) = free_place(&site, Approval::RequiresStaff, 0).await;
    let sent = submit(&site, "/api/widget/send", request_body(menu, &place, &answers, "hanako@example.jp")).await;
    let (held, _) = code_of(&site, &sent.flow()).await;
    let consents = consents_of(&site, held.patient_id).await;
    assert_eq!(consents.len(), 1, "{consents:?}");
    assert_eq!((consents[0].notice_version, consents[0].channel, consents[0].appointment_id), (version, ConsentChannel::Web, Some(held.id)));

    // The owner changes the notice: a new version; saving the same text again makes none.
    let (owner, owner_csrf, _) = staff_cookie(&site, StaffRole::Owner).await;
    let (ja, en) = read(site.store.as_ref()).await.privacy_notice(site.clinic).await.expect("notice");
    let save = |ja: String, en: String| serde_json::json!({ "csrf": owner_csrf, "ja": ja, "en": en, "lang": "ja" }).to_string();
    let reply = post(
        &site.router,
        "/api/staff/settings/privacy",
        "application/json",
        save(format!("{ja}\n第三者提供について追記しました。"), en.clone()),
        Some(&owner),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = post(
        &site.router,
        "/api/staff/settings/privacy",
        "application/json",
        save(format!("{ja}\n第三者提供について追記しました。"), en.clone()),
        Some(&owner),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let versions = read(site.store.as_ref()).await.privacy_versions(site.clinic).await.expect("versions");
    assert_eq!(versions.last().map(|v| v.version), Some(version + 1), "one new version: {versions:?}");
    assert!(versions.last().is_some_and(|v| v.ja.ends_with("追記しました。")));
    assert_eq!(versions.iter().find(|v| v.version == version).map(|v| v.ja.as_str()), Some(ja.as_str()), "the old text is kept");

    // The next booking of the same patient consents to the new version.
    let (_, second, _) = free_place(&site, Approval::RequiresStaff, 1).await;
    submit(&site, "/api/widget/send", request_body(menu, &second, &answers, "hanako@example.jp")).await;
    let consents = consents_of(&site, held.patient_id).await;
    assert_eq!(consents.iter().map(|c| c.notice_version).collect::<Vec<_>>(), [version, version + 1]);

    // The owner sees them on the patient's page, newest first.
    let body = format!("id={}&lang=ja", held.patient_id.0);
    let reply = post(&site.router, "/api/staff/patient_details", "application/x-www-form-urlencoded", body, Some(&owner)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let detail: PatientDetailView = serde_json::from_str(&reply.body).expect("the patient");
    assert_eq!(detail.consents.iter().map(|c| c.notice_version).collect::<Vec<_>>(), [version + 1, version]);
    assert_eq!(detail.consents[1].reference.as_deref(), Some(held.reference.as_str()));
    assert_eq!(detail.consents[1].channel, "ウェブ");

    // The CSV for an audit: the owner's, not reception's.
    let (status, csv) = download(&site, "/staff/consents.csv?lang=ja", &owner).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "同意日時,患者番号,患者名,フリガナ,通知の版,経路,予約番号");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains(&format!(",{version},ウェブ,{}", held.reference)), "{}", lines[1]);
    let (reception, _, _) = staff_cookie(&site, StaffRole::Staff).await;
    let (status, _) = download(&site, "/staff/consents.csv", &reception).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = download(&site, "/staff/consents.csv", "yoyaku_staff=nobody").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both!(every_booking_keeps_its_consent_with_the_notices_version);

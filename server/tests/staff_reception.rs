//! The staff console's answers to requests over HTTP, as a browser sends them, against a seeded
//! SQLite database: approve, decline with a reason, propose another time which the patient
//! accepts on their phone, the notices each sends, another clinic's staff finding nothing, and
//! the live updates of the inbox.

mod staff_console;
mod support;

use app::booking::status::AppointmentStatus;
use app::notify::{Channel, DeliveryStatus, NoticeType};
use app::store::{Actor, StaffRole};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use server::seed::demo_staff_email;
use staff_console::*;
use tower::ServiceExt;

#[test]
fn approving_confirms_audits_and_notifies_once() {
    support::run(async {
        let app = app().await;
        let owner = signed_in(&app, StaffRole::Owner, "demo").await;
        let staff_id = db(&app).await.staff_by_email(&demo_staff_email(StaffRole::Owner, "demo")).await.expect("read").expect("owner").id;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;

        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&owner.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().any(|item| item.id == id), "the request is in the inbox");

        let reply = approve(&app, id, &owner).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Confirmed);
        let trail = db(&app).await.audit_trail(app.clinic, id).await.expect("trail");
        assert_eq!(trail.last().map(|e| (e.actor.to_stored(), e.to)), Some((format!("staff:{staff_id}"), AppointmentStatus::Confirmed)));
        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&owner.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().all(|item| item.id != id), "answered requests leave the inbox");

        // Another receptionist (or a double click) approving again: a clear conflict.
        let receptionist = signed_in(&app, StaffRole::Staff, "demo").await;
        let again = approve(&app, id, &receptionist).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(again.body.contains("すでに変更されています") && again.body.contains("確定"), "{}", again.body);
        assert_eq!(db(&app).await.audit_trail(app.clinic, id).await.expect("trail").len(), trail.len());

        // The sandbox delivers the confirmation in one pass of the worker.
        let queued = db(&app).await.notifications(app.clinic, &[id]).await.expect("read");
        assert_eq!(queued.iter().map(|n| (n.notice, n.status)).collect::<Vec<_>>(), [(NoticeType::Confirmed, DeliveryStatus::Queued)]);
        let worker = server::notify::Worker::new(app.store.clone(), app.line.clone());
        worker.run_once(Utc::now()).await.expect("worker");
        // (After the clinic's reminder hour the same pass may also queue tomorrow's reminder.)
        let sent = db(&app).await.notifications(app.clinic, &[id]).await.expect("read");
        let confirmation: Vec<_> = sent.iter().filter(|n| n.notice == NoticeType::Confirmed).map(|n| (n.status, n.line_request_id.as_deref())).collect();
        assert_eq!(confirmation, [(DeliveryStatus::Sent, Some("sandbox"))]);
        let notices = db(&app).await.clinic_notifications(app.clinic, false, 10).await.expect("read");
        let record = notices.into_iter().find(|n| n.appointment_id == Some(id) && n.notice == NoticeType::Confirmed).expect("record");
        // To the console's LINE sandbox (which has no LINE user to address).
        assert!(record.channel == Channel::Sandbox && record.recipient.is_empty() && record.sent_at.is_some(), "{record:?}");
        assert!(record.payload.contains("ご予約が確定しました"), "{}", record.payload);
    })
}

#[test]
fn declining_needs_a_reason_which_reaches_the_patient() {
    support::run(async {
        let app = app().await;
        let staff = signed_in(&app, StaffRole::Staff, "demo").await;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;
        let decline = |reason: &str| format!("id={id}&reason={}&csrf={}&lang=ja", urlencode(reason), staff.csrf);

        let empty = post(&app, "/api/staff/decline", &decline("   "), Some(&staff.cookie), None).await;
        let error = support::app_error(empty.status, &empty.body, support::ErrorCode::Invalid);
        assert_eq!((error.field.as_deref(), error.fields[0].reason.clone()), (Some("reason"), app::error::Reason::GiveAReason), "{}", empty.body);
        let long = post(&app, "/api/staff/decline", &decline(&"長".repeat(201)), Some(&staff.cookie), None).await;
        let error = support::app_error(long.status, &long.body, support::ErrorCode::Invalid);
        assert_eq!(error.fields[0].reason, app::error::Reason::TooLong { max: 200 }, "{}", long.body);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Requested);

        let reason = "担当医が不在のため";
        let reply = post(&app, "/api/staff/decline", &decline(reason), Some(&staff.cookie), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let declined = db(&app).await.appointment(app.clinic, id).await.expect("read").expect("declined");
        assert_eq!((declined.status, declined.note.as_deref()), (AppointmentStatus::Declined, Some(reason)));
        let notice =
            db(&app).await.clinic_notifications(app.clinic, false, 10).await.expect("read").into_iter().find(|n| n.appointment_id == Some(id)).expect("notice");
        assert_eq!(notice.notice, NoticeType::Declined);
        assert!(notice.payload.contains(reason), "{}", notice.payload);

        // Approving a declined request: a conflict, nothing changes.
        assert_eq!(approve(&app, id, &staff).await.status, StatusCode::CONFLICT);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Declined);
    })
}

#[test]
fn a_proposal_is_accepted_by_the_patient_on_their_phone() {
    support::run(async {
        let app = app().await;
        let staff = signed_in(&app, StaffRole::Staff, "demo").await;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;
        let (_, place) = free_place(&app).await;
        assert_ne!(place.starts_at, patient.request.starts_at);

        let form = format!("id={id}&resource_id={}&starts_at={}&csrf={}&lang=ja", place.resource_id, place.starts_at.timestamp(), staff.csrf);
        let reply = post(&app, "/api/staff/propose", &form, Some(&staff.cookie), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(status_of(&app, id).await, AppointmentStatus::Declined);
        let proposals = db(&app).await.requests(app.clinic, true, app::store::Page::ALL).await.expect("read");
        assert_eq!(proposals.len(), 1);
        let proposal = proposals[0].clone();
        assert_eq!((proposal.patient_id, proposal.starts_at, proposal.proposal), (patient.id, place.starts_at, true));
        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&staff.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().all(|i| i.id != id && i.id != proposal.id));
        assert_eq!(view.proposals.iter().map(|i| i.id).collect::<Vec<_>>(), [proposal.id]);
        // The same place cannot be proposed twice (it is now held).
        let again = post(&app, "/api/staff/propose", &form, Some(&staff.cookie), None).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

        // The patient accepts on their phone.
        let answer = |accept: bool| format!("slug=demo&reference={}&accept={accept}&lang=ja", proposal.reference);
        let accepted = post(&app, "/api/liff/answer_proposal", &answer(true), Some(&patient.cookie), None).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        assert_eq!(status_of(&app, proposal.id).await, AppointmentStatus::Confirmed);
        assert_eq!(db(&app).await.audit_trail(app.clinic, proposal.id).await.expect("trail").last().map(|e| e.actor), Some(Actor::Patient(patient.id)));
        let twice = post(&app, "/api/liff/answer_proposal", &answer(false), Some(&patient.cookie), None).await;
        let error = support::app_error(twice.status, &twice.body, support::ErrorCode::StatusChanged);
        assert_eq!(error.current, Some(AppointmentStatus::Confirmed), "{}", twice.body);
        assert_eq!(status_of(&app, proposal.id).await, AppointmentStatus::Confirmed);
        // The patient was told of the proposal, then of the confirmation.
        let kinds: Vec<NoticeType> = db(&app).await.notifications(app.clinic, &[proposal.id]).await.expect("read").into_iter().map(|n| n.notice).collect();
        assert_eq!(kinds, [NoticeType::Proposed, NoticeType::Confirmed]);
    })
}

#[test]
fn staff_of_another_clinic_get_not_found_and_change_nothing() {
    support::run(async {
        let app = app().await;
        let patient = patient_with_request(&app).await;
        let id = patient.request.id;
        let other = signed_in(&app, StaffRole::Owner, "other").await;
        let (_, place) = free_place(&app).await;

        let approve_reply = approve(&app, id, &other).await;
        assert_eq!(approve_reply.status, StatusCode::NOT_FOUND, "{}", approve_reply.body);
        assert!(approve_reply.body.contains("予約が見つかりません"), "{}", approve_reply.body);
        let decline = post(&app, "/api/staff/decline", &format!("id={id}&reason=x&csrf={}&lang=ja", other.csrf), Some(&other.cookie), None).await;
        assert_eq!(decline.status, StatusCode::NOT_FOUND, "{}", decline.body);
        let form = format!("id={id}&resource_id={}&starts_at={}&csrf={}&lang=ja", place.resource_id, place.starts_at.timestamp(), other.csrf);
        let propose = post(&app, "/api/staff/propose", &form, Some(&other.cookie), None).await;
        assert_eq!(propose.status, StatusCode::NOT_FOUND, "{}", propose.body);
        let places = post(&app, "/api/staff/proposal_places", &format!("id={id}&date=2030-01-07&lang=ja"), Some(&other.cookie), None).await;
        assert_eq!(places.status, StatusCode::NOT_FOUND, "{}", places.body);
        // Nor a visit of clinic A: approved by A, then "arrived" or cancelled by B.
        let own = signed_in(&app, StaffRole::Staff, "demo").await;
        // (Another patient's: one place of a menu a day per patient.)
        let visit = patient_with_request(&app).await.request;
        assert_eq!(approve(&app, visit.id, &own).await.status, StatusCode::OK);
        for (action, message) in [("Arrived", ""), ("NoShow", ""), ("CancelByClinic", "x")] {
            let form = format!("id={}&action={action}&message={message}&csrf={}&lang=ja", visit.id, other.csrf);
            let reply = post(&app, "/api/staff/visit", &form, Some(&other.cookie), None).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{action}: {}", reply.body);
        }
        let visit_now = db(&app).await.appointment(app.clinic, visit.id).await.expect("read").expect("visit");
        assert_eq!((visit_now.status, visit_now.arrived_at), (AppointmentStatus::Confirmed, None));
        // Clinic A's own staff: a visit that has not come yet is not marked arrived or missed
        // (a misclick would end it early), but can be cancelled with a message.
        for action in ["Arrived", "NoShow", "Completed"] {
            let form = format!("id={}&action={action}&message=&csrf={}&lang=ja", visit.id, own.csrf);
            let early = post(&app, "/api/staff/visit", &form, Some(&own.cookie), None).await;
            assert_eq!(early.status, StatusCode::CONFLICT, "{action}: {}", early.body);
        }
        let form = format!("id={}&action=CancelByClinic&message=%E4%BC%91%E8%A8%BA&csrf={}&lang=ja", visit.id, own.csrf);
        assert_eq!(post(&app, "/api/staff/visit", &form, Some(&own.cookie), None).await.status, StatusCode::OK);
        let cancelled = db(&app).await.appointment(app.clinic, visit.id).await.expect("read").expect("visit");
        assert_eq!((cancelled.status, cancelled.note.as_deref()), (AppointmentStatus::CancelledByClinic, Some("休診")));

        // Their inbox does not show it.
        let view: app::api::staff::inbox::InboxView = serde_json::from_str(&inbox(&app, Some(&other.cookie)).await.body).expect("inbox");
        assert!(view.pending.iter().chain(&view.proposals).all(|i| i.id != id && i.reference != patient.request.reference));

        assert_eq!(status_of(&app, id).await, AppointmentStatus::Requested);
        assert_eq!(db(&app).await.audit_trail(app.clinic, id).await.expect("trail").len(), 1);
        assert!(db(&app).await.requests(app.clinic, true, app::store::Page::ALL).await.expect("read").is_empty());
    })
}

#[test]
fn live_updates_need_a_session_and_tell_of_each_change() {
    support::run(async {
        let app = app().await;
        let get = |cookie: Option<&str>| {
            let mut r = Request::get("/staff/events").header(header::HOST, HOST).header(header::ACCEPT, "text/event-stream");
            if let Some(cookie) = cookie {
                r = r.header(header::COOKIE, cookie);
            }
            r.body(Body::empty()).expect("request")
        };
        let anonymous = request(&app, get(None)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let expired = request(&app, get(Some("yoyaku_staff=nope"))).await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED);

        patient_with_request(&app).await;
        let staff = signed_in(&app, StaffRole::Staff, "demo").await;
        let response = tokio::time::timeout(std::time::Duration::from_secs(10), app.router.clone().oneshot(get(Some(&staff.cookie))))
            .await
            .expect("a response")
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        let mut body = response.into_body();
        // The page was rendered with the current inbox: nothing is sent until it changes.
        assert!(tokio::time::timeout(std::time::Duration::from_secs(3), body.frame()).await.is_err(), "no event without a change");
        patient_with_request(&app).await;
        let pending = db(&app).await.requests(app.clinic, false, app::store::Page::ALL).await.expect("read").len();
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
            .await
            .expect("the change is told within a poll or two")
            .expect("a frame")
            .expect("frame");
        let data = String::from_utf8(frame.into_data().expect("data").to_vec()).expect("utf-8");
        assert!(data.contains("event: inbox") && data.contains(&format!("\"pending\":{pending}")), "{data}");
    })
}

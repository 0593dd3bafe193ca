//! The staff console's storage and actions on SQLite and on PostgreSQL, each test on a fresh
//! database: status changes with a message, proposals, arrivals, resending notifications, and
//! tenant isolation. (Staff sessions and sign-in failures: `staff_sessions.rs`.)

mod support;

use std::sync::Arc;

use app::booking::ids::*;
use app::booking::model::Clinic;
use app::booking::status::{AppointmentStatus, VisitAction};
use app::error::Missing;
use app::notify::{DeliveryStatus, NoticeType};
use app::store::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use support::*;

support::on_both!(
    a_decline_keeps_its_reason_and_tells_the_patient,
    a_proposal_declines_the_request_and_offers_another_place,
    a_proposal_to_a_full_place_changes_nothing,
    two_staff_approving_at_once_one_wins,
    arrival_is_marked_once_and_only_for_confirmed_visits,
    only_failed_notifications_are_resent_with_the_right_key,
    another_clinics_ids_are_not_found_and_change_nothing,
    a_notice_that_is_no_longer_true_is_not_resent,
    failed_notices_and_a_days_notices_are_found_whatever_their_age,
);

const LINE_USER: &str = "U0123456789abcdef0123456789abcdef";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// Staff member `staff` of `clinic` does `act` at the desk at `at`, in one transaction.
macro_rules! at_desk {
    ($store:expr, $clinic:expr, $staff:expr, $at:expr, |$tx:ident, $desk:ident| $body:expr) => {{
        let clinic: &Clinic = $clinic;
        let $desk = desk(clinic, $staff, $at);
        in_tx!($store, |$tx| $body)
    }};
}

async fn appointment(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Option<Appointment> {
    read(store).await.appointment(clinic, id).await.expect("read")
}

async fn trail(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Vec<AuditEntry> {
    read(store).await.audit_trail(clinic, id).await.expect("trail")
}

async fn inbox_version(store: &dyn Store, clinic: ClinicId) -> InboxVersion {
    read(store).await.inbox_version(clinic).await.expect("version")
}

/// Requests waiting for the clinic (`proposals`: the clinic's proposals waiting for the patient).
async fn requests(store: &dyn Store, clinic: ClinicId, proposals: bool) -> Vec<AppointmentId> {
    read(store).await.requests(clinic, proposals, Page::ALL).await.expect("requests").into_iter().map(|a| a.id).collect()
}

/// The clinic's notices, newest first (`failed`: only those that failed).
async fn clinic_notices(store: &dyn Store, clinic: ClinicId, failed: bool) -> Vec<NotificationRecord> {
    read(store).await.clinic_notifications(clinic, failed, 100).await.expect("notifications")
}

/// The notices of the clinic's visits on the clinic-local dates `from..=to`, as the calendar
/// finds them.
async fn day_notices(store: &dyn Store, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Vec<NotificationRecord> {
    let mut db = read(store).await;
    let ids: Vec<AppointmentId> = db.appointments_on(clinic, from, to).await.expect("read").into_iter().map(|a| a.id).collect();
    db.notifications(clinic, &ids).await.expect("notifications")
}

async fn notices_of(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Vec<NotificationRecord> {
    read(store).await.notifications(clinic, &[id]).await.expect("notifications")
}

async fn resend(store: &dyn Store, clinic: ClinicId, id: NotificationId, at: DateTime<Utc>) -> Result<(), Problem> {
    in_tx!(store, |tx| actions::notices::resend(tx, clinic, id, at).await)
}

/// The worker's claim of what is due at `at`, as it commits it before sending.
async fn claim(store: &dyn Store, at: DateTime<Utc>) -> Vec<OutboxMessage> {
    in_tx!(store, |tx| Ok(tx.claim_notifications(at, at + Duration::minutes(1), 10).await?)).expect("claim")
}

async fn deliver(store: &dyn Store, id: NotificationId, record: DeliveryRecord, at: DateTime<Utc>) {
    in_tx!(store, |tx| Ok(tx.record_delivery(id, &record, at).await?)).expect("delivery recorded");
}

async fn a_decline_keeps_its_reason_and_tells_the_patient(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    connect_line(store, c.clinic, test_line_settings()).await;
    let staff = staff_member(store, c.clinic, "staff@a.jp", StaffRole::Staff).await;
    let patient = line_patient(store, c.clinic, LINE_USER).await;
    let clinic = clinic_row(store, c.clinic).await;
    let a = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), patient.id)).await.expect("booked");
    let before = inbox_version(store, c.clinic).await;
    assert_eq!(before.pending, 1);

    let reason = "ご希望の時間は予約がいっぱいです";
    let later = now() + Duration::minutes(5);
    let declined = at_desk!(store, &clinic, staff, later, |tx, d| actions::reception::decline(tx, d, a.id, reason).await).expect("declined");
    assert_eq!((declined.status, declined.note.as_deref()), (AppointmentStatus::Declined, Some(reason)));
    assert_eq!(appointment(store, c.clinic, a.id).await, Some(declined));
    let after = inbox_version(store, c.clinic).await;
    assert_eq!(after.pending, 0);
    assert!(after.last_change > before.last_change, "{before:?} → {after:?}");
    assert!(requests(store, c.clinic, false).await.is_empty());

    let audit = trail(store, c.clinic, a.id).await;
    let entry =
        AuditEntry { appointment_id: a.id, actor: Actor::Staff(staff), from: Some(AppointmentStatus::Requested), to: AppointmentStatus::Declined, at: later };
    assert_eq!(audit.last(), Some(&entry));

    let notices = clinic_notices(store, c.clinic, false).await;
    let notice = notices.iter().find(|n| n.notice == NoticeType::Declined).expect("a decline notice is queued");
    assert_eq!((notice.appointment_id, notice.status, notice.recipient.as_str()), (Some(a.id), DeliveryStatus::Queued, LINE_USER));
    assert!(notice.payload.contains(reason), "{}", notice.payload);

    // A later change cannot happen from declined.
    let e = at_desk!(store, &clinic, staff, later, |tx, d| actions::reception::approve(tx, d, a.id).await).expect_err("declined is final");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Declined }), "{e:?}");

    // A clinic cancellation carries its message too.
    let b = book(store, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 11, 0), patient.id)).await.expect("booked");
    assert_eq!(b.status, AppointmentStatus::Confirmed);
    let message = "医師の急病のため休診します";
    let cancelled = at_desk!(store, &clinic, staff, later, |tx, d| actions::reception::visit(tx, d, b.id, VisitAction::CancelByClinic, Some(message)).await)
        .expect("cancelled");
    assert_eq!((cancelled.status, cancelled.note.as_deref()), (AppointmentStatus::CancelledByClinic, Some(message)));
    assert_eq!(appointment(store, c.clinic, b.id).await, Some(cancelled));
    let notices = clinic_notices(store, c.clinic, false).await;
    let notice = notices.iter().find(|n| n.notice == NoticeType::CancelledByClinic).expect("a cancellation notice");
    assert!(notice.payload.contains(message), "{}", notice.payload);
    // Newest first.
    assert!(notices.windows(2).all(|w| w[0].id > w[1].id));
}

/// A request of the slot menu at 9:00 with two answers.
async fn request_with_answers(store: &dyn Store, c: &Clinic1, patient: PatientId) -> (Appointment, Vec<(QuestionId, String)>) {
    let mut ids = Vec::new();
    for label in ["どうされましたか", "いつからですか"] {
        let q = QuestionSpec {
            label_ja: label.into(),
            label_en: label.into(),
            kind: QuestionKind::Text,
            choices_ja: Vec::new(),
            choices_en: Vec::new(),
            required: true,
        };
        ids.push(in_tx!(store, |tx| settings::save_question(tx, system(c.clinic), None, c.slot, &q).await).expect("question"));
    }
    let answers = vec![(ids[0], "頭痛".to_string()), (ids[1], "昨日から".to_string())];
    let request = Booking { answers: answers.clone(), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 0), patient) };
    (book(store, &request).await.expect("booked"), answers)
}

async fn answers(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Vec<(QuestionId, String)> {
    let all = read(store).await.answers(clinic, &[id]).await.expect("answers");
    all.into_iter()
        .map(|(a, q, text)| {
            assert_eq!(a, id);
            (q, text)
        })
        .collect()
}

async fn a_proposal_declines_the_request_and_offers_another_place(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    connect_line(store, c.clinic, test_line_settings()).await;
    let staff = staff_member(store, c.clinic, "staff@a.jp", StaffRole::Staff).await;
    let patient = line_patient(store, c.clinic, LINE_USER).await;
    let clinic = clinic_row(store, c.clinic).await;
    let (original, given) = request_with_answers(store, &c, patient.id).await;
    assert_eq!(answers(store, c.clinic, original.id).await, given);
    assert_eq!(requests(store, c.clinic, false).await, [original.id]);

    let later = now() + Duration::minutes(5);
    let (clinic, original_id, doctor) = (&clinic, original.id, c.doctor);
    let propose = |at| async move { at_desk!(store, clinic, staff, later, |tx, d| actions::reception::propose(tx, d, original_id, doctor, at).await) };
    let proposal = propose(tokyo(2030, 1, 7, 10, 30)).await.expect("proposed");
    assert_eq!((proposal.status, proposal.proposal), (AppointmentStatus::Requested, true));
    assert_eq!((proposal.starts_at, proposal.ends_at), (tokyo(2030, 1, 7, 10, 30), tokyo(2030, 1, 7, 11, 0)));
    assert_eq!((proposal.patient_id, proposal.menu_id, proposal.resource_id), (patient.id, c.slot, c.doctor));
    assert_ne!(proposal.id, original.id);
    assert!(proposal.hold_expires_at.is_some_and(|t| t > later), "{:?}", proposal.hold_expires_at);
    assert_eq!(answers(store, c.clinic, proposal.id).await, given, "the answers are copied");

    let original_now = appointment(store, c.clinic, original.id).await.expect("original");
    assert_eq!(original_now.status, AppointmentStatus::Declined);
    assert!(original_now.note.is_some());
    assert_eq!(trail(store, c.clinic, original.id).await.last().map(|e| e.actor), Some(Actor::Staff(staff)));
    let first = trail(store, c.clinic, proposal.id).await.first().map(|e| (e.actor, e.to));
    assert_eq!(first, Some((Actor::Staff(staff), AppointmentStatus::Requested)));

    // The proposal waits for the patient, not for the clinic.
    assert!(requests(store, c.clinic, false).await.is_empty());
    assert_eq!(requests(store, c.clinic, true).await, [proposal.id]);
    assert_eq!(inbox_version(store, c.clinic).await.pending, 0);
    // The patient hears about the proposal, not about a decline.
    let kinds: Vec<_> = clinic_notices(store, c.clinic, false).await.into_iter().map(|n| (n.appointment_id, n.notice)).collect();
    assert_eq!(kinds, [(Some(proposal.id), NoticeType::Proposed)]);
    // The proposed place is held; the original's is free again.
    let held = read(store).await.holding(c.clinic, &[c.doctor, c.room], tokyo(2030, 1, 7, 0, 0), tokyo(2030, 1, 8, 0, 0)).await.expect("held");
    assert_eq!(held.len(), 1);

    // Proposing again for the declined request is a conflict.
    let e = propose(tokyo(2030, 1, 7, 11, 30)).await.expect_err("already declined");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Declined }), "{e:?}");

    // The patient accepts.
    let at = later + Duration::minutes(1);
    let accepted = in_tx!(store, |tx| actions::booking::answer_proposal(tx, c.clinic, patient.id, proposal.id, true, at).await).expect("accepted");
    assert_eq!(accepted.status, AppointmentStatus::Confirmed);
    assert!(requests(store, c.clinic, true).await.is_empty());
    let kinds: Vec<_> = clinic_notices(store, c.clinic, false).await.into_iter().map(|n| n.notice).collect();
    assert_eq!(kinds, [NoticeType::Confirmed, NoticeType::Proposed]);
    let on_day = read(store).await.appointments_on(c.clinic, day(2030, 1, 7), day(2030, 1, 7)).await.expect("day");
    let on_day: Vec<_> = on_day.iter().map(|a| (a.id, a.status)).collect();
    assert_eq!(on_day, [(original.id, AppointmentStatus::Declined), (proposal.id, AppointmentStatus::Confirmed)]);
}

async fn a_proposal_to_a_full_place_changes_nothing(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let staff = staff_member(store, c.clinic, "staff@a.jp", StaffRole::Staff).await;
    let ps = patients(store, c.clinic, 2).await;
    let clinic = clinic_row(store, c.clinic).await;
    let (request, _) = request_with_answers(store, &c, ps[0]).await;
    let taken = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 11, 0), ps[1])).await.expect("booked");
    let (clinic, request_id) = (&clinic, request.id);
    let propose =
        |resource, at| async move { at_desk!(store, clinic, staff, now(), |tx, d| actions::reception::propose(tx, d, request_id, resource, at).await) };

    for (resource, at) in [
        // Held by another request.
        (c.doctor, tokyo(2030, 1, 7, 11, 0)),
        // Outside the hours.
        (c.doctor, tokyo(2030, 1, 7, 13, 0)),
        // Not a resource of this menu.
        (c.room, tokyo(2030, 1, 7, 10, 0)),
        // Not on a slot boundary.
        (c.doctor, tokyo(2030, 1, 7, 10, 10)),
    ] {
        let e = propose(resource, at).await.expect_err("full");
        assert!(matches!(e, Problem::PlaceTaken), "{at}: {e:?}");
    }
    let still = appointment(store, c.clinic, request.id).await.expect("request");
    assert_eq!(still, request, "the original is still requested, untouched");
    assert_eq!(trail(store, c.clinic, request.id).await.len(), 1);
    assert!(requests(store, c.clinic, true).await.is_empty());
    assert_eq!(read(store).await.appointments_of(c.clinic, &[ps[0]]).await.expect("read").len(), 1, "no proposal was left behind");
    assert_eq!(appointment(store, c.clinic, taken.id).await.map(|a| a.status), Some(AppointmentStatus::Requested));

    // Its own place is free to propose once it is declined (same transaction): 9:00 → 9:30 is fine.
    let moved = propose(c.doctor, tokyo(2030, 1, 7, 9, 30)).await.expect("proposed");
    assert!(moved.proposal);
}

async fn two_staff_approving_at_once_one_wins(db: &TestDb) {
    let store = db.store.clone();
    let c = clinic(store.as_ref(), "a").await;
    let alice = staff_member(store.as_ref(), c.clinic, "alice@a.jp", StaffRole::Staff).await;
    let bob = staff_member(store.as_ref(), c.clinic, "bob@a.jp", StaffRole::Owner).await;
    let ps = patients(store.as_ref(), c.clinic, 6).await;
    let clinic = clinic_row(store.as_ref(), c.clinic).await;
    for (i, p) in ps.iter().enumerate() {
        let minutes = u32::try_from(i).expect("small") * 30;
        let at = tokyo(2030, 1, 7, 9 + minutes / 60, minutes % 60);
        let a = book(store.as_ref(), &booking(c.clinic, c.slot, c.doctor, at, *p)).await.expect("booked");
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = [alice, bob]
            .into_iter()
            .map(|staff| {
                let (store, barrier, clinic) = (store.clone(), barrier.clone(), clinic.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    at_desk!(store, &clinic, staff, now(), |tx, d| actions::reception::approve(tx, d, a.id).await)
                })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.expect("task"));
        }
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{results:?}");
        for r in &results {
            if let Err(e) = r {
                assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Confirmed }), "{e:?}");
            }
        }
        let audit = trail(store.as_ref(), c.clinic, a.id).await;
        assert_eq!(audit.len(), 2, "one approval recorded: {audit:?}");
        assert_eq!(appointment(store.as_ref(), c.clinic, a.id).await.map(|a| a.status), Some(AppointmentStatus::Confirmed));
    }
}

async fn arrival_is_marked_once_and_only_for_confirmed_visits(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let ps = patients(store, c.clinic, 2).await;
    let clinic = clinic_row(store, c.clinic).await;
    let visit = book(store, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 9, 0), ps[0])).await.expect("booked");
    assert_eq!((visit.status, visit.arrived_at), (AppointmentStatus::Confirmed, None));
    let clinic = &clinic;
    let arrive =
        |id, at| async move { at_desk!(store, clinic, StaffId(1), at, |tx, d| actions::reception::visit(tx, d, id, VisitAction::Arrived, None).await) };
    let arrived = now() + Duration::minutes(50);
    assert_eq!(arrive(visit.id, arrived).await.expect("arrived").arrived_at, Some(arrived));
    arrive(visit.id, arrived + Duration::minutes(10)).await.expect("again");
    let stored = appointment(store, c.clinic, visit.id).await.expect("visit");
    assert_eq!((stored.status, stored.arrived_at), (AppointmentStatus::Confirmed, Some(arrived)), "the first time counts");

    let request = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[1])).await.expect("booked");
    let e = arrive(request.id, arrived).await.expect_err("a request");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Requested }), "{e:?}");
    assert_eq!(appointment(store, c.clinic, request.id).await.and_then(|a| a.arrived_at), None);
    let e = arrive(AppointmentId(999_999), arrived).await.expect_err("unknown");
    assert!(matches!(e, Problem::NotFound(Missing::Appointment)), "{e:?}");
}

/// A LINE clinic with one confirmation notice that failed: (clinic, appointment, notice).
async fn failed_notice(store: &dyn Store, slug: &str, user: &str) -> (Clinic1, Appointment, NotificationId) {
    let c = clinic(store, slug).await;
    connect_line(store, c.clinic, test_line_settings()).await;
    let patient = line_patient(store, c.clinic, user).await;
    let a = book(store, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 9, 0), patient.id)).await.expect("booked");
    let message = claim(store, now()).await.into_iter().find(|m| m.clinic_id == c.clinic).expect("the confirmation notice");
    deliver(store, message.id, DeliveryRecord::Failed { error: "LINE refused it (400): bad".into(), request_id: None }, now()).await;
    (c, a, message.id)
}

async fn failed_notices_and_a_days_notices_are_found_whatever_their_age(db: &TestDb) {
    let store = db.store.as_ref();
    let (c, a, id) = failed_notice(store, "a", LINE_USER).await;
    let failed: Vec<NotificationId> = clinic_notices(store, c.clinic, true).await.into_iter().map(|n| n.id).collect();
    assert_eq!(failed, [id]);
    let on_day: Vec<NotificationId> = day_notices(store, c.clinic, a.service_date, a.service_date).await.into_iter().map(|n| n.id).collect();
    assert_eq!(on_day, [id]);
    let next = a.service_date.succ_opt().expect("a next day");
    assert!(day_notices(store, c.clinic, next, next).await.is_empty());
    // Another clinic sees none of them.
    let (other, _, _) = failed_notice(store, "b", "U99999999999999999999999999999999").await;
    assert_eq!(clinic_notices(store, other.clinic, true).await.len(), 1);
    assert!(day_notices(store, other.clinic, a.service_date, a.service_date).await.iter().all(|n| n.id != id));
    assert!(read(store).await.notification(other.clinic, id).await.expect("read").is_none());
}

async fn a_notice_that_is_no_longer_true_is_not_resent(db: &TestDb) {
    let store = db.store.as_ref();
    let (c, a, id) = failed_notice(store, "a", LINE_USER).await;
    // The confirmation failed; meanwhile the clinic cancelled the visit (and told the patient).
    let staff = staff_member(store, c.clinic, "desk@a.example.jp", StaffRole::Staff).await;
    let clinic = clinic_row(store, c.clinic).await;
    at_desk!(store, &clinic, staff, now(), |tx, d| actions::reception::visit(tx, d, a.id, VisitAction::CancelByClinic, Some("休診のため")).await)
        .expect("cancel");
    let e = resend(store, c.clinic, id, now()).await.expect_err("a stale confirmation");
    assert!(matches!(e, Problem::NoticeOutOfDate), "{e:?}");
    let confirmation = notices_of(store, c.clinic, a.id).await.into_iter().find(|n| n.id == id).expect("row");
    assert_eq!(confirmation.status, DeliveryStatus::Failed, "left as it was");
}

async fn only_failed_notifications_are_resent_with_the_right_key(db: &TestDb) {
    let store = db.store.as_ref();
    let (c, a, id) = failed_notice(store, "a", LINE_USER).await;
    let first = notices_of(store, c.clinic, a.id).await.remove(0);
    assert_eq!((first.id, first.status, first.attempts), (id, DeliveryStatus::Failed, 1));
    let record = clinic_notices(store, c.clinic, false).await.remove(0);
    assert_eq!((record.status, record.last_error.as_deref()), (DeliveryStatus::Failed, Some("LINE refused it (400): bad")));
    let failed_again = || DeliveryRecord::Failed { error: "again".into(), request_id: None };

    // Within LINE's retry window: queued again under the same key.
    let t1 = now() + Duration::hours(1);
    resend(store, c.clinic, id, t1).await.expect("resend");
    let again = notices_of(store, c.clinic, a.id).await.remove(0);
    assert_eq!((again.status, again.retry_key.as_str(), again.last_error.as_deref()), (DeliveryStatus::Queued, first.retry_key.as_str(), None));
    // A queued notice cannot be resent.
    let e = resend(store, c.clinic, id, t1).await.expect_err("queued");
    assert!(matches!(e, Problem::NoticeNotFailed), "{e:?}");
    // The worker picks it up at once, keeping its first attempt time.
    let claimed = claim(store, t1).await;
    assert_eq!(claimed.iter().map(|m| (m.id, m.retry_key.as_str(), m.first_attempt_at)).collect::<Vec<_>>(), [(id, first.retry_key.as_str(), Some(now()))]);
    deliver(store, id, failed_again(), t1).await;

    // 22 h 59 min after the first attempt: still the same key.
    let t2 = now() + Duration::hours(23) - Duration::minutes(1);
    resend(store, c.clinic, id, t2).await.expect("resend");
    assert_eq!(notices_of(store, c.clinic, a.id).await[0].retry_key, first.retry_key);
    claim(store, t2).await;
    deliver(store, id, failed_again(), t2).await;

    // After the window: a new key (LINE no longer remembers the old one) and a new first attempt.
    let t3 = now() + Duration::hours(23) + Duration::minutes(1);
    resend(store, c.clinic, id, t3).await.expect("resend");
    let renewed = notices_of(store, c.clinic, a.id).await.remove(0);
    assert_eq!(renewed.status, DeliveryStatus::Queued);
    assert_ne!(renewed.retry_key, first.retry_key);
    let claimed = claim(store, t3).await;
    assert_eq!(claimed.iter().map(|m| (m.id, m.first_attempt_at)).collect::<Vec<_>>(), [(id, Some(t3))]);

    // A sent notice cannot be resent.
    deliver(store, id, DeliveryRecord::Sent { request_id: Some("req-1".into()), via: app::notify::SentVia::Push }, t3).await;
    let e = resend(store, c.clinic, id, t3).await.expect_err("sent");
    assert!(matches!(e, Problem::NoticeNotFailed), "{e:?}");
    let e = resend(store, c.clinic, NotificationId(999_999), t3).await.expect_err("unknown");
    assert!(matches!(e, Problem::NotFound(_)), "{e:?}");
}

async fn another_clinics_ids_are_not_found_and_change_nothing(db: &TestDb) {
    let store = db.store.as_ref();
    let (a, failed, notice) = failed_notice(store, "a", LINE_USER).await;
    let b = clinic(store, "b").await;
    let a_staff = staff_member(store, a.clinic, "staff@a.jp", StaffRole::Staff).await;
    let b_staff = staff_member(store, b.clinic, "staff@b.jp", StaffRole::Owner).await;
    let a_clinic = clinic_row(store, a.clinic).await;
    let b_clinic = clinic_row(store, b.clinic).await;
    let pa = patients(store, a.clinic, 1).await[0];
    let request = book(store, &booking(a.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 10, 0), pa)).await.expect("booked");
    let confirmed = book(store, &booking(a.clinic, a.band, a.room, tokyo(2030, 1, 7, 9, 0), pa)).await.expect("booked");
    at_desk!(store, &a_clinic, a_staff, now(), |tx, d| actions::reception::approve(tx, d, confirmed.id).await).expect("confirmed");
    let a_version = inbox_version(store, a.clinic).await;
    assert_eq!(a_version.pending, 1);
    let (ids, a_id) = ([request.id, confirmed.id, failed.id], a.clinic);
    let snapshot = || async move {
        let mut v = Vec::new();
        for id in ids {
            v.push((appointment(store, a_id, id).await, trail(store, a_id, id).await));
        }
        v
    };
    let before = snapshot().await;

    for id in ids {
        let attempts: [Result<Appointment, Problem>; 8] = [
            at_desk!(store, &b_clinic, b_staff, now(), |tx, d| actions::reception::approve(tx, d, id).await),
            at_desk!(store, &b_clinic, b_staff, now(), |tx, d| actions::reception::decline(tx, d, id, "x").await),
            at_desk!(store, &b_clinic, b_staff, now(), |tx, d| actions::reception::visit(tx, d, id, VisitAction::CancelByClinic, Some("x")).await),
            at_desk!(store, &b_clinic, b_staff, now(), |tx, d| actions::reception::visit(tx, d, id, VisitAction::Completed, None).await),
            at_desk!(store, &b_clinic, b_staff, now(), |tx, d| actions::reception::visit(tx, d, id, VisitAction::Arrived, None).await),
            at_desk!(store, &b_clinic, b_staff, now(), |tx, d| actions::reception::propose(tx, d, id, b.doctor, tokyo(2030, 1, 7, 11, 0)).await),
            at_desk!(store, &b_clinic, b_staff, now(), |tx, d| actions::reception::propose(tx, d, id, a.doctor, tokyo(2030, 1, 7, 11, 0)).await),
            in_tx!(store, |tx| actions::booking::cancel(tx, b.clinic, pa, id, now()).await),
        ];
        for (i, e) in attempts.into_iter().enumerate() {
            let e = e.expect_err("foreign");
            assert!(matches!(e, Problem::NotFound(Missing::Appointment)), "attempt {i} on {id}: {e:?}");
        }
    }
    // Clinic A proposing a place of clinic B's resource is refused, and A's request stays.
    let e = at_desk!(store, &a_clinic, a_staff, now(), |tx, d| actions::reception::propose(tx, d, request.id, b.doctor, tokyo(2030, 1, 7, 11, 0)).await)
        .expect_err("foreign resource");
    assert!(matches!(e, Problem::PlaceTaken | Problem::NotFound(_)), "{e:?}");

    assert!(requests(store, b.clinic, false).await.is_empty());
    assert!(requests(store, b.clinic, true).await.is_empty());
    assert_eq!(inbox_version(store, b.clinic).await, InboxVersion::default());
    assert!(read(store).await.appointments_on(b.clinic, day(2030, 1, 1), day(2030, 1, 31)).await.expect("read").is_empty());
    assert!(clinic_notices(store, b.clinic, false).await.is_empty());
    let e = resend(store, b.clinic, notice, now()).await.expect_err("foreign");
    assert!(matches!(e, Problem::NotFound(_)), "{e:?}");

    // Clinic A is untouched.
    assert_eq!(snapshot().await, before);
    assert_eq!(inbox_version(store, a.clinic).await, a_version);
    assert_eq!(read(store).await.appointments_on(a.clinic, day(2030, 1, 7), day(2030, 1, 7)).await.expect("read").len(), 3);
    let status = clinic_notices(store, a.clinic, false).await.into_iter().find(|n| n.id == notice).map(|n| n.status);
    assert_eq!(status, Some(DeliveryStatus::Failed));
}

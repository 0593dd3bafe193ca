//! The staff console's storage (`ConsoleStore`) on SQLite and on PostgreSQL, each test on a
//! fresh database: sessions, sign-in failures, status changes with a message, proposals,
//! arrivals, resending notifications, and tenant isolation.

mod support;

use std::sync::Arc;

use app::booking::ids::*;
use app::booking::status::{AppointmentStatus, Transition};
use app::i18n::Lang;
use app::store::console::*;
use app::store::*;
use chrono::{Duration, NaiveDate};
use support::*;

support::on_both!(
    staff_sessions_are_stored_as_digests_and_expire,
    failed_sign_ins_are_counted_per_account_and_per_address,
    a_decline_keeps_its_reason_and_tells_the_patient,
    a_proposal_declines_the_request_and_offers_another_place,
    a_proposal_to_a_full_place_changes_nothing,
    two_staff_approving_at_once_one_wins,
    arrival_is_marked_once_and_only_for_confirmed_visits,
    only_failed_notifications_are_resent_with_the_right_key,
    another_clinics_ids_are_not_found_and_change_nothing,
    expired_sessions_and_old_attempts_are_forgotten,
    a_notice_that_is_no_longer_true_is_not_resent,
    failed_notices_and_a_days_notices_are_found_whatever_their_age,
);

const LINE_USER: &str = "U0123456789abcdef0123456789abcdef";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

async fn staff_member(store: &dyn Store, clinic: ClinicId, email: &str, role: StaffRole) -> StaffId {
    store
        .create_staff(NewStaff { clinic_id: clinic, email: email.into(), display_name: "受付".into(), role, password_hash: "unused".into() })
        .await
        .expect("staff")
}

/// Connects the clinic to (a pretend) LINE, so notices are queued for LINE patients.
async fn connect_line(store: &dyn Store, clinic: ClinicId) {
    let line = LineSettings {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: "1657000000".into(),
        channel_secret: Some("secret".into()),
        channel_access_token: Some("token".into()),
        add_friend_url: None,
    };
    store.set_line_settings(clinic, Some(line)).await.expect("line settings");
}

/// Counts rows of `table` whose `column` equals `value`, straight from the database.
async fn raw_count(db: &TestDb, table: &str, column: &str, value: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) = $1");
    if db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let n = sqlx::query_scalar(&sql).bind(value).fetch_one(&pool).await.expect("count");
        pool.close().await;
        n
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let n = sqlx::query_scalar(&sql).bind(value).fetch_one(&pool).await.expect("count");
        pool.close().await;
        n
    }
}

async fn staff_sessions_are_stored_as_digests_and_expire(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let staff = staff_member(store, c.clinic, " Reception@A.example.jp ", StaffRole::Staff).await;
    let account = store.staff_by_email("reception@a.example.jp").await.expect("read").expect("account");
    assert_eq!((account.id, account.clinic_id, account.role), (staff, c.clinic, StaffRole::Staff));
    assert_eq!(account.email, "reception@a.example.jp");
    assert_eq!(store.staff_by_email("RECEPTION@a.example.jp").await.expect("read").map(|a| a.id), Some(staff));
    assert_eq!(store.staff_account(staff).await.expect("read"), Some(account));
    assert_eq!(store.staff_by_email("nobody@a.example.jp").await.expect("read"), None);

    let token = "raw-session-token-0123456789abcdef";
    let session = StaffSession { staff_id: staff, clinic_id: c.clinic, csrf_token: "csrf-1".into(), expires_at: now() + Duration::hours(12) };
    store.create_staff_session(token, &session, now()).await.expect("session");
    assert_eq!(store.staff_session(token, now()).await.expect("read"), Some(session.clone()));
    assert_eq!(store.staff_session(token, now() + Duration::hours(11)).await.expect("read"), Some(session.clone()));
    assert_eq!(store.staff_session("another-token", now()).await.expect("read"), None);
    // Expired: at and after its end.
    assert_eq!(store.staff_session(token, now() + Duration::hours(12)).await.expect("read"), None);
    assert_eq!(store.staff_session(token, now() + Duration::hours(13)).await.expect("read"), None);

    // Only the digest is stored.
    assert_eq!(raw_count(db, "staff_sessions", "staff_id", &staff.0.to_string()).await, 1, "the session row");
    assert_eq!(raw_count(db, "staff_sessions", "token", token).await, 0, "the raw token is not stored");

    // A session created already expired is never valid.
    let stale = StaffSession { expires_at: now() - Duration::minutes(1), csrf_token: "csrf-2".into(), ..session.clone() };
    store.create_staff_session("stale-token", &stale, now() - Duration::hours(13)).await.expect("stale session");
    assert_eq!(store.staff_session("stale-token", now()).await.expect("read"), None);

    // Ended: gone, and the other sessions stay.
    store.end_staff_session(token).await.expect("end");
    assert_eq!(store.staff_session(token, now()).await.expect("read"), None);
    assert_eq!(raw_count(db, "staff_sessions", "staff_id", &staff.0.to_string()).await, 1, "only the stale one is left");
    store.end_staff_session(token).await.expect("ending twice is fine");
}

async fn expired_sessions_and_old_attempts_are_forgotten(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let staff = staff_member(store, c.clinic, "desk@a.example.jp", StaffRole::Staff).await;
    let live = StaffSession { staff_id: staff, clinic_id: c.clinic, csrf_token: "c1".into(), expires_at: now() + Duration::hours(1) };
    let gone = StaffSession { expires_at: now() - Duration::minutes(1), csrf_token: "c2".into(), ..live.clone() };
    store.create_staff_session("live-token", &live, now()).await.expect("live");
    store.create_staff_session("gone-token", &gone, now() - Duration::hours(12)).await.expect("gone");
    store.record_sign_in("desk@a.example.jp", "10.0.0.1", false, now() - Duration::days(2)).await.expect("old attempt");
    store.record_sign_in("desk@a.example.jp", "10.0.0.1", false, now()).await.expect("new attempt");

    let deleted = store.forget_expired(now(), now() - Duration::days(1)).await.expect("forget");
    assert_eq!(deleted, 2, "one expired session and one old attempt");
    assert_eq!(raw_count(db, "staff_sessions", "staff_id", &staff.0.to_string()).await, 1);
    assert_eq!(store.staff_session("live-token", now()).await.expect("read"), Some(live));
    let failures = store.failed_sign_ins("desk@a.example.jp", "10.0.0.1", now() - Duration::days(3)).await.expect("count");
    assert_eq!(failures, FailedSignIns { account: 1, address: 1 });
}

async fn failed_sign_ins_are_counted_per_account_and_per_address(db: &TestDb) {
    let store = db.store.as_ref();
    let since = now() - Duration::minutes(15);
    let at = |minutes: i64| now() - Duration::minutes(minutes);
    assert_eq!(store.failed_sign_ins("a@x.jp", "10.0.0.1", since).await.expect("read"), FailedSignIns::default());

    // An old failure (outside the window) does not count.
    store.record_sign_in("a@x.jp", "10.0.0.1", false, at(30)).await.expect("record");
    for m in [10, 9, 8] {
        store.record_sign_in("A@x.jp", "10.0.0.1", false, at(m)).await.expect("record");
    }
    assert_eq!(store.failed_sign_ins("a@x.jp", "10.0.0.1", since).await.expect("read"), FailedSignIns { account: 3, address: 3 });
    // The account's count is the same from any address; the address's from any account.
    assert_eq!(store.failed_sign_ins(" A@X.jp", "10.0.0.2", since).await.expect("read"), FailedSignIns { account: 3, address: 0 });
    store.record_sign_in("b@x.jp", "10.0.0.1", false, at(7)).await.expect("record");
    store.record_sign_in("c@x.jp", "10.0.0.1", false, at(7)).await.expect("record");
    assert_eq!(store.failed_sign_ins("b@x.jp", "10.0.0.1", since).await.expect("read"), FailedSignIns { account: 1, address: 5 });

    // A success resets the account's count (not the address's).
    store.record_sign_in("a@x.jp", "10.0.0.1", true, at(6)).await.expect("record");
    assert_eq!(store.failed_sign_ins("a@x.jp", "10.0.0.1", since).await.expect("read"), FailedSignIns { account: 0, address: 5 });
    store.record_sign_in("a@x.jp", "10.0.0.3", false, at(5)).await.expect("record");
    assert_eq!(store.failed_sign_ins("a@x.jp", "10.0.0.1", since).await.expect("read"), FailedSignIns { account: 1, address: 5 });
    // Other accounts keep theirs.
    assert_eq!(store.failed_sign_ins("b@x.jp", "10.0.0.3", since).await.expect("read"), FailedSignIns { account: 1, address: 1 });
    // A window that starts later sees fewer.
    assert_eq!(store.failed_sign_ins("b@x.jp", "10.0.0.1", at(8)).await.expect("read"), FailedSignIns { account: 1, address: 2 });
}

async fn a_decline_keeps_its_reason_and_tells_the_patient(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    connect_line(store, c.clinic).await;
    let staff = staff_member(store, c.clinic, "staff@a.jp", StaffRole::Staff).await;
    let patient = store.line_patient(c.clinic, LINE_USER, Lang::Ja).await.expect("patient");
    let a = store.book(booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), patient.id)).await.expect("booked");
    assert_eq!(store.inbox_version(c.clinic).await.expect("version").pending, 1);
    let before = store.inbox_version(c.clinic).await.expect("version");

    let reason = "ご希望の時間は予約がいっぱいです";
    let later = now() + Duration::minutes(5);
    let declined = store.change_status(c.clinic, a.id, Transition::Decline, Some(reason.into()), Actor::Staff(staff), later).await.expect("declined");
    assert_eq!((declined.status, declined.note.as_deref()), (AppointmentStatus::Declined, Some(reason)));
    assert_eq!(store.appointment(c.clinic, a.id).await.expect("read"), Some(declined));
    let after = store.inbox_version(c.clinic).await.expect("version");
    assert_eq!(after.pending, 0);
    assert!(after.last_change > before.last_change, "{before:?} → {after:?}");
    assert!(store.pending_requests(c.clinic).await.expect("pending").is_empty());

    let trail = store.audit_trail(c.clinic, a.id).await.expect("trail");
    assert_eq!(trail.last(), Some(&AuditEntry { appointment_id: a.id, actor: Actor::Staff(staff), from: Some(AppointmentStatus::Requested), to: AppointmentStatus::Declined, at: later }));

    let notices = store.clinic_notifications(c.clinic, 10).await.expect("notifications");
    let notice = notices.iter().find(|n| n.kind == "declined").expect("a decline notice is queued");
    assert_eq!((notice.appointment_id, notice.status.as_str(), notice.recipient.as_str()), (Some(a.id), "queued", LINE_USER));
    assert!(notice.payload.contains(reason), "{}", notice.payload);

    // Without a note, an earlier note stays; a later change cannot happen from declined.
    let e = store.change_status(c.clinic, a.id, Transition::Confirm, None, Actor::Staff(staff), later).await.expect_err("declined is final");
    assert!(matches!(e, StoreError::StatusChanged { current: AppointmentStatus::Declined }), "{e:?}");

    // A clinic cancellation carries its message too.
    let b = store.book(booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 11, 0), patient.id)).await.expect("booked");
    assert_eq!(b.status, AppointmentStatus::Confirmed);
    let message = "医師の急病のため休診します";
    let cancelled = store.change_status(c.clinic, b.id, Transition::CancelByClinic, Some(message.into()), Actor::Staff(staff), later).await.expect("cancelled");
    assert_eq!((cancelled.status, cancelled.note.as_deref()), (AppointmentStatus::CancelledByClinic, Some(message)));
    let notices = store.clinic_notifications(c.clinic, 10).await.expect("notifications");
    let notice = notices.iter().find(|n| n.kind == "cancelled_by_clinic").expect("a cancellation notice");
    assert!(notice.payload.contains(message), "{}", notice.payload);
    // Newest first.
    assert!(notices.windows(2).all(|w| w[0].id > w[1].id));
}

/// A request of the slot menu at 9:00 with two answers.
async fn request_with_answers(store: &dyn Store, c: &Clinic1, patient: PatientId) -> (Appointment, Vec<(QuestionId, String)>) {
    let mut ids = Vec::new();
    for label in ["どうされましたか", "いつからですか"] {
        let q = Question {
            id: QuestionId(0),
            menu_id: c.slot,
            label_ja: label.into(),
            label_en: label.into(),
            kind: QuestionKind::Text,
            choices_ja: Vec::new(),
            choices_en: Vec::new(),
            required: true,
        };
        ids.push(store.add_question(q).await.expect("question"));
    }
    let answers = vec![(ids[0], "頭痛".to_string()), (ids[1], "昨日から".to_string())];
    let a = store
        .book(NewBooking { answers: answers.clone(), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 0), patient) })
        .await
        .expect("booked");
    (a, answers)
}

async fn a_proposal_declines_the_request_and_offers_another_place(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    connect_line(store, c.clinic).await;
    let staff = staff_member(store, c.clinic, "staff@a.jp", StaffRole::Staff).await;
    let patient = store.line_patient(c.clinic, LINE_USER, Lang::Ja).await.expect("patient");
    let (original, answers) = request_with_answers(store, &c, patient.id).await;
    assert_eq!(store.answers(c.clinic, original.id).await.expect("answers"), answers);
    assert_eq!(store.pending_requests(c.clinic).await.expect("pending").iter().map(|a| a.id).collect::<Vec<_>>(), [original.id]);

    let later = now() + Duration::minutes(5);
    let proposal = store.propose_time(c.clinic, original.id, c.doctor, tokyo(2030, 1, 7, 10, 30), Actor::Staff(staff), later).await.expect("proposed");
    assert_eq!((proposal.status, proposal.proposal), (AppointmentStatus::Requested, true));
    assert_eq!((proposal.starts_at, proposal.ends_at), (tokyo(2030, 1, 7, 10, 30), tokyo(2030, 1, 7, 11, 0)));
    assert_eq!((proposal.patient_id, proposal.menu_id, proposal.resource_id), (patient.id, c.slot, c.doctor));
    assert_ne!(proposal.id, original.id);
    assert!(proposal.hold_expires_at.is_some_and(|t| t > later), "{:?}", proposal.hold_expires_at);
    assert_eq!(store.answers(c.clinic, proposal.id).await.expect("answers"), answers, "the answers are copied");

    let original_now = store.appointment(c.clinic, original.id).await.expect("read").expect("original");
    assert_eq!(original_now.status, AppointmentStatus::Declined);
    assert!(original_now.note.is_some());
    assert_eq!(store.audit_trail(c.clinic, original.id).await.expect("trail").last().map(|e| e.actor), Some(Actor::Staff(staff)));
    assert_eq!(store.audit_trail(c.clinic, proposal.id).await.expect("trail").first().map(|e| (e.actor, e.to)), Some((Actor::Staff(staff), AppointmentStatus::Requested)));

    // The proposal waits for the patient, not for the clinic.
    assert!(store.pending_requests(c.clinic).await.expect("pending").is_empty());
    assert_eq!(store.open_proposals(c.clinic).await.expect("proposals").iter().map(|a| a.id).collect::<Vec<_>>(), [proposal.id]);
    assert_eq!(store.inbox_version(c.clinic).await.expect("version").pending, 0);
    // The patient hears about the proposal, not about a decline.
    let kinds: Vec<(Option<AppointmentId>, String)> =
        store.clinic_notifications(c.clinic, 10).await.expect("notifications").into_iter().map(|n| (n.appointment_id, n.kind)).collect();
    assert_eq!(kinds, [(Some(proposal.id), "proposed".to_string())]);
    // The proposed place is held; the original's is free again.
    let held = store.holding_appointments(c.clinic, tokyo(2030, 1, 7, 0, 0), tokyo(2030, 1, 8, 0, 0)).await.expect("held");
    assert_eq!(held.len(), 1);

    // Proposing again for the declined request is a conflict.
    let e = store.propose_time(c.clinic, original.id, c.doctor, tokyo(2030, 1, 7, 11, 30), Actor::Staff(staff), later).await.expect_err("already declined");
    assert!(matches!(e, StoreError::StatusChanged { current: AppointmentStatus::Declined }), "{e:?}");

    // The patient accepts.
    let accepted = store.transition(c.clinic, proposal.id, Transition::Confirm, Actor::Patient(patient.id), later + Duration::minutes(1)).await.expect("accepted");
    assert_eq!(accepted.status, AppointmentStatus::Confirmed);
    assert!(store.open_proposals(c.clinic).await.expect("proposals").is_empty());
    let kinds: Vec<String> = store.clinic_notifications(c.clinic, 10).await.expect("notifications").into_iter().map(|n| n.kind).collect();
    assert_eq!(kinds, ["confirmed", "proposed"]);
    let on_day = store.appointments_on(c.clinic, day(2030, 1, 7), day(2030, 1, 7)).await.expect("day");
    assert_eq!(on_day.iter().map(|a| (a.id, a.status)).collect::<Vec<_>>(), [(original.id, AppointmentStatus::Declined), (proposal.id, AppointmentStatus::Confirmed)]);
}

async fn a_proposal_to_a_full_place_changes_nothing(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let staff = staff_member(store, c.clinic, "staff@a.jp", StaffRole::Staff).await;
    let ps = patients(store, c.clinic, 2).await;
    let (request, _) = request_with_answers(store, &c, ps[0]).await;
    let taken = store.book(booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 11, 0), ps[1])).await.expect("booked");

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
        let e = store.propose_time(c.clinic, request.id, resource, at, Actor::Staff(staff), now()).await.expect_err("full");
        assert!(matches!(e, StoreError::PlaceTaken), "{at}: {e:?}");
    }
    let still = store.appointment(c.clinic, request.id).await.expect("read").expect("request");
    assert_eq!(still, request, "the original is still requested, untouched");
    assert_eq!(store.audit_trail(c.clinic, request.id).await.expect("trail").len(), 1);
    assert!(store.open_proposals(c.clinic).await.expect("proposals").is_empty());
    assert_eq!(store.patient_appointments(c.clinic, ps[0]).await.expect("read").len(), 1, "no proposal was left behind");
    assert_eq!(store.appointment(c.clinic, taken.id).await.expect("read").map(|a| a.status), Some(AppointmentStatus::Requested));

    // Its own place is free to propose once it is declined (same transaction): 9:00 → 9:30 is fine.
    let moved = store.propose_time(c.clinic, request.id, c.doctor, tokyo(2030, 1, 7, 9, 30), Actor::Staff(staff), now()).await.expect("proposed");
    assert!(moved.proposal);
}

async fn two_staff_approving_at_once_one_wins(db: &TestDb) {
    let store = db.store.clone();
    let c = clinic(store.as_ref(), "a").await;
    let alice = staff_member(store.as_ref(), c.clinic, "alice@a.jp", StaffRole::Staff).await;
    let bob = staff_member(store.as_ref(), c.clinic, "bob@a.jp", StaffRole::Owner).await;
    let ps = patients(store.as_ref(), c.clinic, 6).await;
    for (i, p) in ps.iter().enumerate() {
        let minutes = u32::try_from(i).expect("small") * 30;
        let a = store.book(booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9 + minutes / 60, minutes % 60), *p)).await.expect("booked");
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = [alice, bob]
            .into_iter()
            .map(|staff| {
                let (store, barrier) = (store.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.change_status(c.clinic, a.id, Transition::Confirm, None, Actor::Staff(staff), now()).await
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
                assert!(matches!(e, StoreError::StatusChanged { current: AppointmentStatus::Confirmed }), "{e:?}");
            }
        }
        let trail = store.audit_trail(c.clinic, a.id).await.expect("trail");
        assert_eq!(trail.len(), 2, "one approval recorded: {trail:?}");
        assert_eq!(store.appointment(c.clinic, a.id).await.expect("read").map(|a| a.status), Some(AppointmentStatus::Confirmed));
    }
}

async fn arrival_is_marked_once_and_only_for_confirmed_visits(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let ps = patients(store, c.clinic, 2).await;
    let visit = store.book(booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 9, 0), ps[0])).await.expect("booked");
    assert_eq!((visit.status, visit.arrived_at), (AppointmentStatus::Confirmed, None));
    let arrived = now() + Duration::minutes(50);
    store.mark_arrived(c.clinic, visit.id, arrived).await.expect("arrived");
    store.mark_arrived(c.clinic, visit.id, arrived + Duration::minutes(10)).await.expect("again");
    assert_eq!(store.appointment(c.clinic, visit.id).await.expect("read").and_then(|a| a.arrived_at), Some(arrived), "the first time counts");

    let request = store.book(booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[1])).await.expect("booked");
    let e = store.mark_arrived(c.clinic, request.id, arrived).await.expect_err("a request");
    assert!(matches!(e, StoreError::StatusChanged { current: AppointmentStatus::Requested }), "{e:?}");
    assert_eq!(store.appointment(c.clinic, request.id).await.expect("read").and_then(|a| a.arrived_at), None);
    let e = store.mark_arrived(c.clinic, AppointmentId(999_999), arrived).await.expect_err("unknown");
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
}

/// A LINE clinic with one confirmation notice that failed: (clinic, appointment, notification id).
async fn failed_notice(store: &dyn Store, slug: &str, user: &str) -> (Clinic1, Appointment, i64) {
    let c = clinic(store, slug).await;
    connect_line(store, c.clinic).await;
    let patient = store.line_patient(c.clinic, user, Lang::Ja).await.expect("patient");
    let a = store.book(booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 9, 0), patient.id)).await.expect("booked");
    let claimed = store.claim_notifications(now(), now() + Duration::minutes(1), 10).await.expect("claim");
    let message = claimed.into_iter().find(|m| m.clinic_id == c.clinic).expect("the confirmation notice");
    store.record_delivery(message.id, DeliveryRecord::Failed { error: "LINE refused it (400): bad".into(), request_id: None }, now()).await.expect("failed");
    (c, a, message.id)
}

async fn failed_notices_and_a_days_notices_are_found_whatever_their_age(db: &TestDb) {
    let store = db.store.as_ref();
    let (c, a, id) = failed_notice(store, "a", LINE_USER).await;
    let failed: Vec<i64> = store.failed_notifications(c.clinic, 10).await.expect("read").into_iter().map(|n| n.id).collect();
    assert_eq!(failed, [id]);
    let day: Vec<i64> = store.visit_notifications(c.clinic, a.service_date, a.service_date).await.expect("read").into_iter().map(|n| n.id).collect();
    assert_eq!(day, [id]);
    let next = a.service_date.succ_opt().expect("a next day");
    assert!(store.visit_notifications(c.clinic, next, next).await.expect("read").is_empty());
    // Another clinic sees none of them.
    let (other, _, _) = failed_notice(store, "b", "U99999999999999999999999999999999").await;
    assert_eq!(store.failed_notifications(other.clinic, 10).await.expect("read").len(), 1);
    assert!(store.visit_notifications(other.clinic, a.service_date, a.service_date).await.expect("read").iter().all(|n| n.id != id));
}

async fn a_notice_that_is_no_longer_true_is_not_resent(db: &TestDb) {
    let store = db.store.as_ref();
    let (c, a, id) = failed_notice(store, "a", LINE_USER).await;
    // The confirmation failed; meanwhile the clinic cancelled the visit (and told the patient).
    let staff = staff_member(store, c.clinic, "desk@a.example.jp", StaffRole::Staff).await;
    store.change_status(c.clinic, a.id, Transition::CancelByClinic, Some("休診のため".into()), Actor::Staff(staff), now()).await.expect("cancel");
    let e = store.resend_notification(c.clinic, id, now()).await.expect_err("a stale confirmation");
    assert!(matches!(e, StoreError::NoticeOutOfDate), "{e:?}");
    let confirmation = store.notifications(c.clinic, a.id).await.expect("read").into_iter().find(|n| n.id == id).expect("row");
    assert_eq!(confirmation.status, "failed", "left as it was");
}

async fn only_failed_notifications_are_resent_with_the_right_key(db: &TestDb) {
    let store = db.store.as_ref();
    let (c, a, id) = failed_notice(store, "a", LINE_USER).await;
    let first = store.notifications(c.clinic, a.id).await.expect("read").remove(0);
    assert_eq!((first.id, first.status.as_str(), first.attempts), (id, "failed", 1));
    let record = store.clinic_notifications(c.clinic, 10).await.expect("read").remove(0);
    assert_eq!((record.status.as_str(), record.last_error.as_deref()), ("failed", Some("LINE refused it (400): bad")));

    // Within LINE's retry window: queued again under the same key.
    let t1 = now() + Duration::hours(1);
    store.resend_notification(c.clinic, id, t1).await.expect("resend");
    let again = store.notifications(c.clinic, a.id).await.expect("read").remove(0);
    assert_eq!((again.status.as_str(), again.retry_key.as_str(), again.last_error.as_deref()), ("queued", first.retry_key.as_str(), None));
    // A queued notice cannot be resent.
    let e = store.resend_notification(c.clinic, id, t1).await.expect_err("queued");
    assert!(matches!(e, StoreError::NoticeNotFailed), "{e:?}");
    // The worker picks it up at once, keeping its first attempt time.
    let claimed = store.claim_notifications(t1, t1 + Duration::minutes(1), 10).await.expect("claim");
    assert_eq!(claimed.iter().map(|m| (m.id, m.retry_key.as_str(), m.first_attempt_at)).collect::<Vec<_>>(), [(id, first.retry_key.as_str(), Some(now()))]);
    store.record_delivery(id, DeliveryRecord::Failed { error: "again".into(), request_id: None }, t1).await.expect("failed");

    // 22 h 59 min after the first attempt: still the same key.
    let t2 = now() + Duration::hours(23) - Duration::minutes(1);
    store.resend_notification(c.clinic, id, t2).await.expect("resend");
    assert_eq!(store.notifications(c.clinic, a.id).await.expect("read")[0].retry_key, first.retry_key);
    store.claim_notifications(t2, t2 + Duration::minutes(1), 10).await.expect("claim");
    store.record_delivery(id, DeliveryRecord::Failed { error: "again".into(), request_id: None }, t2).await.expect("failed");

    // After the window: a new key (LINE no longer remembers the old one) and a new first attempt.
    let t3 = now() + Duration::hours(23) + Duration::minutes(1);
    store.resend_notification(c.clinic, id, t3).await.expect("resend");
    let renewed = store.notifications(c.clinic, a.id).await.expect("read").remove(0);
    assert_eq!(renewed.status, "queued");
    assert_ne!(renewed.retry_key, first.retry_key);
    let claimed = store.claim_notifications(t3, t3 + Duration::minutes(1), 10).await.expect("claim");
    assert_eq!(claimed.iter().map(|m| (m.id, m.first_attempt_at)).collect::<Vec<_>>(), [(id, Some(t3))]);

    // A sent notice cannot be resent.
    store.record_delivery(id, DeliveryRecord::Sent { request_id: Some("req-1".into()) }, t3).await.expect("sent");
    let e = store.resend_notification(c.clinic, id, t3).await.expect_err("sent");
    assert!(matches!(e, StoreError::NoticeNotFailed), "{e:?}");
    let e = store.resend_notification(c.clinic, 999_999, t3).await.expect_err("unknown");
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
}

async fn another_clinics_ids_are_not_found_and_change_nothing(db: &TestDb) {
    let store = db.store.as_ref();
    let (a, failed, notice) = failed_notice(store, "a", LINE_USER).await;
    let b = clinic(store, "b").await;
    let b_staff = staff_member(store, b.clinic, "staff@b.jp", StaffRole::Owner).await;
    let pa = patients(store, a.clinic, 1).await[0];
    let request = store.book(booking(a.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 10, 0), pa)).await.expect("booked");
    let confirmed = store.book(booking(a.clinic, a.band, a.room, tokyo(2030, 1, 7, 9, 0), pa)).await.expect("booked");
    store.change_status(a.clinic, confirmed.id, Transition::Confirm, None, Actor::System, now()).await.expect("confirmed");
    let confirmed = store.appointment(a.clinic, confirmed.id).await.expect("read").expect("confirmed");
    let a_version = store.inbox_version(a.clinic).await.expect("version");
    assert_eq!(a_version.pending, 1);
    let snapshot = |ids: [AppointmentId; 3]| async move {
        let mut v = Vec::new();
        for id in ids {
            v.push((store.appointment(a.clinic, id).await.expect("read"), store.audit_trail(a.clinic, id).await.expect("trail")));
        }
        v
    };
    let before = snapshot([request.id, confirmed.id, failed.id]).await;
    let by = Actor::Staff(b_staff);

    for id in [request.id, confirmed.id, failed.id] {
        for t in [Transition::Confirm, Transition::Decline, Transition::CancelByClinic, Transition::Complete] {
            let e = store.change_status(b.clinic, id, t, Some("x".into()), by, now()).await.expect_err("foreign");
            assert!(matches!(e, StoreError::NotFound), "{t:?} {e:?}");
        }
        let e = store.propose_time(b.clinic, id, b.doctor, tokyo(2030, 1, 7, 11, 0), by, now()).await.expect_err("foreign");
        assert!(matches!(e, StoreError::NotFound), "{e:?}");
        let e = store.propose_time(b.clinic, id, a.doctor, tokyo(2030, 1, 7, 11, 0), by, now()).await.expect_err("foreign");
        assert!(matches!(e, StoreError::NotFound), "{e:?}");
        let e = store.mark_arrived(b.clinic, id, now()).await.expect_err("foreign");
        assert!(matches!(e, StoreError::NotFound), "{e:?}");
    }
    // Clinic A proposing a place of clinic B's resource is refused, and A's request stays.
    let e = store.propose_time(a.clinic, request.id, b.doctor, tokyo(2030, 1, 7, 11, 0), Actor::System, now()).await.expect_err("foreign resource");
    assert!(matches!(e, StoreError::PlaceTaken | StoreError::NotFound), "{e:?}");

    assert!(store.pending_requests(b.clinic).await.expect("read").is_empty());
    assert!(store.open_proposals(b.clinic).await.expect("read").is_empty());
    assert_eq!(store.inbox_version(b.clinic).await.expect("read"), InboxVersion::default());
    assert!(store.appointments_on(b.clinic, day(2030, 1, 1), day(2030, 1, 31)).await.expect("read").is_empty());
    assert!(store.clinic_notifications(b.clinic, 100).await.expect("read").is_empty());
    let e = store.resend_notification(b.clinic, notice, now()).await.expect_err("foreign");
    assert!(matches!(e, StoreError::NotFound), "{e:?}");

    // Clinic A is untouched.
    assert_eq!(snapshot([request.id, confirmed.id, failed.id]).await, before);
    assert_eq!(store.inbox_version(a.clinic).await.expect("version"), a_version);
    assert_eq!(store.appointments_on(a.clinic, day(2030, 1, 7), day(2030, 1, 7)).await.expect("read").len(), 3);
    assert_eq!(store.clinic_notifications(a.clinic, 100).await.expect("read").iter().find(|n| n.id == notice).map(|n| n.status.clone()), Some("failed".into()));
}

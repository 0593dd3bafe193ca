//! The storage suite: every test runs on SQLite and on PostgreSQL, each on a fresh database.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use app::booking::ids::*;
use app::booking::status::{AppointmentStatus, Transition};
use app::store::*;
use chrono::{Days, Duration};
use support::*;

on_both_backends!(
    books_a_request_and_audits_it,
    auto_confirm_menus_confirm_at_once,
    fifty_patients_race_for_one_slot,
    fifty_patients_race_for_a_band_of_three,
    queue_places_are_numbered_once_under_a_race,
    two_staff_race_to_approve_and_decline,
    two_staff_race_to_approve,
    the_life_cycle_refuses_wrong_transitions,
    an_expired_hold_frees_the_place_and_cannot_be_approved,
    places_outside_the_rules_are_refused,
    clinics_cannot_see_each_other,
    broken_constraints_become_user_errors,
    settings_read_back_as_written,
    a_reschedule_replaces_the_old_visit_only_when_confirmed,
    answers_sessions_and_line_patients,
);

async fn offers(store: &SharedStore, c: &Clinic1, menu: MenuId) -> Vec<app::booking::availability::Offer> {
    let clinic = store.clinics().await.expect("clinics").into_iter().find(|x| x.id == c.clinic).expect("clinic");
    let menu = store.menus(c.clinic).await.expect("menus").into_iter().find(|m| m.id == menu).expect("menu");
    let today = now().with_timezone(&TOKYO).date_naive();
    availability(store.as_ref(), &clinic, &menu, today, today + Days::new(3), now()).await.expect("availability")
}

async fn books_a_request_and_audits_it(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let p = patients(store.as_ref(), c.clinic, 1).await[0];
    let before = offers(&store, &c, c.slot).await;
    // 9:00–12:00 in 30-minute slots, for the 4 days asked.
    assert_eq!(before.len(), 6 * 4);
    let first = &before[0];
    assert_eq!(first.starts_at, tokyo(2030, 1, 7, 9, 0));

    let a = store.book(booking(c.clinic, c.slot, c.doctor, first.starts_at, p)).await.expect("booked");
    assert_eq!(a.status, AppointmentStatus::Requested);
    assert_eq!((a.starts_at, a.ends_at), (tokyo(2030, 1, 7, 9, 0), tokyo(2030, 1, 7, 9, 30)));
    assert_eq!(a.service_date, chrono::NaiveDate::from_ymd_opt(2030, 1, 7).expect("date"));
    assert_eq!(a.hold_expires_at, Some(now() + Duration::minutes(60)));
    assert_eq!(a.queue_number, None);
    assert_eq!(store.appointment(c.clinic, a.id).await.expect("read"), Some(a.clone()));

    let after = offers(&store, &c, c.slot).await;
    assert_eq!(after.len(), before.len() - 1);
    assert!(after.iter().all(|o| o.starts_at != first.starts_at));

    let trail = store.audit_trail(c.clinic, a.id).await.expect("trail");
    assert_eq!(trail, vec![AuditEntry { appointment_id: a.id, actor: Actor::Patient(p), from: None, to: AppointmentStatus::Requested, at: now() }]);
}

async fn auto_confirm_menus_confirm_at_once(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let p = patients(store.as_ref(), c.clinic, 1).await[0];
    let o = offers(&store, &c, c.auto).await.remove(0);
    let a = store.book(booking(c.clinic, c.auto, c.doctor, o.starts_at, p)).await.expect("booked");
    assert_eq!((a.status, a.hold_expires_at), (AppointmentStatus::Confirmed, None));
    // The slot menu shares the doctor: its 9:00 is gone too.
    assert!(offers(&store, &c, c.slot).await.iter().all(|x| x.starts_at != o.starts_at));
}

/// Starts every booking at once and returns the results.
async fn race(store: &SharedStore, bookings: Vec<NewBooking>) -> Vec<Result<Appointment, StoreError>> {
    warm_up(store).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(bookings.len()));
    let tasks: Vec<_> = bookings
        .into_iter()
        .map(|b| {
            let store = store.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                store.book(b).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    results
}

/// Opens the pool's connections first, so the racers really run side by side instead of
/// queueing behind connection set-up.
async fn warm_up(store: &SharedStore) {
    let pings: Vec<_> = (0..20).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.ping().await })
    }).collect();
    for p in pings {
        p.await.expect("task").expect("ping");
    }
}

fn assert_only_no_longer_available(results: &[Result<Appointment, StoreError>]) {
    for r in results {
        if let Err(e) = r {
            assert!(matches!(e, StoreError::PlaceTaken), "unexpected error: {e:?}");
        }
    }
}

async fn fifty_patients_race_for_one_slot(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 50).await;
    let at = tokyo(2030, 1, 7, 10, 0);
    let results = race(&store, ps.iter().map(|&p| booking(c.clinic, c.slot, c.doctor, at, p)).collect()).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert_only_no_longer_available(&results);
    let held = store.holding_appointments(c.clinic, at - Duration::hours(1), at + Duration::hours(1)).await.expect("holding");
    assert_eq!(held.len(), 1);
    assert!(offers(&store, &c, c.slot).await.iter().all(|o| o.starts_at != at));
}

async fn fifty_patients_race_for_a_band_of_three(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 50).await;
    let at = tokyo(2030, 1, 8, 10, 0);
    let results = race(&store, ps.iter().map(|&p| booking(c.clinic, c.band, c.room, at, p)).collect()).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert_only_no_longer_available(&results);
    assert!(offers(&store, &c, c.band).await.iter().all(|o| o.starts_at != at));
}

async fn queue_places_are_numbered_once_under_a_race(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 12).await;
    let day = offers(&store, &c, c.queue).await.remove(0);
    assert_eq!((day.starts_at, day.ends_at, day.remaining), (tokyo(2030, 1, 7, 9, 0), tokyo(2030, 1, 7, 12, 0), 5));
    let results = race(&store, ps.iter().map(|&p| booking(c.clinic, c.queue, day.resource_id, day.starts_at, p)).collect()).await;
    assert_only_no_longer_available(&results);
    let numbers: BTreeSet<u32> = results.iter().filter_map(|r| r.as_ref().ok()).filter_map(|a| a.queue_number).collect();
    assert_eq!(numbers, (1..=5).collect());

    // A cancelled place frees room, but its number is never handed out again.
    let third = results.iter().filter_map(|r| r.as_ref().ok()).find(|a| a.queue_number == Some(3)).expect("place 3");
    store.transition(c.clinic, third.id, Transition::Confirm, Actor::System, now()).await.expect("confirm");
    store.transition(c.clinic, third.id, Transition::CancelByPatient, Actor::Patient(third.patient_id), now()).await.expect("cancel");
    let again = store.book(booking(c.clinic, c.queue, day.resource_id, day.starts_at, ps[11])).await.expect("free place");
    assert_eq!(again.queue_number, Some(6));
}

/// Two staff act on the same request at the same moment.
async fn staff_race(store: &SharedStore, c: &Clinic1, first: Transition, second: Transition) -> (Appointment, Vec<Result<Appointment, StoreError>>) {
    let p = patients(store.as_ref(), c.clinic, 1).await[0];
    let a = store.book(booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 11, 0), p)).await.expect("booked");
    warm_up(store).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let tasks: Vec<_> = [(first, StaffId(1)), (second, StaffId(2))]
        .into_iter()
        .map(|(t, staff)| {
            let (store, barrier, clinic) = (store.clone(), barrier.clone(), c.clinic);
            tokio::spawn(async move {
                barrier.wait().await;
                store.transition(clinic, a.id, t, Actor::Staff(staff), now()).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    (a, results)
}

async fn two_staff_race_to_approve_and_decline(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    for _ in 0..5 {
        // Clear the 11:00 slot between rounds by declining what is left.
        let (a, results) = staff_race(&store, &c, Transition::Confirm, Transition::Decline).await;
        let winners: Vec<&Appointment> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        let final_status = store.appointment(c.clinic, a.id).await.expect("read").expect("exists").status;
        assert_eq!(winners[0].status, final_status);
        let loser = results.iter().find_map(|r| r.as_ref().err()).expect("one loses");
        match loser {
            StoreError::StatusChanged { current } => assert_eq!(*current, final_status),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(store.audit_trail(c.clinic, a.id).await.expect("trail").len(), 2);
        if final_status == AppointmentStatus::Confirmed {
            store.transition(c.clinic, a.id, Transition::CancelByClinic, Actor::Staff(StaffId(1)), now()).await.expect("free the slot");
        }
    }
}

async fn two_staff_race_to_approve(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let (a, results) = staff_race(&store, &c, Transition::Confirm, Transition::Confirm).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results.iter().any(|r| matches!(r, Err(StoreError::StatusChanged { current: AppointmentStatus::Confirmed }))));
    let trail = store.audit_trail(c.clinic, a.id).await.expect("trail");
    assert_eq!(trail.iter().map(|e| e.to).collect::<Vec<_>>(), [AppointmentStatus::Requested, AppointmentStatus::Confirmed]);
}

async fn the_life_cycle_refuses_wrong_transitions(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let p = patients(store.as_ref(), c.clinic, 1).await[0];
    let at = tokyo(2030, 1, 7, 9, 30);
    let a = store.book(booking(c.clinic, c.slot, c.doctor, at, p)).await.expect("booked");
    for wrong in [Transition::Complete, Transition::MarkNoShow, Transition::CancelByPatient] {
        let e = store.transition(c.clinic, a.id, wrong, Actor::Staff(StaffId(1)), now()).await.expect_err("refused");
        assert!(matches!(e, StoreError::StatusChanged { current: AppointmentStatus::Requested }), "{wrong:?}: {e:?}");
    }
    let confirmed = store.transition(c.clinic, a.id, Transition::Confirm, Actor::Staff(StaffId(1)), now()).await.expect("confirm");
    assert_eq!(confirmed.status, AppointmentStatus::Confirmed);
    assert!(store.transition(c.clinic, a.id, Transition::Decline, Actor::Staff(StaffId(1)), now()).await.is_err());
    let later = now() + Duration::minutes(5);
    store.transition(c.clinic, a.id, Transition::CancelByPatient, Actor::Patient(p), later).await.expect("cancel");
    let trail = store.audit_trail(c.clinic, a.id).await.expect("trail");
    let steps: Vec<_> = trail.iter().map(|e| (e.actor, e.from, e.to, e.at)).collect();
    assert_eq!(
        steps,
        vec![
            (Actor::Patient(p), None, AppointmentStatus::Requested, now()),
            (Actor::Staff(StaffId(1)), Some(AppointmentStatus::Requested), AppointmentStatus::Confirmed, now()),
            (Actor::Patient(p), Some(AppointmentStatus::Confirmed), AppointmentStatus::CancelledByPatient, later),
        ]
    );
    // The cancelled place is free again.
    assert!(offers(&store, &c, c.slot).await.iter().any(|o| o.starts_at == at));
}

async fn an_expired_hold_frees_the_place_and_cannot_be_approved(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 2).await;
    let at = tokyo(2030, 1, 8, 9, 0);
    let a = store.book(booking(c.clinic, c.slot, c.doctor, at, ps[0])).await.expect("booked");
    let expiry = a.hold_expires_at.expect("a request holds its place for a while");
    let late = NewBooking { now: expiry, ..booking(c.clinic, c.slot, c.doctor, at, ps[1]) };
    let b = store.book(late).await.expect("the hold ran out, so the place is free");
    let e = store.transition(c.clinic, a.id, Transition::Confirm, Actor::Staff(StaffId(1)), expiry).await.expect_err("too late");
    assert!(matches!(e, StoreError::HoldExpired), "{e:?}");
    store.transition(c.clinic, a.id, Transition::Expire, Actor::System, expiry).await.expect("expire");
    assert_eq!(store.appointment(c.clinic, b.id).await.expect("read").map(|x| x.status), Some(AppointmentStatus::Requested));
}

async fn places_outside_the_rules_are_refused(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let p = patients(store.as_ref(), c.clinic, 1).await[0];
    let refused = [
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 10), p),  // not a start time
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 12, 0), p),  // after closing
        booking(c.clinic, c.slot, c.room, tokyo(2030, 1, 7, 9, 0), p),     // resource not on the menu
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 6, 9, 0), p),   // in the past
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 3, 1, 9, 0), p),   // past the horizon
    ];
    for b in refused {
        let e = store.book(b.clone()).await.expect_err("refused");
        assert!(matches!(e, StoreError::PlaceTaken), "{b:?}: {e:?}");
    }
    let e = store.book(booking(c.clinic, MenuId(9999), c.doctor, tokyo(2030, 1, 7, 9, 0), p)).await.expect_err("no menu");
    assert!(matches!(e, StoreError::NotFound));
}

async fn clinics_cannot_see_each_other(store: SharedStore) {
    let a = clinic(store.as_ref(), "a").await;
    let b = clinic(store.as_ref(), "b").await;
    let p = patients(store.as_ref(), a.clinic, 1).await[0];
    let appt = store.book(booking(a.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 9, 0), p)).await.expect("booked");
    assert_eq!(store.appointment(b.clinic, appt.id).await.expect("read"), None);
    assert!(store.audit_trail(b.clinic, appt.id).await.expect("trail").is_empty());
    let e = store.transition(b.clinic, appt.id, Transition::Decline, Actor::Staff(StaffId(9)), now()).await.expect_err("other clinic");
    assert!(matches!(e, StoreError::NotFound));
    // Booking clinic A's menu or resource in the name of clinic B fails too.
    assert!(store.book(booking(b.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 9, 30), p)).await.is_err());
    assert!(store.book(booking(b.clinic, b.slot, a.doctor, tokyo(2030, 1, 7, 9, 30), p)).await.is_err());
    assert_eq!(store.appointment(a.clinic, appt.id).await.expect("read").map(|x| x.status), Some(AppointmentStatus::Requested));
}

async fn broken_constraints_become_user_errors(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let dup = NewClinic { slug: "a".into(), name_ja: "x".into(), name_en: "x".into(), time_zone: TOKYO, open_on_holidays: false };
    match store.create_clinic(dup).await {
        Err(StoreError::SlugTaken) => {}
        other => panic!("expected a duplicate slug error, got {other:?}"),
    }
    let staff = |email: &str| NewStaff { clinic_id: c.clinic, email: email.into(), display_name: "受付".into(), role: StaffRole::Staff, password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into() };
    store.create_staff(staff("desk@example.jp")).await.expect("first");
    match store.create_staff(staff("Desk@Example.jp ")).await {
        Err(StoreError::EmailTaken) => {}
        other => panic!("expected a duplicate e-mail error, got {other:?}"),
    }
    let other = clinic(store.as_ref(), "b").await;
    let e = store.create_menu(support::menu(c.clinic, "x", app::booking::model::BookingMode::TimeSlot { seats: 1 }, 30, other.doctor)).await.expect_err("foreign resource");
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
}

async fn settings_read_back_as_written(store: SharedStore) {
    use app::booking::model::*;
    let c = clinic(store.as_ref(), "a").await;
    let clinic = store.clinic_by_slug("a").await.expect("read").expect("exists");
    assert_eq!((clinic.id, clinic.time_zone, clinic.open_on_holidays), (c.clinic, TOKYO, true));
    let menus = store.menus(c.clinic).await.expect("menus");
    assert_eq!(menus.iter().map(|m| m.name_en.as_str()).collect::<Vec<_>>(), ["slot", "band", "queue", "auto"]);
    assert_eq!(menus[1].mode, BookingMode::TimeBand { capacity: 3 });
    assert_eq!(menus[1].resource_ids, vec![c.room]);
    assert_eq!(menus[3].approval, Approval::AutoConfirm);
    assert_eq!(store.opening_hours(c.clinic).await.expect("hours").len(), 21);
    let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 9).expect("date");
    let t = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    store.add_exception(c.clinic, DateException { date: day, resource_id: None, kind: ExceptionKind::Closed }).await.expect("closure");
    store.add_exception(c.clinic, DateException { date: day, resource_id: Some(c.doctor), kind: ExceptionKind::ExtraHours { opens: t(13), closes: t(15) } }).await.expect("extra");
    let read = store.exceptions(c.clinic, day, day).await.expect("exceptions");
    assert_eq!(read.len(), 2);
    assert_eq!(read[1].kind, ExceptionKind::ExtraHours { opens: t(13), closes: t(15) });
    // The closure wins: nothing on 9 January.
    assert!(offers(&store, &c, c.slot).await.iter().all(|o| o.date != day));
}

async fn a_reschedule_replaces_the_old_visit_only_when_confirmed(store: SharedStore) {
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 2).await;
    let old = store.book(booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 0), ps[0])).await.expect("booked");
    // Only a confirmed visit can be rescheduled, and only by its own patient.
    let early = NewBooking { replaces: Some(old.id), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[0]) };
    assert!(matches!(store.book(early).await, Err(StoreError::StatusChanged { current: AppointmentStatus::Requested })));
    store.transition(c.clinic, old.id, Transition::Confirm, Actor::Staff(StaffId(1)), now()).await.expect("confirm");
    let stranger = NewBooking { replaces: Some(old.id), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[1]) };
    assert!(matches!(store.book(stranger).await, Err(StoreError::NotFound)));

    let new = store.book(NewBooking { replaces: Some(old.id), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[0]) }).await.expect("rebook");
    assert_eq!((new.status, new.replaces_id), (AppointmentStatus::Requested, Some(old.id)));
    let still = store.appointment(c.clinic, old.id).await.expect("read").expect("exists");
    assert_eq!(still.status, AppointmentStatus::Confirmed, "the old visit stands until the new one is confirmed");
    store.transition(c.clinic, new.id, Transition::Confirm, Actor::Staff(StaffId(1)), now()).await.expect("confirm new");
    let old_now = store.appointment(c.clinic, old.id).await.expect("read").expect("exists");
    assert_eq!(old_now.status, AppointmentStatus::CancelledByPatient);
    let trail = store.audit_trail(c.clinic, old.id).await.expect("trail");
    assert_eq!(trail.last().map(|e| (e.actor, e.to)), Some((Actor::Patient(ps[0]), AppointmentStatus::CancelledByPatient)));
    // Auto-confirmed menus replace at once.
    let auto = store.book(NewBooking { replaces: Some(new.id), ..booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 11, 0), ps[0]) }).await.expect("auto");
    assert_eq!(auto.status, AppointmentStatus::Confirmed);
    assert_eq!(store.appointment(c.clinic, new.id).await.expect("read").map(|a| a.status), Some(AppointmentStatus::CancelledByPatient));
    assert_eq!(store.appointment_by_reference(c.clinic, &auto.reference).await.expect("read"), Some(auto.clone()));
    assert_eq!(store.patient_appointments(c.clinic, ps[0]).await.expect("list").len(), 3);
}

async fn answers_sessions_and_line_patients(store: SharedStore) {
    use app::i18n::Lang;
    let c = clinic(store.as_ref(), "a").await;
    let q = store
        .add_question(Question { id: QuestionId(0), menu_id: c.slot, label_ja: "症状".into(), label_en: "Symptoms".into(), kind: QuestionKind::Text, choices_ja: vec![], choices_en: vec![], required: true })
        .await
        .expect("question");
    let choice = store
        .add_question(Question { id: QuestionId(0), menu_id: c.slot, label_ja: "保険証".into(), label_en: "Insurance card".into(), kind: QuestionKind::Choice, choices_ja: vec!["あり".into(), "なし".into()], choices_en: vec!["Yes".into(), "No".into()], required: false })
        .await
        .expect("question");
    let qs = store.questions(c.slot).await.expect("questions");
    assert_eq!(qs.iter().map(|q| q.id).collect::<Vec<_>>(), [q, choice]);
    assert_eq!(qs[1].choices_en, ["Yes", "No"]);

    let patient = store.line_patient(c.clinic, "U0123456789abcdef0123456789abcdef", Lang::En).await.expect("patient");
    let again = store.line_patient(c.clinic, "U0123456789abcdef0123456789abcdef", Lang::Ja).await.expect("same patient");
    assert_eq!((again.id, again.language), (patient.id, Lang::Ja));
    let details = PatientDetails { name: "山田 花子".into(), furigana: "ヤマダ ハナコ".into(), phone: "09012345678".into(), birth_date: chrono::NaiveDate::from_ymd_opt(1950, 4, 1) };
    store.save_patient_details(c.clinic, patient.id, details.clone()).await.expect("save");
    let read = store.patient(c.clinic, patient.id).await.expect("read").expect("exists");
    assert_eq!(read.details, details);

    let a = store
        .book(NewBooking { answers: vec![(q, "頭痛".into()), (choice, "あり".into())], ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 0), patient.id) })
        .await
        .expect("booked");
    assert_eq!(store.answers(c.clinic, a.id).await.expect("answers"), vec![(q, "頭痛".to_string()), (choice, "あり".to_string())]);

    store.create_patient_session(c.clinic, patient.id, "tok", now() + Duration::days(30), now()).await.expect("session");
    assert_eq!(store.patient_session("tok", now()).await.expect("read"), Some((c.clinic, patient.id)));
    assert_eq!(store.patient_session("tok", now() + Duration::days(31)).await.expect("read"), None);
    assert_eq!(store.patient_session("other", now()).await.expect("read"), None);
    store.end_patient_session("tok").await.expect("end");
    assert_eq!(store.patient_session("tok", now()).await.expect("read"), None);

    assert_eq!(store.line_settings(c.clinic).await.expect("read"), None);
    let line = LineSettings { liff_id: "1234567890-abcdefgh".into(), login_channel_id: "1234567890".into(), channel_secret: Some("s".into()), channel_access_token: None, add_friend_url: None };
    store.set_line_settings(c.clinic, Some(line.clone())).await.expect("set");
    assert_eq!(store.line_settings(c.clinic).await.expect("read"), Some(line));
    store.set_privacy_notice(c.clinic, "個人情報", "Privacy").await.expect("notice");
    assert_eq!(store.privacy_notice(c.clinic).await.expect("read"), ("個人情報".to_string(), "Privacy".to_string()));
}

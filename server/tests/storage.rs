//! The storage suite: every test runs on SQLite and on PostgreSQL, each on a fresh database.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use app::booking::hours::Interval;
use app::booking::ids::*;
use app::booking::model::{Approval, BookingMode, ExceptionKind};
use app::booking::status::{AppointmentStatus, VisitAction};
use app::error::{Missing, Reason};
use app::store::*;
use chrono::{Days, Duration};
use support::*;

support::on_both!(
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

async fn offers(store: &dyn Store, c: &Clinic1, menu: MenuId) -> Vec<app::booking::availability::Offer> {
    let mut db = read(store).await;
    let clinic = db.clinic(c.clinic).await.expect("read").expect("clinic");
    let menu = db.menus(c.clinic).await.expect("menus").into_iter().find(|m| m.id == menu).expect("menu");
    let today = now().with_timezone(&TOKYO).date_naive();
    actions::booking::availability(db.as_mut(), &clinic, &menu, today, today + Days::new(3), now()).await.expect("availability")
}

async fn appointment(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Option<Appointment> {
    read(store).await.appointment(clinic, id).await.expect("read")
}

async fn trail(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Vec<AuditEntry> {
    read(store).await.audit_trail(clinic, id).await.expect("trail")
}

/// Reception (staff member `staff` of `clinic`) approves request `id` at `at`.
async fn approve(store: &dyn Store, clinic: ClinicId, staff: StaffId, id: AppointmentId, at: chrono::DateTime<chrono::Utc>) -> Result<Appointment, Problem> {
    let clinic = clinic_row(store, clinic).await;
    in_tx!(store, |tx| actions::reception::approve(tx, desk(&clinic, staff, at), id).await)
}

async fn books_a_request_and_audits_it(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let p = patients(store, c.clinic, 1).await[0];
    let before = offers(store, &c, c.slot).await;
    // 9:00–12:00 in 30-minute slots, for the 4 days asked.
    assert_eq!(before.len(), 6 * 4);
    let first = &before[0];
    assert_eq!(first.starts_at, tokyo(2030, 1, 7, 9, 0));

    let a = book(store, &booking(c.clinic, c.slot, c.doctor, first.starts_at, p)).await.expect("booked");
    assert_eq!(a.status, AppointmentStatus::Requested);
    assert_eq!((a.starts_at, a.ends_at), (tokyo(2030, 1, 7, 9, 0), tokyo(2030, 1, 7, 9, 30)));
    assert_eq!(a.service_date, chrono::NaiveDate::from_ymd_opt(2030, 1, 7).expect("date"));
    assert_eq!(a.hold_expires_at, Some(now() + Duration::minutes(60)));
    assert_eq!(a.queue_number, None);
    assert_eq!(appointment(store, c.clinic, a.id).await, Some(a.clone()));

    let after = offers(store, &c, c.slot).await;
    assert_eq!(after.len(), before.len() - 1);
    assert!(after.iter().all(|o| o.starts_at != first.starts_at));

    let audit = trail(store, c.clinic, a.id).await;
    assert_eq!(audit, vec![AuditEntry { appointment_id: a.id, actor: Actor::Patient(p), from: None, to: AppointmentStatus::Requested, at: now() }]);
}

async fn auto_confirm_menus_confirm_at_once(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let p = patients(store, c.clinic, 1).await[0];
    let o = offers(store, &c, c.auto).await.remove(0);
    let a = book(store, &booking(c.clinic, c.auto, c.doctor, o.starts_at, p)).await.expect("booked");
    assert_eq!((a.status, a.hold_expires_at), (AppointmentStatus::Confirmed, None));
    // The slot menu shares the doctor: its 9:00 is gone too.
    assert!(offers(store, &c, c.slot).await.iter().all(|x| x.starts_at != o.starts_at));
}

/// Starts every booking at once, each in its own transaction, and returns the results.
async fn race(store: &SharedStore, bookings: Vec<Booking>) -> Vec<Result<Appointment, Problem>> {
    warm_up(store).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(bookings.len()));
    let tasks: Vec<_> = bookings
        .into_iter()
        .map(|b| {
            let store = store.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                book(store.as_ref(), &b).await
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
    let pings: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.ping().await })
        })
        .collect();
    for p in pings {
        p.await.expect("task").expect("ping");
    }
}

fn assert_only_place_taken(results: &[Result<Appointment, Problem>]) {
    for r in results {
        if let Err(e) = r {
            assert!(matches!(e, Problem::PlaceTaken), "unexpected error: {e:?}");
        }
    }
}

async fn fifty_patients_race_for_one_slot(db: &TestDb) {
    let store = &db.store;
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 50).await;
    let at = tokyo(2030, 1, 7, 10, 0);
    let results = race(store, ps.iter().map(|&p| booking(c.clinic, c.slot, c.doctor, at, p)).collect()).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert_only_place_taken(&results);
    let held = read(store.as_ref()).await.holding(c.clinic, &[c.doctor], at - Duration::hours(1), at + Duration::hours(1)).await.expect("holding");
    assert_eq!(held.len(), 1);
    // Another resource's capacity is not blocked by it, so it is not even loaded.
    let room = read(store.as_ref()).await.holding(c.clinic, &[c.room], at - Duration::hours(1), at + Duration::hours(1)).await.expect("holding");
    assert!(room.is_empty(), "{room:?}");
    assert!(offers(store.as_ref(), &c, c.slot).await.iter().all(|o| o.starts_at != at));
}

async fn fifty_patients_race_for_a_band_of_three(db: &TestDb) {
    let store = &db.store;
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 50).await;
    let at = tokyo(2030, 1, 8, 10, 0);
    let results = race(store, ps.iter().map(|&p| booking(c.clinic, c.band, c.room, at, p)).collect()).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert_only_place_taken(&results);
    assert!(offers(store.as_ref(), &c, c.band).await.iter().all(|o| o.starts_at != at));
}

async fn queue_places_are_numbered_once_under_a_race(db: &TestDb) {
    let store = &db.store;
    let c = clinic(store.as_ref(), "a").await;
    let ps = patients(store.as_ref(), c.clinic, 12).await;
    let day = offers(store.as_ref(), &c, c.queue).await.remove(0);
    assert_eq!((day.starts_at, day.ends_at, day.remaining), (tokyo(2030, 1, 7, 9, 0), tokyo(2030, 1, 7, 12, 0), 5));
    let results = race(store, ps.iter().map(|&p| booking(c.clinic, c.queue, day.resource_id, day.starts_at, p)).collect()).await;
    assert_only_place_taken(&results);
    let numbers: BTreeSet<u32> = results.iter().filter_map(|r| r.as_ref().ok()).filter_map(|a| a.queue_number).collect();
    assert_eq!(numbers, (1..=5).collect());

    // A cancelled place frees room, but its number is never handed out again. (The patient's
    // own cancellation is past the menu's cut-off at 8:00 for a 9:00 queue: the clinic cancels.)
    let third = results.iter().filter_map(|r| r.as_ref().ok()).find(|a| a.queue_number == Some(3)).expect("place 3");
    approve(store.as_ref(), c.clinic, StaffId(1), third.id, now()).await.expect("confirm");
    let clinic = clinic_row(store.as_ref(), c.clinic).await;
    let cancelled = in_tx!(store, |tx| actions::reception::visit(tx, desk(&clinic, StaffId(1), now()), third.id, VisitAction::CancelByClinic, None).await);
    assert_eq!(cancelled.expect("cancel").status, AppointmentStatus::CancelledByClinic);
    // (A patient who holds no place that day yet: one place of a menu a day per patient.)
    let newcomer = patients(store.as_ref(), c.clinic, 1).await[0];
    let again = book(store.as_ref(), &booking(c.clinic, c.queue, day.resource_id, day.starts_at, newcomer)).await.expect("free place");
    assert_eq!(again.queue_number, Some(6));
}

#[derive(Clone, Copy, Debug)]
enum Answer {
    Approve,
    Decline,
}

/// Two staff answer the same request at the same moment, each in their own transaction.
async fn staff_race(store: &SharedStore, c: &Clinic1, first: Answer, second: Answer) -> (Appointment, Vec<Result<Appointment, Problem>>) {
    let p = patients(store.as_ref(), c.clinic, 1).await[0];
    let a = book(store.as_ref(), &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 11, 0), p)).await.expect("booked");
    let clinic = clinic_row(store.as_ref(), c.clinic).await;
    warm_up(store).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let tasks: Vec<_> = [(first, StaffId(1)), (second, StaffId(2))]
        .into_iter()
        .map(|(answer, staff)| {
            let (store, barrier, clinic) = (store.clone(), barrier.clone(), clinic.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let desk = desk(&clinic, staff, now());
                in_tx!(store, |tx| match answer {
                    Answer::Approve => actions::reception::approve(tx, desk, a.id).await,
                    Answer::Decline => actions::reception::decline(tx, desk, a.id, "満席です").await,
                })
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    (a, results)
}

async fn two_staff_race_to_approve_and_decline(db: &TestDb) {
    let store = &db.store;
    let c = clinic(store.as_ref(), "a").await;
    let clinic = clinic_row(store.as_ref(), c.clinic).await;
    for _ in 0..5 {
        // Clear the 11:00 slot between rounds by cancelling what is left.
        let (a, results) = staff_race(store, &c, Answer::Approve, Answer::Decline).await;
        let winners: Vec<&Appointment> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        let final_status = appointment(store.as_ref(), c.clinic, a.id).await.expect("exists").status;
        assert_eq!(winners[0].status, final_status);
        let loser = results.iter().find_map(|r| r.as_ref().err()).expect("one loses");
        match loser {
            Problem::StatusChanged { current } => assert_eq!(*current, final_status),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(trail(store.as_ref(), c.clinic, a.id).await.len(), 2);
        if final_status == AppointmentStatus::Confirmed {
            let freed = in_tx!(store, |tx| actions::reception::visit(tx, desk(&clinic, StaffId(1), now()), a.id, VisitAction::CancelByClinic, None).await);
            freed.expect("free the slot");
        }
    }
}

async fn two_staff_race_to_approve(db: &TestDb) {
    let store = &db.store;
    let c = clinic(store.as_ref(), "a").await;
    let (a, results) = staff_race(store, &c, Answer::Approve, Answer::Approve).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results.iter().any(|r| matches!(r, Err(Problem::StatusChanged { current: AppointmentStatus::Confirmed }))), "{results:?}");
    let audit = trail(store.as_ref(), c.clinic, a.id).await;
    assert_eq!(audit.iter().map(|e| e.to).collect::<Vec<_>>(), [AppointmentStatus::Requested, AppointmentStatus::Confirmed]);
}

async fn the_life_cycle_refuses_wrong_transitions(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let p = patients(store, c.clinic, 1).await[0];
    let at = tokyo(2030, 1, 7, 9, 30);
    let a = book(store, &booking(c.clinic, c.slot, c.doctor, at, p)).await.expect("booked");
    let clinic = clinic_row(store, c.clinic).await;
    // A request cannot be completed or missed (even once its time has come), nor cancelled as a
    // visit by the patient.
    for wrong in [VisitAction::Completed, VisitAction::NoShow] {
        let e = in_tx!(store, |tx| actions::reception::visit(tx, desk(&clinic, StaffId(1), at), a.id, wrong, None).await).expect_err("refused");
        assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Requested }), "{wrong:?}: {e:?}");
    }
    let e = in_tx!(store, |tx| actions::booking::cancel(tx, c.clinic, p, a.id, now()).await).expect_err("refused");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Requested }), "cancel: {e:?}");
    let confirmed = approve(store, c.clinic, StaffId(1), a.id, now()).await.expect("confirm");
    assert_eq!(confirmed.status, AppointmentStatus::Confirmed);
    let e = in_tx!(store, |tx| actions::reception::decline(tx, desk(&clinic, StaffId(1), now()), a.id, "x").await).expect_err("refused");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Confirmed }), "decline: {e:?}");
    let e = in_tx!(store, |tx| actions::booking::withdraw(tx, c.clinic, p, a.id, now()).await).expect_err("refused");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Confirmed }), "withdraw: {e:?}");
    let later = now() + Duration::minutes(5);
    in_tx!(store, |tx| actions::booking::cancel(tx, c.clinic, p, a.id, later).await).expect("cancel");
    let steps: Vec<_> = trail(store, c.clinic, a.id).await.iter().map(|e| (e.actor, e.from, e.to, e.at)).collect();
    assert_eq!(
        steps,
        vec![
            (Actor::Patient(p), None, AppointmentStatus::Requested, now()),
            (Actor::Staff(StaffId(1)), Some(AppointmentStatus::Requested), AppointmentStatus::Confirmed, now()),
            (Actor::Patient(p), Some(AppointmentStatus::Confirmed), AppointmentStatus::CancelledByPatient, later),
        ]
    );
    // The cancelled place is free again.
    assert!(offers(store, &c, c.slot).await.iter().any(|o| o.starts_at == at));
}

async fn an_expired_hold_frees_the_place_and_cannot_be_approved(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let ps = patients(store, c.clinic, 2).await;
    let at = tokyo(2030, 1, 8, 9, 0);
    let a = book(store, &booking(c.clinic, c.slot, c.doctor, at, ps[0])).await.expect("booked");
    let expiry = a.hold_expires_at.expect("a request holds its place for a while");
    let late = Booking { now: expiry, ..booking(c.clinic, c.slot, c.doctor, at, ps[1]) };
    let b = book(store, &late).await.expect("the hold ran out, so the place is free");
    let e = approve(store, c.clinic, StaffId(1), a.id, expiry).await.expect_err("too late");
    assert!(matches!(e, Problem::HoldExpired), "{e:?}");
    assert_eq!(actions::notices::expire_lapsed(store, expiry).await.expect("expire"), [a.id]);
    assert_eq!(appointment(store, c.clinic, a.id).await.map(|x| x.status), Some(AppointmentStatus::Expired));
    assert_eq!(appointment(store, c.clinic, b.id).await.map(|x| x.status), Some(AppointmentStatus::Requested));
}

async fn places_outside_the_rules_are_refused(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let p = patients(store, c.clinic, 1).await[0];
    let refused = [
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 10), p), // not a start time
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 12, 0), p), // after closing
        booking(c.clinic, c.slot, c.room, tokyo(2030, 1, 7, 9, 0), p),    // resource not on the menu
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 6, 9, 0), p),  // in the past
        booking(c.clinic, c.slot, c.doctor, tokyo(2030, 3, 1, 9, 0), p),  // past the horizon
    ];
    for b in refused {
        let e = book(store, &b).await.expect_err("refused");
        assert!(matches!(e, Problem::PlaceTaken), "{b:?}: {e:?}");
    }
    let e = book(store, &booking(c.clinic, MenuId(9999), c.doctor, tokyo(2030, 1, 7, 9, 0), p)).await.expect_err("no menu");
    assert!(matches!(e, Problem::NotFound(Missing::Menu)), "{e:?}");
    assert!(read(store).await.appointments_of(c.clinic, &[p]).await.expect("read").is_empty(), "nothing was booked");
}

async fn clinics_cannot_see_each_other(db: &TestDb) {
    let store = db.store.as_ref();
    let a = clinic(store, "a").await;
    let b = clinic(store, "b").await;
    let p = patients(store, a.clinic, 1).await[0];
    let appt = book(store, &booking(a.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 9, 0), p)).await.expect("booked");
    assert_eq!(appointment(store, b.clinic, appt.id).await, None);
    assert!(trail(store, b.clinic, appt.id).await.is_empty());
    let b_clinic = clinic_row(store, b.clinic).await;
    let e = in_tx!(store, |tx| actions::reception::decline(tx, desk(&b_clinic, StaffId(9), now()), appt.id, "x").await).expect_err("other clinic");
    assert!(matches!(e, Problem::NotFound(Missing::Appointment)), "{e:?}");
    // Booking clinic A's menu or resource in the name of clinic B fails too.
    assert!(book(store, &booking(b.clinic, a.slot, a.doctor, tokyo(2030, 1, 7, 9, 30), p)).await.is_err());
    assert!(book(store, &booking(b.clinic, b.slot, a.doctor, tokyo(2030, 1, 7, 9, 30), p)).await.is_err());
    assert!(read(store).await.appointments_on(b.clinic, appt.service_date, appt.service_date).await.expect("read").is_empty());
    assert_eq!(appointment(store, a.clinic, appt.id).await.map(|x| x.status), Some(AppointmentStatus::Requested));
}

async fn broken_constraints_become_user_errors(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let dup = NewClinic { slug: "a".into(), name_ja: "x".into(), name_en: "x".into(), time_zone: TOKYO, open_on_holidays: false };
    match in_tx!(store, |tx| settings::create_clinic(tx, &dup, now()).await) {
        Err(Problem::SlugTaken) => {}
        other => panic!("expected a duplicate slug error, got {other:?}"),
    }
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    let clinic_id = c.clinic;
    let add =
        |email: &'static str| async move { in_tx!(store, |tx| settings::add_staff(tx, system(clinic_id), email, "受付", StaffRole::Staff, hash.into()).await) };
    add("desk@example.jp").await.expect("first");
    match add("Desk@Example.jp ").await {
        Err(Problem::EmailTaken) => {}
        other => panic!("expected a duplicate e-mail error, got {other:?}"),
    }
    // Another clinic's practitioner cannot be put on a menu: the settings say so, and storage
    // refuses it on its own too.
    let other = clinic(store, "b").await;
    let foreign = support::menu("x", BookingMode::TimeSlot { seats: 1 }, 30, other.doctor);
    let e = in_tx!(store, |tx| settings::save_menu(tx, system(c.clinic), None, &foreign).await).expect_err("foreign resource");
    match e {
        Problem::Invalid(fields) => {
            assert_eq!(fields.iter().map(|f| (f.field.as_str(), &f.reason)).collect::<Vec<_>>(), [("menu-resources", &Reason::NotTheClinics)]);
        }
        other => panic!("expected the menu's resources to be refused, got {other:?}"),
    }
    let e = in_tx!(store, |tx| Ok(tx.insert_menu(c.clinic, &foreign).await?)).expect_err("storage refuses it too");
    assert!(matches!(e, Problem::Internal(_)), "{e:?}");
    assert_eq!(read(store).await.menus(c.clinic).await.expect("menus").len(), 4, "no menu was added");
}

async fn settings_read_back_as_written(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let mut r = read(store).await;
    let clinic = r.clinic_by_slug("a").await.expect("read").expect("exists");
    assert_eq!((clinic.id, clinic.time_zone, clinic.open_on_holidays), (c.clinic, TOKYO, true));
    let menus = r.menus(c.clinic).await.expect("menus");
    assert_eq!(menus.iter().map(|m| m.name_en.as_str()).collect::<Vec<_>>(), ["slot", "band", "queue", "auto"]);
    assert_eq!(menus[1].mode, BookingMode::TimeBand { capacity: 3 });
    assert_eq!(menus[1].resource_ids, vec![c.room]);
    assert_eq!(menus[3].approval, Approval::AutoConfirm);
    assert_eq!(r.opening_hours(c.clinic).await.expect("hours").len(), 21);
    drop(r);
    let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 9).expect("date");
    let t = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let by = system(c.clinic);
    let closure = in_tx!(store, |tx| settings::add_exception(tx, by, day, None, None, settings::OnVisits::Refuse).await).expect("closure");
    let extra = Interval { opens: 13 * 60, closes: 15 * 60 };
    let extra = in_tx!(store, |tx| settings::add_exception(tx, by, day, Some(c.doctor), Some(extra), settings::OnVisits::Refuse).await).expect("extra");
    let exceptions = read(store).await.exceptions(c.clinic, day, day).await.expect("exceptions");
    assert_eq!(
        exceptions.iter().map(|e| (e.id, e.date, e.resource_id, e.kind)).collect::<Vec<_>>(),
        [(closure, day, None, ExceptionKind::Closed), (extra, day, Some(c.doctor), ExceptionKind::ExtraHours { opens: t(13), closes: t(15) })]
    );
    // The closure wins: nothing on 9 January.
    assert!(offers(store, &c, c.slot).await.iter().all(|o| o.date != day));
}

async fn a_reschedule_replaces_the_old_visit_only_when_confirmed(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let ps = patients(store, c.clinic, 2).await;
    let old = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 30), ps[0])).await.expect("booked");
    // Only a confirmed visit can be rescheduled, and only by its own patient.
    let early = Booking { replaces: Some(old.id), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[0]) };
    let e = book(store, &early).await.expect_err("not confirmed yet");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Requested }), "{e:?}");
    approve(store, c.clinic, StaffId(1), old.id, now()).await.expect("confirm");
    let stranger = Booking { replaces: Some(old.id), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[1]) };
    let e = book(store, &stranger).await.expect_err("someone else's visit");
    assert!(matches!(e, Problem::NotFound(Missing::Appointment)), "{e:?}");

    let rebook = Booking { replaces: Some(old.id), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), ps[0]) };
    // Inside the menu's cut-off (an hour) the visit no longer moves, as it no longer cancels.
    let late = Booking { now: tokyo(2030, 1, 7, 8, 45), ..rebook.clone() };
    let e = book(store, &late).await.expect_err("past the cut-off");
    assert!(matches!(e, Problem::PastCutOff { .. }), "{e:?}");
    let new = book(store, &rebook).await.expect("rebook");
    assert_eq!((new.status, new.replaces_id), (AppointmentStatus::Requested, Some(old.id)));
    let still = appointment(store, c.clinic, old.id).await.expect("exists");
    assert_eq!(still.status, AppointmentStatus::Confirmed, "the old visit stands until the new one is confirmed");
    approve(store, c.clinic, StaffId(1), new.id, now()).await.expect("confirm new");
    let old_now = appointment(store, c.clinic, old.id).await.expect("exists");
    assert_eq!(old_now.status, AppointmentStatus::CancelledByPatient);
    let audit = trail(store, c.clinic, old.id).await;
    assert_eq!(audit.last().map(|e| (e.actor, e.to)), Some((Actor::Patient(ps[0]), AppointmentStatus::CancelledByPatient)));
    // Auto-confirmed menus replace at once.
    let auto = Booking { replaces: Some(new.id), ..booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 11, 0), ps[0]) };
    let auto = book(store, &auto).await.expect("auto");
    assert_eq!(auto.status, AppointmentStatus::Confirmed);
    assert_eq!(appointment(store, c.clinic, new.id).await.map(|a| a.status), Some(AppointmentStatus::CancelledByPatient));
    let mut r = read(store).await;
    assert_eq!(r.appointment_by_reference(c.clinic, &auto.reference).await.expect("read"), Some(auto.clone()));
    assert_eq!(r.appointments_of(c.clinic, &[ps[0]]).await.expect("list").len(), 3);
}

async fn answers_sessions_and_line_patients(db: &TestDb) {
    use app::i18n::Lang;
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let by = system(c.clinic);
    let symptoms =
        QuestionSpec {
            label_ja: "症状".into(), label_en: "Symptoms".into(), kind: QuestionKind::Text, choices_ja: vec![], choices_en: vec![], required: true
        };
    let q = in_tx!(store, |tx| settings::save_question(tx, by, None, c.slot, &symptoms).await).expect("question");
    let card = QuestionSpec {
        label_ja: "保険証".into(),
        label_en: "Insurance card".into(),
        kind: QuestionKind::Choice,
        choices_ja: vec!["あり".into(), "なし".into()],
        choices_en: vec!["Yes".into(), "No".into()],
        required: false,
    };
    let choice = in_tx!(store, |tx| settings::save_question(tx, by, None, c.slot, &card).await).expect("question");
    let qs: Vec<Question> = read(store).await.questions(c.clinic).await.expect("questions").into_iter().filter(|q| q.menu_id == c.slot).collect();
    assert_eq!(qs.iter().map(|q| q.id).collect::<Vec<_>>(), [q, choice]);
    assert_eq!(qs[1].choices_en, ["Yes", "No"]);

    let user = "U0123456789abcdef0123456789abcdef";
    let patient = in_tx!(store, |tx| actions::patients::line_patient(tx, c.clinic, user, Lang::En, now()).await).expect("patient");
    let again = in_tx!(store, |tx| actions::patients::line_patient(tx, c.clinic, user, Lang::Ja, now()).await).expect("same patient");
    assert_eq!((again.id, again.language), (patient.id, Lang::Ja));
    let details = PatientDetails {
        name: "山田 花子".into(),
        furigana: "ヤマダ ハナコ".into(),
        phone: "09012345678".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1950, 4, 1),
    };
    in_tx!(store, |tx| actions::patients::save_details(tx, c.clinic, patient.id, &details).await).expect("save");
    let stored = read(store).await.patient(c.clinic, patient.id).await.expect("read").expect("exists");
    assert_eq!(stored.details, details);

    let answered =
        Booking { answers: vec![(q, "頭痛".into()), (choice, "あり".into())], ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 9, 0), patient.id) };
    let a = book(store, &answered).await.expect("booked");
    let answers = read(store).await.answers(c.clinic, &[a.id]).await.expect("answers");
    assert_eq!(answers, vec![(a.id, q, "頭痛".to_string()), (a.id, choice, "あり".to_string())]);

    in_tx!(store, |tx| Ok(tx.insert_patient_session("tok", c.clinic, patient.id, now() + Duration::days(30), now()).await?)).expect("session");
    let mut r = read(store).await;
    assert_eq!(r.patient_session("tok", now()).await.expect("read"), Some((c.clinic, patient.id)));
    assert_eq!(r.patient_session("tok", now() + Duration::days(31)).await.expect("read"), None);
    assert_eq!(r.patient_session("other", now()).await.expect("read"), None);
    in_tx!(store, |tx| Ok(tx.delete_patient_session("tok").await?)).expect("end");
    assert_eq!(r.patient_session("tok", now()).await.expect("read"), None);

    assert_eq!(r.line_settings(c.clinic).await.expect("read"), None);
    let line = LineSettings {
        liff_id: "1234567890-abcdefgh".into(),
        login_channel_id: "1234567890".into(),
        channel_secret: Some("s".into()),
        channel_access_token: None,
        add_friend_url: None,
    };
    in_tx!(store, |tx| settings::update_line(tx, by, Some(line.clone())).await).expect("set");
    assert_eq!(r.line_settings(c.clinic).await.expect("read"), Some(line));
    in_tx!(store, |tx| settings::save_privacy_notice(tx, by, "個人情報", "Privacy").await).expect("notice");
    assert_eq!(r.privacy_notice(c.clinic).await.expect("read"), ("個人情報".to_string(), "Privacy".to_string()));
}

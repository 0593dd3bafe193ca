//! The patient's own actions through `actions::booking`, on SQLite and on PostgreSQL, each test on
//! a fresh database: withdrawing a request, and the visits of a menu hidden after they were
//! booked (still cancellable, still reminded, while the menu takes no new bookings), and moving a
//! visit one request at a time.

mod support;

use app::booking::ids::*;
use app::booking::model::MenuSpec;
use app::booking::status::AppointmentStatus;
use app::error::Missing;
use app::i18n::Lang;
use app::notify::{Channel, DeliveryStatus, NoticeType};
use app::store::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use support::*;

support::on_both!(
    a_withdrawn_request_frees_its_place_and_leaves_the_inbox,
    only_a_patients_own_unanswered_request_can_be_withdrawn,
    a_hidden_menus_visits_can_be_cancelled_and_are_reminded,
    a_visit_is_moved_by_one_request_at_a_time,
);

async fn appointment(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Option<Appointment> {
    read(store).await.appointment(clinic, id).await.expect("read")
}

async fn withdraw(store: &dyn Store, clinic: ClinicId, patient: PatientId, id: AppointmentId, at: DateTime<Utc>) -> Result<Appointment, Problem> {
    in_tx!(store, |tx| actions::booking::withdraw(tx, clinic, patient, id, at).await)
}

async fn cancel(store: &dyn Store, clinic: ClinicId, patient: PatientId, id: AppointmentId, at: DateTime<Utc>) -> Result<Appointment, Problem> {
    in_tx!(store, |tx| actions::booking::cancel(tx, clinic, patient, id, at).await)
}

/// The staff inbox: requests waiting for the clinic.
async fn inbox(store: &dyn Store, clinic: ClinicId) -> (Vec<AppointmentId>, InboxVersion) {
    let mut db = read(store).await;
    let waiting = db.requests(clinic, false, Page::ALL).await.expect("requests").into_iter().map(|a| a.id).collect();
    (waiting, db.inbox_version(clinic).await.expect("version"))
}

async fn notices(store: &dyn Store, clinic: ClinicId, id: AppointmentId) -> Vec<NotificationRecord> {
    read(store).await.notifications(clinic, &[id]).await.expect("notifications")
}

async fn a_withdrawn_request_frees_its_place_and_leaves_the_inbox(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    connect_line(store, c.clinic, test_line_settings()).await;
    let first = line_patient(store, c.clinic, "U00000000000000000000000000000001").await.id;
    let second = line_patient(store, c.clinic, "U00000000000000000000000000000002").await.id;
    let at = tokyo(2030, 1, 7, 10, 0);
    let request = book(store, &booking(c.clinic, c.slot, c.doctor, at, first)).await.expect("booked");
    assert_eq!(request.status, AppointmentStatus::Requested);
    let (waiting, before) = inbox(store, c.clinic).await;
    assert_eq!((waiting, before.pending), (vec![request.id], 1));
    // One seat: while the request holds it, nobody else gets it.
    let e = book(store, &booking(c.clinic, c.slot, c.doctor, at, second)).await.expect_err("held");
    assert!(matches!(e, Problem::PlaceTaken), "{e:?}");

    let later = now() + Duration::minutes(5);
    let withdrawn = withdraw(store, c.clinic, first, request.id, later).await.expect("withdrawn");
    assert_eq!(withdrawn.status, AppointmentStatus::CancelledByPatient);
    assert_eq!(appointment(store, c.clinic, request.id).await, Some(withdrawn));
    let audit = read(store).await.audit_trail(c.clinic, request.id).await.expect("trail");
    let last = audit.last().map(|e| (e.actor, e.from, e.to, e.at));
    assert_eq!(last, Some((Actor::Patient(first), Some(AppointmentStatus::Requested), AppointmentStatus::CancelledByPatient, later)));
    // Out of the inbox, and the console's live view sees a change.
    let (waiting, after) = inbox(store, c.clinic).await;
    assert_eq!((waiting, after.pending), (vec![], 0));
    assert!(after.last_change > before.last_change, "{before:?} → {after:?}");
    // The patient did it themself: no notice about it.
    assert!(notices(store, c.clinic, request.id).await.is_empty());

    // The place is free again: another patient books the same slot.
    let taken = Booking { now: later, ..booking(c.clinic, c.slot, c.doctor, at, second) };
    let other = book(store, &taken).await.expect("the place is free again");
    assert_eq!((other.status, other.starts_at, other.patient_id), (AppointmentStatus::Requested, at, second));
    assert_eq!(inbox(store, c.clinic).await.0, [other.id]);
    // Withdrawn is final.
    let e = withdraw(store, c.clinic, first, request.id, later).await.expect_err("already withdrawn");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::CancelledByPatient }), "{e:?}");
}

async fn only_a_patients_own_unanswered_request_can_be_withdrawn(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let other_clinic = clinic(store, "b").await;
    let ps = patients(store, c.clinic, 2).await;
    let (owner, stranger) = (ps[0], ps[1]);
    let request = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), owner)).await.expect("booked");
    let visit = book(store, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 7, 11, 0), owner)).await.expect("booked");
    assert_eq!(visit.status, AppointmentStatus::Confirmed);

    // Another patient who knows the reference finds nothing to withdraw.
    let found = read(store).await.appointment_by_reference(c.clinic, &request.reference).await.expect("read").expect("request");
    let e = withdraw(store, c.clinic, stranger, found.id, now()).await.expect_err("someone else's");
    assert!(matches!(e, Problem::NotFound(Missing::Appointment)), "{e:?}");
    // Nor does the owner through another clinic.
    let e = withdraw(store, other_clinic.clinic, owner, request.id, now()).await.expect_err("another clinic");
    assert!(matches!(e, Problem::NotFound(Missing::Appointment)), "{e:?}");
    // A confirmed visit is cancelled (inside its cut-off), not withdrawn.
    let e = withdraw(store, c.clinic, owner, visit.id, now()).await.expect_err("confirmed");
    assert!(matches!(e, Problem::StatusChanged { current: AppointmentStatus::Confirmed }), "{e:?}");

    for (id, before) in [(request.id, &request), (visit.id, &visit)] {
        assert_eq!(appointment(store, c.clinic, id).await.as_ref(), Some(before), "unchanged");
        assert_eq!(read(store).await.audit_trail(c.clinic, id).await.expect("trail").len(), 1);
    }
    assert_eq!(inbox(store, c.clinic).await.0, [request.id]);
}

async fn a_hidden_menus_visits_can_be_cancelled_and_are_reminded(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    connect_line(store, c.clinic, test_line_settings()).await;
    let user = "U00000000000000000000000000000003";
    let patient = line_patient(store, c.clinic, user).await.id;
    let by = system(c.clinic);
    in_tx!(store, |tx| settings::set_options(tx, by, ClinicOptions { open_on_holidays: true, reminder_hour: 17, booking_limit: 3 }).await).expect("options");
    // Tomorrow at 11:00, confirmed at once.
    let at = tokyo(2030, 1, 8, 11, 0);
    let tomorrow = NaiveDate::from_ymd_opt(2030, 1, 8).expect("date");
    let visit = book(store, &booking(c.clinic, c.auto, c.doctor, at, patient)).await.expect("booked");
    assert_eq!(visit.status, AppointmentStatus::Confirmed);

    // The owner hides the menu.
    let menus = read(store).await.menus(c.clinic).await.expect("menus");
    let shown = menus.iter().find(|m| m.id == c.auto).expect("the menu").spec.clone();
    let hidden = MenuSpec { active: false, ..shown };
    in_tx!(store, |tx| settings::save_menu(tx, by, Some(c.auto), &hidden).await).expect("hidden");
    let menus = read(store).await.menus(c.clinic).await.expect("menus");
    assert_eq!(menus.iter().find(|m| m.id == c.auto).map(|m| m.active), Some(false), "hidden, not gone");

    // It takes no new bookings, from patients or from reception.
    let newcomer = patients(store, c.clinic, 1).await[0];
    let e = book(store, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 8, 10, 0), newcomer)).await.expect_err("hidden");
    assert!(matches!(e, Problem::NotFound(Missing::Menu)), "{e:?}");
    let clinic = clinic_row(store, c.clinic).await;
    let details = PatientDetails { name: "電話 太郎".into(), furigana: "デンワ タロウ".into(), phone: "0312345678".into(), birth_date: None };
    let e = in_tx!(store, |tx| {
        actions::reception::book_by_phone(tx, desk(&clinic, StaffId(1), now()), c.auto, c.doctor, tokyo(2030, 1, 8, 10, 0), details, Lang::Ja).await
    })
    .expect_err("hidden");
    assert!(matches!(e, Problem::NotFound(Missing::Menu)), "{e:?}");
    let booked = read(store).await.appointments_on(c.clinic, tomorrow, tomorrow).await.expect("read");
    assert_eq!(booked.iter().map(|a| a.id).collect::<Vec<_>>(), [visit.id], "nothing else was booked");

    // Its visit is still reminded, once, from the clinic's reminder hour the day before.
    assert_eq!(actions::notices::queue_reminders(store, tokyo(2030, 1, 7, 16, 59)).await.expect("reminders"), 0, "not yet");
    assert_eq!(actions::notices::queue_reminders(store, tokyo(2030, 1, 7, 17, 0)).await.expect("reminders"), 1);
    assert_eq!(actions::notices::queue_reminders(store, tokyo(2030, 1, 7, 17, 30)).await.expect("reminders"), 0, "once");
    let reminders: Vec<_> = notices(store, c.clinic, visit.id).await.into_iter().filter(|n| n.notice == NoticeType::Reminder).collect();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    let reminder = &reminders[0];
    assert_eq!((reminder.channel, reminder.recipient.as_str(), reminder.status), (Channel::Line, user, DeliveryStatus::Queued));
    assert!(reminder.payload.contains(&visit.reference), "the reminder links to the visit: {}", reminder.payload);

    // Its patient may still cancel it under the menu's rules: not past the cut-off…
    let e = cancel(store, c.clinic, patient, visit.id, tokyo(2030, 1, 8, 10, 30)).await.expect_err("past the cut-off");
    match e {
        Problem::PastCutOff { deadline, .. } => assert_eq!(deadline, at - Duration::minutes(60)),
        other => panic!("expected the cut-off, got {other:?}"),
    }
    // …but inside it.
    let cancelled = cancel(store, c.clinic, patient, visit.id, tokyo(2030, 1, 7, 17, 5)).await.expect("cancelled");
    assert_eq!(cancelled.status, AppointmentStatus::CancelledByPatient);
    assert_eq!(appointment(store, c.clinic, visit.id).await.map(|a| a.status), Some(AppointmentStatus::CancelledByPatient));
    let kinds: Vec<NoticeType> = notices(store, c.clinic, visit.id).await.into_iter().map(|n| n.notice).collect();
    assert_eq!(kinds, [NoticeType::Confirmed, NoticeType::Reminder, NoticeType::CancelledByPatient], "the receipt names the hidden menu's visit");
    let held = read(store).await.holding(c.clinic, &[c.doctor, c.room], at - Duration::hours(3), at + Duration::hours(3)).await.expect("holding");
    assert!(held.is_empty(), "the place is free: {held:?}");
}

/// A visit being moved (a reschedule request waiting for the clinic) is not moved a second time:
/// two approved moves would leave the patient with two visits. Once the first request is answered
/// or withdrawn, the visit can be moved again.
async fn a_visit_is_moved_by_one_request_at_a_time(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let patient = patients(store, c.clinic, 1).await[0];
    let row = clinic_row(store, c.clinic).await;
    let visit = book(store, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 7, 10, 0), patient)).await.expect("booked");
    in_tx!(store, |tx| actions::reception::approve(tx, desk(&row, StaffId(1), now()), visit.id).await).expect("confirmed");
    let moving = |day| Booking { replaces: Some(visit.id), ..booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, day, 9, 0), patient) };
    let first = book(store, &moving(9)).await.expect("the first move");
    assert_eq!((first.status, first.replaces_id), (AppointmentStatus::Requested, Some(visit.id)));
    let again = book(store, &moving(10)).await.expect_err("a second move");
    assert!(matches!(again, Problem::AlreadyMoving), "{again:?}");
    // Nothing was booked by the refused one.
    let theirs = read(store).await.appointments_of(c.clinic, &[patient]).await.expect("read");
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    // Withdrawn, the first move frees the visit to be moved again.
    withdraw(store, c.clinic, patient, first.id, now()).await.expect("withdrawn");
    let second = book(store, &moving(10)).await.expect("moved again");
    assert_eq!(second.replaces_id, Some(visit.id));
}

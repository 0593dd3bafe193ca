//! The live day queue, on SQLite and PostgreSQL: reception calls by number, skips, recalls and
//! marks absent, every step audited; the near-turn notice goes once per visit however the queue
//! jumps and however many receptionists press at once; patients check in on the day only; the
//! board shows numbers, never names.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use app::actions::queue::{self, QueueKey};
use app::booking::ids::*;
use app::booking::model::{Clinic, MenuSpec};
use app::booking::queue::QueueAction;
use app::booking::status::AppointmentStatus;
use app::error::Problem;
use app::notify::NoticeType;
use app::store::*;
use chrono::{DateTime, Utc};
use support::*;

support::on_both!(
    reception_calls_by_number_and_every_step_is_audited,
    the_near_turn_notice_goes_once_per_visit_even_when_the_queue_jumps,
    a_place_cancelled_ahead_brings_the_next_near,
    closing_the_running_day_tells_nobody_to_come,
    receptionists_pressing_at_once_call_each_place_once,
    patients_check_in_on_the_day_only,
    the_board_shows_numbers_and_the_pace,
);

/// During the queue's day (the test clinic's queue opens 9:00–12:00 on 2030-01-07).
fn at(h: u32, m: u32) -> DateTime<Utc> {
    tokyo(2030, 1, 7, h, m)
}

struct Queue {
    clinic: Clinic,
    key: QueueKey,
    /// By number: 1, 2, …
    places: Vec<Appointment>,
}

/// `n` confirmed places of the test clinic's day queue on 2030-01-07, told their turn is near
/// when `near_turn` are still before them.
async fn queue_of(store: &dyn Store, n: usize, near_turn: u32) -> Queue {
    let c = clinic(store, "q").await;
    connect_line(store, c.clinic, test_line_settings()).await;
    let menu = read(store).await.menus(c.clinic).await.expect("menus").into_iter().find(|m| m.id == c.queue).expect("queue menu");
    let spec = MenuSpec { near_turn, ..menu.spec.clone() };
    in_tx!(store, |tx| app::actions::settings::save_menu(tx, system(c.clinic), Some(c.queue), &spec).await).expect("menu");
    let resource = menu.resource_ids[0];
    let clinic = clinic_row(store, c.clinic).await;
    let mut places = Vec::new();
    for p in patients(store, c.clinic, n).await {
        let booked = book(store, &booking(c.clinic, c.queue, resource, at(9, 0), p)).await.expect("a place");
        let confirmed = in_tx!(store, |tx| app::actions::reception::approve(tx, desk(&clinic, StaffId(1), now()), booked.id).await).expect("confirm");
        places.push(confirmed);
    }
    places.sort_by_key(|a| a.queue_number);
    Queue { clinic, key: QueueKey { resource, menu: c.queue }, places }
}

/// Presses `action` on a page that shows the queue as it is.
async fn press(store: &dyn Store, q: &Queue, staff: StaffId, action: QueueAction, now: DateTime<Utc>) -> Result<app::booking::queue::Line, Problem> {
    let (line, _) = queue::places(read(store).await.as_mut(), &q.clinic, q.key, now).await.expect("the queue");
    press_shown(store, q, staff, action, line.calling().map(|v| v.id), now).await
}

/// Presses `action` on a page that showed `shown` being called.
async fn press_shown(
    store: &dyn Store,
    q: &Queue,
    staff: StaffId,
    action: QueueAction,
    shown: Option<AppointmentId>,
    now: DateTime<Utc>,
) -> Result<app::booking::queue::Line, Problem> {
    in_tx!(store, |tx| queue::press(tx, desk(&q.clinic, staff, now), q.key, action, shown).await)
}

async fn status(store: &dyn Store, q: &Queue, n: usize) -> AppointmentStatus {
    read(store).await.appointment(q.clinic.id, q.places[n - 1].id).await.expect("read").expect("place").status
}

async fn steps(store: &dyn Store, q: &Queue, n: usize) -> Vec<(QueueStep, Actor)> {
    read(store).await.queue_trail(q.clinic.id, q.places[n - 1].id).await.expect("trail").into_iter().map(|e| (e.step, e.actor)).collect()
}

/// How many near-turn notices each number has, by number.
async fn near_turn_notices(store: &dyn Store, q: &Queue) -> BTreeMap<u32, usize> {
    let ids: Vec<AppointmentId> = q.places.iter().map(|a| a.id).collect();
    let notices = read(store).await.notifications(q.clinic.id, &ids).await.expect("notices");
    q.places
        .iter()
        .map(|a| (a.queue_number.expect("number"), notices.iter().filter(|n| n.appointment_id == Some(a.id) && n.notice == NoticeType::NearTurn).count()))
        .filter(|(_, count)| *count > 0)
        .collect()
}

fn calling(line: &app::booking::queue::Line) -> Option<u32> {
    line.calling().map(|v| v.number)
}

async fn reception_calls_by_number_and_every_step_is_audited(db: &TestDb) {
    let store = db.store.as_ref();
    let q = queue_of(store, 4, 0).await;
    let (desk1, desk2) = (StaffId(1), StaffId(2));
    let line = press(store, &q, desk1, QueueAction::Next, at(9, 0)).await.expect("call 1");
    assert_eq!(calling(&line), Some(1));
    let line = press(store, &q, desk2, QueueAction::Next, at(9, 6)).await.expect("call 2");
    assert_eq!(calling(&line), Some(2));
    assert_eq!(status(store, &q, 1).await, AppointmentStatus::Completed, "calling the next ends the turn before");
    // 2 does not answer: aside; 3 is called.
    let line = press(store, &q, desk1, QueueAction::Skip, at(9, 8)).await.expect("skip 2");
    assert_eq!((calling(&line), line.skipped().map(|v| v.number).collect::<Vec<_>>()), (Some(3), vec![2]));
    assert_eq!(status(store, &q, 2).await, AppointmentStatus::Confirmed, "a skipped patient keeps their visit");
    // The wrong buttons for the queue as it is now are refused, and change nothing.
    let refused = press(store, &q, desk1, QueueAction::Recall(q.places[3].id), at(9, 9)).await;
    assert!(matches!(refused, Err(Problem::Queue(app::booking::queue::QueueRefusal::NotSkipped))), "{refused:?}");
    // 2 is back: recalled (3's turn is over).
    let line = press(store, &q, desk2, QueueAction::Recall(q.places[1].id), at(9, 12)).await.expect("recall 2");
    assert_eq!(calling(&line), Some(2));
    assert_eq!(status(store, &q, 3).await, AppointmentStatus::Completed);
    // 2 does not answer again, 4 is called, and 2 is marked absent.
    press(store, &q, desk1, QueueAction::Skip, at(9, 14)).await.expect("skip 2 again");
    let line = press(store, &q, desk1, QueueAction::Absent(q.places[1].id), at(9, 20)).await.expect("2 absent");
    assert_eq!((calling(&line), line.skipped().count()), (Some(4), 0));
    assert_eq!(status(store, &q, 2).await, AppointmentStatus::NoShow);
    press(store, &q, desk1, QueueAction::Next, at(9, 25)).await.expect("4's turn ends");
    let empty = press(store, &q, desk1, QueueAction::Next, at(9, 30)).await;
    assert!(matches!(empty, Err(Problem::Queue(app::booking::queue::QueueRefusal::NobodyWaiting))), "{empty:?}");

    use QueueStep::*;
    let (s1, s2) = (Actor::Staff(desk1), Actor::Staff(desk2));
    assert_eq!(steps(store, &q, 1).await, [(Called, s1), (Completed, s2)]);
    assert_eq!(steps(store, &q, 2).await, [(Called, s2), (Skipped, s1), (Called, s2), (Skipped, s1), (Absent, s1)]);
    assert_eq!(steps(store, &q, 3).await, [(Called, s1), (Completed, s2)]);
    assert_eq!(steps(store, &q, 4).await, [(Called, s1), (Completed, s1)]);
    // The status changes are in the appointment's own audit too, by the receptionist.
    let trail = read(store).await.audit_trail(q.clinic.id, q.places[1].id).await.expect("trail");
    assert_eq!(trail.last().map(|e| (e.actor, e.to)), Some((s1, AppointmentStatus::NoShow)));
}

async fn the_near_turn_notice_goes_once_per_visit_even_when_the_queue_jumps(db: &TestDb) {
    let store = db.store.as_ref();
    let q = queue_of(store, 5, 1).await;
    let staff = StaffId(1);
    press(store, &q, staff, QueueAction::Next, at(9, 0)).await.expect("call 1");
    // 2 is next and 3 has one before them: both are told.
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1), (3, 1)]));
    press(store, &q, staff, QueueAction::Next, at(9, 5)).await.expect("call 2");
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1), (3, 1), (4, 1)]), "2 and 3 are not told twice");
    // 2 is skipped and recalled, 3 and 4 jump ahead and back: nobody is told again.
    press(store, &q, staff, QueueAction::Skip, at(9, 6)).await.expect("skip 2");
    press(store, &q, staff, QueueAction::Recall(q.places[1].id), at(9, 7)).await.expect("recall 2");
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1), (3, 1), (4, 1), (5, 1)]));
    for minute in 10..13 {
        press(store, &q, staff, QueueAction::Next, at(9, minute)).await.expect("next");
    }
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1), (3, 1), (4, 1), (5, 1)]), "exactly once each");

    // What the patient reads, in their language, with their place.
    let notices = read(store).await.notifications(q.clinic.id, &[q.places[2].id]).await.expect("notices");
    let told = notices.iter().find(|n| n.notice == NoticeType::NearTurn).expect("3's notice");
    assert!(told.payload.contains("まもなく順番です") && told.payload.contains("あと1人でお呼びします"), "{}", told.payload);
}

async fn a_place_cancelled_ahead_brings_the_next_near(db: &TestDb) {
    let store = db.store.as_ref();
    let q = queue_of(store, 5, 1).await;
    let cancel = |n: usize, at: DateTime<Utc>| {
        let id = q.places[n - 1].id;
        let clinic = &q.clinic;
        async move {
            let by_clinic = app::booking::status::VisitAction::CancelByClinic;
            in_tx!(store, |tx| app::actions::reception::visit(tx, desk(clinic, StaffId(1), at), id, by_clinic, Some("本日は中止です")).await)
                .expect("cancelled")
        }
    };
    // Before the first call a cancellation tells nobody: there is no turn to be near yet.
    cancel(5, at(8, 30)).await;
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::new());
    press(store, &q, StaffId(1), QueueAction::Next, at(9, 0)).await.expect("call 1");
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1), (3, 1)]));
    // 3 is cancelled while 1 is seen: 4 now has one before them, and is told at once.
    cancel(3, at(9, 6)).await;
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1), (3, 1), (4, 1)]));
    let notices = read(store).await.notifications(q.clinic.id, &[q.places[3].id]).await.expect("notices");
    let told = notices.iter().find(|n| n.notice == NoticeType::NearTurn).expect("4's notice");
    assert!(told.payload.contains("あと1人でお呼びします"), "{}", told.payload);
}

async fn closing_the_running_day_tells_nobody_to_come(db: &TestDb) {
    let store = db.store.as_ref();
    let q = queue_of(store, 5, 0).await;
    press(store, &q, StaffId(1), QueueAction::Next, at(9, 0)).await.expect("call 1");
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1)]));
    // The doctor falls ill: the rest of the day is cancelled. Each cancellation brings the next
    // one up, but they are all cancelled: nobody is first told to come in.
    let by = Editor { clinic: q.clinic.id, actor: Actor::System, now: at(9, 10) };
    let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 7).expect("date");
    let on_visits = app::actions::settings::OnVisits::CancelWith("本日は休診となりました".into());
    in_tx!(store, |tx| app::actions::settings::add_exception(tx, by, day, None, None, on_visits.clone()).await).expect("closed");
    for n in 1..=5 {
        assert_eq!(status(store, &q, n).await, AppointmentStatus::CancelledByClinic);
    }
    assert_eq!(near_turn_notices(store, &q).await, BTreeMap::from([(2, 1)]));
}

async fn receptionists_pressing_at_once_call_each_place_once(db: &TestDb) {
    let store = db.store.clone();
    let q = Arc::new(queue_of(store.as_ref(), 5, 2).await);
    // Eight presses of 「次の方」 at the same moment from two desks, each on a page showing
    // nobody called: one calls 1; the others are behind by then and are refused (a second
    // would end 1's turn the moment it began).
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, q, barrier) = (store.clone(), q.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                press_shown(store.as_ref(), &q, StaffId(1 + i % 2), QueueAction::Next, None, at(9, 30)).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    for r in &results {
        if let Err(e) = r {
            assert!(matches!(e, Problem::Queue(app::booking::queue::QueueRefusal::Moved)), "unexpected: {e:?}");
        }
    }
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert_eq!(status(store.as_ref(), &q, 1).await, AppointmentStatus::Confirmed, "1 is being called, not seen");
    // Then the desks go on with pages up to date, each press after the other's.
    for minute in 31u32..36 {
        press(store.as_ref(), &q, StaffId(1 + i64::from(minute % 2)), QueueAction::Next, at(9, minute)).await.expect("next");
    }
    for n in 1..=5 {
        let called = steps(store.as_ref(), &q, n).await.into_iter().filter(|(s, _)| *s == QueueStep::Called).count();
        assert_eq!(called, 1, "place {n} is called exactly once");
        assert_eq!(status(store.as_ref(), &q, n).await, AppointmentStatus::Completed);
    }
    assert_eq!(near_turn_notices(store.as_ref(), &q).await, (2..=5).map(|n| (n, 1)).collect(), "each told once, whoever pressed");
}

async fn patients_check_in_on_the_day_only(db: &TestDb) {
    let store = db.store.as_ref();
    let q = queue_of(store, 2, 3).await;
    let first = &q.places[0];
    let the_day_before = tokyo(2030, 1, 6, 18, 0);
    let early = in_tx!(store, |tx| queue::check_in(tx, &q.clinic, first.patient_id, first.id, the_day_before).await);
    assert!(matches!(early, Err(Problem::NotToday)), "{early:?}");
    let someone_else = in_tx!(store, |tx| queue::check_in(tx, &q.clinic, q.places[1].patient_id, first.id, at(8, 50)).await);
    assert!(matches!(someone_else, Err(Problem::NotFound(_))), "{someone_else:?}");

    let here = in_tx!(store, |tx| queue::check_in(tx, &q.clinic, first.patient_id, first.id, at(8, 50)).await).expect("checked in");
    assert_eq!(here.arrived_at, Some(at(8, 50)));
    in_tx!(store, |tx| queue::check_in(tx, &q.clinic, first.patient_id, first.id, at(8, 55)).await).expect("a second tap is fine");
    assert_eq!(steps(store, &q, 1).await, [(QueueStep::Arrived, Actor::Patient(first.patient_id))], "the first check-in counts");
    let stored = read(store).await.appointment(q.clinic.id, first.id).await.expect("read").expect("visit");
    assert_eq!(stored.arrived_at, Some(at(8, 50)));

    // Reception sees who is here; once seen, a visit cannot be checked in.
    let board = queue::board(read(store).await.as_mut(), &q.clinic, at(8, 56)).await.expect("board");
    assert_eq!(board.queue(q.key.resource, q.key.menu).expect("the queue").arrived, vec![1]);
    press(store, &q, StaffId(1), QueueAction::Next, at(9, 0)).await.expect("call 1");
    press(store, &q, StaffId(1), QueueAction::Next, at(9, 5)).await.expect("1 is done");
    let done = in_tx!(store, |tx| queue::check_in(tx, &q.clinic, first.patient_id, first.id, at(9, 6)).await);
    assert!(matches!(done, Err(Problem::StatusChanged { current: AppointmentStatus::Completed })), "{done:?}");
}

async fn the_board_shows_numbers_and_the_pace(db: &TestDb) {
    let store = db.store.as_ref();
    let q = queue_of(store, 4, 3).await;
    let clinic = &q.clinic;
    let board = |now| async move { queue::board(read(store).await.as_mut(), clinic, now).await.expect("board") };
    let before = board(at(8, 55)).await;
    let line = before.queue(q.key.resource, q.key.menu).expect("the day's queue");
    assert_eq!((line.calling, line.waiting.clone(), line.pace_minutes, line.measured), (None, vec![1, 2, 3, 4], 10, false), "the menu's 10 minutes");
    assert_eq!(line.menu_name_ja, "queue");
    press(store, &q, StaffId(1), QueueAction::Next, at(9, 0)).await.expect("1");
    press(store, &q, StaffId(1), QueueAction::Next, at(9, 4)).await.expect("2");
    press(store, &q, StaffId(1), QueueAction::Skip, at(9, 8)).await.expect("2 aside, 3");
    let during = board(at(9, 9)).await;
    let line = during.queue(q.key.resource, q.key.menu).expect("the day's queue");
    assert_eq!((line.calling, line.waiting.clone(), line.skipped.clone()), (Some(3), vec![4], vec![2]));
    assert_eq!((line.pace_minutes, line.measured), (4, true), "three calls over eight minutes");
    assert_eq!(line.place(4), app::booking::board::Place::Waiting { ahead: 0, minutes: 4 });
    let json = serde_json::to_string(&during).expect("json");
    for a in &q.places {
        let patient = read(store).await.patient(q.clinic.id, a.patient_id).await.expect("read").expect("patient");
        assert!(!json.contains(&patient.details.name), "the board names nobody: {json}");
    }
    // Another day's board has nobody in it; a day the clinic is closed shows no queue at all.
    let tomorrow = board(tokyo(2030, 1, 8, 9, 0)).await;
    assert!(!tomorrow.queues.is_empty() && tomorrow.queues.iter().all(|l| l.calling.is_none() && l.waiting.is_empty()), "{tomorrow:?}");
    let closed = chrono::NaiveDate::from_ymd_opt(2030, 1, 9).expect("date");
    let by = Editor { clinic: q.clinic.id, actor: Actor::System, now: now() };
    in_tx!(store, |tx| app::actions::settings::add_exception(tx, by, closed, None, None, app::actions::settings::OnVisits::Refuse).await).expect("closed");
    assert_eq!(board(tokyo(2030, 1, 9, 9, 0)).await.queues, Vec::new(), "closed all day");
}

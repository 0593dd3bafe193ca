use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 0, 0, 0).single().expect("time") + Duration::minutes(minute)
}

fn place(n: u32) -> QueueVisit {
    QueueVisit {
        id: AppointmentId(i64::from(n) * 10),
        resource_id: ResourceId(1),
        menu_id: MenuId(2),
        number: n,
        status: AppointmentStatus::Confirmed,
        called_at: None,
        skipped: false,
        arrived: false,
    }
}

fn id(n: u32) -> AppointmentId {
    AppointmentId(i64::from(n) * 10)
}

/// The place being called, as a page up to date shows it.
fn calling(line: &Line) -> Option<AppointmentId> {
    line.calling().map(|v| v.id)
}

/// Plans `action` on an up-to-date page and applies its steps, as the action does.
fn press(line: &Line, action: QueueAction, now: DateTime<Utc>) -> Result<Line, QueueRefusal> {
    let steps = line.plan(action, calling(line))?;
    Ok(steps.into_iter().fold(line.clone(), |l, s| after(&l, s, now)))
}

#[test]
fn next_calls_by_number_and_ends_the_current_turn() {
    let line = Line::new(vec![place(3), place(1), place(2)]);
    assert_eq!(line.calling(), None);
    assert_eq!(line.plan(QueueAction::Next, calling(&line)), Ok(vec![Step::Call(id(1))]), "the lowest number first");
    let line = press(&line, QueueAction::Next, at(0)).expect("next");
    assert_eq!(line.calling().map(|v| v.number), Some(1));
    assert_eq!(line.plan(QueueAction::Next, calling(&line)), Ok(vec![Step::Complete(id(1)), Step::Call(id(2))]));
    let line = press(&line, QueueAction::Next, at(5)).expect("next");
    let line = press(&line, QueueAction::Next, at(10)).expect("next");
    assert_eq!(line.plan(QueueAction::Next, calling(&line)), Ok(vec![Step::Complete(id(3))]), "the last turn ends with nobody called");
    let line = press(&line, QueueAction::Next, at(15)).expect("next");
    assert_eq!(line.calling(), None);
    assert_eq!(line.plan(QueueAction::Next, calling(&line)), Err(QueueRefusal::NobodyWaiting));
}

#[test]
fn a_press_on_a_page_that_is_behind_is_refused() {
    let line = Line::new(vec![place(1), place(2), place(3)]);
    let called = press(&line, QueueAction::Next, at(0)).expect("call 1");
    // Another desk still shows nobody called: its 「次の方」 would end 1's turn at once.
    assert_eq!(called.plan(QueueAction::Next, None), Err(QueueRefusal::Moved));
    assert_eq!(called.plan(QueueAction::Skip, Some(id(2))), Err(QueueRefusal::Moved));
    assert_eq!(called.plan(QueueAction::Next, Some(id(1))), Ok(vec![Step::Complete(id(1)), Step::Call(id(2))]));
}

#[test]
fn the_pace_follows_the_latest_calls() {
    let mut line = Line::new((1..=9).map(place).collect());
    // Two slow calls in the morning, then one every 5 minutes.
    for minute in [0, 60, 120, 125, 130, 135, 140, 145] {
        line = press(&line, QueueAction::Next, at(minute)).expect("next");
    }
    assert_eq!(line.pace(), Some(Duration::minutes(5)));
}

#[test]
fn requests_and_cancelled_places_are_not_called() {
    let mut request = place(1);
    request.status = AppointmentStatus::Requested;
    let mut cancelled = place(2);
    cancelled.status = AppointmentStatus::CancelledByPatient;
    let line = Line::new(vec![request, cancelled, place(3)]);
    assert_eq!(line.plan(QueueAction::Next, calling(&line)), Ok(vec![Step::Call(id(3))]));
    assert_eq!(line.ahead_of(id(3)), Some(0));
    assert_eq!(line.ahead_of(id(1)), None);
}

#[test]
fn a_skipped_patient_waits_aside_until_recalled_or_absent() {
    let line = Line::new(vec![place(1), place(2), place(3)]);
    assert_eq!(line.plan(QueueAction::Skip, calling(&line)), Err(QueueRefusal::NobodyCalled));
    let line = press(&line, QueueAction::Next, at(0)).expect("call 1");
    assert_eq!(line.plan(QueueAction::Skip, calling(&line)), Ok(vec![Step::Skip(id(1)), Step::Call(id(2))]));
    let line = press(&line, QueueAction::Skip, at(2)).expect("skip 1");
    assert_eq!(line.standing(&line.visits()[0]), Standing::Skipped);
    assert_eq!(line.calling().map(|v| v.number), Some(2));
    assert_eq!(line.plan(QueueAction::Recall(id(3)), calling(&line)), Err(QueueRefusal::NotSkipped), "3 is waiting, not aside");
    assert_eq!(line.plan(QueueAction::Recall(id(1)), calling(&line)), Ok(vec![Step::Complete(id(2)), Step::Call(id(1))]));
    let recalled = press(&line, QueueAction::Recall(id(1)), at(4)).expect("recall 1");
    assert_eq!(recalled.calling().map(|v| v.number), Some(1));
    assert_eq!(recalled.skipped().count(), 0);
    assert_eq!(recalled.waiting().map(|v| v.number).collect::<Vec<_>>(), vec![3]);
    assert_eq!(line.plan(QueueAction::Absent(id(1)), calling(&line)), Ok(vec![Step::Absent(id(1))]));
    let absent = press(&line, QueueAction::Absent(id(1)), at(4)).expect("absent");
    assert_eq!(absent.visits()[0].status, AppointmentStatus::NoShow);
    assert_eq!(absent.calling().map(|v| v.number), Some(2), "the one being called goes on");
    assert_eq!(absent.plan(QueueAction::Absent(id(1)), calling(&absent)), Err(QueueRefusal::NotSkipped), "twice");
}

#[test]
fn the_near_turn_counts_only_those_still_to_be_called() {
    let line = Line::new((1..=6).map(place).collect());
    let line = press(&line, QueueAction::Next, at(0)).expect("call 1");
    let line = press(&line, QueueAction::Skip, at(1)).expect("skip 1, call 2");
    assert_eq!(line.near_turn(2), vec![(id(3), 0), (id(4), 1), (id(5), 2)]);
    assert_eq!(line.ahead_of(id(6)), Some(3));
    assert_eq!(line.near_turn(0), vec![(id(3), 0)]);
}

#[test]
fn the_pace_is_measured_from_todays_calls() {
    let line = Line::new((1..=5).map(place).collect());
    assert_eq!(line.pace(), None);
    let line = press(&line, QueueAction::Next, at(0)).expect("1");
    assert_eq!(line.pace(), None, "one call is no pace yet");
    let line = press(&line, QueueAction::Next, at(8)).expect("2");
    let line = press(&line, QueueAction::Next, at(20)).expect("3");
    assert_eq!(line.pace(), Some(Duration::minutes(10)));
    let board = line.board(ResourceId(1), MenuId(2), Duration::minutes(15));
    assert_eq!((board.calling, board.waiting.clone(), board.pace_minutes, board.measured), (Some(3), vec![4, 5], 10, true));
    let fresh = Line::new(vec![place(1)]).board(ResourceId(1), MenuId(2), Duration::minutes(15));
    assert_eq!((fresh.pace_minutes, fresh.measured), (15, false), "the menu's duration until measured");
}

#[test]
fn the_board_shows_arrivals_only_of_those_still_to_be_seen() {
    let mut here = place(2);
    here.arrived = true;
    let mut gone = place(1);
    gone.arrived = true;
    let line = Line::new(vec![gone, here, place(3)]);
    let line = press(&line, QueueAction::Next, at(0)).expect("1");
    let line = press(&line, QueueAction::Next, at(5)).expect("2");
    assert_eq!(line.board(ResourceId(1), MenuId(2), Duration::minutes(5)).arrived, vec![2], "1 is seen; 2 is being called");
}

#[derive(Clone, Debug)]
enum Press {
    Next,
    Skip,
    Recall(u32),
    Absent(u32),
}

fn presses() -> impl Strategy<Value = Vec<Press>> {
    prop::collection::vec(
        prop_oneof![3 => Just(Press::Next), 1 => Just(Press::Skip), 1 => (1u32..=8).prop_map(Press::Recall), 1 => (1u32..=8).prop_map(Press::Absent)],
        0..40,
    )
}

proptest! {
    /// Whatever reception presses: at most one place is called at a time, nobody is called
    /// before a lower number that waits, and a number leaves the waiting line only by being
    /// called.
    #[test]
    fn the_queue_keeps_its_order(size in 1u32..=8, presses in presses()) {
        let mut line = Line::new((1..=size).map(place).collect());
        for (minute, p) in presses.into_iter().enumerate() {
            let action = match p {
                Press::Next => QueueAction::Next,
                Press::Skip => QueueAction::Skip,
                Press::Recall(n) => QueueAction::Recall(id(n)),
                Press::Absent(n) => QueueAction::Absent(id(n)),
            };
            let before: Vec<u32> = line.waiting().map(|v| v.number).collect();
            if let Ok(next) = press(&line, action, at(minute as i64)) {
                    let waiting: Vec<u32> = next.waiting().map(|v| v.number).collect();
                    // Only the first in line may leave it, and only by being called.
                    prop_assert!(waiting == before || (waiting.as_slice() == &before[1..] && next.calling().map(|v| v.number) == before.first().copied()));
                    let called = next.visits().iter().filter(|v| next.standing(v) == Standing::Calling).count();
                    prop_assert!(called <= 1);
                    line = next;
            }
        }
    }
}

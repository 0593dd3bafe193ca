use chrono::{Datelike, NaiveTime, TimeZone, Weekday};
use proptest::prelude::*;

use super::*;
use crate::booking::ids::ClinicId;
use crate::booking::ids::ExceptionId;
use crate::booking::model::{Approval, DateException, ExceptionKind, MenuSpec, OpeningHours};
use crate::booking::{plan_booking, BookingRuleError};

const TOKYO: Tz = chrono_tz::Asia::Tokyo;
const DR: ResourceId = ResourceId(1);
const ROOM: ResourceId = ResourceId(2);

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}
fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}
fn tokyo(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
    TOKYO.with_ymd_and_hms(y, mo, day, h, mi, 0).single().expect("valid").with_timezone(&Utc)
}
fn clinic() -> Clinic {
    Clinic {
        id: ClinicId(1),
        slug: "demo".into(),
        name_ja: "デモ医院".into(),
        name_en: "Demo Clinic".into(),
        time_zone: TOKYO,
        open_on_holidays: false,
        reminder_hour: 18,
        booking_limit: 3,
    }
}
fn menu(id: i64, mode: BookingMode, duration_minutes: u32) -> Menu {
    Menu {
        id: MenuId(id),
        clinic_id: ClinicId(1),
        spec: MenuSpec {
            name_ja: "初診".into(),
            name_en: "First visit".into(),
            duration_minutes,
            mode,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            min_notice_minutes: 0,
            horizon_days: 60,
            cancel_cutoff_minutes: 0,
            approval: Approval::RequiresStaff,
            hold_minutes: 60,
            resource_ids: vec![DR],
            active: true,
            several_per_day: false,
            near_turn: 3,
        },
    }
}
fn weekdays(resource: ResourceId, intervals: &[(NaiveTime, NaiveTime)]) -> Vec<OpeningHours> {
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
        .into_iter()
        .flat_map(|weekday| intervals.iter().map(move |&(opens, closes)| OpeningHours { resource_id: resource, weekday, opens, closes }))
        .collect()
}
fn booked(id: i64, offer: &Offer, status: AppointmentStatus) -> Booked {
    Booked {
        id: AppointmentId(id),
        resource_id: offer.resource_id,
        menu_id: offer.menu_id,
        starts_at: offer.starts_at,
        held_from: offer.held_from,
        held_until: offer.held_until,
        status,
        hold_expires_at: None,
    }
}

struct Fixture {
    clinic: Clinic,
    hours: Vec<OpeningHours>,
    exceptions: Vec<DateException>,
}

impl Fixture {
    fn new() -> Self {
        Fixture { clinic: clinic(), hours: weekdays(DR, &[(t(9, 0), t(12, 0)), (t(14, 0), t(17, 0))]), exceptions: Vec::new() }
    }
    fn schedule(&self) -> Schedule<'_> {
        Schedule { clinic: &self.clinic, hours: &self.hours, exceptions: &self.exceptions }
    }
    fn offers(&self, menu: &Menu, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>, booked: &[Booked]) -> Vec<Offer> {
        AvailabilityQuery { schedule: self.schedule(), menu, from, to, now, booked }.offers()
    }
}

// Tuesday 1 December 2026, 08:00 in Tokyo.
fn monday_before() -> DateTime<Utc> {
    tokyo(2026, 11, 30, 8, 0)
}

#[test]
fn a_patient_holds_one_place_of_a_menu_a_day_unless_the_menu_allows_several() {
    use crate::booking::ids::AppointmentId;
    use crate::booking::{one_a_day, HeldPlace};
    let band = menu(1, BookingMode::TimeBand { capacity: 3 }, 60);
    let other_menu = menu(2, BookingMode::TimeSlot { seats: 1 }, 30);
    let day = d(2026, 12, 1);
    let place = |id, menu: &Menu, date, holds| HeldPlace { id: AppointmentId(id), menu_id: menu.id, date, holds };
    // Nothing yet; another menu that day; the same menu another day; a place that no longer holds.
    assert_eq!(one_a_day(&band, day, &[], None), Ok(()));
    assert_eq!(one_a_day(&band, day, &[place(1, &other_menu, day, true)], None), Ok(()));
    assert_eq!(one_a_day(&band, day, &[place(1, &band, d(2026, 12, 2), true)], None), Ok(()));
    assert_eq!(one_a_day(&band, day, &[place(1, &band, day, false)], None), Ok(()));
    // The same menu the same day: refused, unless it is the visit being moved.
    let held = [place(1, &band, day, true)];
    assert_eq!(one_a_day(&band, day, &held, None), Err(BookingRuleError::AlreadyBooked));
    assert_eq!(one_a_day(&band, day, &held, Some(AppointmentId(1))), Ok(()));
    assert_eq!(one_a_day(&band, day, &[held[0], place(2, &band, day, true)], Some(AppointmentId(1))), Err(BookingRuleError::AlreadyBooked));
    // A menu that allows several.
    let mut several = band.clone();
    several.spec.several_per_day = true;
    assert_eq!(one_a_day(&several, day, &held, None), Ok(()));
}

#[test]
fn a_patient_holds_at_most_the_clinics_limit_of_places_to_come() {
    use crate::booking::ids::AppointmentId;
    use crate::booking::{within_booking_limit, HeldPlace};
    let place = |id, holds| HeldPlace { id: AppointmentId(id), menu_id: MenuId(1), date: d(2026, 12, 1), holds };
    let two = [place(1, true), place(2, true), place(3, false)];
    assert_eq!(within_booking_limit(3, &two, None), Ok(()));
    let three = [place(1, true), place(2, true), place(3, true)];
    assert_eq!(within_booking_limit(3, &three, None), Err(BookingRuleError::LimitReached { limit: 3 }));
    // Moving one of the three adds none…
    assert_eq!(within_booking_limit(3, &three, Some(AppointmentId(2))), Ok(()));
    // …but "moving" a visit that is over (or another's) would.
    let over = [place(1, true), place(2, true), place(3, true), place(4, false)];
    assert_eq!(within_booking_limit(3, &over, Some(AppointmentId(4))), Err(BookingRuleError::LimitReached { limit: 3 }));
    assert_eq!(within_booking_limit(3, &three, Some(AppointmentId(9))), Err(BookingRuleError::LimitReached { limit: 3 }));
    assert_eq!(within_booking_limit(1, &[], None), Ok(()));
}

#[test]
fn slots_fill_the_hours_and_skip_the_break() {
    let f = Fixture::new();
    let m = menu(1, BookingMode::TimeSlot { seats: 1 }, 30);
    let offers = f.offers(&m, d(2026, 12, 1), d(2026, 12, 1), monday_before(), &[]);
    let starts: Vec<String> = offers.iter().map(|o| crate::booking::format::time_label(o.starts_at, TOKYO)).collect();
    assert_eq!(starts, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]);
    assert!(offers.iter().all(|o| o.remaining == 1 && o.ends_at - o.starts_at == Duration::minutes(30)));
}

#[test]
fn a_slot_that_does_not_fit_before_closing_is_not_offered() {
    let f = Fixture::new();
    let m = menu(1, BookingMode::TimeSlot { seats: 1 }, 45);
    let offers = f.offers(&m, d(2026, 12, 1), d(2026, 12, 1), monday_before(), &[]);
    let last_morning = offers.iter().rfind(|o| o.starts_at < tokyo(2026, 12, 1, 12, 0)).expect("offers");
    // 9:00, 9:45, 10:30, 11:15 → 11:15+45 = 12:00 fits exactly.
    assert_eq!(last_morning.starts_at, tokyo(2026, 12, 1, 11, 15));
    assert_eq!(offers.len(), 8);
}

#[test]
fn seats_count_down_and_a_full_slot_disappears() {
    let f = Fixture::new();
    let m = menu(1, BookingMode::TimeSlot { seats: 2 }, 30);
    let day = d(2026, 12, 1);
    let offers = f.offers(&m, day, day, monday_before(), &[]);
    let first = offers[0].clone();
    let one = [booked(1, &first, AppointmentStatus::Confirmed)];
    assert_eq!(f.offers(&m, day, day, monday_before(), &one)[0].remaining, 1);
    let two = [booked(1, &first, AppointmentStatus::Confirmed), booked(2, &first, AppointmentStatus::Requested)];
    let after = f.offers(&m, day, day, monday_before(), &two);
    assert_eq!(after.len(), offers.len() - 1);
    assert!(after.iter().all(|o| o.starts_at != first.starts_at));
}

#[test]
fn released_and_expired_requests_free_their_place() {
    let f = Fixture::new();
    let m = menu(1, BookingMode::TimeSlot { seats: 1 }, 30);
    let day = d(2026, 12, 1);
    let now = monday_before();
    let first = f.offers(&m, day, day, now, &[])[0].clone();
    for status in [AppointmentStatus::Declined, AppointmentStatus::CancelledByPatient, AppointmentStatus::Expired] {
        let b = [booked(1, &first, status)];
        assert_eq!(f.offers(&m, day, day, now, &b)[0].starts_at, first.starts_at, "{status}");
    }
    let mut held = booked(1, &first, AppointmentStatus::Requested);
    held.hold_expires_at = Some(now + Duration::minutes(5));
    assert_ne!(f.offers(&m, day, day, now, &[held.clone()])[0].starts_at, first.starts_at);
    held.hold_expires_at = Some(now);
    assert_eq!(f.offers(&m, day, day, now, &[held])[0].starts_at, first.starts_at);
}

#[test]
fn buffers_block_the_neighbouring_slots_of_other_menus() {
    let f = Fixture::new();
    let day = d(2026, 12, 1);
    let now = monday_before();
    let mut exam = menu(1, BookingMode::TimeSlot { seats: 1 }, 30);
    exam.spec.buffer_after_minutes = 15;
    let revisit = menu(2, BookingMode::TimeSlot { seats: 1 }, 15);
    let nine = f.offers(&exam, day, day, now, &[])[0].clone();
    assert_eq!(nine.held_until, tokyo(2026, 12, 1, 9, 45));
    let b = [booked(1, &nine, AppointmentStatus::Confirmed)];
    let revisit_starts: Vec<_> = f.offers(&revisit, day, day, now, &b).into_iter().map(|o| o.starts_at).take(2).collect();
    // 9:00–9:45 is held (visit plus cleaning); the 15-minute menu starts again at 9:45.
    assert_eq!(revisit_starts, [tokyo(2026, 12, 1, 9, 45), tokyo(2026, 12, 1, 10, 0)]);
    // And the exam menu's 9:30 slot is blocked because its own hold would overlap.
    let exam_starts: Vec<_> = f.offers(&exam, day, day, now, &b).into_iter().map(|o| o.starts_at).take(1).collect();
    assert_eq!(exam_starts, [tokyo(2026, 12, 1, 10, 0)]);
}

#[test]
fn bands_hold_several_patients_each() {
    let mut f = Fixture::new();
    f.hours = weekdays(ROOM, &[(t(9, 0), t(12, 0))]);
    let mut m = menu(1, BookingMode::TimeBand { capacity: 3 }, 60);
    m.spec.resource_ids = vec![ROOM];
    let day = d(2026, 12, 1);
    let now = monday_before();
    let offers = f.offers(&m, day, day, now, &[]);
    assert_eq!(offers.len(), 3);
    assert!(offers.iter().all(|o| o.capacity == 3 && o.remaining == 3));
    let band = offers[1].clone();
    let b: Vec<Booked> = (0..3).map(|i| booked(i, &band, AppointmentStatus::Confirmed)).collect();
    assert_eq!(f.offers(&m, day, day, now, &b[..2])[1].remaining, 1);
    let full = f.offers(&m, day, day, now, &b);
    assert_eq!(full.len(), 2);
    assert!(full.iter().all(|o| o.starts_at != band.starts_at));
}

#[test]
fn the_day_queue_offers_numbered_places_until_closing() {
    let f = Fixture::new();
    let m = menu(1, BookingMode::DayQueue { places: 2 }, 10);
    let day = d(2026, 12, 1);
    let offers = f.offers(&m, day, day, monday_before(), &[]);
    assert_eq!(offers.len(), 1);
    let q = offers[0].clone();
    assert_eq!((q.starts_at, q.ends_at, q.remaining), (tokyo(2026, 12, 1, 9, 0), tokyo(2026, 12, 1, 17, 0), 2));
    // Joining during the day is fine until closing.
    assert_eq!(f.offers(&m, day, day, tokyo(2026, 12, 1, 16, 59), &[]).len(), 1);
    assert_eq!(f.offers(&m, day, day, tokyo(2026, 12, 1, 17, 0), &[]).len(), 0);
    let b = [booked(1, &q, AppointmentStatus::Confirmed), booked(2, &q, AppointmentStatus::Confirmed)];
    assert!(f.offers(&m, day, day, monday_before(), &b).is_empty());
}

#[test]
fn notice_and_horizon_limit_what_is_offered() {
    let f = Fixture::new();
    let mut m = menu(1, BookingMode::TimeSlot { seats: 1 }, 60);
    m.spec.min_notice_minutes = 120;
    m.spec.horizon_days = 2;
    let now = tokyo(2026, 12, 1, 9, 30);
    let offers = f.offers(&m, d(2026, 12, 1), d(2026, 12, 31), now, &[]);
    assert_eq!(offers.first().map(|o| o.starts_at), Some(tokyo(2026, 12, 1, 14, 0)));
    assert_eq!(offers.last().map(|o| o.date), Some(d(2026, 12, 3)));
}

#[test]
fn holidays_weekends_and_closures_have_no_offers() {
    let mut f = Fixture::new();
    f.exceptions.push(DateException { id: ExceptionId(0), date: d(2026, 12, 2), resource_id: None, kind: ExceptionKind::Closed });
    let m = menu(1, BookingMode::TimeSlot { seats: 1 }, 60);
    let now = tokyo(2026, 11, 20, 8, 0);
    let dates: std::collections::BTreeSet<NaiveDate> = f.offers(&m, d(2026, 11, 21), d(2026, 12, 6), now, &[]).into_iter().map(|o| o.date).collect();
    // 11/21–22 weekend, 11/23 勤労感謝の日, 11/28–29 weekend, 12/2 closed, 12/5–6 weekend.
    let expected: Vec<NaiveDate> = [24, 25, 26, 27, 30].map(|day| d(2026, 11, day)).into_iter().chain([1, 3, 4].map(|day| d(2026, 12, day))).collect();
    assert_eq!(dates.into_iter().collect::<Vec<_>>(), expected);
}

#[test]
fn booking_is_re_planned_from_current_facts() {
    let f = Fixture::new();
    let now = monday_before();
    let mut m = menu(1, BookingMode::TimeSlot { seats: 1 }, 30);
    let ten = tokyo(2026, 12, 1, 10, 0);
    let plan = plan_booking(f.schedule(), &m, &[], DR, ten, now).expect("free");
    assert_eq!(plan.status, AppointmentStatus::Requested);
    assert_eq!(plan.hold_expires_at, Some(now + Duration::minutes(60)));
    assert_eq!(plan.offer.ends_at, tokyo(2026, 12, 1, 10, 30));
    // Taken, not a start time, during the break, on the wrong resource: all refused.
    let taken = [booked(1, &plan.offer, AppointmentStatus::Confirmed)];
    assert_eq!(plan_booking(f.schedule(), &m, &taken, DR, ten, now), Err(BookingRuleError::NotAvailable));
    assert!(plan_booking(f.schedule(), &m, &[], DR, tokyo(2026, 12, 1, 10, 10), now).is_err());
    assert!(plan_booking(f.schedule(), &m, &[], DR, tokyo(2026, 12, 1, 13, 0), now).is_err());
    assert!(plan_booking(f.schedule(), &m, &[], ROOM, ten, now).is_err());
    m.spec.approval = Approval::AutoConfirm;
    let plan = plan_booking(f.schedule(), &m, &[], DR, ten, now).expect("free");
    assert_eq!((plan.status, plan.hold_expires_at), (AppointmentStatus::Confirmed, None));
    // A request made just before the visit holds only until the visit starts.
    m.spec.approval = Approval::RequiresStaff;
    let late = plan_booking(f.schedule(), &m, &[], DR, ten, tokyo(2026, 12, 1, 9, 45)).expect("free");
    assert_eq!(late.hold_expires_at, Some(ten));
    // A slot starting this very minute cannot be held for approval, but can be confirmed at once.
    assert!(plan_booking(f.schedule(), &m, &[], DR, ten, ten).is_err());
    m.spec.approval = Approval::AutoConfirm;
    assert!(plan_booking(f.schedule(), &m, &[], DR, ten, ten).is_ok());
}

#[test]
fn a_queue_request_made_during_the_day_holds_until_closing() {
    let f = Fixture::new();
    let m = menu(1, BookingMode::DayQueue { places: 3 }, 10);
    let now = tokyo(2026, 12, 1, 16, 30);
    let plan = plan_booking(f.schedule(), &m, &[], DR, tokyo(2026, 12, 1, 9, 0), now).expect("queue open");
    assert_eq!(plan.hold_expires_at, Some(tokyo(2026, 12, 1, 17, 0)));
    let held = Booked { hold_expires_at: plan.hold_expires_at, ..booked(1, &plan.offer, plan.status) };
    assert_eq!(f.offers(&m, d(2026, 12, 1), d(2026, 12, 1), now, &[held])[0].remaining, 2);
}

// ---------- properties ----------

/// Random weekly hours: per weekday up to two intervals on a 15-minute grid.
fn arb_hours(resource: ResourceId) -> impl Strategy<Value = Vec<OpeningHours>> {
    let day = proptest::collection::vec((28u32..80, 1u32..24), 0..3);
    proptest::collection::vec(day, 7).prop_map(move |days| {
        let mut hours = Vec::new();
        for (i, intervals) in days.into_iter().enumerate() {
            let weekday = Weekday::try_from(i as u8).expect("0..7");
            for (start_q, len_q) in intervals {
                let end_q = (start_q + len_q).min(95);
                let at = |q: u32| NaiveTime::from_hms_opt(q / 4, (q % 4) * 15, 0).expect("grid");
                hours.push(OpeningHours { resource_id: resource, weekday, opens: at(start_q), closes: at(end_q) });
            }
        }
        hours
    })
}

fn arb_mode() -> impl Strategy<Value = BookingMode> {
    prop_oneof![
        (1u32..4).prop_map(|seats| BookingMode::TimeSlot { seats }),
        (1u32..5).prop_map(|capacity| BookingMode::TimeBand { capacity }),
        (1u32..6).prop_map(|places| BookingMode::DayQueue { places }),
    ]
}

fn arb_menu(id: i64) -> impl Strategy<Value = Menu> {
    (arb_mode(), prop::sample::select(vec![15u32, 20, 30, 45, 60]), 0u32..4, 0u32..4, 0u32..300, 5u32..60).prop_map(
        move |(mode, duration, before, after, notice, horizon)| {
            let base = menu(id, mode, duration);
            let spec = MenuSpec {
                buffer_before_minutes: before * 5,
                buffer_after_minutes: after * 5,
                min_notice_minutes: notice,
                horizon_days: horizon,
                resource_ids: vec![DR, ROOM],
                ..base.spec
            };
            Menu { spec, ..base }
        },
    )
}

#[derive(Debug, Clone)]
struct World {
    clinic: Clinic,
    hours: Vec<OpeningHours>,
    exceptions: Vec<DateException>,
    menus: [Menu; 2],
    now: DateTime<Utc>,
    from: NaiveDate,
    days: u32,
    /// Which offer each simulated patient picks (index modulo the offers), for which menu.
    picks: Vec<(usize, bool)>,
}

fn arb_world() -> impl Strategy<Value = World> {
    let hours = (arb_hours(DR), arb_hours(ROOM)).prop_map(|(mut a, b)| {
        a.extend(b);
        a
    });
    // "now" falls anywhere from 20 Dec 2026 to 10 Jan 2027, so ranges cross month and year ends.
    let now = (0i64..(22 * 24 * 60)).prop_map(|m| tokyo(2026, 12, 20, 0, 0) + Duration::minutes(m));
    let exceptions = proptest::collection::vec((0u64..40, any::<bool>(), any::<bool>(), 36u32..60), 0..4);
    (hours, exceptions, arb_menu(1), arb_menu(2), now, any::<bool>(), 0u64..10, 1u32..45, proptest::collection::vec((any::<usize>(), any::<bool>()), 0..25))
        .prop_map(|(hours, exceptions, m1, m2, now, open_on_holidays, offset, days, picks)| {
            let today = now.with_timezone(&TOKYO).date_naive();
            let exceptions = exceptions
                .into_iter()
                .map(|(day, closed, whole_clinic, start_q)| DateException {
                    id: ExceptionId(0),
                    date: today + chrono::Days::new(day),
                    resource_id: if whole_clinic { None } else { Some(DR) },
                    kind: if closed {
                        ExceptionKind::Closed
                    } else {
                        let at = |q: u32| NaiveTime::from_hms_opt(q / 4, (q % 4) * 15, 0).expect("grid");
                        ExceptionKind::ExtraHours { opens: at(start_q), closes: at(start_q + 8) }
                    },
                })
                .collect();
            World {
                clinic: Clinic { open_on_holidays, ..clinic() },
                hours,
                exceptions,
                menus: [m1, m2],
                now,
                from: today + chrono::Days::new(offset),
                days,
                picks,
            }
        })
}

impl World {
    fn schedule(&self) -> Schedule<'_> {
        Schedule { clinic: &self.clinic, hours: &self.hours, exceptions: &self.exceptions }
    }
    fn to(&self) -> NaiveDate {
        self.from + chrono::Days::new(self.days.into())
    }
    fn offers(&self, menu: &Menu, from: NaiveDate, to: NaiveDate, booked: &[Booked]) -> Vec<Offer> {
        AvailabilityQuery { schedule: self.schedule(), menu, from, to, now: self.now, booked }.offers()
    }
    /// Patients book what they are offered, one after another, through the same re-check the
    /// storage layer uses.
    fn simulate(&self) -> Vec<Booked> {
        let mut booked: Vec<Booked> = Vec::new();
        for (i, &(pick, second_menu)) in self.picks.iter().enumerate() {
            let menu = &self.menus[usize::from(second_menu)];
            let offers = self.offers(menu, self.from, self.to(), &booked);
            if offers.is_empty() {
                continue;
            }
            let o = &offers[pick % offers.len()];
            let plan = plan_booking(self.schedule(), menu, &booked, o.resource_id, o.starts_at, self.now).expect("an offered place can be booked");
            booked.push(Booked { hold_expires_at: plan.hold_expires_at, ..booked_from(i as i64, &plan.offer, plan.status) });
        }
        booked
    }
}

fn booked_from(id: i64, offer: &Offer, status: AppointmentStatus) -> Booked {
    booked(id, offer, status)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn never_offers_outside_hours_or_inside_breaks(w in arb_world()) {
        let booked = w.simulate();
        for menu in &w.menus {
            for o in w.offers(menu, w.from, w.to(), &booked) {
                let intervals = w.schedule().open_intervals(o.resource_id, o.date);
                let start = o.starts_at.with_timezone(&TOKYO).naive_local();
                let end = o.ends_at.with_timezone(&TOKYO).naive_local();
                prop_assert_eq!(start.date(), o.date);
                match menu.mode {
                    BookingMode::DayQueue { .. } => {
                        prop_assert_eq!(start.time(), intervals[0].0);
                        prop_assert_eq!(end.time(), intervals[intervals.len() - 1].1);
                    }
                    _ => prop_assert!(
                        intervals.iter().any(|&(opens, closes)| o.date.and_time(opens) <= start && end <= o.date.and_time(closes)),
                        "{:?} not inside {:?}", o, intervals
                    ),
                }
                prop_assert!(o.date >= w.from && o.date <= w.to());
                prop_assert!(o.date <= w.now.with_timezone(&TOKYO).date_naive() + chrono::Days::new(menu.horizon_days.into()));
                if !matches!(menu.mode, BookingMode::DayQueue { .. }) {
                    prop_assert!(o.starts_at >= w.now + Duration::minutes(menu.min_notice_minutes.into()));
                }
            }
        }
    }

    #[test]
    fn never_offers_capacity_that_is_taken(w in arb_world()) {
        let booked = w.simulate();
        // Whatever was booked, no unit is over capacity and no two units share a resource's time.
        for (i, a) in booked.iter().enumerate() {
            let menu = &w.menus[usize::try_from(a.menu_id.0 - 1).expect("menu 1 or 2")];
            let same = booked.iter().filter(|b| b.resource_id == a.resource_id && b.menu_id == a.menu_id && b.starts_at == a.starts_at).count();
            prop_assert!(same as u32 <= menu.mode.capacity());
            for b in &booked[i + 1..] {
                let same_unit = a.menu_id == b.menu_id && a.starts_at == b.starts_at;
                let overlap = a.held_from < b.held_until && b.held_from < a.held_until;
                prop_assert!(a.resource_id != b.resource_id || same_unit || !overlap, "{:?} overlaps {:?}", a, b);
            }
        }
        // And what is still offered has exactly the room that is left.
        for menu in &w.menus {
            for o in w.offers(menu, w.from, w.to(), &booked) {
                let taken = booked.iter().filter(|b| b.resource_id == o.resource_id && b.menu_id == menu.id && b.starts_at == o.starts_at).count() as u32;
                prop_assert_eq!(o.remaining, menu.mode.capacity() - taken);
                prop_assert!(o.remaining > 0);
            }
        }
    }

    #[test]
    fn stable_across_month_boundaries(w in arb_world()) {
        let booked = w.simulate();
        for menu in &w.menus {
            let whole = w.offers(menu, w.from, w.to(), &booked);
            // Split at every month end inside the range: the pieces add up to the whole.
            let mut pieces = Vec::new();
            let mut start = w.from;
            while start <= w.to() {
                let next_month = if start.month() == 12 { d(start.year() + 1, 1, 1) } else { d(start.year(), start.month() + 1, 1) };
                let end = next_month.pred_opt().expect("date").min(w.to());
                pieces.extend(w.offers(menu, start, end, &booked));
                start = end.succ_opt().expect("date");
            }
            prop_assert_eq!(&whole, &pieces);
            // And day by day.
            let by_day: Vec<Offer> = w.from.iter_days().take_while(|day| *day <= w.to())
                .flat_map(|day| w.offers(menu, day, day, &booked)).collect();
            prop_assert_eq!(&whole, &by_day);
        }
    }

    #[test]
    fn the_index_gives_the_answers_of_the_literal_scan(
        w in arb_world(),
        extra in proptest::collection::vec((any::<bool>(), 0u64..40, 28u32..72, 1u32..24, 0usize..AppointmentStatus::ALL.len(), 1i64..4, proptest::option::of(-120i64..120)), 0..60),
    ) {
        // What patients booked through the rules, plus appointments of any shape, status and
        // menu (a menu's buffers changed since, a third menu, expired holds…).
        let mut booked = w.simulate();
        let today = w.now.with_timezone(&TOKYO).date_naive();
        for (i, (room, day, start_q, len_q, status, menu, expires)) in extra.into_iter().enumerate() {
            let at = |q: u32| TOKYO.from_local_datetime(&(today + chrono::Days::new(day)).and_hms_opt(q / 4, (q % 4) * 15, 0).expect("grid")).single().expect("tokyo").with_timezone(&Utc);
            let (held_from, held_until) = (at(start_q), at((start_q + len_q).min(95)));
            booked.push(Booked {
                id: AppointmentId(1000 + i as i64),
                resource_id: if room { ROOM } else { DR },
                menu_id: MenuId(menu),
                starts_at: held_from,
                held_from,
                held_until,
                status: AppointmentStatus::ALL[status],
                hold_expires_at: expires.map(|m| w.now + Duration::minutes(m)),
            });
        }
        for menu in &w.menus {
            let query = AvailabilityQuery { schedule: w.schedule(), menu, from: w.from, to: w.to(), now: w.now, booked: &booked };
            prop_assert_eq!(query.offers(), query.offers_by_scan());
        }
    }
}

//! One month of availability for a clinic with 10 practitioners, at 500, 5,000 and 50,000
//! appointments in the month: the cost must follow the appointments near-linearly (target for
//! 5,000: ≤ 1 ms). Run by `./scripts/bench`, or `cargo bench -p app --features ssr`.

use app::booking::availability::{AvailabilityQuery, Booked};
use app::booking::ids::{AppointmentId, ClinicId, MenuId, ResourceId};
use app::booking::model::{Approval, BookingMode, Clinic, Menu, MenuSpec, OpeningHours};
use app::booking::schedule::Schedule;
use app::booking::status::AppointmentStatus;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const PRACTITIONERS: i64 = 10;
const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;

fn clinic() -> Clinic {
    Clinic {
        id: ClinicId(1),
        slug: "bench".into(),
        name_ja: "ベンチ医院".into(),
        name_en: "Bench Clinic".into(),
        time_zone: TOKYO,
        open_on_holidays: false,
        reminder_hour: 18,
        booking_limit: 3,
    }
}

fn menu() -> Menu {
    Menu {
        id: MenuId(1),
        clinic_id: ClinicId(1),
        spec: MenuSpec {
            name_ja: "再診".into(),
            name_en: "Follow-up".into(),
            duration_minutes: 15,
            mode: BookingMode::TimeSlot { seats: 1 },
            buffer_before_minutes: 0,
            buffer_after_minutes: 5,
            min_notice_minutes: 60,
            horizon_days: 90,
            cancel_cutoff_minutes: 0,
            approval: Approval::RequiresStaff,
            hold_minutes: 60,
            resource_ids: (1..=PRACTITIONERS).map(ResourceId).collect(),
            active: true,
            several_per_day: false,
            near_turn: 3,
        },
    }
}

fn hours() -> Vec<OpeningHours> {
    let at = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat];
    (1..=PRACTITIONERS)
        .flat_map(|r| {
            days.into_iter()
                .flat_map(move |weekday| [(9, 12), (14, 18)].map(|(o, c)| OpeningHours { resource_id: ResourceId(r), weekday, opens: at(o), closes: at(c) }))
        })
        .collect()
}

/// `n` appointments spread over the month's opening hours by a fixed pseudo-random sequence,
/// of this menu and of others, some of them no longer holding their place.
fn appointments(n: usize, first_day: NaiveDate) -> Vec<Booked> {
    let mut seed: u64 = 0x5eed;
    let mut next = |m: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    let mut booked = (0..n)
        .map(|i| {
            let day = first_day + chrono::Days::new(next(28));
            let quarter = 36 + next(36) as u32; // 9:00–18:00
            let local = day.and_hms_opt(quarter / 4, (quarter % 4) * 15, 0).expect("time");
            let starts_at: DateTime<Utc> = TOKYO.from_local_datetime(&local).single().expect("tokyo").with_timezone(&Utc);
            let status = if next(10) == 0 { AppointmentStatus::CancelledByPatient } else { AppointmentStatus::Confirmed };
            Booked {
                id: AppointmentId(i as i64),
                resource_id: ResourceId(1 + next(PRACTITIONERS as u64) as i64),
                menu_id: MenuId(1 + next(3) as i64),
                starts_at,
                held_from: starts_at,
                held_until: starts_at + Duration::minutes(20),
                status,
                hold_expires_at: None,
            }
        })
        .collect::<Vec<_>>();
    // In the order storage returns them.
    booked.sort_by_key(|b| (b.starts_at, b.id));
    booked
}

fn a_month(c: &mut Criterion) {
    let clinic = clinic();
    let menu = menu();
    let hours = hours();
    let from = NaiveDate::from_ymd_opt(2027, 2, 1).expect("date");
    let to = NaiveDate::from_ymd_opt(2027, 2, 28).expect("date");
    let now = TOKYO.with_ymd_and_hms(2027, 1, 31, 9, 0, 0).single().expect("tokyo").with_timezone(&Utc);
    let mut group = c.benchmark_group("availability_month_10_practitioners");
    for n in [500usize, 5_000, 50_000] {
        let booked = appointments(n, from);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &booked, |b, booked| {
            b.iter(|| {
                let schedule = Schedule { clinic: &clinic, hours: &hours, exceptions: &[] };
                let offers = AvailabilityQuery { schedule, menu: &menu, from, to, now, booked }.offers();
                std::hint::black_box(offers.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, a_month);
criterion_main!(benches);

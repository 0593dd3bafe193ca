//! The demo clinic: enough to try every booking mode on one machine. LINE credentials are left
//! empty, so the clinic runs in sandbox mode.

use app::booking::ids::{ClinicId, ResourceId};
use app::booking::model::*;
use app::booking::status::Transition;
use app::booking::BookingSource;
use app::store::*;
use chrono::{DateTime, Datelike, Days, NaiveTime, Utc, Weekday};

pub const DEMO_SLUG: &str = "demo";

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time of day")
}

/// Creates the demo clinic unless it exists. Returns its id either way.
pub async fn seed_demo(store: &dyn Store, now: DateTime<Utc>) -> anyhow::Result<ClinicId> {
    seed_demo_as(store, DEMO_SLUG, now).await
}

/// The demo clinic under another address name (e.g. a second copy connected to a LINE test
/// channel).
pub async fn seed_demo_as(store: &dyn Store, slug: &str, now: DateTime<Utc>) -> anyhow::Result<ClinicId> {
    if let Some(existing) = store.clinic_by_slug(slug).await? {
        tracing::info!(clinic = slug, "demo clinic already present");
        // A demo clinic seeded before staff accounts existed gets its demo accounts; a clinic
        // that has staff or LINE channels (a real one under this name) never gets a known
        // password.
        let unstaffed = store.staff_members(existing.id).await?.is_empty();
        if unstaffed && store.line_settings(existing.id).await?.is_none() {
            seed_demo_staff(store, existing.id, slug).await?;
        }
        return Ok(existing.id);
    }
    let clinic_id = store
        .create_clinic(NewClinic {
            slug: slug.into(),
            name_ja: if slug == DEMO_SLUG { "さくら内科クリニック(デモ)".into() } else { format!("さくら内科クリニック({slug})") },
            name_en: if slug == DEMO_SLUG { "Sakura Internal Medicine (demo)".into() } else { format!("Sakura Internal Medicine ({slug})") },
            time_zone: chrono_tz::Asia::Tokyo,
            open_on_holidays: false,
        })
        .await?;
    let resource = |name_ja: &str, name_en: &str, kind| NewResource { clinic_id, name_ja: name_ja.into(), name_en: name_en.into(), kind };
    let yamada = store.create_resource(resource("山田 医師", "Dr. Yamada", ResourceKind::Practitioner)).await?;
    let sato = store.create_resource(resource("佐藤 医師", "Dr. Sato", ResourceKind::Practitioner)).await?;
    let room = store.create_resource(resource("健診室", "Check-up room", ResourceKind::Room)).await?;

    let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    let mut hours: Vec<(ResourceId, Weekday, NaiveTime, NaiveTime)> = Vec::new();
    for day in weekdays {
        // Morning and afternoon surgery with a lunch break.
        hours.push((yamada, day, at(9, 0), at(12, 30)));
        hours.push((yamada, day, at(14, 0), at(18, 0)));
    }
    hours.push((yamada, Weekday::Sat, at(9, 0), at(12, 30)));
    for day in [Weekday::Mon, Weekday::Wed, Weekday::Fri, Weekday::Sat] {
        hours.push((sato, day, at(9, 0), at(12, 0)));
    }
    for day in [Weekday::Tue, Weekday::Thu] {
        hours.push((room, day, at(9, 0), at(12, 0)));
    }
    for (resource_id, weekday, opens, closes) in hours {
        store.add_opening_hours(OpeningHours { resource_id, weekday, opens, closes }).await?;
    }

    let base = Menu {
        id: app::booking::ids::MenuId(0),
        clinic_id,
        name_ja: String::new(),
        name_en: String::new(),
        duration_minutes: 30,
        mode: BookingMode::TimeSlot { seats: 1 },
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 60,
        horizon_days: 30,
        cancel_cutoff_minutes: 24 * 60,
        approval: Approval::RequiresStaff,
        hold_minutes: 24 * 60,
        resource_ids: vec![yamada],
    };
    let first_visit = store
        .create_menu(Menu { name_ja: "初診".into(), name_en: "First visit".into(), buffer_after_minutes: 0, ..base.clone() })
        .await?;
    let question = |label_ja: &str, label_en: &str, kind, choices: (&[&str], &[&str]), required| Question {
        id: app::booking::ids::QuestionId(0),
        menu_id: first_visit,
        label_ja: label_ja.into(),
        label_en: label_en.into(),
        kind,
        choices_ja: choices.0.iter().map(|c| c.to_string()).collect(),
        choices_en: choices.1.iter().map(|c| c.to_string()).collect(),
        required,
    };
    store.add_question(question("今日はどうされましたか", "What brings you in?", QuestionKind::Text, (&[], &[]), true)).await?;
    store
        .add_question(question("症状はいつからですか", "Since when?", QuestionKind::Choice, (&["今日", "2〜3日前", "1週間以上前"], &["Today", "2–3 days", "Over a week"]), true))
        .await?;
    store.add_question(question("お薬のアレルギーはありますか", "Any drug allergies?", QuestionKind::YesNo, (&[], &[]), false)).await?;
    store
        .create_menu(Menu {
            name_ja: "再診".into(),
            name_en: "Follow-up visit".into(),
            duration_minutes: 15,
            approval: Approval::AutoConfirm,
            cancel_cutoff_minutes: 3 * 60,
            ..base.clone()
        })
        .await?;
    let checkup = store
        .create_menu(Menu {
            name_ja: "健康診断".into(),
            name_en: "Health check-up".into(),
            duration_minutes: 60,
            mode: BookingMode::TimeBand { capacity: 3 },
            min_notice_minutes: 24 * 60,
            horizon_days: 60,
            resource_ids: vec![room],
            ..base.clone()
        })
        .await?;
    store
        .create_menu(Menu {
            name_ja: "予防接種(順番予約)".into(),
            name_en: "Vaccination (day queue)".into(),
            duration_minutes: 10,
            mode: BookingMode::DayQueue { places: 20 },
            min_notice_minutes: 30,
            horizon_days: 14,
            cancel_cutoff_minutes: 60,
            approval: Approval::AutoConfirm,
            resource_ids: vec![sato],
            ..base
        })
        .await?;

    store
        .set_privacy_notice(
            clinic_id,
            "ご提供いただいた個人情報(氏名・連絡先・問診の回答)は、診療の予約と連絡のためにのみ利用し、法令に基づく場合を除き第三者に提供しません。",
            "Your personal information (name, contact details, answers) is used only to book and contact you about your visit, and is not shared with third parties except as required by law.",
        )
        .await?;

    // The clinic's own holiday at the turn of the year (年末年始休診).
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let year = if (today.month(), today.day()) > (12, 28) { today.year() + 1 } else { today.year() };
    for (y, m, d) in [(year, 12, 29), (year, 12, 30), (year, 12, 31), (year + 1, 1, 2), (year + 1, 1, 3)] {
        if let Some(date) = chrono::NaiveDate::from_ymd_opt(y, m, d) {
            store.add_exception(clinic_id, DateException { date, resource_id: None, kind: ExceptionKind::Closed }).await?;
        }
    }

    // A few patients with appointments, so the calendar is not empty.
    let clinic = store.clinic_by_slug(slug).await?.ok_or_else(|| anyhow::anyhow!("demo clinic vanished"))?;
    let menus = store.menus(clinic_id).await?;
    let patients = [("山本 一郎", "ヤマモト イチロウ", "090-1234-5678"), ("田中 花子", "タナカ ハナコ", "080-2345-6789")];
    for (i, (name, furigana, phone)) in patients.into_iter().enumerate() {
        let patient_id = store
            .create_patient(NewPatient {
                clinic_id,
                line_user_id: None,
                details: PatientDetails { name: name.into(), furigana: furigana.into(), phone: phone.into(), birth_date: None },
            })
            .await?;
        let menu_id = if i == 0 { first_visit } else { checkup };
        let Some(menu) = menus.iter().find(|m| m.id == menu_id) else { continue };
        let from = today + Days::new(2);
        let offers = availability(store, &clinic, menu, from, from + Days::new(14), now).await?;
        if let Some(offer) = offers.get(i * 3) {
            let booked = store
                .book(NewBooking {
                    clinic_id,
                    menu_id,
                    resource_id: offer.resource_id,
                    starts_at: offer.starts_at,
                    patient_id,
                    actor: Actor::Patient(patient_id),
                    now,
                    answers: Vec::new(),
                    replaces: None,
                    source: BookingSource::Patient,
                })
                .await?;
            if i == 0 {
                store.transition(clinic_id, booked.id, Transition::Confirm, Actor::System, now).await?;
            }
        }
    }
    tracing::info!(clinic = slug, "demo clinic created");
    seed_demo_staff(store, clinic_id, slug).await?;
    Ok(clinic_id)
}

/// The demo clinic's password for its seeded accounts (printed by `scripts/run` and the README;
/// a demo clinic runs in sandbox mode and holds no real patients).
pub const DEMO_PASSWORD: &str = "yoyaku-demo-2026";

/// The seeded accounts of a demo clinic: `owner@{slug}.example.jp` and `staff@{slug}.example.jp`.
pub fn demo_staff_email(role: StaffRole, slug: &str) -> String {
    format!("{}@{slug}.example.jp", role.as_str())
}

/// An owner and a receptionist for the demo clinic, unless they exist.
async fn seed_demo_staff(store: &dyn Store, clinic_id: ClinicId, slug: &str) -> anyhow::Result<()> {
    for (role, name) in [(StaffRole::Owner, "院長(デモ)"), (StaffRole::Staff, "受付(デモ)")] {
        let email = demo_staff_email(role, slug);
        if store.staff_by_email(&email).await?.is_some() {
            continue;
        }
        let password_hash = crate::staff::hash_password(DEMO_PASSWORD)?;
        store.create_staff(NewStaff { clinic_id, email: email.clone(), display_name: name.into(), role, password_hash }).await?;
        tracing::info!(clinic = slug, %email, "demo staff account created");
    }
    Ok(())
}

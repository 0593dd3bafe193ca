//! The demo clinic: enough to try every booking mode on one machine. LINE credentials are left
//! empty, so the clinic runs in sandbox mode.

use app::actions::booking::{self, Booking};
use app::actions::settings;
use app::booking::hours::Interval;
use app::booking::ids::ClinicId;
use app::booking::model::{Approval, BookingMode, MenuSpec, ResourceKind, ResourceSpec};
use app::booking::BookingSource;
use app::error::Problem;
use app::i18n::Lang;
use app::store::*;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};

pub const DEMO_SLUG: &str = "demo";

fn hours(from: (u32, u32), to: (u32, u32)) -> Interval {
    Interval { opens: from.0 * 60 + from.1, closes: to.0 * 60 + to.1 }
}

/// Creates the demo clinic unless it exists. Returns its id either way.
pub async fn seed_demo(store: &dyn Store, now: DateTime<Utc>) -> anyhow::Result<ClinicId> {
    seed_demo_as(store, DEMO_SLUG, now).await
}

/// The demo clinic under another address name (e.g. a second copy connected to a LINE test
/// channel). All of it is written in one transaction, through the same checks as the owner's
/// settings; an instance started at the same moment on the same database (PostgreSQL) either
/// finds the clinic or loses the race for its address name and then finds it.
pub async fn seed_demo_as(store: &dyn Store, slug: &str, now: DateTime<Utc>) -> anyhow::Result<ClinicId> {
    // Hashed before the transaction: Argon2 takes a while, the write lock should not.
    let password_hash = crate::staff::hash_password(DEMO_PASSWORD)?;
    let mut tx = store.write().await?;
    if let Some(existing) = tx.clinic_by_slug(slug).await? {
        tracing::info!(clinic = slug, "demo clinic already present");
        // A demo clinic seeded before staff accounts existed gets its demo accounts; a clinic
        // that has staff or LINE channels (a real one under this name) never gets a known
        // password.
        let unstaffed = tx.staff_members(existing.id).await?.is_empty();
        if unstaffed && tx.line_settings(existing.id).await?.is_none() {
            match seed_demo_staff(tx.as_mut(), Editor { clinic: existing.id, actor: Actor::System, now }, slug, &password_hash).await {
                Ok(()) => {}
                // Another instance starting at the same moment made them.
                Err(Problem::EmailTaken) => return Ok(existing.id),
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        return Ok(existing.id);
    }
    match create_demo(tx.as_mut(), slug, now, &password_hash).await {
        Ok(id) => {
            tx.commit().await?;
            tracing::info!(clinic = slug, "demo clinic created");
            Ok(id)
        }
        Err(Problem::SlugTaken) => {
            drop(tx);
            tracing::info!(clinic = slug, "demo clinic created by another instance");
            let mut db = store.read().await?;
            Ok(db.clinic_by_slug(slug).await?.ok_or_else(|| anyhow::anyhow!("demo clinic {slug} vanished"))?.id)
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_demo(tx: &mut dyn Write, slug: &str, now: DateTime<Utc>, password_hash: &str) -> Result<ClinicId, Problem> {
    let (name_ja, name_en) = if slug == DEMO_SLUG {
        ("さくら内科クリニック(デモ)".to_string(), "Sakura Internal Medicine (demo)".to_string())
    } else {
        (format!("さくら内科クリニック({slug})"), format!("Sakura Internal Medicine ({slug})"))
    };
    let new = NewClinic { slug: slug.into(), name_ja, name_en, time_zone: chrono_tz::Asia::Tokyo, open_on_holidays: false };
    let clinic_id = settings::create_clinic(tx, &new, now).await?;
    let by = Editor { clinic: clinic_id, actor: Actor::System, now };

    let resource = |name_ja: &str, name_en: &str, kind| ResourceSpec { name_ja: name_ja.into(), name_en: name_en.into(), kind };
    let yamada = settings::save_resource(tx, by, None, &resource("山田 医師", "Dr. Yamada", ResourceKind::Practitioner)).await?;
    let sato = settings::save_resource(tx, by, None, &resource("佐藤 医師", "Dr. Sato", ResourceKind::Practitioner)).await?;
    let room = settings::save_resource(tx, by, None, &resource("健診室", "Check-up room", ResourceKind::Room)).await?;

    // Morning and afternoon surgery with a lunch break.
    let (morning, afternoon) = (hours((9, 0), (12, 30)), hours((14, 0), (18, 0)));
    for day in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri] {
        settings::set_weekday_hours(tx, by, yamada, day, &[morning, afternoon], settings::OnVisits::Refuse).await?;
    }
    settings::set_weekday_hours(tx, by, yamada, Weekday::Sat, &[morning], settings::OnVisits::Refuse).await?;
    for day in [Weekday::Mon, Weekday::Wed, Weekday::Fri, Weekday::Sat] {
        settings::set_weekday_hours(tx, by, sato, day, &[hours((9, 0), (12, 0))], settings::OnVisits::Refuse).await?;
    }
    for day in [Weekday::Tue, Weekday::Thu] {
        settings::set_weekday_hours(tx, by, room, day, &[hours((9, 0), (12, 0))], settings::OnVisits::Refuse).await?;
    }

    let base = MenuSpec {
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
        active: true,
        several_per_day: false,
        near_turn: 3,
    };
    let first_visit = MenuSpec { name_ja: "初診".into(), name_en: "First visit".into(), ..base.clone() };
    let first_visit = settings::save_menu(tx, by, None, &first_visit).await?;
    let question = |label_ja: &str, label_en: &str, kind, choices: (&[&str], &[&str]), required| QuestionSpec {
        label_ja: label_ja.into(),
        label_en: label_en.into(),
        kind,
        choices_ja: choices.0.iter().map(|c| c.to_string()).collect(),
        choices_en: choices.1.iter().map(|c| c.to_string()).collect(),
        required,
    };
    let questions = [
        question("今日はどうされましたか", "What brings you in?", QuestionKind::Text, (&[], &[]), true),
        question(
            "症状はいつからですか",
            "Since when?",
            QuestionKind::Choice,
            (&["今日", "2〜3日前", "1週間以上前"], &["Today", "2–3 days", "Over a week"]),
            true,
        ),
        question("お薬のアレルギーはありますか", "Any drug allergies?", QuestionKind::YesNo, (&[], &[]), false),
    ];
    for q in &questions {
        settings::save_question(tx, by, None, first_visit, q).await?;
    }
    let follow_up = MenuSpec {
        name_ja: "再診".into(),
        name_en: "Follow-up visit".into(),
        duration_minutes: 15,
        approval: Approval::AutoConfirm,
        cancel_cutoff_minutes: 3 * 60,
        ..base.clone()
    };
    settings::save_menu(tx, by, None, &follow_up).await?;
    let checkup = MenuSpec {
        name_ja: "健康診断".into(),
        name_en: "Health check-up".into(),
        duration_minutes: 60,
        mode: BookingMode::TimeBand { capacity: 3 },
        min_notice_minutes: 24 * 60,
        horizon_days: 60,
        resource_ids: vec![room],
        ..base.clone()
    };
    let checkup = settings::save_menu(tx, by, None, &checkup).await?;
    let vaccination = MenuSpec {
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
    };
    settings::save_menu(tx, by, None, &vaccination).await?;

    settings::save_privacy_notice(
        tx,
        by,
        "ご提供いただいた個人情報(氏名・連絡先・問診の回答)は、診療の予約と連絡のためにのみ利用し、法令に基づく場合を除き第三者に提供しません。",
        "Your personal information (name, contact details, answers) is used only to book and contact you about your visit, and is not shared with third parties except as required by law.",
    )
    .await?;

    // The clinic's own holiday at the turn of the year (年末年始休診).
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let year = if (today.month(), today.day()) > (12, 28) { today.year() + 1 } else { today.year() };
    for (y, m, d) in [(year, 12, 29), (year, 12, 30), (year, 12, 31), (year + 1, 1, 2), (year + 1, 1, 3)] {
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            settings::add_exception(tx, by, date, None, None, settings::OnVisits::Refuse).await?;
        }
    }

    // Two phone patients with appointments, so the calendar and the inbox are not empty: a
    // first visit booked by reception (confirmed) and a check-up request waiting for approval.
    let clinic = tx.clinic(clinic_id).await?.ok_or_else(|| Problem::internal("the demo clinic vanished"))?;
    let menus = tx.menus(clinic_id).await?;
    let patients = [
        ("山本 一郎", "ヤマモト イチロウ", "090-1234-5678", first_visit, BookingSource::Reception),
        ("田中 花子", "タナカ ハナコ", "080-2345-6789", checkup, BookingSource::Patient),
    ];
    for (i, (name, furigana, phone, menu_id, source)) in patients.into_iter().enumerate() {
        let details = PatientDetails { name: name.into(), furigana: furigana.into(), phone: phone.into(), birth_date: None };
        let new = NewPatient { clinic_id, identity: Identity::Offline, details, language: Lang::Ja };
        let patient = tx.insert_patient(&new, now).await?.ok_or_else(|| Problem::internal("a demo patient was not inserted"))?;
        let Some(menu) = menus.iter().find(|m| m.id == menu_id) else { continue };
        let from = today + Days::new(2);
        let offers = booking::availability(tx, &clinic, menu, from, from + Days::new(14), now).await?;
        if let Some(offer) = offers.get(i * 3) {
            let b = Booking {
                clinic: clinic_id,
                menu: menu_id,
                resource: offer.resource_id,
                starts_at: offer.starts_at,
                patient,
                actor: Actor::System,
                source,
                answers: Vec::new(),
                replaces: None,
                now,
            };
            booking::book(tx, &b).await?;
        }
    }
    seed_demo_staff(tx, by, slug, password_hash).await?;
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
async fn seed_demo_staff(tx: &mut dyn Write, by: Editor, slug: &str, password_hash: &str) -> Result<(), Problem> {
    for (role, name) in [(StaffRole::Owner, "院長(デモ)"), (StaffRole::Staff, "受付(デモ)")] {
        let email = demo_staff_email(role, slug);
        if tx.staff_by_email(&email).await?.is_some() {
            continue;
        }
        settings::add_staff(tx, by, &email, name, role, password_hash.to_string()).await?;
        tracing::info!(clinic = slug, %email, "demo staff account created");
    }
    Ok(())
}

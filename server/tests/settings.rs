//! The clinic's settings as the owner changes them (`app::actions::settings`), on SQLite and
//! PostgreSQL: hours and closures change what patients can book at once, menus keep every rule,
//! questions are kept in order and stay once answered, ids of another clinic are not found and
//! change nothing, and every change is audited in its own transaction. Staff accounts, LINE and
//! the privacy notice: `settings_staff.rs`; the server functions over HTTP: `settings_http.rs`.

mod support;

use app::actions::booking::availability;
use app::booking::hours::Interval;
use app::booking::ids::*;
use app::booking::model::*;
use app::booking::status::AppointmentStatus;
use app::notify::NoticeType;
use app::store::*;
use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use support::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn iv(opens: u32, closes: u32) -> Interval {
    Interval { opens, closes }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("time")
}

/// An owner account of `clinic` (added by the system, as the command line adds one), as the
/// editor of its settings.
async fn owner(store: &dyn Store, clinic: ClinicId, email: &str) -> Editor {
    let by = system(clinic);
    let staff = in_tx!(store, |tx| settings::add_staff(tx, by, email, "院長", StaffRole::Owner, "unused".into()).await).expect("owner");
    Editor { clinic, actor: Actor::Staff(staff), now: now() }
}

/// The settings audit, newest first.
async fn audit(store: &dyn Store, clinic: ClinicId) -> Vec<SettingsAuditEntry> {
    read(store).await.settings_audit(clinic, 500).await.expect("audit")
}

/// The audit of the changes a test made: the fixture's (clinic, hours, menus, accounts) are the
/// system's.
async fn changes(store: &dyn Store, clinic: ClinicId) -> Vec<SettingsAuditEntry> {
    audit(store, clinic).await.into_iter().filter(|a| a.actor != Actor::System).collect()
}

async fn changed_areas(store: &dyn Store, clinic: ClinicId) -> Vec<&'static str> {
    changes(store, clinic).await.into_iter().map(|a| a.area.as_str()).collect()
}

async fn menus(store: &dyn Store, clinic: ClinicId) -> Vec<Menu> {
    read(store).await.menus(clinic).await.expect("menus")
}

/// The start times (Tokyo, `HH:MM`) patients are offered for `menu` on `day` (none for a menu
/// that is hidden from them).
async fn offered(store: &dyn Store, clinic: ClinicId, menu: MenuId, day: NaiveDate) -> Vec<String> {
    let mut db = read(store).await;
    let clinic = db.clinic(clinic).await.expect("read").expect("clinic");
    let Some(menu) = db.menus(clinic.id).await.expect("menus").into_iter().find(|m| m.id == menu && m.active) else { return Vec::new() };
    availability(db.as_mut(), &clinic, &menu, day, day, now())
        .await
        .expect("availability")
        .iter()
        .map(|o| o.starts_at.with_timezone(&TOKYO).format("%H:%M").to_string())
        .collect()
}

/// A practitioner's or room's hours on one weekday, as stored.
async fn hours_of(store: &dyn Store, clinic: ClinicId, resource: ResourceId, weekday: Weekday) -> Vec<Interval> {
    let hours = read(store).await.opening_hours(clinic).await.expect("hours");
    hours.into_iter().filter(|h| h.resource_id == resource && h.weekday == weekday).map(|h| Interval::of_times(h.opens, h.closes)).collect()
}

fn invalid<T: std::fmt::Debug>(result: Result<T, Problem>) -> Vec<String> {
    match result {
        Err(Problem::Invalid(fields)) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("expected a refusal of the form, got {other:?}"),
    }
}

fn not_found<T: std::fmt::Debug>(result: Result<T, Problem>, what: &str) {
    assert!(matches!(result, Err(Problem::NotFound(_))), "{what}: {result:?}");
}

async fn weekly_hours_change_what_patients_can_book(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "hours").await;
    let by = owner(s, c.clinic, "owner@hours.jp").await;
    let tuesday = date(2030, 1, 8);
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]);

    // A break from 10:00 to 11:00 on Tuesdays.
    let tuesdays = [iv(11 * 60, 12 * 60), iv(9 * 60, 10 * 60)];
    in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, Weekday::Tue, &tuesdays, settings::OnVisits::Refuse).await).expect("hours");
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await, ["09:00", "09:30", "11:00", "11:30"]);
    // Other weekdays keep their hours.
    assert_eq!(offered(s, c.clinic, c.slot, date(2030, 1, 9)).await.len(), 6);
    assert_eq!(hours_of(s, c.clinic, c.doctor, Weekday::Tue).await, [iv(540, 600), iv(660, 720)]);

    // Closed on Tuesdays.
    in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, Weekday::Tue, &[], settings::OnVisits::Refuse).await).expect("closed");
    assert!(offered(s, c.clinic, c.slot, tuesday).await.is_empty());

    // Broken hours are refused on the day's field and change nothing.
    for broken in [vec![iv(600, 540)], vec![iv(540, 700), iv(600, 720)], vec![iv(540, 1500)]] {
        let refused = in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, Weekday::Wed, &broken, settings::OnVisits::Refuse).await);
        assert_eq!(invalid(refused), [format!("hours-{}-2", c.doctor)], "{broken:?}");
    }
    assert_eq!(offered(s, c.clinic, c.slot, date(2030, 1, 9)).await.len(), 6);
    // Open until midnight is allowed (stored as 1440).
    in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, Weekday::Wed, &[iv(22 * 60, 1440)], settings::OnVisits::Refuse).await).expect("until 24:00");
    assert_eq!(hours_of(s, c.clinic, c.doctor, Weekday::Wed).await, [iv(1320, 1440)]);
    assert_eq!(offered(s, c.clinic, c.slot, date(2030, 1, 9)).await[..3], ["22:00", "22:30", "23:00"]);

    let audit = changes(s, c.clinic).await;
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(audit.iter().all(|a| a.area == SettingsArea::Hours && a.actor == by.actor && a.staff_name.as_deref() == Some("院長")), "{audit:?}");
    assert!(audit[0].summary.contains("22:00–24:00"), "{}", audit[0].summary);
}

async fn closures_extra_hours_and_holidays(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "closures").await;
    let by = owner(s, c.clinic, "owner@closures.jp").await;
    let tuesday = date(2030, 1, 8);

    let closure = in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, None, None, settings::OnVisits::Refuse).await).expect("closure");
    assert!(offered(s, c.clinic, c.slot, tuesday).await.is_empty());
    assert!(offered(s, c.clinic, c.band, tuesday).await.is_empty());
    in_tx!(s, |tx| settings::remove_exception(tx, by, closure, settings::OnVisits::Refuse).await).expect("remove");
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await.len(), 6);

    // Extra afternoon hours for the doctor only.
    in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, Some(c.doctor), Some(iv(14 * 60, 15 * 60)), settings::OnVisits::Refuse).await).expect("extra");
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "14:00", "14:30"]);
    let listed = read(s).await.exceptions(c.clinic, tuesday, date(2100, 1, 1)).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].resource_id, listed[0].kind), (Some(c.doctor), ExceptionKind::ExtraHours { opens: hm(14, 0), closes: hm(15, 0) }));
    let backwards = in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, None, Some(iv(900, 840)), settings::OnVisits::Refuse).await);
    assert_eq!(invalid(backwards), ["exception-closes"]);

    // 14 January 2030 is 成人の日: open while the clinic opens on holidays, closed after.
    let holiday = date(2030, 1, 14);
    assert_eq!(offered(s, c.clinic, c.slot, holiday).await.len(), 6);
    let options = ClinicOptions { open_on_holidays: false, reminder_hour: 19, booking_limit: 4 };
    in_tx!(s, |tx| settings::set_options(tx, by, options).await).expect("options");
    assert!(offered(s, c.clinic, c.slot, holiday).await.is_empty());
    assert_eq!(read(s).await.clinic_options(c.clinic).await.expect("options"), options);
    let refused = in_tx!(s, |tx| settings::set_options(tx, by, ClinicOptions { open_on_holidays: true, reminder_hour: 24, booking_limit: 3 }).await);
    assert_eq!(invalid(refused), ["reminder_hour"]);
    assert_eq!(read(s).await.clinic_options(c.clinic).await.expect("options"), options);
    assert_eq!(changed_areas(s, c.clinic).await, ["clinic", "closure", "closure", "closure"]);
}

async fn menus_keep_every_rule(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "menus").await;
    let by = owner(s, c.clinic, "owner@menus.jp").await;
    let all = menus(s, c.clinic).await;
    assert_eq!(all.len(), 4);
    let slot = all.into_iter().find(|m| m.id == c.slot).expect("slot");
    let spec = MenuSpec {
        name_ja: "初診".into(),
        name_en: "First visit".into(),
        duration_minutes: 60,
        mode: BookingMode::TimeSlot { seats: 2 },
        buffer_before_minutes: 5,
        buffer_after_minutes: 10,
        min_notice_minutes: 120,
        horizon_days: 14,
        cancel_cutoff_minutes: 1440,
        approval: Approval::AutoConfirm,
        hold_minutes: 30,
        resource_ids: vec![c.room, c.doctor],
        ..slot.spec.clone()
    };
    assert_eq!(in_tx!(s, |tx| settings::save_menu(tx, by, Some(c.slot), &spec).await).expect("save"), c.slot);
    let saved = menus(s, c.clinic).await.into_iter().find(|m| m.id == c.slot).expect("slot");
    let mut expected = Menu { spec: spec.clone(), ..slot };
    expected.spec.resource_ids.sort();
    assert_eq!(saved, expected);

    // Inactive: patients can no longer book it; the owner still sees it.
    let hidden = MenuSpec { active: false, ..saved.spec.clone() };
    in_tx!(s, |tx| settings::save_menu(tx, by, Some(c.slot), &hidden).await).expect("deactivate");
    assert!(offered(s, c.clinic, c.slot, date(2030, 1, 8)).await.is_empty());
    let patient = patients(s, c.clinic, 1).await[0];
    let refused = book(s, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 9, 0), patient)).await;
    assert!(matches!(refused, Err(Problem::NotFound(app::error::Missing::Menu))), "{refused:?}");
    assert!(menus(s, c.clinic).await.iter().any(|m| m.id == c.slot && !m.active));

    // A new menu, shown after the others.
    let new = menu("健診", BookingMode::TimeBand { capacity: 4 }, 60, c.room);
    let id = in_tx!(s, |tx| settings::save_menu(tx, by, None, &new).await).expect("create");
    let all = menus(s, c.clinic).await;
    assert_eq!(all.last().map(|m| (m.id, m.mode)), Some((id, BookingMode::TimeBand { capacity: 4 })));
    assert!(!offered(s, c.clinic, id, date(2030, 1, 8)).await.is_empty());

    // An unknown resource is refused and nothing changes.
    let broken = MenuSpec { resource_ids: vec![ResourceId(9999)], ..hidden.clone() };
    assert_eq!(invalid(in_tx!(s, |tx| settings::save_menu(tx, by, Some(c.slot), &broken).await)), ["menu-resources"]);
    let kept = menus(s, c.clinic).await.into_iter().find(|m| m.id == c.slot).expect("slot");
    assert!(!kept.active && kept.resource_ids == saved.resource_ids, "{kept:?}");

    let audit = changes(s, c.clinic).await;
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(audit.iter().all(|a| a.area == SettingsArea::Menu));
    assert!(audit[2].summary.contains("初診") && audit[2].summary.contains("auto-confirm"), "{}", audit[2].summary);

    // Resources: add and rename.
    let nurse = ResourceSpec { name_ja: "看護師".into(), name_en: "Nurse".into(), kind: ResourceKind::Practitioner };
    let nurse = in_tx!(s, |tx| settings::save_resource(tx, by, None, &nurse).await).expect("add");
    let renamed = ResourceSpec { name_ja: "看護師A".into(), name_en: "Nurse A".into(), kind: ResourceKind::Practitioner };
    assert_eq!(in_tx!(s, |tx| settings::save_resource(tx, by, Some(nurse), &renamed).await).expect("rename"), nurse);
    let stored = read(s).await.resources(c.clinic).await.expect("resources").into_iter().find(|r| r.id == nurse).expect("nurse");
    assert_eq!((stored.name_ja.as_str(), stored.name_en.as_str()), ("看護師A", "Nurse A"));
    assert_eq!(changed_areas(s, c.clinic).await[..2], ["resource", "resource"]);
}

/// A settings change and its audit entry are one transaction: a refused change leaves neither,
/// a change that is not committed leaves neither (and shows neither to a reader meanwhile), a
/// committed one leaves both.
async fn a_settings_change_and_its_audit_are_one_transaction(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "atomic").await;
    let by = owner(s, c.clinic, "owner@atomic.jp").await;
    let (menus_before, audit_before) = (menus(s, c.clinic).await, audit(s, c.clinic).await);

    // Refused: a new menu without a duration, a change of one without a name.
    let checkup = menu("健診", BookingMode::TimeBand { capacity: 4 }, 60, c.room);
    let broken = MenuSpec { duration_minutes: 0, ..checkup.clone() };
    assert_eq!(invalid(in_tx!(s, |tx| settings::save_menu(tx, by, None, &broken).await)), ["menu-duration_minutes"]);
    let nameless = MenuSpec { name_ja: " ".into(), ..menus_before[0].spec.clone() };
    assert_eq!(invalid(in_tx!(s, |tx| settings::save_menu(tx, by, Some(c.slot), &nameless).await)), ["menu-name_ja"]);
    assert_eq!(menus(s, c.clinic).await, menus_before);
    assert_eq!(audit(s, c.clinic).await, audit_before);

    // Saved in a transaction that is dropped: both were written in it, neither stays.
    {
        let mut tx = s.write().await.expect("begin");
        let id = settings::save_menu(tx.as_mut(), by, None, &checkup).await.expect("saved in the transaction");
        assert!(tx.menus(c.clinic).await.expect("menus").iter().any(|m| m.id == id));
        let entry = tx.settings_audit(c.clinic, 1).await.expect("audit").remove(0);
        assert!(entry.area == SettingsArea::Menu && entry.summary.contains(&format!("#{id} ")), "{entry:?}");
        assert_eq!(menus(s, c.clinic).await, menus_before, "not visible before the commit");
        assert_eq!(audit(s, c.clinic).await, audit_before, "not visible before the commit");
        drop(tx);
    }
    assert_eq!(menus(s, c.clinic).await, menus_before);
    assert_eq!(audit(s, c.clinic).await, audit_before);

    // A change that fails after a first one in the same transaction takes the first one along.
    let both = in_tx!(s, |tx| {
        settings::save_menu(tx, by, None, &checkup).await?;
        settings::save_menu(tx, by, None, &broken).await
    });
    assert_eq!(invalid(both), ["menu-duration_minutes"]);
    assert_eq!(menus(s, c.clinic).await, menus_before);
    assert_eq!(audit(s, c.clinic).await, audit_before);

    // Committed: the menu, and exactly one audit entry naming it.
    let id = in_tx!(s, |tx| settings::save_menu(tx, by, None, &checkup).await).expect("saved");
    let after = menus(s, c.clinic).await;
    assert_eq!(after[..menus_before.len()], menus_before[..]);
    assert_eq!(after[menus_before.len()..], [Menu { id, clinic_id: c.clinic, spec: checkup }]);
    let audit = audit(s, c.clinic).await;
    assert_eq!(audit.len(), audit_before.len() + 1);
    assert_eq!(audit[1..], audit_before[..]);
    let entry = &audit[0];
    assert_eq!((entry.area, entry.actor, entry.at), (SettingsArea::Menu, by.actor, by.now));
    assert!(entry.summary.starts_with(&format!("#{id} ")) && entry.summary.contains("健診"), "{}", entry.summary);
}

async fn questions_are_added_edited_moved_and_removed(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "questions").await;
    let by = owner(s, c.clinic, "owner@questions.jp").await;
    let q = |label: &str| QuestionSpec {
        label_ja: label.into(),
        label_en: label.into(),
        kind: QuestionKind::Text,
        choices_ja: vec![],
        choices_en: vec![],
        required: false,
    };
    let slot_questions =
        || async { read(s).await.questions(c.clinic).await.expect("questions").into_iter().filter(|q| q.menu_id == c.slot).collect::<Vec<_>>() };
    let labels = |qs: Vec<Question>| qs.into_iter().map(|q| q.spec.label_ja).collect::<Vec<_>>();
    let a = in_tx!(s, |tx| settings::save_question(tx, by, None, c.slot, &q("a")).await).expect("a");
    let b = in_tx!(s, |tx| settings::save_question(tx, by, None, c.slot, &q("b")).await).expect("b");
    let d = in_tx!(s, |tx| settings::save_question(tx, by, None, c.slot, &q("c")).await).expect("c");
    in_tx!(s, |tx| settings::move_question(tx, by, d, true).await).expect("up");
    in_tx!(s, |tx| settings::move_question(tx, by, a, true).await).expect("already first");
    assert_eq!(labels(slot_questions().await), ["a", "c", "b"]);

    let choice = QuestionSpec {
        kind: QuestionKind::Choice,
        choices_ja: vec!["はい".into(), "いいえ".into()],
        choices_en: vec!["Yes".into(), "No".into()],
        required: true,
        ..q("熱はありますか")
    };
    assert_eq!(in_tx!(s, |tx| settings::save_question(tx, by, Some(b), c.slot, &choice).await).expect("edit"), b);
    let stored = slot_questions().await.into_iter().find(|x| x.id == b).expect("b");
    assert_eq!(stored, Question { id: b, menu_id: c.slot, spec: choice.clone() });
    let uneven = QuestionSpec { choices_en: vec!["Yes".into()], ..choice };
    assert_eq!(invalid(in_tx!(s, |tx| settings::save_question(tx, by, Some(b), c.slot, &uneven).await)), ["question-choices_en"]);

    in_tx!(s, |tx| settings::remove_question(tx, by, d).await).expect("remove");
    assert_eq!(labels(slot_questions().await), ["a", "熱はありますか"]);

    // A question a patient has answered stays.
    let patient = patients(s, c.clinic, 1).await[0];
    let mut request = booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 9, 0), patient);
    request.answers = vec![(a, "頭痛".into())];
    book(s, &request).await.expect("book");
    let refused = in_tx!(s, |tx| settings::remove_question(tx, by, a).await);
    assert!(matches!(refused, Err(Problem::QuestionAnswered)), "{refused:?}");
    assert_eq!(slot_questions().await.len(), 2);
    let areas = changed_areas(s, c.clinic).await;
    assert_eq!(areas.len(), 6, "{areas:?}");
    assert!(areas.iter().all(|a| *a == "question"), "{areas:?}");
}

/// The owner of clinic B sends ids of clinic A: every change is refused, as `NotFound` where it
/// names A's thing, and clinic A's settings and both audits stay as they were.
async fn ids_of_another_clinic_are_not_found_and_change_nothing(db: &TestDb) {
    let s = db.store.as_ref();
    let a = clinic(s, "clinic-a").await;
    let b = clinic(s, "clinic-b").await;
    let owner_a = owner(s, a.clinic, "owner@a.jp").await;
    let owner_b = owner(s, b.clinic, "owner@b.jp").await;
    let spec =
        QuestionSpec { label_ja: "質問".into(), label_en: "Q".into(), kind: QuestionKind::Text, choices_ja: vec![], choices_en: vec![], required: false };
    let question = in_tx!(s, |tx| settings::save_question(tx, owner_a, None, a.slot, &spec).await).expect("question");
    let closure = in_tx!(s, |tx| settings::add_exception(tx, owner_a, date(2030, 1, 8), None, None, settings::OnVisits::Refuse).await).expect("closure");

    let snapshot = |c: ClinicId| async move {
        let mut db = read(s).await;
        (
            db.menus(c).await.expect("menus"),
            db.resources(c).await.expect("resources"),
            db.opening_hours(c).await.expect("hours"),
            db.exceptions(c, date(2000, 1, 1), date(2100, 1, 1)).await.expect("exceptions"),
            db.questions(c).await.expect("questions"),
        )
    };
    let (before_a, before_b) = (snapshot(a.clinic).await, snapshot(b.clinic).await);
    let (audit_a, audit_b) = (audit(s, a.clinic).await, audit(s, b.clinic).await);

    let a_menu = menus(s, a.clinic).await.remove(0);
    // A's menu, with B's own doctor: not found.
    let with_b_doctor = MenuSpec { resource_ids: vec![b.doctor], ..a_menu.spec.clone() };
    not_found(in_tx!(s, |tx| settings::save_menu(tx, owner_b, Some(a_menu.id), &with_b_doctor).await), "menu of A");
    // A's menu as it is (A's resources): refused too.
    assert!(in_tx!(s, |tx| settings::save_menu(tx, owner_b, Some(a_menu.id), &a_menu.spec).await).is_err());
    // B's own menu may not be linked to A's resources, whether it exists or is new.
    let b_menu = menus(s, b.clinic).await.remove(0);
    let linked = MenuSpec { resource_ids: vec![a.doctor], ..b_menu.spec.clone() };
    assert_eq!(invalid(in_tx!(s, |tx| settings::save_menu(tx, owner_b, Some(b_menu.id), &linked).await)), ["menu-resources"]);
    assert_eq!(invalid(in_tx!(s, |tx| settings::save_menu(tx, owner_b, None, &linked).await)), ["menu-resources"]);
    let renamed = resource("x", ResourceKind::Room);
    not_found(in_tx!(s, |tx| settings::save_resource(tx, owner_b, Some(a.doctor), &renamed).await), "resource of A");
    not_found(in_tx!(s, |tx| settings::set_weekday_hours(tx, owner_b, a.doctor, Weekday::Tue, &[], settings::OnVisits::Refuse).await), "hours of A");
    not_found(
        in_tx!(s, |tx| settings::add_exception(tx, owner_b, date(2030, 1, 9), Some(a.doctor), None, settings::OnVisits::Refuse).await),
        "closure of A's doctor",
    );
    not_found(in_tx!(s, |tx| settings::remove_exception(tx, owner_b, closure, settings::OnVisits::Refuse).await), "closure of A");
    let changed = QuestionSpec { label_ja: "変更".into(), ..spec.clone() };
    not_found(in_tx!(s, |tx| settings::save_question(tx, owner_b, Some(question), b.slot, &changed).await), "question of A");
    not_found(in_tx!(s, |tx| settings::save_question(tx, owner_b, None, a.slot, &spec).await), "new question on A's menu");
    not_found(in_tx!(s, |tx| settings::remove_question(tx, owner_b, question).await), "remove A's question");
    not_found(in_tx!(s, |tx| settings::move_question(tx, owner_b, question, false).await), "move A's question");

    assert_eq!(snapshot(a.clinic).await, before_a);
    assert_eq!(snapshot(b.clinic).await, before_b);
    assert_eq!(audit(s, a.clinic).await, audit_a);
    assert_eq!(audit(s, b.clinic).await, audit_b);
    assert!(changes(s, b.clinic).await.is_empty());
    assert_eq!(offered(s, a.clinic, a.slot, date(2030, 1, 9)).await.len(), 6);
}

async fn a_closure_over_booked_visits_is_the_owners_choice(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "closure-visits").await;
    connect_line(s, c.clinic, test_line_settings()).await;
    let by = owner(s, c.clinic, "owner@closure.jp").await;
    let tuesday = date(2030, 1, 8);
    let p = patients(s, c.clinic, 3).await;
    let request = book(s, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 10, 0), p[0])).await.expect("request");
    let visit = book(s, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 8, 11, 0), p[1])).await.expect("visit");
    let room = book(s, &booking(c.clinic, c.band, c.room, tokyo(2030, 1, 8, 9, 0), p[2])).await.expect("room");
    assert_eq!((request.status, visit.status), (AppointmentStatus::Requested, AppointmentStatus::Confirmed));
    let status = |id| async move { read(s).await.appointment(c.clinic, id).await.expect("read").expect("appointment") };

    // Not without the owner's choice: nothing is saved, nothing cancelled.
    let refused = in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, Some(c.doctor), None, settings::OnVisits::Refuse).await);
    assert!(matches!(refused, Err(Problem::ClosureHasVisits { count: 2 })), "{refused:?}");
    let no_message = in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, Some(c.doctor), None, settings::OnVisits::CancelWith("  ".into())).await);
    assert!(matches!(no_message, Err(Problem::Invalid(ref f)) if f[0].field == "exception-message"), "{no_message:?}");
    assert!(read(s).await.exceptions(c.clinic, tuesday, tuesday).await.expect("exceptions").is_empty());
    assert_eq!(status(visit.id).await.status, AppointmentStatus::Confirmed);
    // Extra hours fall on nobody.
    let extra = in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, Some(c.doctor), Some(iv(14 * 60, 15 * 60)), settings::OnVisits::Refuse).await);
    assert!(extra.is_ok(), "{extra:?}");

    // Cancelled with the message, each patient told; the room stays open and booked.
    let message = settings::OnVisits::CancelWith("臨時休診のため".into());
    in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, Some(c.doctor), None, message.clone()).await).expect("closed");
    let (request_now, visit_now) = (status(request.id).await, status(visit.id).await);
    assert_eq!((request_now.status, request_now.note.as_deref()), (AppointmentStatus::Declined, Some("臨時休診のため")));
    assert_eq!((visit_now.status, visit_now.note.as_deref()), (AppointmentStatus::CancelledByClinic, Some("臨時休診のため")));
    assert_eq!(status(room.id).await.status, AppointmentStatus::Requested);
    let told: Vec<NoticeType> = read(s).await.notifications(c.clinic, &[request.id, visit.id]).await.expect("notices").into_iter().map(|n| n.notice).collect();
    // (The visit was confirmed at once when booked, and told so then.)
    assert_eq!(told, [NoticeType::Confirmed, NoticeType::Declined, NoticeType::CancelledByClinic]);
    assert!(audit(s, c.clinic).await[0].summary.contains("2件取り消し"), "{:?}", audit(s, c.clinic).await[0]);
    // The whole clinic on that day now falls only on the room's request.
    let hit = settings::on_closure(read(s).await.as_mut(), c.clinic, tuesday, None, now()).await.expect("read");
    assert_eq!(hit.iter().map(|a| a.id).collect::<Vec<_>>(), [room.id]);
}

async fn new_hours_over_booked_visits_are_the_owners_choice(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "hours-visits").await;
    connect_line(s, c.clinic, test_line_settings()).await;
    let by = owner(s, c.clinic, "owner@hours.jp").await;
    let p = patients(s, c.clinic, 4).await;
    // Tuesdays 8 and 15 January; the clinic opens 9:00–12:00 every day.
    let late_request = book(s, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 11, 30), p[0])).await.expect("request");
    let early = book(s, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 8, 9, 0), p[1])).await.expect("early visit");
    let next_week = book(s, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 15, 11, 30), p[2])).await.expect("next week");
    let wednesday = book(s, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 9, 11, 30), p[3])).await.expect("wednesday");
    let status = |id| async move { read(s).await.appointment(c.clinic, id).await.expect("read").expect("appointment") };
    let mornings = [iv(9 * 60, 11 * 60)];

    // Extra hours on the 15th keep that visit inside the hours patients see.
    in_tx!(s, |tx| settings::add_exception(tx, by, date(2030, 1, 15), Some(c.doctor), Some(iv(11 * 60, 12 * 60)), settings::OnVisits::Refuse).await)
        .expect("extra hours");
    let clinic_now = read(s).await.clinic(c.clinic).await.expect("read").expect("clinic");
    let outside = settings::outside_new_hours(read(s).await.as_mut(), &clinic_now, c.doctor, Weekday::Tue, &mornings, now()).await.expect("read");
    assert_eq!(outside.iter().map(|a| a.id).collect::<Vec<_>>(), [late_request.id], "the 9:00 visit, the 15th and Wednesday stay inside");

    // Not without the owner's choice: nothing is saved, nothing cancelled.
    let refused = in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, Weekday::Tue, &mornings, settings::OnVisits::Refuse).await);
    assert!(matches!(refused, Err(Problem::HoursHaveVisits { count: 1 })), "{refused:?}");
    let no_message = in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, Weekday::Tue, &mornings, settings::OnVisits::CancelWith(" ".into())).await);
    assert!(matches!(no_message, Err(Problem::Invalid(ref f)) if f[0].field == "hours-message"), "{no_message:?}");
    assert!(offered(s, c.clinic, c.slot, date(2030, 1, 22)).await.contains(&"11:30".to_string()), "the hours are as they were");
    assert_eq!(status(late_request.id).await.status, AppointmentStatus::Requested);

    // Closed on Tuesdays altogether: the 15th keeps its extra hour, the rest of Tuesday goes.
    let message = settings::OnVisits::CancelWith("診療時間の変更のため".into());
    in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, Weekday::Tue, &[], message.clone()).await).expect("saved");
    let (request_now, early_now) = (status(late_request.id).await, status(early.id).await);
    assert_eq!((request_now.status, request_now.note.as_deref()), (AppointmentStatus::Declined, Some("診療時間の変更のため")));
    assert_eq!((early_now.status, early_now.note.as_deref()), (AppointmentStatus::CancelledByClinic, Some("診療時間の変更のため")));
    assert_eq!(status(next_week.id).await.status, AppointmentStatus::Confirmed, "inside the extra hour");
    assert_eq!(status(wednesday.id).await.status, AppointmentStatus::Confirmed, "another weekday");
    let told = |id| async move { read(s).await.notifications(c.clinic, &[id]).await.expect("notices").into_iter().map(|n| n.notice).collect::<Vec<_>>() };
    assert_eq!(told(late_request.id).await, [NoticeType::Declined]);
    assert_eq!(told(early.id).await, [NoticeType::Confirmed, NoticeType::CancelledByClinic], "confirmed when booked, then told");
    assert!(offered(s, c.clinic, c.slot, date(2030, 1, 22)).await.is_empty(), "closed on Tuesdays");
    let last = &audit(s, c.clinic).await[0];
    assert!(last.summary.contains("休み closed") && last.summary.contains("2件取り消し"), "{last:?}");
}

async fn a_closure_or_new_hours_can_offer_each_patient_another_time(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "propose-instead").await;
    connect_line(s, c.clinic, test_line_settings()).await;
    let by = owner(s, c.clinic, "owner@propose.jp").await;
    let tuesday = date(2030, 1, 8);
    let p = patients(s, c.clinic, 2).await;
    let request = book(s, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 10, 0), p[0])).await.expect("request");
    let visit = book(s, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 8, 11, 0), p[1])).await.expect("visit");
    let message = || settings::OnVisits::ProposeWith("臨時休診のため".into());
    let status = |id| async move { read(s).await.appointment(c.clinic, id).await.expect("read").expect("appointment") };
    let told = |id| async move { read(s).await.notifications(c.clinic, &[id]).await.expect("notices").into_iter().map(|n| n.notice).collect::<Vec<_>>() };
    // The clinic's proposals waiting for each patient's answer.
    let patients_of_test = p.clone();
    let proposals = || {
        let p = patients_of_test.clone();
        async move {
            let all = read(s).await.appointments_of(c.clinic, &p).await.expect("read");
            let mut waiting: Vec<Appointment> = all.into_iter().filter(|a| a.proposal && a.status == AppointmentStatus::Requested).collect();
            waiting.sort_by_key(|a| a.patient_id);
            waiting
        }
    };

    in_tx!(s, |tx| settings::add_exception(tx, by, tuesday, Some(c.doctor), None, message()).await).expect("closed");
    let (request_now, visit_now) = (status(request.id).await, status(visit.id).await);
    assert_eq!((request_now.status, request_now.note.as_deref()), (AppointmentStatus::Declined, Some("臨時休診のため")));
    assert_eq!((visit_now.status, visit_now.note.as_deref()), (AppointmentStatus::CancelledByClinic, Some("臨時休診のため")));
    let offered = proposals().await;
    assert_eq!(offered.iter().map(|a| (a.patient_id, a.menu_id)).collect::<Vec<_>>(), [(p[0], c.slot), (p[1], c.auto)], "each patient, their own menu");
    // The earliest free places, today (the clinic opens at 9:00, it is 8:00): one each.
    let mut starts: Vec<_> = offered.iter().map(|a| a.starts_at).collect();
    starts.sort();
    assert_eq!(starts, [tokyo(2030, 1, 7, 9, 0), tokyo(2030, 1, 7, 9, 30)]);
    assert!(offered.iter().all(|a| a.hold_expires_at.is_some_and(|h| h > now())), "held for the patient");
    // Each patient told of the cancellation, then of the proposal.
    assert_eq!(told(request.id).await, [NoticeType::Declined]);
    assert_eq!(told(visit.id).await, [NoticeType::Confirmed, NoticeType::CancelledByClinic]);
    for a in &offered {
        assert_eq!(told(a.id).await, [NoticeType::Proposed]);
    }
    let last = &audit(s, c.clinic).await[0];
    assert!(last.summary.contains("2件取り消し") && last.summary.contains("2件に別日時を提案"), "{last:?}");

    // New hours do the same, and the offer follows them: closing the doctor's days one after
    // another moves the proposals on, until no day is left and the cancellation comes alone.
    for weekday in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun] {
        in_tx!(s, |tx| settings::set_weekday_hours(tx, by, c.doctor, weekday, &[], message()).await).expect("closed on that weekday");
        let moved = proposals().await;
        let left = if weekday == Weekday::Sun { 0 } else { 2 };
        assert_eq!(moved.len(), left, "{weekday}: {moved:?}");
        assert!(moved.iter().all(|a| a.service_date.weekday() != weekday && a.service_date != tuesday), "{weekday}: {moved:?}");
    }
    assert!(proposals().await.is_empty(), "no day is left to offer");
    let last = &audit(s, c.clinic).await[0];
    assert!(last.summary.contains("日 Sun") && last.summary.contains("2件取り消し") && !last.summary.contains("提案"), "{last:?}");
}

async fn removing_extra_hours_over_booked_visits_is_the_owners_choice(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "extra-removed").await;
    connect_line(s, c.clinic, test_line_settings()).await;
    let by = owner(s, c.clinic, "owner@extra.jp").await;
    let p = patients(s, c.clinic, 3).await;
    // Extra afternoon hours on Tuesday the 8th for the doctor (the clinic opens 9:00–12:00).
    let extra = in_tx!(s, |tx| settings::add_exception(tx, by, date(2030, 1, 8), Some(c.doctor), Some(iv(14 * 60, 16 * 60)), settings::OnVisits::Refuse).await)
        .expect("extra hours");
    let afternoon = book(s, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 8, 14, 30), p[0])).await.expect("in the extra hours");
    let morning = book(s, &booking(c.clinic, c.auto, c.doctor, tokyo(2030, 1, 8, 10, 0), p[1])).await.expect("in the usual hours");
    let request = book(s, &booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 15, 0), p[2])).await.expect("a request in them");
    let status = |id| async move { read(s).await.appointment(c.clinic, id).await.expect("read").expect("appointment") };
    let clinic_now = read(s).await.clinic(c.clinic).await.expect("read").expect("clinic");
    let listed = settings::outside_after_removal(read(s).await.as_mut(), &clinic_now, extra, now()).await.expect("read");
    assert_eq!(listed.iter().map(|a| a.id).collect::<Vec<_>>(), [afternoon.id, request.id], "the morning visit is in the usual hours");

    // Not without the owner's choice: the hours stay, nothing is cancelled.
    let refused = in_tx!(s, |tx| settings::remove_exception(tx, by, extra, settings::OnVisits::Refuse).await);
    assert!(matches!(refused, Err(Problem::HoursHaveVisits { count: 2 })), "{refused:?}");
    assert!(offered(s, c.clinic, c.slot, date(2030, 1, 8)).await.iter().any(|t| t.as_str() == "14:00"), "the extra hours stand");
    let no_message = in_tx!(s, |tx| settings::remove_exception(tx, by, extra, settings::OnVisits::CancelWith(String::new())).await);
    assert!(matches!(no_message, Err(Problem::Invalid(ref f)) if f[0].field == "exception-message"), "{no_message:?}");

    let message = settings::OnVisits::CancelWith("臨時診療を取りやめました".into());
    in_tx!(s, |tx| settings::remove_exception(tx, by, extra, message.clone()).await).expect("removed");
    assert_eq!(status(afternoon.id).await.status, AppointmentStatus::CancelledByClinic);
    assert_eq!(status(request.id).await.status, AppointmentStatus::Declined);
    assert_eq!(status(morning.id).await.status, AppointmentStatus::Confirmed);
    let told = read(s).await.notifications(c.clinic, &[afternoon.id]).await.expect("notices").into_iter().map(|n| n.notice).collect::<Vec<_>>();
    assert_eq!(told, [NoticeType::Confirmed, NoticeType::CancelledByClinic]);
    assert!(!offered(s, c.clinic, c.slot, date(2030, 1, 8)).await.iter().any(|t| t.as_str() == "14:00"), "the extra hours are gone");
    let last = &audit(s, c.clinic).await[0];
    assert!(last.summary.contains("extra_hours") && last.summary.contains("2件取り消し"), "{last:?}");

    // A closure removed opens hours: nothing to choose.
    let closure = in_tx!(s, |tx| settings::add_exception(tx, by, date(2030, 1, 9), Some(c.room), None, settings::OnVisits::Refuse).await).expect("closed");
    in_tx!(s, |tx| settings::remove_exception(tx, by, closure, settings::OnVisits::Refuse).await).expect("removed");
}

on_both!(
    weekly_hours_change_what_patients_can_book,
    a_closure_or_new_hours_can_offer_each_patient_another_time,
    new_hours_over_booked_visits_are_the_owners_choice,
    removing_extra_hours_over_booked_visits_is_the_owners_choice,
    closures_extra_hours_and_holidays,
    menus_keep_every_rule,
    a_settings_change_and_its_audit_are_one_transaction,
    questions_are_added_edited_moved_and_removed,
    ids_of_another_clinic_are_not_found_and_change_nothing,
    a_closure_over_booked_visits_is_the_owners_choice,
);

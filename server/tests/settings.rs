//! The clinic's settings: storage on SQLite and PostgreSQL (hours and closures change what
//! patients can book at once, menus keep every rule, ids of another clinic are not found and
//! change nothing, LINE secrets are write-only, staff accounts keep an active owner and a
//! disabled one loses its sessions, every change is audited), and the HTTP surface (only the
//! clinic's owner, with the session's CSRF token, changes anything).

mod support;

use app::booking::ids::*;
use app::booking::model::*;
use app::store::console::StaffSession;
use app::store::settings::*;
use app::store::*;
use chrono::{Duration, NaiveDate, Utc, Weekday};
use support::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn iv(opens: u32, closes: u32) -> Interval {
    Interval { opens, closes }
}

async fn owner(store: &dyn Store, clinic: ClinicId, email: &str) -> Editor {
    let staff = store
        .create_staff(NewStaff { clinic_id: clinic, email: email.into(), display_name: "院長".into(), role: StaffRole::Owner, password_hash: "unused".into() })
        .await
        .expect("staff");
    Editor { clinic, staff, now: now() }
}

/// The start times (Tokyo, `HH:MM`) patients are offered for `menu` on `day`.
async fn offered(store: &dyn Store, clinic: ClinicId, menu: MenuId, day: NaiveDate) -> Vec<String> {
    let clinic = store.clinics().await.expect("clinics").into_iter().find(|c| c.id == clinic).expect("clinic");
    let Some(menu) = store.menus(clinic.id).await.expect("menus").into_iter().find(|m| m.id == menu) else { return Vec::new() };
    availability(store, &clinic, &menu, day, day, now())
        .await
        .expect("availability")
        .iter()
        .map(|o| o.starts_at.with_timezone(&TOKYO).format("%H:%M").to_string())
        .collect()
}

async fn audit_areas(store: &dyn Store, clinic: ClinicId) -> Vec<String> {
    store.settings_audit(clinic, 50).await.expect("audit").into_iter().map(|a| a.area).collect()
}

async fn weekly_hours_change_what_patients_can_book(store: SharedStore) {
    let s = store.as_ref();
    let c = clinic(s, "hours").await;
    let by = owner(s, c.clinic, "owner@hours.jp").await;
    let tuesday = date(2030, 1, 8);
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]);

    // A break from 10:00 to 11:00 on Tuesdays.
    s.set_weekday_hours(by, c.doctor, Weekday::Tue, vec![iv(11 * 60, 12 * 60), iv(9 * 60, 10 * 60)]).await.expect("hours");
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await, ["09:00", "09:30", "11:00", "11:30"]);
    // Other weekdays keep their hours.
    assert_eq!(offered(s, c.clinic, c.slot, date(2030, 1, 9)).await.len(), 6);
    let tuesdays: Vec<Interval> =
        s.weekly_hours(c.clinic).await.expect("hours").into_iter().filter(|h| h.resource_id == c.doctor && h.weekday == Weekday::Tue).map(|h| h.interval).collect();
    assert_eq!(tuesdays, [iv(540, 600), iv(660, 720)]);

    // Closed on Tuesdays.
    s.set_weekday_hours(by, c.doctor, Weekday::Tue, Vec::new()).await.expect("closed");
    assert!(offered(s, c.clinic, c.slot, tuesday).await.is_empty());

    // Broken hours are refused and change nothing.
    for broken in [vec![iv(600, 540)], vec![iv(540, 700), iv(600, 720)], vec![iv(540, 1500)]] {
        let e = s.set_weekday_hours(by, c.doctor, Weekday::Wed, broken).await.expect_err("refused");
        assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    }
    assert_eq!(offered(s, c.clinic, c.slot, date(2030, 1, 9)).await.len(), 6);
    // Open until midnight is allowed (stored as 1440).
    s.set_weekday_hours(by, c.doctor, Weekday::Wed, vec![iv(22 * 60, 1440)]).await.expect("until 24:00");
    assert!(s.weekly_hours(c.clinic).await.expect("hours").iter().any(|h| h.resource_id == c.doctor && h.weekday == Weekday::Wed && h.interval == iv(1320, 1440)));
    assert_eq!(offered(s, c.clinic, c.slot, date(2030, 1, 9)).await[..3], ["22:00", "22:30", "23:00"]);

    let audit = s.settings_audit(c.clinic, 50).await.expect("audit");
    assert_eq!(audit.len(), 3);
    assert!(audit.iter().all(|a| a.area == "hours" && a.staff_id == Some(by.staff) && a.staff_name.as_deref() == Some("院長")));
    assert!(audit[0].summary.contains("22:00–24:00"), "{}", audit[0].summary);
}

async fn closures_extra_hours_and_holidays(store: SharedStore) {
    let s = store.as_ref();
    let c = clinic(s, "closures").await;
    let by = owner(s, c.clinic, "owner@closures.jp").await;
    let tuesday = date(2030, 1, 8);

    let closure = s.add_date_exception(by, tuesday, None, None).await.expect("closure");
    assert!(offered(s, c.clinic, c.slot, tuesday).await.is_empty());
    assert!(offered(s, c.clinic, c.band, tuesday).await.is_empty());
    s.remove_date_exception(by, closure).await.expect("remove");
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await.len(), 6);

    // Extra afternoon hours for the doctor only.
    s.add_date_exception(by, tuesday, Some(c.doctor), Some(iv(14 * 60, 15 * 60))).await.expect("extra");
    assert_eq!(offered(s, c.clinic, c.slot, tuesday).await, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "14:00", "14:30"]);
    let listed = s.exceptions_from(c.clinic, tuesday).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].resource_id, listed[0].extra), (Some(c.doctor), Some(iv(840, 900))));
    assert!(s.add_date_exception(by, tuesday, None, Some(iv(900, 840))).await.is_err());

    // 14 January 2030 is 成人の日: open while the clinic opens on holidays, closed after.
    let holiday = date(2030, 1, 14);
    assert_eq!(offered(s, c.clinic, c.slot, holiday).await.len(), 6);
    s.set_clinic_options(by, ClinicOptions { open_on_holidays: false, reminder_hour: 19 }).await.expect("options");
    assert!(offered(s, c.clinic, c.slot, holiday).await.is_empty());
    assert_eq!(s.clinic_options(c.clinic).await.expect("options"), ClinicOptions { open_on_holidays: false, reminder_hour: 19 });
    assert!(matches!(s.set_clinic_options(by, ClinicOptions { open_on_holidays: true, reminder_hour: 24 }).await, Err(StoreError::Rejected(_))));
    assert_eq!(audit_areas(s, c.clinic).await, ["clinic", "closure", "closure", "closure"]);
}

async fn menus_keep_every_rule(store: SharedStore) {
    let s = store.as_ref();
    let c = clinic(s, "menus").await;
    let by = owner(s, c.clinic, "owner@menus.jp").await;
    let all = s.all_menus(c.clinic).await.expect("menus");
    assert_eq!(all.len(), 4);
    let mut slot = all.into_iter().find(|m| m.menu.id == c.slot).expect("slot");
    slot.menu = Menu {
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
        ..slot.menu
    };
    s.save_menu(by, slot.clone()).await.expect("save");
    let saved = s.all_menus(c.clinic).await.expect("menus").into_iter().find(|m| m.menu.id == c.slot).expect("slot");
    let mut expected = slot.clone();
    expected.menu.resource_ids.sort();
    assert_eq!(saved, expected);

    // Inactive: patients no longer see it; the owner still does.
    s.save_menu(by, MenuSetting { active: false, ..saved.clone() }).await.expect("deactivate");
    assert!(!s.menus(c.clinic).await.expect("menus").iter().any(|m| m.id == c.slot));
    assert!(s.all_menus(c.clinic).await.expect("menus").iter().any(|m| m.menu.id == c.slot && !m.active));

    // A new menu, shown after the others.
    let new = MenuSetting { menu: Menu { id: MenuId(0), ..menu(c.clinic, "健診", BookingMode::TimeBand { capacity: 4 }, 60, c.room) }, active: true };
    let id = s.save_menu(by, new).await.expect("create");
    let all = s.all_menus(c.clinic).await.expect("menus");
    assert_eq!(all.last().map(|m| (m.menu.id, m.menu.mode)), Some((id, BookingMode::TimeBand { capacity: 4 })));
    assert!(!offered(s, c.clinic, id, date(2030, 1, 8)).await.is_empty());

    // An unknown resource is refused and nothing changes.
    let broken = MenuSetting { menu: Menu { resource_ids: vec![ResourceId(9999)], ..saved.menu.clone() }, active: true };
    assert!(s.save_menu(by, broken).await.is_err());
    assert!(s.all_menus(c.clinic).await.expect("menus").iter().any(|m| m.menu.id == c.slot && !m.active && m.menu.resource_ids == saved.menu.resource_ids));

    let audit = s.settings_audit(c.clinic, 50).await.expect("audit");
    assert_eq!(audit.len(), 3);
    assert!(audit[2].summary.contains("初診") && audit[2].summary.contains("auto-confirm"), "{}", audit[2].summary);

    // Resources: add and rename.
    let nurse = s
        .save_resource(by, Resource { id: ResourceId(0), clinic_id: c.clinic, name_ja: "看護師".into(), name_en: "Nurse".into(), kind: ResourceKind::Practitioner })
        .await
        .expect("add");
    s.save_resource(by, Resource { id: nurse, clinic_id: c.clinic, name_ja: "看護師A".into(), name_en: "Nurse A".into(), kind: ResourceKind::Practitioner })
        .await
        .expect("rename");
    let nurse = s.resources(c.clinic).await.expect("resources").into_iter().find(|r| r.id == nurse).expect("nurse");
    assert_eq!((nurse.name_ja.as_str(), nurse.name_en.as_str()), ("看護師A", "Nurse A"));
}

async fn questions_are_added_edited_moved_and_removed(store: SharedStore) {
    let s = store.as_ref();
    let c = clinic(s, "questions").await;
    let by = owner(s, c.clinic, "owner@questions.jp").await;
    let q = |label: &str| Question {
        id: QuestionId(0),
        menu_id: c.slot,
        label_ja: label.into(),
        label_en: label.into(),
        kind: QuestionKind::Text,
        choices_ja: vec![],
        choices_en: vec![],
        required: false,
    };
    let a = s.save_question(by, q("a")).await.expect("a");
    let b = s.save_question(by, q("b")).await.expect("b");
    let d = s.save_question(by, q("c")).await.expect("c");
    s.move_question(by, d, true).await.expect("up");
    s.move_question(by, a, true).await.expect("already first");
    let labels = |qs: Vec<Question>| qs.into_iter().map(|q| q.label_ja).collect::<Vec<_>>();
    assert_eq!(labels(s.questions(c.slot).await.expect("questions")), ["a", "c", "b"]);

    let choice = Question { id: b, kind: QuestionKind::Choice, choices_ja: vec!["はい".into(), "いいえ".into()], choices_en: vec!["Yes".into(), "No".into()], required: true, ..q("熱はありますか") };
    s.save_question(by, choice.clone()).await.expect("edit");
    let stored = s.questions(c.slot).await.expect("questions").into_iter().find(|x| x.id == b).expect("b");
    assert_eq!(stored, choice);
    assert!(matches!(s.save_question(by, Question { choices_en: vec!["Yes".into()], ..choice }).await, Err(StoreError::Rejected(_))));

    s.remove_question(by, d).await.expect("remove");
    assert_eq!(labels(s.questions(c.slot).await.expect("questions")), ["a", "熱はありますか"]);

    // A question a patient has answered stays.
    let patient = patients(s, c.clinic, 1).await[0];
    let mut request = booking(c.clinic, c.slot, c.doctor, tokyo(2030, 1, 8, 9, 0), patient);
    request.answers = vec![(a, "頭痛".into())];
    s.book(request).await.expect("book");
    assert!(matches!(s.remove_question(by, a).await, Err(StoreError::QuestionAnswered)));
    assert_eq!(s.questions(c.slot).await.expect("questions").len(), 2);
    assert_eq!(audit_areas(s, c.clinic).await.len(), 6);
}

async fn line_secrets_are_write_only(store: SharedStore) {
    let s = store.as_ref();
    let c = clinic(s, "line").await;
    let by = owner(s, c.clinic, "owner@line.jp").await;
    let update = LineUpdate {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: "1657000000".into(),
        add_friend_url: Some("https://line.me/R/ti/p/@clinic".into()),
        channel_secret: Some("SECRET-abc123".into()),
        channel_access_token: Some("TOKEN-xyz789".into()),
    };
    assert!(!format!("{update:?}").contains("SECRET-abc123"));
    s.update_line(by, Some(update.clone())).await.expect("connect");
    let status = s.line_status(c.clinic).await.expect("status");
    assert!(status.secret_set && status.token_set);
    // Empty secrets keep the stored ones.
    s.update_line(by, Some(LineUpdate { login_channel_id: "1657000001".into(), channel_secret: None, channel_access_token: None, ..update })).await.expect("change");
    let line = s.line_settings(c.clinic).await.expect("line").expect("connected");
    assert_eq!(line.login_channel_id, "1657000001");
    assert_eq!(line.channel_secret.as_deref(), Some("SECRET-abc123"));
    assert_eq!(line.channel_access_token.as_deref(), Some("TOKEN-xyz789"));

    s.update_line(by, None).await.expect("remove");
    assert_eq!(s.line_settings(c.clinic).await.expect("line"), None);
    assert_eq!(s.line_status(c.clinic).await.expect("status"), LineStatus::default());

    s.save_privacy_notice(by, "個人情報は予約のためだけに使います。", "We use your data for bookings only.").await.expect("privacy");
    assert_eq!(s.privacy_notice(c.clinic).await.expect("privacy").1, "We use your data for bookings only.");

    let audit = s.settings_audit(c.clinic, 50).await.expect("audit");
    assert_eq!(audit.iter().map(|a| a.area.as_str()).collect::<Vec<_>>(), ["privacy", "line", "line", "line"]);
    for entry in &audit {
        assert!(!entry.summary.contains("SECRET-abc123") && !entry.summary.contains("TOKEN-xyz789"), "{}", entry.summary);
    }
    assert_eq!(s.settings_audit(c.clinic, 2).await.expect("audit").len(), 2);
}

/// The owner of clinic B sends ids of clinic A: every change is `NotFound`, and clinic A's
/// settings and both audits stay as they were.
async fn ids_of_another_clinic_are_not_found_and_change_nothing(store: SharedStore) {
    let s = store.as_ref();
    let a = clinic(s, "clinic-a").await;
    let b = clinic(s, "clinic-b").await;
    let owner_a = owner(s, a.clinic, "owner@a.jp").await;
    let owner_b = owner(s, b.clinic, "owner@b.jp").await;
    let question = s
        .save_question(owner_a, Question { id: QuestionId(0), menu_id: a.slot, label_ja: "質問".into(), label_en: "Q".into(), kind: QuestionKind::Text, choices_ja: vec![], choices_en: vec![], required: false })
        .await
        .expect("question");
    let closure = s.add_date_exception(owner_a, date(2030, 1, 8), None, None).await.expect("closure");
    let audit_before = s.settings_audit(a.clinic, 50).await.expect("audit");

    let a_slot = a.slot;
    let snapshot = |c: ClinicId| async move {
        (
            s.all_menus(c).await.expect("menus"),
            s.resources(c).await.expect("resources"),
            s.weekly_hours(c).await.expect("hours"),
            s.exceptions_from(c, date(2000, 1, 1)).await.expect("exceptions"),
            s.questions(a_slot).await.expect("questions"),
        )
    };
    let before = snapshot(a.clinic).await;

    let a_menu = s.all_menus(a.clinic).await.expect("menus").into_iter().next().expect("menu");
    let not_found = |r: Result<(), StoreError>, what: &str| assert!(matches!(r, Err(StoreError::NotFound)), "{what}: {r:?}");
    not_found(s.save_menu(owner_b, a_menu.clone()).await.map(drop), "menu of A");
    // B's own menu may not be linked to A's resources.
    let b_menu = s.all_menus(b.clinic).await.expect("menus").into_iter().next().expect("menu");
    let linked = s.save_menu(owner_b, MenuSetting { menu: Menu { resource_ids: vec![a.doctor], ..b_menu.menu.clone() }, ..b_menu.clone() }).await;
    assert!(linked.is_err(), "{linked:?}");
    let new_with_a_resource = MenuSetting { menu: Menu { id: MenuId(0), resource_ids: vec![a.doctor], ..b_menu.menu.clone() }, active: true };
    assert!(s.save_menu(owner_b, new_with_a_resource).await.is_err());
    not_found(
        s.save_resource(owner_b, Resource { id: a.doctor, clinic_id: a.clinic, name_ja: "x".into(), name_en: "x".into(), kind: ResourceKind::Room }).await.map(drop),
        "resource of A",
    );
    not_found(s.set_weekday_hours(owner_b, a.doctor, Weekday::Tue, vec![]).await, "hours of A");
    not_found(s.add_date_exception(owner_b, date(2030, 1, 9), Some(a.doctor), None).await.map(drop), "closure of A's doctor");
    not_found(s.remove_date_exception(owner_b, closure).await, "closure of A");
    let q = s.questions(a.slot).await.expect("questions").remove(0);
    not_found(s.save_question(owner_b, Question { label_ja: "変更".into(), ..q.clone() }).await.map(drop), "question of A");
    not_found(s.save_question(owner_b, Question { id: QuestionId(0), ..q.clone() }).await.map(drop), "new question on A's menu");
    not_found(s.remove_question(owner_b, question).await, "remove A's question");
    not_found(s.move_question(owner_b, question, false).await, "move A's question");

    assert_eq!(snapshot(a.clinic).await, before);
    assert_eq!(s.settings_audit(a.clinic, 50).await.expect("audit"), audit_before);
    assert!(s.settings_audit(b.clinic, 50).await.expect("audit").is_empty());
    assert_eq!(offered(s, a.clinic, a.slot, date(2030, 1, 9)).await.len(), 6);
}

fn refused_with(result: Result<(), StoreError>, reason: fn(&StoreError) -> bool) {
    match result {
        Err(e) if reason(&e) => {}
        other => panic!("expected another refusal, got {other:?}"),
    }
}

async fn staff_accounts_keep_an_owner_and_lose_their_sessions_when_disabled(store: SharedStore) {
    let s = store.as_ref();
    let c = clinic(s, "team").await;
    let other = clinic(s, "team-b").await;
    let by = owner(s, c.clinic, "owner@team.jp").await;
    let other_owner = owner(s, other.clinic, "owner@team-b.jp").await;
    let new = |email: &str, role| NewStaffMember { email: email.into(), display_name: " 看護師 ".into(), role, password_hash: "$argon2id$hash-1".into() };

    let nurse = s.add_staff_member(by, new(" Nurse@Team.JP ", StaffRole::Staff)).await.expect("add");
    // E-mail addresses are unique across clinics, whatever their case.
    refused_with(s.add_staff_member(by, new("NURSE@team.jp", StaffRole::Owner)).await.map(drop), |e| matches!(e, StoreError::EmailTaken));
    refused_with(s.add_staff_member(other_owner, new("owner@team.jp", StaffRole::Staff)).await.map(drop), |e| matches!(e, StoreError::EmailTaken));
    let listed = |c: ClinicId| async move {
        s.staff_members(c).await.expect("staff").into_iter().map(|m| (m.email, m.display_name, m.role, m.disabled)).collect::<Vec<_>>()
    };
    assert_eq!(
        listed(c.clinic).await,
        [("owner@team.jp".into(), "院長".into(), StaffRole::Owner, false), ("nurse@team.jp".into(), "看護師".into(), StaffRole::Staff, false)]
    );
    let account = s.staff_by_email("nurse@team.jp").await.expect("read").expect("account");
    assert_eq!((account.id, account.clinic_id, account.password_hash.as_str(), account.disabled), (nurse, c.clinic, "$argon2id$hash-1", false));

    // The owner can neither demote nor disable themself …
    refused_with(s.set_staff_role(by, by.staff, StaffRole::Staff).await, |e| matches!(e, StoreError::OwnAccount));
    refused_with(s.set_staff_disabled(by, by.staff, true).await, |e| matches!(e, StoreError::OwnAccount));
    // … and whoever asks, the clinic keeps an active owner.
    let as_nurse = Editor { staff: nurse, ..by };
    refused_with(s.set_staff_role(as_nurse, by.staff, StaffRole::Staff).await, |e| matches!(e, StoreError::LastOwner));
    refused_with(s.set_staff_disabled(as_nurse, by.staff, true).await, |e| matches!(e, StoreError::LastOwner));
    // With a second owner, the first can be demoted, and promoted again.
    s.set_staff_role(by, nurse, StaffRole::Owner).await.expect("promote");
    s.set_staff_role(as_nurse, by.staff, StaffRole::Staff).await.expect("demote the other owner");
    s.set_staff_role(as_nurse, by.staff, StaffRole::Owner).await.expect("promote again");
    s.set_staff_role(by, nurse, StaffRole::Owner).await.expect("unchanged: not audited");

    // Disabling ends the account's sessions and keeps it listed, last.
    let session = StaffSession { staff_id: nurse, clinic_id: c.clinic, csrf_token: "csrf".into(), expires_at: now() + Duration::hours(1) };
    s.create_staff_session("nurse-token", &session, now()).await.expect("session");
    s.set_staff_disabled(by, nurse, true).await.expect("disable");
    assert_eq!(s.staff_session("nurse-token", now()).await.expect("read"), None);
    assert!(s.staff_account(nurse).await.expect("read").expect("account").disabled);
    assert_eq!(listed(c.clinic).await[1], ("nurse@team.jp".into(), "看護師".into(), StaffRole::Owner, true));
    // A disabled owner does not count as the clinic's owner.
    refused_with(s.set_staff_role(as_nurse, by.staff, StaffRole::Staff).await, |e| matches!(e, StoreError::LastOwner));
    s.set_staff_disabled(by, nurse, false).await.expect("enable");
    assert!(!s.staff_account(nurse).await.expect("read").expect("account").disabled);

    // A new password replaces the hash and ends the account's sessions.
    s.create_staff_session("nurse-token-2", &session, now()).await.expect("session");
    s.set_staff_password(by, nurse, "$argon2id$hash-2").await.expect("password");
    assert_eq!(s.staff_by_email("nurse@team.jp").await.expect("read").expect("account").password_hash, "$argon2id$hash-2");
    assert_eq!(s.staff_session("nurse-token-2", now()).await.expect("read"), None);

    // Another clinic's owner cannot touch the account.
    let before = listed(c.clinic).await;
    let audit_before = s.settings_audit(c.clinic, 50).await.expect("audit");
    let not_found = |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    not_found(s.set_staff_role(other_owner, nurse, StaffRole::Staff).await);
    not_found(s.set_staff_disabled(other_owner, nurse, true).await);
    not_found(s.set_staff_password(other_owner, nurse, "$argon2id$hijack").await);
    assert_eq!(listed(c.clinic).await, before);
    assert_eq!(s.staff_by_email("nurse@team.jp").await.expect("read").expect("account").password_hash, "$argon2id$hash-2");
    assert_eq!(s.settings_audit(c.clinic, 50).await.expect("audit"), audit_before);
    assert_eq!(listed(other.clinic).await.len(), 1);

    // Every change audited (refusals and no-ops not), never a password hash.
    let audit = s.settings_audit(c.clinic, 50).await.expect("audit");
    assert_eq!(audit.len(), 7);
    assert!(audit.iter().all(|a| a.area == "staff" && !a.summary.contains("hash")), "{audit:?}");
    assert!(audit[0].summary.contains("nurse@team.jp") && audit[0].summary.contains("password"), "{}", audit[0].summary);
}

on_both_backends!(
    staff_accounts_keep_an_owner_and_lose_their_sessions_when_disabled,
    weekly_hours_change_what_patients_can_book,
    closures_extra_hours_and_holidays,
    menus_keep_every_rule,
    questions_are_added_edited_moved_and_removed,
    line_secrets_are_write_only,
    ids_of_another_clinic_are_not_found_and_change_nothing,
);

mod http {
    
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use http_body_util::BodyExt;
    
    use tower::ServiceExt;

    use super::*;

    struct App {
        router: axum::Router,
        store: SharedStore,
        _db: TestDb,
    }

    async fn app() -> App {
        let db = TestDb::sqlite().await;
        server::seed::seed_demo(db.store.as_ref(), Utc::now()).await.expect("seed");
        server::seed::seed_demo_as(db.store.as_ref(), "other", Utc::now()).await.expect("seed");
        let (url, _fake) = fake_line().await;
        let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
        let router = crate::support::router(db.store.clone(), line);
        App { router, store: db.store.clone(), _db: db }
    }

    /// A signed-in staff member of `slug`: the session cookie and its CSRF token.
    async fn session(app: &App, slug: &str, role: StaffRole) -> (String, String) {
        let clinic = app.store.clinic_by_slug(slug).await.expect("read").expect("clinic");
        let email = format!("{}-{}@example.jp", role.as_str(), slug);
        let staff = app
            .store
            .create_staff(NewStaff { clinic_id: clinic.id, email, display_name: role.as_str().into(), role, password_hash: "unused".into() })
            .await
            .expect("staff");
        let token = format!("token-{slug}-{}", role.as_str());
        let csrf = format!("csrf-{slug}-{}", role.as_str());
        let s = StaffSession { staff_id: staff, clinic_id: clinic.id, csrf_token: csrf.clone(), expires_at: Utc::now() + Duration::hours(1) };
        app.store.create_staff_session(&token, &s, Utc::now()).await.expect("session");
        (format!("yoyaku_staff={token}"), csrf)
    }

    async fn post(app: &App, path: &str, body: serde_json::Value, cookie: Option<&str>) -> (StatusCode, String) {
        send(app, path, "application/json", body.to_string(), cookie).await
    }

    /// The page's read (`load_settings`) takes a URL-encoded form.
    async fn load(app: &App, lang: &str, cookie: Option<&str>) -> (StatusCode, String) {
        send(app, "/api/staff/settings", "application/x-www-form-urlencoded", format!("lang={lang}"), cookie).await
    }

    async fn send(app: &App, path: &str, content_type: &str, body: String, cookie: Option<&str>) -> (StatusCode, String) {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/json")
            .header(header::HOST, "127.0.0.1");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = app.router.clone().oneshot(request.body(Body::from(body)).expect("request")).await.expect("response");
        let status = response.status();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8(body.to_vec()).expect("utf-8"))
    }

    #[test]
    fn only_the_clinics_owner_with_the_csrf_token_changes_settings() {
        run(async {
            let app = app().await;
            let demo = app.store.clinic_by_slug("demo").await.expect("read").expect("clinic");
            let doctor = app.store.resources(demo.id).await.expect("resources")[0].id;
            let (owner_cookie, owner_csrf) = session(&app, "demo", StaffRole::Owner).await;
            let (staff_cookie, staff_csrf) = session(&app, "demo", StaffRole::Staff).await;
            let (other_cookie, other_csrf) = session(&app, "other", StaffRole::Owner).await;
            let hours_before = app.store.weekly_hours(demo.id).await.expect("hours");
            let change = |csrf: &str| serde_json::json!({ "csrf": csrf, "resource_id": doctor.0, "weekday": 1, "hours": "", "lang": "en" });

            let refused = [
                (None, owner_csrf.as_str(), StatusCode::UNAUTHORIZED),
                (Some(staff_cookie.as_str()), staff_csrf.as_str(), StatusCode::FORBIDDEN),
                (Some(owner_cookie.as_str()), "wrong-token", StatusCode::FORBIDDEN),
                (Some(owner_cookie.as_str()), "", StatusCode::FORBIDDEN),
                (Some(other_cookie.as_str()), other_csrf.as_str(), StatusCode::NOT_FOUND),
            ];
            for (cookie, csrf, expected) in refused {
                let (status, body) = post(&app, "/api/staff/settings/hours", change(csrf), cookie).await;
                assert_eq!(status, expected, "{cookie:?} {csrf}: {body}");
            }
            // A staff member (not the owner) cannot even read the settings.
            assert_eq!(load(&app, "en", Some(&staff_cookie)).await.0, StatusCode::FORBIDDEN);
            assert_eq!(load(&app, "en", None).await.0, StatusCode::UNAUTHORIZED);
            // Nothing changed, nothing audited.
            assert_eq!(app.store.weekly_hours(demo.id).await.expect("hours"), hours_before);
            assert!(app.store.settings_audit(demo.id, 50).await.expect("audit").is_empty());

            // A broken form is answered per field and changes nothing.
            let mut broken = change(&owner_csrf);
            broken["hours"] = "9:00-8:00".into();
            let (status, body) = post(&app, "/api/staff/settings/hours", broken, Some(&owner_cookie)).await;
            assert_eq!(invalid_fields(status, &body), [format!("hours-{}-1", doctor.0)]);
            assert_eq!(app.store.weekly_hours(demo.id).await.expect("hours"), hours_before);

            // The owner, with the token: the doctor is closed on Tuesdays, and it is audited.
            let (status, body) = post(&app, "/api/staff/settings/hours", change(&owner_csrf), Some(&owner_cookie)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let tuesdays = app.store.weekly_hours(demo.id).await.expect("hours").into_iter().filter(|h| h.resource_id == doctor && h.weekday == Weekday::Tue).count();
            assert_eq!(tuesdays, 0);
            assert_eq!(app.store.settings_audit(demo.id, 50).await.expect("audit").len(), 1);
        })
    }

    /// Signs in with an e-mail and a password: the status, the session cookie (`name=value`) if any.
    async fn sign_in(app: &App, email: &str, password: &str) -> (StatusCode, Option<String>) {
        let encode = |s: &str| s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>();
        let form = format!("email={}&password={}&lang=en", encode(email), encode(password));
        let request = Request::post("/api/staff/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::HOST, "127.0.0.1")
            .body(Body::from(form))
            .expect("request");
        let response = app.router.clone().oneshot(request).await.expect("response");
        let cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).map(str::to_string);
        (response.status(), cookie)
    }

    async fn inbox(app: &App, cookie: &str) -> StatusCode {
        send(app, "/api/staff/inbox", "application/x-www-form-urlencoded", "lang=ja".into(), Some(cookie)).await.0
    }

    fn saved(status: StatusCode, body: &str) {
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    fn invalid_fields(status: StatusCode, body: &str) -> Vec<String> {
        app_error(status, body, ErrorCode::Invalid).fields.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn the_owner_adds_disables_and_keeps_staff_accounts() {
        use app::api::staff::settings::SettingsData;
        run(async {
            let app = app().await;
            let demo = app.store.clinic_by_slug("demo").await.expect("read").expect("clinic");
            let other = app.store.clinic_by_slug("other").await.expect("read").expect("clinic");
            let (owner_cookie, owner_csrf) = session(&app, "demo", StaffRole::Owner).await;
            let (staff_cookie, staff_csrf) = session(&app, "demo", StaffRole::Staff).await;
            let form = |csrf: &str, password: &str| {
                serde_json::json!({ "csrf": csrf, "lang": "en",
                    "form": { "email": " New.Nurse@Demo.example.jp ", "name": "看護師 新人", "role": "staff", "password": password } })
            };
            let any_id = app.store.staff_members(demo.id).await.expect("staff")[0].id;
            let calls = |csrf: &str, id: StaffId| {
                [
                    ("/api/staff/settings/staff/add", form(csrf, "a-long-password-1")),
                    ("/api/staff/settings/staff/role", serde_json::json!({ "csrf": csrf, "id": id, "role": "owner", "lang": "en" })),
                    ("/api/staff/settings/staff/disabled", serde_json::json!({ "csrf": csrf, "id": id, "disabled": true, "lang": "en" })),
                    ("/api/staff/settings/staff/password", serde_json::json!({ "csrf": csrf, "id": id, "password": "a-long-password-2", "lang": "en" })),
                ]
            };
            // A receptionist is refused every change.
            for (path, body) in calls(&staff_csrf, any_id) {
                let (status, reply) = post(&app, path, body, Some(&staff_cookie)).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {reply}");
            }
            let members_before = app.store.staff_members(demo.id).await.expect("staff");

            // A short password is answered on its field, and nothing is added.
            let (status, body) = post(&app, "/api/staff/settings/staff/add", form(&owner_csrf, "short"), Some(&owner_cookie)).await;
            assert_eq!(invalid_fields(status, &body), ["staff-password"]);
            assert_eq!(app.store.staff_members(demo.id).await.expect("staff"), members_before);

            // The owner adds a receptionist, who signs in.
            let (status, body) = post(&app, "/api/staff/settings/staff/add", form(&owner_csrf, "a-long-password-1"), Some(&owner_cookie)).await;
            saved(status, &body);
            let (status, body) = post(&app, "/api/staff/settings/staff/add", form(&owner_csrf, "a-long-password-1"), Some(&owner_cookie)).await;
            assert_eq!(app_error(status, &body, ErrorCode::EmailTaken).status, 409, "the same address twice");
            let (status, nurse_cookie) = sign_in(&app, "new.nurse@demo.example.jp", "a-long-password-1").await;
            assert_eq!(status, StatusCode::OK);
            let nurse_cookie = nurse_cookie.expect("a session cookie");
            assert_eq!(inbox(&app, &nurse_cookie).await, StatusCode::OK);

            // The page lists the accounts, never a password hash.
            let (status, body) = load(&app, "en", Some(&owner_cookie)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(!body.contains("argon2") && !body.contains("a-long-password-1"), "{body}");
            let data: SettingsData = serde_json::from_str(&body).expect("settings");
            let nurse = data.staff.iter().find(|m| m.email == "new.nurse@demo.example.jp").expect("listed");
            assert_eq!((nurse.name.as_str(), nurse.role, nurse.disabled, nurse.is_me), ("看護師 新人", StaffRole::Staff, false, false));
            let me = data.staff.iter().find(|m| m.is_me).expect("me").id;

            // Disabling ends the session at once and refuses the next sign-in.
            let disable = |id: StaffId, disabled: bool| serde_json::json!({ "csrf": owner_csrf, "id": id, "disabled": disabled, "lang": "en" });
            let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(nurse.id, true), Some(&owner_cookie)).await;
            saved(status, &body);
            assert_eq!(inbox(&app, &nurse_cookie).await, StatusCode::UNAUTHORIZED);
            assert_eq!(sign_in(&app, "new.nurse@demo.example.jp", "a-long-password-1").await.0, StatusCode::UNAUTHORIZED);
            // Enabled again, with a new password.
            let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(nurse.id, false), Some(&owner_cookie)).await;
            saved(status, &body);
            let password = serde_json::json!({ "csrf": owner_csrf, "id": nurse.id, "password": "another-password", "lang": "en" });
            let (status, body) = post(&app, "/api/staff/settings/staff/password", password, Some(&owner_cookie)).await;
            saved(status, &body);
            assert_eq!(sign_in(&app, "new.nurse@demo.example.jp", "a-long-password-1").await.0, StatusCode::UNAUTHORIZED);
            assert_eq!(sign_in(&app, "new.nurse@demo.example.jp", "another-password").await.0, StatusCode::OK);

            // The seeded demo owner is disabled: the signed-in owner is the last one, and can
            // neither disable nor demote themself.
            let seeded = data.staff.iter().find(|m| m.email == "owner@demo.example.jp").expect("seeded owner").id;
            let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(seeded, true), Some(&owner_cookie)).await;
            saved(status, &body);
            let (status, body) = post(&app, "/api/staff/settings/staff/disabled", disable(me, true), Some(&owner_cookie)).await;
            app_error(status, &body, ErrorCode::OwnAccount);
            let demote = serde_json::json!({ "csrf": owner_csrf, "id": me, "role": "staff", "lang": "ja" });
            let (status, body) = post(&app, "/api/staff/settings/staff/role", demote, Some(&owner_cookie)).await;
            assert!(app_error(status, &body, ErrorCode::OwnAccount).message.contains("自分のアカウント"), "{body}");
            let owners: Vec<_> = app.store.staff_members(demo.id).await.expect("staff").into_iter().filter(|m| m.role == StaffRole::Owner && !m.disabled).collect();
            assert_eq!(owners.iter().map(|m| m.id).collect::<Vec<_>>(), [me]);

            // Another clinic's account: 404, and nothing changes.
            let theirs_before = app.store.staff_members(other.id).await.expect("staff");
            for (path, body) in calls(&owner_csrf, theirs_before[0].id).into_iter().skip(1) {
                let (status, reply) = post(&app, path, body, Some(&owner_cookie)).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {reply}");
            }
            assert_eq!(app.store.staff_members(other.id).await.expect("staff"), theirs_before);
            assert!(app.store.settings_audit(other.id, 50).await.expect("audit").is_empty());
            let audit = app.store.settings_audit(demo.id, 50).await.expect("audit");
            assert_eq!(audit.len(), 5, "{audit:?}");
            assert!(audit.iter().all(|a| a.area == "staff" && !a.summary.contains("password-") && !a.summary.contains("argon2")), "{audit:?}");

            // A new password of one's own signs out every other device, not this one.
            let other_device = StaffSession { staff_id: me, clinic_id: demo.id, csrf_token: "csrf-elsewhere".into(), expires_at: Utc::now() + Duration::hours(1) };
            app.store.create_staff_session("token-elsewhere", &other_device, Utc::now()).await.expect("session");
            let elsewhere = "yoyaku_staff=token-elsewhere".to_string();
            assert_eq!(inbox(&app, &elsewhere).await, StatusCode::OK);
            let mine = serde_json::json!({ "csrf": owner_csrf, "id": me, "password": "my-new-owner-password", "lang": "en" });
            let (status, body) = post(&app, "/api/staff/settings/staff/password", mine, Some(&owner_cookie)).await;
            saved(status, &body);
            assert_eq!(inbox(&app, &owner_cookie).await, StatusCode::OK, "this device stays signed in");
            assert_eq!(inbox(&app, &elsewhere).await, StatusCode::UNAUTHORIZED, "the other device is signed out");
        })
    }

    #[test]
    fn line_secrets_never_reach_the_page() {
        run(async {
            let app = app().await;
            let (cookie, csrf) = session(&app, "demo", StaffRole::Owner).await;
            let form = serde_json::json!({
                "csrf": csrf, "lang": "ja",
                "form": { "liff_id": "1657000000-AbCdEfGh", "login_channel_id": "1657000000", "add_friend_url": "",
                          "channel_secret": "0123456789abcdef0123456789abcdef", "channel_access_token": "ACCESS-TOKEN-VALUE" },
            });
            let (status, body) = post(&app, "/api/staff/settings/line", form, Some(&cookie)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (status, body) = load(&app, "ja", Some(&cookie)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(!body.contains("0123456789abcdef0123456789abcdef") && !body.contains("ACCESS-TOKEN-VALUE"), "{body}");
            let data: app::api::staff::settings::SettingsData = serde_json::from_str(&body).expect("settings");
            assert!(data.line.connected && data.line.secret_set && data.line.token_set);
            assert_eq!(data.audit.len(), 1);
            assert!(!data.audit[0].summary.contains("ACCESS-TOKEN-VALUE"));
        })
    }

    #[test]
    fn the_settings_page_is_served_as_the_console_shell() {
        run(async {
            let app = app().await;
            let (cookie, _) = session(&app, "demo", StaffRole::Owner).await;
            let request = Request::get("/staff/settings").header(header::HOST, "127.0.0.1").header(header::COOKIE, cookie).body(Body::empty()).expect("request");
            let response = app.router.clone().oneshot(request).await.expect("response");
            assert_eq!(response.status(), StatusCode::OK);
            let body = response.into_body().collect().await.expect("body").to_bytes();
            let html = String::from_utf8(body.to_vec()).expect("utf-8");
            // The console is built in the browser (its data comes from the server functions
            // tested above; Playwright checks the page): the server sends the shell only.
            assert!(html.contains(r#"<div class="console">"#) && html.contains("読み込み中"), "{html}");
            assert!(!html.contains("祝日も診療する"), "no settings in the server's HTML");
        })
    }

    /// The acceptance check: a closure the owner adds takes the day off the patient's page.
    #[test]
    fn a_closure_changes_what_patients_are_offered_at_once() {
        run(async {
            let app = app().await;
            let (cookie, csrf) = session(&app, "demo", StaffRole::Owner).await;
            let overview = || async {
                let (status, body) = send(&app, "/api/clinic_overview", "application/x-www-form-urlencoded", "slug=demo&lang=ja".into(), None).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                serde_json::from_str::<app::api::ClinicOverview>(&body).expect("overview")
            };
            let before = overview().await;
            let day = before.menus[0].next_places.first().expect("a free place").date.clone();
            let form = serde_json::json!({ "csrf": csrf, "lang": "ja", "form": { "date": day, "resource_id": null, "closed": true, "opens": "", "closes": "" } });
            let (status, body) = post(&app, "/api/staff/settings/exception", form, Some(&cookie)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let after = overview().await;
            assert!(after.menus.iter().flat_map(|m| &m.next_places).all(|p| p.date != day), "{day} is still offered");
        })
    }

    /// Another clinic's owner sends the demo clinic's menu id: 404, and the menu is unchanged.
    #[test]
    fn a_menu_of_another_clinic_is_not_found() {
        run(async {
            let app = app().await;
            let demo = app.store.clinic_by_slug("demo").await.expect("read").expect("clinic");
            let other = app.store.clinic_by_slug("other").await.expect("read").expect("clinic");
            let (cookie, csrf) = session(&app, "other", StaffRole::Owner).await;
            let menus_before = app.store.all_menus(demo.id).await.expect("menus");
            let own_resource = app.store.resources(other.id).await.expect("resources")[0].id;
            let mut form = serde_json::to_value(app::api::staff::settings::MenuForm::new_menu()).expect("json");
            form["id"] = menus_before[0].menu.id.0.into();
            form["name_ja"] = "乗っ取り".into();
            form["name_en"] = "Hijack".into();
            form["resource_ids"] = serde_json::json!([own_resource.0]);
            let body = serde_json::json!({ "csrf": csrf, "lang": "en", "form": form });
            let (status, reply) = post(&app, "/api/staff/settings/menu", body, Some(&cookie)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{reply}");
            assert_eq!(app.store.all_menus(demo.id).await.expect("menus"), menus_before);
            assert!(app.store.settings_audit(demo.id, 50).await.expect("audit").is_empty());
            assert!(app.store.settings_audit(other.id, 50).await.expect("audit").is_empty());
        })
    }
}

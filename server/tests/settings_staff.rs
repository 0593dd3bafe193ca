//! The owner's settings of people and channels (`app::actions::settings`), on SQLite and
//! PostgreSQL: staff accounts keep an active owner and a disabled one loses its sessions, LINE
//! secrets are write-only, the privacy notice is kept, and no audit entry holds a secret or a
//! password hash. Menus, hours and closures: `settings.rs`; over HTTP: `settings_http.rs`.

mod support;

use app::booking::ids::*;
use app::store::*;
use chrono::Duration;
use support::*;

/// An owner account of `clinic` (added by the system, as the command line adds one), as the
/// editor of its settings.
async fn owner(store: &dyn Store, clinic: ClinicId, email: &str) -> Editor {
    let by = system(clinic);
    let staff = in_tx!(store, |tx| settings::add_staff(tx, by, email, "院長", StaffRole::Owner, "unused".into()).await).expect("owner");
    Editor { clinic, actor: Actor::Staff(staff), now: now() }
}

fn me(by: Editor) -> StaffId {
    by.actor.staff().expect("a staff member")
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

fn refused_with<T: std::fmt::Debug>(result: Result<T, Problem>, reason: fn(&Problem) -> bool) {
    match result {
        Err(e) if reason(&e) => {}
        other => panic!("expected another refusal, got {other:?}"),
    }
}

async fn staff_accounts_keep_an_owner_and_lose_their_sessions_when_disabled(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "team").await;
    let other = clinic(s, "team-b").await;
    let by = owner(s, c.clinic, "owner@team.jp").await;
    let other_owner = owner(s, other.clinic, "owner@team-b.jp").await;
    let add = |by: Editor, email: &'static str, role: StaffRole| async move {
        in_tx!(s, |tx| settings::add_staff(tx, by, email, " 看護師 ", role, "$argon2id$hash-1".into()).await)
    };

    let nurse = add(by, " Nurse@Team.JP ", StaffRole::Staff).await.expect("add");
    // E-mail addresses are unique across clinics, whatever their case.
    refused_with(add(by, "NURSE@team.jp", StaffRole::Owner).await, |e| matches!(e, Problem::EmailTaken));
    refused_with(add(other_owner, "owner@team.jp", StaffRole::Staff).await, |e| matches!(e, Problem::EmailTaken));
    let listed = |c: ClinicId| async move {
        let members = read(s).await.staff_members(c).await.expect("staff");
        // (Less the test clinic's own two receptionists.)
        members.into_iter().filter(|m| !m.email.starts_with("desk")).map(|m| (m.email, m.display_name, m.role, m.disabled)).collect::<Vec<_>>()
    };
    assert_eq!(
        listed(c.clinic).await,
        [("owner@team.jp".into(), "院長".into(), StaffRole::Owner, false), ("nurse@team.jp".into(), "看護師".into(), StaffRole::Staff, false)]
    );
    let account = |email: &'static str| async move { read(s).await.staff_by_email(email).await.expect("read").expect("account") };
    let nurse_account = account("nurse@team.jp").await;
    assert_eq!(
        (nurse_account.id, nurse_account.clinic_id, nurse_account.password_hash.as_str(), nurse_account.disabled),
        (nurse, c.clinic, "$argon2id$hash-1", false)
    );

    let role = |by: Editor, id: StaffId, role: StaffRole| async move { in_tx!(s, |tx| settings::set_staff_role(tx, by, id, role).await) };
    let disabled = |by: Editor, id: StaffId, disable: bool| async move { in_tx!(s, |tx| settings::set_staff_disabled(tx, by, id, disable).await) };
    // The owner can neither demote nor disable themself …
    refused_with(role(by, me(by), StaffRole::Staff).await, |e| matches!(e, Problem::OwnAccount));
    refused_with(disabled(by, me(by), true).await, |e| matches!(e, Problem::OwnAccount));
    // … and whoever asks, the clinic keeps an active owner.
    let as_nurse = Editor { actor: Actor::Staff(nurse), ..by };
    refused_with(role(as_nurse, me(by), StaffRole::Staff).await, |e| matches!(e, Problem::LastOwner));
    refused_with(disabled(as_nurse, me(by), true).await, |e| matches!(e, Problem::LastOwner));
    // With a second owner, the first can be demoted, and promoted again.
    role(by, nurse, StaffRole::Owner).await.expect("promote");
    role(as_nurse, me(by), StaffRole::Staff).await.expect("demote the other owner");
    role(as_nurse, me(by), StaffRole::Owner).await.expect("promote again");
    role(by, nurse, StaffRole::Owner).await.expect("unchanged: not audited");

    // Disabling ends the account's sessions and keeps it listed, last.
    let session = StaffSession { staff_id: nurse, clinic_id: c.clinic, csrf_token: "csrf".into(), expires_at: now() + Duration::hours(1) };
    let sign_in = |token: &'static str| {
        let session = session.clone();
        async move { in_tx!(s, |tx| Ok(tx.insert_staff_session(token, &session, now()).await?)).expect("session") }
    };
    let session_of = |token: &'static str| async move { read(s).await.staff_session(token, now()).await.expect("read") };
    sign_in("nurse-token").await;
    assert_eq!(session_of("nurse-token").await, Some(session.clone()));
    disabled(by, nurse, true).await.expect("disable");
    assert_eq!(session_of("nurse-token").await, None);
    assert!(account("nurse@team.jp").await.disabled);
    assert_eq!(listed(c.clinic).await[1], ("nurse@team.jp".into(), "看護師".into(), StaffRole::Owner, true));
    // A disabled owner does not count as the clinic's owner.
    refused_with(role(as_nurse, me(by), StaffRole::Staff).await, |e| matches!(e, Problem::LastOwner));
    disabled(by, nurse, false).await.expect("enable");
    assert!(!account("nurse@team.jp").await.disabled);

    // A new password replaces the hash and ends the account's sessions.
    sign_in("nurse-token-2").await;
    in_tx!(s, |tx| settings::set_staff_password(tx, by, nurse, "$argon2id$hash-2", None).await).expect("password");
    assert_eq!(account("nurse@team.jp").await.password_hash, "$argon2id$hash-2");
    assert_eq!(session_of("nurse-token-2").await, None);

    // Another clinic's owner cannot touch the account.
    let before = listed(c.clinic).await;
    let audit_before = audit(s, c.clinic).await;
    let not_found = |r: Result<(), Problem>| assert!(matches!(r, Err(Problem::NotFound(_))), "{r:?}");
    not_found(role(other_owner, nurse, StaffRole::Staff).await);
    not_found(disabled(other_owner, nurse, true).await);
    not_found(in_tx!(s, |tx| settings::set_staff_password(tx, other_owner, nurse, "$argon2id$hijack", None).await));
    assert_eq!(listed(c.clinic).await, before);
    assert_eq!(account("nurse@team.jp").await.password_hash, "$argon2id$hash-2");
    assert_eq!(audit(s, c.clinic).await, audit_before);
    assert_eq!(listed(other.clinic).await.len(), 1);

    // Every change audited (refusals and no-ops not), never a password hash.
    let audit = changes(s, c.clinic).await;
    assert_eq!(audit.len(), 7, "{audit:?}");
    assert!(audit.iter().all(|a| a.area == SettingsArea::Staff && !a.summary.contains("hash")), "{audit:?}");
    assert!(audit[0].summary.contains("nurse@team.jp") && audit[0].summary.contains("password"), "{}", audit[0].summary);
    // The owner's own account, added by the system, is audited too, as the system's.
    let added = audit_before.iter().filter(|a| a.actor == Actor::System && a.area == SettingsArea::Staff && !a.summary.contains("desk")).collect::<Vec<_>>();
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(added[0].summary.contains("owner@team.jp") && !added[0].summary.contains("unused"), "{}", added[0].summary);
}

async fn line_secrets_are_write_only(db: &TestDb) {
    let s = db.store.as_ref();
    let c = clinic(s, "line").await;
    let by = owner(s, c.clinic, "owner@line.jp").await;
    let update = LineSettings {
        liff_id: "1657000000-AbCdEfGh".into(),
        login_channel_id: "1657000000".into(),
        add_friend_url: Some("https://line.me/R/ti/p/@clinic".into()),
        channel_secret: Some("SECRET-abc123".into()),
        channel_access_token: Some("TOKEN-xyz789".into()),
    };
    assert!(!format!("{update:?}").contains("SECRET-abc123") && !format!("{update:?}").contains("TOKEN-xyz789"));
    let line = || async { read(s).await.line_settings(c.clinic).await.expect("line") };
    let connect = update.clone();
    in_tx!(s, |tx| settings::update_line(tx, by, Some(connect)).await).expect("connect");
    assert_eq!(line().await, Some(update.clone()));
    // Empty secrets keep the stored ones.
    let change = LineSettings { login_channel_id: "1657000001".into(), channel_secret: None, channel_access_token: None, ..update.clone() };
    in_tx!(s, |tx| settings::update_line(tx, by, Some(change)).await).expect("change");
    let stored = line().await.expect("connected");
    assert_eq!(stored.login_channel_id, "1657000001");
    assert_eq!(stored.channel_secret.as_deref(), Some("SECRET-abc123"));
    assert_eq!(stored.channel_access_token.as_deref(), Some("TOKEN-xyz789"));
    // A secret of the wrong shape is refused on its field, and nothing changes.
    let broken = LineSettings { channel_secret: Some("not a secret".into()), ..update.clone() };
    let refused = in_tx!(s, |tx| settings::update_line(tx, by, Some(broken)).await);
    refused_with(refused, |e| matches!(e, Problem::Invalid(f) if f.iter().map(|f| f.field.as_str()).eq(["line-channel_secret"])));
    assert_eq!(line().await, Some(stored));

    in_tx!(s, |tx| settings::update_line(tx, by, None).await).expect("remove");
    assert_eq!(line().await, None);

    let (ja, en) = ("個人情報は予約のためだけに使います。", "We use your data for bookings only.");
    in_tx!(s, |tx| settings::save_privacy_notice(tx, by, &format!(" {ja} "), en).await).expect("privacy");
    assert_eq!(read(s).await.privacy_notice(c.clinic).await.expect("privacy"), (ja.to_string(), en.to_string()));
    let refused = in_tx!(s, |tx| settings::save_privacy_notice(tx, by, "", en).await);
    refused_with(refused, |e| matches!(e, Problem::Invalid(f) if f.iter().map(|f| f.field.as_str()).eq(["privacy-ja"])));
    assert_eq!(read(s).await.privacy_notice(c.clinic).await.expect("privacy").0, ja);

    let entries = changes(s, c.clinic).await;
    assert_eq!(entries.iter().map(|a| a.area.as_str()).collect::<Vec<_>>(), ["privacy", "line", "line", "line"]);
    for entry in audit(s, c.clinic).await {
        assert!(!entry.summary.contains("SECRET-abc123") && !entry.summary.contains("TOKEN-xyz789"), "{}", entry.summary);
    }
    assert_eq!(read(s).await.settings_audit(c.clinic, 2).await.expect("audit").len(), 2);
}

on_both!(staff_accounts_keep_an_owner_and_lose_their_sessions_when_disabled, line_secrets_are_write_only);

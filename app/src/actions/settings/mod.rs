//! The clinic's settings as the owner changes them, and as seeding and the command line set them
//! up: the same rules (`crate::settings`), each change scoped by the editor's clinic (an id of
//! another clinic is "not found" and changes nothing) and written to the settings audit in the
//! same transaction. Audit summaries never contain a secret, a password or its hash.

mod days;

pub use days::*;

use crate::booking::ids::{ClinicId, MenuId, QuestionId, ResourceId, StaffId};
use crate::booking::model::{Approval, MenuSpec, ResourceSpec};
use crate::error::{BadField, Missing, Problem, Reason};
use crate::kinds::StaffRole;
use crate::settings;
use crate::store::{ClinicOptions, Editor, LineSettings, NewClinic, NewStaff, QuestionSpec, ServiceMessages, SettingsArea, Write};

pub(crate) const WEEKDAYS: [&str; 7] = ["月 Mon", "火 Tue", "水 Wed", "木 Thu", "金 Fri", "土 Sat", "日 Sun"];

pub(crate) async fn audit(tx: &mut dyn Write, by: Editor, area: SettingsArea, summary: String) -> Result<(), Problem> {
    Ok(tx.audit_settings(by.clinic, by.actor, area, &summary, by.now).await?)
}

pub(crate) fn missing() -> Problem {
    Problem::NotFound(Missing::Other)
}

fn verb(created: bool) -> &'static str {
    if created {
        "作成 created"
    } else {
        "変更 changed"
    }
}

/// A new clinic (seeding, the command line). [`Problem::SlugTaken`] when the address name is.
pub async fn create_clinic(tx: &mut dyn Write, clinic: &NewClinic, now: chrono::DateTime<chrono::Utc>) -> Result<ClinicId, Problem> {
    settings::check_clinic(clinic)?;
    Ok(tx.insert_clinic(clinic, now).await?)
}

/// Creates (`id: None`) or renames a practitioner or room.
pub async fn save_resource(tx: &mut dyn Write, by: Editor, id: Option<ResourceId>, resource: &ResourceSpec) -> Result<ResourceId, Problem> {
    settings::check_resource(id, resource)?;
    let (id, created) = match id {
        None => (tx.insert_resource(by.clinic, resource).await?, true),
        Some(id) if tx.update_resource(by.clinic, id, resource).await? => (id, false),
        Some(_) => return Err(missing()),
    };
    let summary = format!("#{id} {}: {} / {} ({})", verb(created), resource.name_ja, resource.name_en, resource.kind.as_str());
    audit(tx, by, SettingsArea::Resource, summary).await?;
    Ok(id)
}

fn menu_summary(menu: &MenuSpec) -> String {
    format!(
        "{} / {}: {} ×{}, {}分, 前後{}/{}分, 受付締切{}分前, {}日先まで, キャンセル{}分前まで, {}, 保留{}分, 担当{:?}, {}, {}, あと{}人で順番のお知らせ",
        menu.name_ja,
        menu.name_en,
        menu.mode.kind().as_str(),
        menu.mode.capacity(),
        menu.duration_minutes,
        menu.buffer_before_minutes,
        menu.buffer_after_minutes,
        menu.min_notice_minutes,
        menu.horizon_days,
        menu.cancel_cutoff_minutes,
        if menu.approval == Approval::AutoConfirm { "自動確定 auto-confirm" } else { "承認制 approval" },
        menu.hold_minutes,
        menu.resource_ids.iter().map(|r| r.0).collect::<Vec<_>>(),
        if menu.active { "公開 active" } else { "非公開 inactive" },
        if menu.several_per_day { "1日複数可 several a day" } else { "1日1件 one a day" },
        menu.near_turn,
    )
}

/// Creates (`id: None`) or changes a menu with every booking rule; its resources must be the
/// clinic's.
pub async fn save_menu(tx: &mut dyn Write, by: Editor, id: Option<MenuId>, menu: &MenuSpec) -> Result<MenuId, Problem> {
    let mut menu = menu.clone();
    menu.resource_ids.sort();
    menu.resource_ids.dedup();
    let resources = tx.resources(by.clinic).await?;
    settings::check_menu(&menu, &resources)?;
    let (id, created) = match id {
        None => (tx.insert_menu(by.clinic, &menu).await?, true),
        Some(id) if tx.update_menu(by.clinic, id, &menu).await? => (id, false),
        Some(_) => return Err(missing()),
    };
    audit(tx, by, SettingsArea::Menu, format!("#{id} {}: {}", verb(created), menu_summary(&menu))).await?;
    Ok(id)
}

pub async fn set_options(tx: &mut dyn Write, by: Editor, options: ClinicOptions) -> Result<(), Problem> {
    let mut errors = Vec::new();
    settings::REMINDER_HOUR.check(&mut errors, "reminder_hour", options.reminder_hour);
    settings::BOOKING_LIMIT.check(&mut errors, "booking_limit", options.booking_limit);
    if !errors.is_empty() {
        return Err(Problem::Invalid(errors));
    }
    tx.set_clinic_options(by.clinic, options).await?;
    let holidays = if options.open_on_holidays { "祝日も診療 open on holidays" } else { "祝日休診 closed on holidays" };
    let summary = format!("{holidays}, リマインダー reminders {:02}:00, 予約上限 limit {}", options.reminder_hour, options.booking_limit);
    audit(tx, by, SettingsArea::Clinic, summary).await
}

/// The clinic's question `id`, with its menu.
async fn own_question(tx: &mut dyn Write, by: Editor, id: QuestionId) -> Result<crate::store::Question, Problem> {
    tx.questions(by.clinic).await?.into_iter().find(|q| q.id == id).ok_or_else(missing)
}

/// Adds a question at the end of its menu's list (`id: None`), or changes it; the menu must be
/// the clinic's.
pub async fn save_question(tx: &mut dyn Write, by: Editor, id: Option<QuestionId>, menu: MenuId, question: &QuestionSpec) -> Result<QuestionId, Problem> {
    settings::check_question(question)?;
    let (id, menu, created) = match id {
        None => {
            if !tx.menus(by.clinic).await?.iter().any(|m| m.id == menu) {
                return Err(missing());
            }
            (tx.insert_question(menu, question).await?, menu, true)
        }
        Some(id) => {
            let existing = own_question(tx, by, id).await?;
            tx.update_question(id, question).await?;
            (id, existing.menu_id, false)
        }
    };
    let required = if question.required { "必須 required" } else { "任意 optional" };
    let verb = if created { "追加 added" } else { "変更 changed" };
    let summary = format!("menu #{menu} question #{id} {verb}: {} ({}, {required})", question.label_ja, question.kind.as_str());
    audit(tx, by, SettingsArea::Question, summary).await?;
    Ok(id)
}

/// Removes a question. One that patients have answered stays (their answers need it):
/// [`Problem::QuestionAnswered`].
pub async fn remove_question(tx: &mut dyn Write, by: Editor, id: QuestionId) -> Result<(), Problem> {
    let question = own_question(tx, by, id).await?;
    if tx.answer_count(id).await? > 0 {
        return Err(Problem::QuestionAnswered);
    }
    tx.delete_question(id).await?;
    audit(tx, by, SettingsArea::Question, format!("menu #{} question #{id} 削除 removed: {}", question.menu_id, question.label_ja)).await
}

/// Moves a question one place up (`true`) or down within its menu.
pub async fn move_question(tx: &mut dyn Write, by: Editor, id: QuestionId, up: bool) -> Result<(), Problem> {
    let all = tx.questions(by.clinic).await?;
    let question = all.iter().find(|q| q.id == id).ok_or_else(missing)?;
    let mut order: Vec<QuestionId> = all.iter().filter(|q| q.menu_id == question.menu_id).map(|q| q.id).collect();
    let at = order.iter().position(|q| *q == id).ok_or_else(missing)?;
    let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|o| *o < order.len()) };
    let Some(other) = other else { return Ok(()) };
    order.swap(at, other);
    tx.set_question_order(&order).await?;
    let direction = if up { "上へ up" } else { "下へ down" };
    let summary = format!("menu #{} question #{id} {direction}: {}", question.menu_id, question.label_ja);
    audit(tx, by, SettingsArea::Question, summary).await
}

/// Changes the privacy notice: a changed text is a new version, which patients consent to from
/// their next booking on (the same text saved again changes nothing).
pub async fn save_privacy_notice(tx: &mut dyn Write, by: Editor, ja: &str, en: &str) -> Result<(), Problem> {
    let (ja, en) = (ja.trim(), en.trim());
    settings::check_privacy(ja, en)?;
    let (now_ja, now_en) = tx.privacy_notice(by.clinic).await?;
    if (now_ja.as_str(), now_en.as_str()) == (ja, en) {
        return Ok(());
    }
    tx.set_privacy_notice(by.clinic, ja, en, by.now).await?;
    let version = tx.privacy_version(by.clinic).await?;
    let summary = format!("プライバシー通知 privacy notice v{version}: {} / {} 文字 characters", ja.chars().count(), en.chars().count());
    audit(tx, by, SettingsArea::Privacy, summary).await
}

/// How long questionnaire answers are kept after the visit (`None`: until deleted by hand); the
/// worker deletes older ones ([`super::retention`]).
pub async fn save_answers_kept_days(tx: &mut dyn Write, by: Editor, days: Option<u32>) -> Result<(), Problem> {
    settings::check_answers_kept_days(days)?;
    if tx.answers_kept_days(by.clinic).await? == days {
        return Ok(());
    }
    tx.set_answers_kept_days(by.clinic, days).await?;
    let kept = days.map_or_else(|| "削除しない kept".to_string(), |d| format!("受診の{d}日後に削除 deleted {d} days after the visit"));
    audit(tx, by, SettingsArea::Privacy, format!("問診回答の保存期間 answers: {kept}")).await
}

/// The websites that may embed the clinic's widget, as the owner typed them (one a line).
pub async fn save_website_origins(tx: &mut dyn Write, by: Editor, typed: &str) -> Result<Vec<String>, Problem> {
    let origins = settings::check_origins(typed)?;
    tx.set_website_origins(by.clinic, &origins).await?;
    let list = if origins.is_empty() { "なし none".to_string() } else { origins.join(" ") };
    audit(tx, by, SettingsArea::Website, format!("埋め込みを許すサイト websites: {list}")).await?;
    Ok(origins)
}

/// The address the clinic's e-mails to patients come from (`None`: the deployment's own, under
/// the clinic's name). The deployment's mail server must be allowed to send for its domain.
pub async fn save_mail_from(tx: &mut dyn Write, by: Editor, typed: &str) -> Result<Option<String>, Problem> {
    let address = settings::check_mail_from(typed)?;
    tx.set_mail_from(by.clinic, address.as_deref()).await?;
    let shown = address.clone().unwrap_or_else(|| "既定 default".into());
    audit(tx, by, SettingsArea::Website, format!("メールの差出人 mail from: {shown}")).await?;
    Ok(address)
}

/// Connects or changes the LINE channels. A secret left `None` keeps the stored one (the console
/// never shows secrets back, so an empty field means "unchanged"). `None` removes the channels:
/// the clinic goes back to sandbox mode.
pub async fn update_line(tx: &mut dyn Write, by: Editor, update: Option<LineSettings>) -> Result<(), Problem> {
    let Some(mut line) = update else {
        tx.set_line_settings(by.clinic, None).await?;
        // Service messages go through the LIFF app's channel: they end with it.
        tx.set_service_messages(by.clinic, None).await?;
        return audit(tx, by, SettingsArea::Line, "LINE接続を解除 LINE connection removed (sandbox)".into()).await;
    };
    settings::check_line(&line)?;
    let stored = tx.line_settings(by.clinic).await?;
    let changed = |s: &Option<String>| if s.is_some() { "新しい値 new value" } else { "変更なし unchanged" };
    // Only whether a secret changed, never the secret.
    let summary = format!(
        "LIFF ID {}, Login channel {}, 友だち追加 add-friend {}, channel secret: {}, access token: {}",
        line.liff_id,
        line.login_channel_id,
        line.add_friend_url.as_deref().unwrap_or("-"),
        changed(&line.channel_secret),
        changed(&line.channel_access_token),
    );
    if let Some(stored) = stored {
        line.channel_secret = line.channel_secret.or(stored.channel_secret);
        line.channel_access_token = line.channel_access_token.or(stored.channel_access_token);
    }
    tx.set_line_settings(by.clinic, Some(&line)).await?;
    audit(tx, by, SettingsArea::Line, summary).await
}

/// Turns LINE MINI App service messages on or changes them (`Some`), or off (`None`). A secret
/// left `None` keeps the stored one; the first time, one is required. Needs the LINE channels.
pub async fn update_service_messages(tx: &mut dyn Write, by: Editor, update: Option<ServiceMessages>) -> Result<(), Problem> {
    let Some(mut service) = update else {
        tx.set_service_messages(by.clinic, None).await?;
        return audit(tx, by, SettingsArea::Line, "サービスメッセージを停止 service messages off".into()).await;
    };
    settings::check_service_messages(&service)?;
    if tx.line_settings(by.clinic).await?.is_none() {
        return Err(Problem::BadRequest("service messages without LINE channels".into()));
    }
    let stored = tx.service_messages(by.clinic).await?;
    let changed = if service.channel_secret.is_some() { "新しい値 new value" } else { "変更なし unchanged" };
    service.channel_secret = service.channel_secret.or(stored.and_then(|s| s.channel_secret));
    if service.channel_secret.is_none() {
        return Err(Problem::Invalid(vec![BadField::new("service-channel_secret", Reason::Required)]));
    }
    let templates: Vec<String> = service.templates.iter().map(|(n, t)| format!("{n}={t}")).collect();
    // Only whether the secret changed, never the secret.
    let summary =
        format!("サービスメッセージ service messages: {}; channel secret: {changed}", if templates.is_empty() { "-".into() } else { templates.join(", ") });
    tx.set_service_messages(by.clinic, Some(&service)).await?;
    audit(tx, by, SettingsArea::Line, summary).await
}

/// Adds a staff account to the editor's clinic. [`Problem::EmailTaken`] for an address any
/// clinic's account has.
pub async fn add_staff(tx: &mut dyn Write, by: Editor, email: &str, name: &str, role: StaffRole, password_hash: String) -> Result<StaffId, Problem> {
    let email = email.trim().to_lowercase();
    let name = name.trim();
    settings::check_staff(&email, name)?;
    if password_hash.is_empty() {
        return Err(Problem::internal("a staff account without a password hash"));
    }
    let new = NewStaff { clinic_id: by.clinic, email: email.clone(), display_name: name.to_string(), role, password_hash };
    let id = tx.insert_staff(&new, by.now).await?;
    audit(tx, by, SettingsArea::Staff, format!("#{id} {email} ({name}) 追加 added: {}", role.as_str())).await?;
    Ok(id)
}

/// The clinic's account `id`, its row locked behind the clinic's (so two changes of the clinic's
/// staff never interleave and the last-owner rule holds).
async fn own_staff(tx: &mut dyn Write, by: Editor, id: StaffId) -> Result<crate::store::StaffAccount, Problem> {
    if !tx.lock_clinic(by.clinic).await? {
        return Err(missing());
    }
    tx.staff_account(id).await?.filter(|s| s.clinic_id == by.clinic).ok_or_else(missing)
}

/// Refused when no active owner but `id` would remain.
async fn keep_an_owner(tx: &mut dyn Write, by: Editor, id: StaffId) -> Result<(), Problem> {
    let others = tx.staff_members(by.clinic).await?.into_iter().filter(|s| s.role == StaffRole::Owner && !s.disabled && s.id != id).count();
    if others == 0 {
        Err(Problem::LastOwner)
    } else {
        Ok(())
    }
}

/// Changes the role of the clinic's account. The editor cannot demote themself, and the clinic
/// keeps an active owner.
pub async fn set_staff_role(tx: &mut dyn Write, by: Editor, id: StaffId, role: StaffRole) -> Result<(), Problem> {
    let account = own_staff(tx, by, id).await?;
    if account.role == role {
        return Ok(());
    }
    if by.actor.staff() == Some(id) {
        return Err(Problem::OwnAccount);
    }
    if account.role == StaffRole::Owner && !account.disabled {
        keep_an_owner(tx, by, id).await?;
    }
    tx.set_staff_role(by.clinic, id, role).await?;
    let summary = format!("#{id} {}: 役割 role {} → {}", account.email, account.role.as_str(), role.as_str());
    audit(tx, by, SettingsArea::Staff, summary).await
}

/// Disables (ending every session of the account at once) or enables again the clinic's
/// account, with the same rules as [`set_staff_role`].
pub async fn set_staff_disabled(tx: &mut dyn Write, by: Editor, id: StaffId, disable: bool) -> Result<(), Problem> {
    let account = own_staff(tx, by, id).await?;
    if account.disabled == disable {
        return Ok(());
    }
    if disable {
        if by.actor.staff() == Some(id) {
            return Err(Problem::OwnAccount);
        }
        if account.role == StaffRole::Owner {
            keep_an_owner(tx, by, id).await?;
        }
        tx.delete_staff_sessions(id, None).await?;
    }
    tx.set_staff_disabled(by.clinic, id, disable.then_some(by.now)).await?;
    let what = if disable { "無効化 disabled" } else { "有効化 enabled" };
    audit(tx, by, SettingsArea::Staff, format!("#{id} {}: {what}", account.email)).await
}

/// Replaces the password (hashed) of the clinic's account. Its sessions end, but the one of
/// `keep` (the owner's own device, when they change their own password).
pub async fn set_staff_password(tx: &mut dyn Write, by: Editor, id: StaffId, password_hash: &str, keep: Option<&str>) -> Result<(), Problem> {
    let account = own_staff(tx, by, id).await?;
    if password_hash.is_empty() {
        return Err(Problem::internal("a new password without a hash"));
    }
    tx.set_staff_password(by.clinic, id, password_hash).await?;
    tx.delete_staff_sessions(id, keep).await?;
    // That it changed, never the password nor its hash.
    audit(tx, by, SettingsArea::Staff, format!("#{id} {}: パスワード変更 password changed", account.email)).await
}

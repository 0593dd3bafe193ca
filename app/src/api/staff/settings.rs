//! Server functions of the clinic's settings (owner only): weekly hours, closures and extra
//! hours, menus and their booking rules, practitioners and rooms, questions per menu, the
//! privacy notice, the reminder hour, the LINE channels and the staff accounts. Reads use `auth::owner(None)`,
//! changes `auth::owner(Some(&csrf))`; everything is scoped by the owner's clinic. Forms come
//! as typed text and are checked here, each broken field with its own message in both languages.
//! LINE secrets are write-only: they are never sent to the browser nor logged; passwords are
//! hashed here (Argon2id) and neither they nor their hashes ever leave the server or reach the audit.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::patients::FieldError;

/// How many audit entries the page shows.
pub const AUDIT_ENTRIES: u32 = 50;

/// A menu as the form edits it: numbers as typed, so a wrong one gets its own message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MenuForm {
    /// 0: a new menu.
    pub id: i64,
    pub name_ja: String,
    pub name_en: String,
    pub duration_minutes: String,
    /// `slot`, `band` or `queue`.
    pub mode: String,
    pub capacity: String,
    pub buffer_before_minutes: String,
    pub buffer_after_minutes: String,
    pub min_notice_minutes: String,
    pub horizon_days: String,
    pub cancel_cutoff_minutes: String,
    pub hold_minutes: String,
    pub auto_confirm: bool,
    pub active: bool,
    pub resource_ids: Vec<i64>,
}

impl MenuForm {
    /// The defaults of a new menu.
    pub fn new_menu() -> Self {
        MenuForm {
            id: 0,
            mode: "slot".into(),
            duration_minutes: "30".into(),
            capacity: "1".into(),
            buffer_before_minutes: "0".into(),
            buffer_after_minutes: "0".into(),
            min_notice_minutes: "60".into(),
            horizon_days: "30".into(),
            cancel_cutoff_minutes: "1440".into(),
            hold_minutes: "1440".into(),
            active: true,
            ..MenuForm::default()
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceForm {
    /// 0: a new practitioner or room.
    pub id: i64,
    pub name_ja: String,
    pub name_en: String,
    /// `practitioner` or `room`.
    pub kind: String,
}

/// One weekday of a resource: its hours as the owner types them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayHours {
    /// 0 = Monday.
    pub weekday: u8,
    pub label: String,
    /// `09:00-12:30, 14:00-18:00`; empty: closed.
    pub hours: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceView {
    pub id: i64,
    pub name_ja: String,
    pub name_en: String,
    pub kind: String,
    pub name: String,
    pub days: Vec<DayHours>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExceptionForm {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// 0: the whole clinic.
    pub resource_id: i64,
    /// Closed all day; otherwise extra hours `opens`–`closes`.
    pub closed: bool,
    pub opens: String,
    pub closes: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionView {
    pub id: i64,
    /// `12月24日(木) 医院全体: 休診`.
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QuestionForm {
    /// 0: a new question.
    pub id: i64,
    pub menu_id: i64,
    pub label_ja: String,
    pub label_en: String,
    /// `text`, `choice` or `yes_no`.
    pub kind: String,
    /// One choice a line, the same choices in both languages.
    pub choices_ja: String,
    pub choices_en: String,
    pub required: bool,
}

/// The LINE channels as the page shows them: secrets only as set or not set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LineView {
    pub connected: bool,
    pub liff_id: String,
    pub login_channel_id: String,
    pub add_friend_url: String,
    pub secret_set: bool,
    pub token_set: bool,
}

/// The LINE form. An empty secret keeps the stored one.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineForm {
    pub liff_id: String,
    pub login_channel_id: String,
    pub add_friend_url: String,
    pub channel_secret: String,
    pub channel_access_token: String,
}

/// Never prints the secrets.
impl std::fmt::Debug for LineForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineForm")
            .field("liff_id", &self.liff_id)
            .field("login_channel_id", &self.login_channel_id)
            .field("add_friend_url", &self.add_friend_url)
            .field("channel_secret", &if self.channel_secret.is_empty() { "" } else { "<redacted>" })
            .field("channel_access_token", &if self.channel_access_token.is_empty() { "" } else { "<redacted>" })
            .finish()
    }
}

/// A staff account as the owner's page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffView {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `owner` or `staff`.
    pub role: String,
    pub disabled: bool,
    /// The signed-in owner's own account (which they cannot disable or demote).
    pub is_me: bool,
}

/// A new staff account as the owner types it.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffForm {
    pub email: String,
    pub name: String,
    /// `owner` or `staff`.
    pub role: String,
    pub password: String,
}

/// Never prints the password.
impl std::fmt::Debug for StaffForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffForm").field("email", &self.email).field("name", &self.name).field("role", &self.role).finish_non_exhaustive()
    }
}

/// Like the `create-staff` command's.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    /// Clinic-local `2026-11-25 09:30`.
    pub at: String,
    pub staff: String,
    pub area: String,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsData {
    pub resources: Vec<ResourceView>,
    pub exceptions: Vec<ExceptionView>,
    pub menus: Vec<MenuForm>,
    pub questions: Vec<QuestionForm>,
    pub open_on_holidays: bool,
    pub reminder_hour: u32,
    pub privacy_ja: String,
    pub privacy_en: String,
    pub line: LineView,
    pub staff: Vec<StaffView>,
    pub audit: Vec<AuditView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved,
    /// Fix these fields; nothing was changed.
    Invalid(Vec<FieldError>),
}

#[server(endpoint = "staff/settings")]
pub async fn load_settings(lang: Lang) -> Result<SettingsData, ServerFnError> {
    let ctx = super::auth::owner(None).await?;
    ssr::load(&ctx, lang).await
}

#[server(endpoint = "staff/settings/menu", input = Json)]
pub async fn save_menu(csrf: String, form: MenuForm, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    let store = crate::state::store()?;
    let resources = store.resources(ctx.clinic.id).await.map_err(crate::api::ssr::user_error)?;
    match ssr::validate::menu(&form, ctx.clinic.id, &resources, lang) {
        Ok(menu) => ssr::saved(store.save_menu(ssr::editor(&ctx), menu).await, lang),
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

#[server(endpoint = "staff/settings/resource", input = Json)]
pub async fn save_resource(csrf: String, form: ResourceForm, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match ssr::validate::resource(&form, ctx.clinic.id, lang) {
        Ok(resource) => ssr::saved(crate::state::store()?.save_resource(ssr::editor(&ctx), resource).await, lang),
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

/// Replaces one weekday's hours of a practitioner or room (`hours` as typed; empty: closed).
#[server(endpoint = "staff/settings/hours", input = Json)]
pub async fn save_hours(csrf: String, resource_id: i64, weekday: u8, hours: String, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    let field = format!("hours-{resource_id}-{weekday}");
    let Some(day) = chrono::Weekday::try_from(weekday).ok() else {
        return Ok(SaveOutcome::Invalid(vec![ssr::validate::error(&field, lang, "曜日が正しくありません。", "Unknown weekday.")]));
    };
    match ssr::validate::hours(&field, &hours, lang) {
        Ok(intervals) => {
            let resource = crate::booking::ids::ResourceId(resource_id);
            ssr::saved(crate::state::store()?.set_weekday_hours(ssr::editor(&ctx), resource, day, intervals).await, lang)
        }
        Err(error) => Ok(SaveOutcome::Invalid(vec![error])),
    }
}

#[server(endpoint = "staff/settings/exception", input = Json)]
pub async fn add_exception(csrf: String, form: ExceptionForm, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match ssr::validate::exception(&form, lang) {
        Ok((date, resource, extra)) => ssr::saved(crate::state::store()?.add_date_exception(ssr::editor(&ctx), date, resource, extra).await, lang),
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

#[server(endpoint = "staff/settings/exception/remove", input = Json)]
pub async fn remove_exception(csrf: String, id: i64, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    ssr::saved(crate::state::store()?.remove_date_exception(ssr::editor(&ctx), id).await, lang)
}

#[server(endpoint = "staff/settings/clinic", input = Json)]
pub async fn save_clinic_options(csrf: String, open_on_holidays: bool, reminder_hour: String, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    use crate::store::settings::ClinicOptions;
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match ssr::validate::number("reminder_hour", &reminder_hour, 0, 23, lang, "リマインダーの時刻", "The reminder hour") {
        Ok(reminder_hour) => {
            let options = ClinicOptions { open_on_holidays, reminder_hour };
            ssr::saved(crate::state::store()?.set_clinic_options(ssr::editor(&ctx), options).await, lang)
        }
        Err(error) => Ok(SaveOutcome::Invalid(vec![error])),
    }
}

#[server(endpoint = "staff/settings/question", input = Json)]
pub async fn save_question(csrf: String, form: QuestionForm, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match ssr::validate::question(&form, lang) {
        Ok(question) => ssr::saved(crate::state::store()?.save_question(ssr::editor(&ctx), question).await, lang),
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

#[server(endpoint = "staff/settings/question/remove", input = Json)]
pub async fn remove_question(csrf: String, id: i64, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    use crate::store::StoreError;
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match crate::state::store()?.remove_question(ssr::editor(&ctx), crate::booking::ids::QuestionId(id)).await {
        Err(StoreError::Invalid(_)) => Ok(SaveOutcome::Invalid(vec![ssr::validate::error(
            &format!("question-{id}"),
            lang,
            "この質問には患者さんの回答があるため削除できません。文言を変更してください。",
            "Patients have answered this question, so it cannot be removed. Change its wording instead.",
        )])),
        other => ssr::saved(other, lang),
    }
}

#[server(endpoint = "staff/settings/question/move", input = Json)]
pub async fn move_question(csrf: String, id: i64, up: bool, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    ssr::saved(crate::state::store()?.move_question(ssr::editor(&ctx), crate::booking::ids::QuestionId(id), up).await, lang)
}

#[server(endpoint = "staff/settings/privacy", input = Json)]
pub async fn save_privacy(csrf: String, ja: String, en: String, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match ssr::validate::privacy(&ja, &en, lang) {
        Ok(()) => ssr::saved(crate::state::store()?.save_privacy_notice(ssr::editor(&ctx), ja.trim(), en.trim()).await, lang),
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

#[server(endpoint = "staff/settings/line", input = Json)]
pub async fn save_line(csrf: String, form: LineForm, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match ssr::validate::line(&form, lang) {
        Ok(update) => ssr::saved(crate::state::store()?.update_line(ssr::editor(&ctx), Some(update)).await, lang),
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

/// Removes the LINE channels: the clinic goes back to sandbox mode.
#[server(endpoint = "staff/settings/line/remove", input = Json)]
pub async fn remove_line(csrf: String, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    ssr::saved(crate::state::store()?.update_line(ssr::editor(&ctx), None).await, lang)
}

/// Adds a staff account to the owner's clinic.
#[server(endpoint = "staff/settings/staff/add", input = Json)]
pub async fn add_staff(csrf: String, form: StaffForm, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    use crate::store::settings::NewStaffMember;
    let ctx = super::auth::owner(Some(&csrf)).await?;
    match ssr::validate::staff(&form, lang) {
        Ok((email, display_name, role)) => {
            let password_hash = ssr::hash_password(&form.password)?;
            let added = crate::state::store()?.add_staff_member(ssr::editor(&ctx), NewStaffMember { email, display_name, role, password_hash }).await;
            ssr::staff_saved(added, "staff-email", lang)
        }
        Err(errors) => Ok(SaveOutcome::Invalid(errors)),
    }
}

/// `role`: `owner` or `staff`.
#[server(endpoint = "staff/settings/staff/role", input = Json)]
pub async fn set_staff_role(csrf: String, id: i64, role: String, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    let field = format!("staff-{id}");
    match ssr::validate::role(&field, &role, lang) {
        Ok(role) => ssr::staff_saved(crate::state::store()?.set_staff_role(ssr::editor(&ctx), crate::booking::ids::StaffId(id), role).await, &field, lang),
        Err(error) => Ok(SaveOutcome::Invalid(vec![error])),
    }
}

/// Disables an account (its sessions end at once and it can no longer sign in) or enables it again.
#[server(endpoint = "staff/settings/staff/disabled", input = Json)]
pub async fn set_staff_disabled(csrf: String, id: i64, disabled: bool, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    let changed = crate::state::store()?.set_staff_disabled(ssr::editor(&ctx), crate::booking::ids::StaffId(id), disabled).await;
    ssr::staff_saved(changed, &format!("staff-{id}"), lang)
}

/// Sets a new password for an account of the clinic.
#[server(endpoint = "staff/settings/staff/password", input = Json)]
pub async fn set_staff_password(csrf: String, id: i64, password: String, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
    let ctx = super::auth::owner(Some(&csrf)).await?;
    let field = format!("staff-{id}-password");
    if let Err(error) = ssr::validate::password(&field, &password, lang) {
        return Ok(SaveOutcome::Invalid(vec![error]));
    }
    let password_hash = ssr::hash_password(&password)?;
    let changed = crate::state::store()?.set_staff_password(ssr::editor(&ctx), crate::booking::ids::StaffId(id), &password_hash).await;
    if changed.is_ok() && id == ctx.staff.id.0 {
        // A new password of one's own (perhaps because the old one leaked) signs out every other
        // device; this one stays signed in.
        super::auth::end_other_sessions(&ctx).await?;
    }
    ssr::staff_saved(changed, &field, lang)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::http::StatusCode;
    use chrono::{Days, Utc};
    use leptos::prelude::ServerFnError;

    use super::*;
    use crate::api::staff::auth::{refuse, StaffContext};
    use crate::booking::format::date_label;
    use crate::store::settings::{format_intervals, Editor};
    use crate::store::StoreError;

    const WEEKDAYS: [(&str, &str); 7] =
        [("月曜日", "Monday"), ("火曜日", "Tuesday"), ("水曜日", "Wednesday"), ("木曜日", "Thursday"), ("金曜日", "Friday"), ("土曜日", "Saturday"), ("日曜日", "Sunday")];

    pub fn editor(ctx: &StaffContext) -> Editor {
        Editor { clinic: ctx.clinic.id, staff: ctx.staff.id, now: Utc::now() }
    }

    /// A change's result as the page reads it. An id of another clinic is 404 and nothing changed.
    pub fn saved<T>(result: Result<T, StoreError>, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
        match result {
            Ok(_) => Ok(SaveOutcome::Saved),
            Err(StoreError::Invalid(message)) => Ok(SaveOutcome::Invalid(vec![FieldError { field: "form".into(), message }])),
            Err(StoreError::NotFound) => Err(refuse(StatusCode::NOT_FOUND, lang.pick("見つかりませんでした。", "Not found."))),
            Err(other) => Err(crate::api::ssr::user_error(other)),
        }
    }

    /// Like [`saved`], with the reasons a staff change is refused as a message on `field`.
    pub fn staff_saved<T>(result: Result<T, StoreError>, field: &str, lang: Lang) -> Result<SaveOutcome, ServerFnError> {
        use crate::store::settings::{CANNOT_CHANGE_ONESELF, EMAIL_TAKEN, LAST_OWNER};
        let Err(StoreError::Invalid(message)) = &result else { return saved(result, lang) };
        let (ja, en) = match message.as_str() {
            LAST_OWNER => ("有効なオーナー(院長)が最低1人必要です。", "The clinic must keep at least one active owner."),
            CANNOT_CHANGE_ONESELF => ("自分のアカウントは無効化・降格できません。", "You cannot disable or demote your own account."),
            EMAIL_TAKEN => ("このメールアドレスはすでに使われています。", "This e-mail address is already in use."),
            _ => ("入力内容を確かめてください。", "Please check what you entered."),
        };
        Ok(SaveOutcome::Invalid(vec![validate::error(field, lang, ja, en)]))
    }

    /// An Argon2id PHC string with a random salt.
    pub fn hash_password(password: &str) -> Result<String, ServerFnError> {
        use argon2::password_hash::{rand_core::OsRng, SaltString};
        use argon2::{Argon2, PasswordHasher};
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| {
            tracing::error!(error = %e, "cannot hash a password");
            ServerFnError::new("一時的なエラーが発生しました。しばらくしてからもう一度お試しください。 (A temporary error occurred; please try again.)")
        })
    }

    fn area_label(area: &str, lang: Lang) -> String {
        let (ja, en) = match area {
            "hours" => ("診療時間", "Hours"),
            "closure" => ("休診・臨時診療", "Closures"),
            "menu" => ("メニュー", "Menu"),
            "resource" => ("担当・部屋", "Practitioners and rooms"),
            "question" => ("問診", "Questions"),
            "privacy" => ("プライバシー", "Privacy notice"),
            "clinic" => ("医院", "Clinic"),
            "line" => ("LINE", "LINE"),
            "staff" => ("スタッフ", "Staff"),
            other => (other, other),
        };
        lang.pick(ja, en).to_string()
    }

    pub async fn load(ctx: &StaffContext, lang: Lang) -> Result<SettingsData, ServerFnError> {
        let store = crate::state::store()?;
        let e = crate::api::ssr::user_error;
        let clinic = ctx.clinic.id;
        let tz = ctx.clinic.time_zone;
        let resources = store.resources(clinic).await.map_err(e)?;
        let hours = store.weekly_hours(clinic).await.map_err(e)?;
        let name_of = |id: Option<crate::booking::ids::ResourceId>| match id {
            None => lang.pick("医院全体", "Whole clinic").to_string(),
            Some(id) => resources
                .iter()
                .find(|r| r.id == id)
                .map(|r| lang.pick(&r.name_ja, &r.name_en).to_string())
                .unwrap_or_default(),
        };
        let resource_views = resources
            .iter()
            .map(|r| ResourceView {
                id: r.id.0,
                name_ja: r.name_ja.clone(),
                name_en: r.name_en.clone(),
                kind: r.kind.as_str().to_string(),
                name: lang.pick(&r.name_ja, &r.name_en).to_string(),
                days: (0u8..7)
                    .map(|w| {
                        let day: Vec<_> = hours
                            .iter()
                            .filter(|h| h.resource_id == r.id && h.weekday.num_days_from_monday() == u32::from(w))
                            .map(|h| h.interval)
                            .collect();
                        let (ja, en) = WEEKDAYS[usize::from(w)];
                        DayHours { weekday: w, label: lang.pick(ja, en).to_string(), hours: format_intervals(&day).replace('–', "-") }
                    })
                    .collect(),
            })
            .collect();
        let today = Utc::now().with_timezone(&tz).date_naive();
        let exceptions = store
            .exceptions_from(clinic, today - Days::new(1))
            .await
            .map_err(e)?
            .into_iter()
            .map(|x| {
                let what = match x.extra {
                    None => lang.pick("休診", "closed").to_string(),
                    Some(i) => format!("{} {}", lang.pick("臨時診療", "extra hours"), format_intervals(&[i])),
                };
                ExceptionView { id: x.id, label: format!("{} {}: {what}", date_label(x.date, lang), name_of(x.resource_id)) }
            })
            .collect();
        let menus = store.all_menus(clinic).await.map_err(e)?;
        let mut questions = Vec::new();
        for m in &menus {
            for q in store.questions(m.menu.id).await.map_err(e)? {
                questions.push(QuestionForm {
                    id: q.id.0,
                    menu_id: q.menu_id.0,
                    label_ja: q.label_ja,
                    label_en: q.label_en,
                    kind: q.kind.as_str().to_string(),
                    choices_ja: q.choices_ja.join("\n"),
                    choices_en: q.choices_en.join("\n"),
                    required: q.required,
                });
            }
        }
        let menus = menus
            .into_iter()
            .map(|s| {
                let m = s.menu;
                MenuForm {
                    id: m.id.0,
                    name_ja: m.name_ja,
                    name_en: m.name_en,
                    duration_minutes: m.duration_minutes.to_string(),
                    mode: m.mode.kind().to_string(),
                    capacity: m.mode.capacity().to_string(),
                    buffer_before_minutes: m.buffer_before_minutes.to_string(),
                    buffer_after_minutes: m.buffer_after_minutes.to_string(),
                    min_notice_minutes: m.min_notice_minutes.to_string(),
                    horizon_days: m.horizon_days.to_string(),
                    cancel_cutoff_minutes: m.cancel_cutoff_minutes.to_string(),
                    hold_minutes: m.hold_minutes.to_string(),
                    auto_confirm: m.approval == crate::booking::model::Approval::AutoConfirm,
                    active: s.active,
                    resource_ids: m.resource_ids.iter().map(|r| r.0).collect(),
                }
            })
            .collect();
        let options = store.clinic_options(clinic).await.map_err(e)?;
        let (privacy_ja, privacy_en) = store.privacy_notice(clinic).await.map_err(e)?;
        let line = store.line_status(clinic).await.map_err(e)?;
        let staff = store
            .staff_members(clinic)
            .await
            .map_err(e)?
            .into_iter()
            .map(|m| StaffView { id: m.id.0, email: m.email, name: m.display_name, role: m.role.as_str().to_string(), disabled: m.disabled, is_me: m.id == ctx.staff.id })
            .collect();
        let audit = store
            .settings_audit(clinic, AUDIT_ENTRIES)
            .await
            .map_err(e)?
            .into_iter()
            .map(|a| AuditView {
                at: a.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                staff: a.staff_name.unwrap_or_else(|| "-".into()),
                area: area_label(&a.area, lang),
                summary: a.summary,
            })
            .collect();
        Ok(SettingsData {
            resources: resource_views,
            exceptions,
            menus,
            questions,
            open_on_holidays: options.open_on_holidays,
            reminder_hour: options.reminder_hour,
            privacy_ja,
            privacy_en,
            line: LineView {
                connected: line.liff_id.is_some() && line.login_channel_id.is_some(),
                liff_id: line.liff_id.unwrap_or_default(),
                login_channel_id: line.login_channel_id.unwrap_or_default(),
                add_friend_url: line.add_friend_url.unwrap_or_default(),
                secret_set: line.secret_set,
                token_set: line.token_set,
            },
            staff,
            audit,
        })
    }

    /// The checks of every settings form: each broken field gets its own message.
    pub mod validate {
        use chrono::NaiveDate;

        use super::super::*;
        use crate::booking::ids::{ClinicId, MenuId, QuestionId, ResourceId};
        use crate::booking::model::{Approval, BookingMode, Menu, Resource, ResourceKind};
        use crate::store::settings::{check_intervals, parse_intervals, parse_minutes, Interval, IntervalError, LineUpdate, MenuSetting};
        use crate::store::{Question, QuestionKind, StaffRole};

        pub const MAX_NAME_CHARS: usize = 40;
        pub const MAX_LABEL_CHARS: usize = 200;
        pub const MAX_NOTICE_CHARS: usize = 5000;
        pub const MAX_PASSWORD_CHARS: usize = 200;

        pub fn error(field: &str, lang: Lang, ja: &str, en: &str) -> FieldError {
            FieldError { field: field.to_string(), message: lang.pick(ja, en).to_string() }
        }

        /// Full-width digits become ASCII.
        fn ascii_digits(s: &str) -> String {
            s.trim().chars().map(|c| if ('０'..='９').contains(&c) { char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c) } else { c }).collect()
        }

        /// A whole number between `min` and `max`.
        pub fn number(field: &str, value: &str, min: u32, max: u32, lang: Lang, label_ja: &str, label_en: &str) -> Result<u32, FieldError> {
            match ascii_digits(value).parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(FieldError {
                    field: field.to_string(),
                    message: match lang {
                        Lang::Ja => format!("{label_ja}は{min}〜{max}の数字で入力してください。"),
                        Lang::En => format!("{label_en} must be a whole number from {min} to {max}."),
                    },
                }),
            }
        }

        fn name(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, lang: Lang) -> String {
            let value = value.trim().to_string();
            if value.is_empty() {
                errors.push(error(field, lang, "入力してください。", "Please fill this in."));
            } else if value.chars().count() > max {
                errors.push(FieldError {
                    field: field.to_string(),
                    message: match lang {
                        Lang::Ja => format!("{max}文字以内で入力してください。"),
                        Lang::En => format!("Please keep it within {max} characters."),
                    },
                });
            }
            value
        }

        pub fn menu(f: &MenuForm, clinic: ClinicId, resources: &[Resource], lang: Lang) -> Result<MenuSetting, Vec<FieldError>> {
            let mut errors = Vec::new();
            let name_ja = name(&mut errors, "menu-name_ja", &f.name_ja, MAX_NAME_CHARS, lang);
            let name_en = name(&mut errors, "menu-name_en", &f.name_en, MAX_NAME_CHARS, lang);
            let mut num = |field: &str, value: &str, min, max, ja, en| {
                number(&format!("menu-{field}"), value, min, max, lang, ja, en).map_err(|e| errors.push(e)).unwrap_or(0)
            };
            let duration = num("duration_minutes", &f.duration_minutes, 1, 720, "所要時間(分)", "The duration (minutes)");
            let capacity = num("capacity", &f.capacity, 1, 500, "定員", "The capacity");
            let buffer_before = num("buffer_before_minutes", &f.buffer_before_minutes, 0, 240, "前の準備時間(分)", "The buffer before (minutes)");
            let buffer_after = num("buffer_after_minutes", &f.buffer_after_minutes, 0, 240, "後の片付け時間(分)", "The buffer after (minutes)");
            let min_notice = num("min_notice_minutes", &f.min_notice_minutes, 0, 43_200, "受付締切(分前)", "The minimum notice (minutes)");
            let horizon = num("horizon_days", &f.horizon_days, 1, 365, "予約できる期間(日)", "The booking horizon (days)");
            let cutoff = num("cancel_cutoff_minutes", &f.cancel_cutoff_minutes, 0, 43_200, "キャンセル期限(分前)", "The cancellation cut-off (minutes)");
            let hold = num("hold_minutes", &f.hold_minutes, 1, 10_080, "承認待ちの保留時間(分)", "The hold (minutes)");
            let mode = BookingMode::from_parts(&f.mode, capacity);
            if mode.is_none() {
                errors.push(error("menu-mode", lang, "予約方式を選んでください。", "Please choose a booking mode."));
            }
            let mut resource_ids: Vec<ResourceId> = f.resource_ids.iter().map(|r| ResourceId(*r)).collect();
            resource_ids.sort();
            resource_ids.dedup();
            if resource_ids.is_empty() {
                errors.push(error("menu-resources", lang, "担当する医師・部屋を1つ以上選んでください。", "Please choose at least one practitioner or room."));
            } else if !resource_ids.iter().all(|id| resources.iter().any(|r| r.id == *id)) {
                errors.push(error("menu-resources", lang, "この医院の医師・部屋から選んでください。", "Please choose this clinic's practitioners or rooms."));
            }
            match (errors.is_empty(), mode) {
                (true, Some(mode)) => Ok(MenuSetting {
                    menu: Menu {
                        id: MenuId(f.id),
                        clinic_id: clinic,
                        name_ja,
                        name_en,
                        duration_minutes: duration,
                        mode,
                        buffer_before_minutes: buffer_before,
                        buffer_after_minutes: buffer_after,
                        min_notice_minutes: min_notice,
                        horizon_days: horizon,
                        cancel_cutoff_minutes: cutoff,
                        approval: if f.auto_confirm { Approval::AutoConfirm } else { Approval::RequiresStaff },
                        hold_minutes: hold,
                        resource_ids,
                    },
                    active: f.active,
                }),
                _ => Err(errors),
            }
        }

        pub fn resource(f: &ResourceForm, clinic: ClinicId, lang: Lang) -> Result<Resource, Vec<FieldError>> {
            let mut errors = Vec::new();
            let name_ja = name(&mut errors, &format!("resource-{}-name_ja", f.id), &f.name_ja, MAX_NAME_CHARS, lang);
            let name_en = name(&mut errors, &format!("resource-{}-name_en", f.id), &f.name_en, MAX_NAME_CHARS, lang);
            let kind = ResourceKind::parse(&f.kind);
            if kind.is_none() {
                errors.push(error(&format!("resource-{}-kind", f.id), lang, "種類を選んでください。", "Please choose a kind."));
            }
            match (errors.is_empty(), kind) {
                (true, Some(kind)) => Ok(Resource { id: ResourceId(f.id), clinic_id: clinic, name_ja, name_en, kind }),
                _ => Err(errors),
            }
        }

        fn interval_error(field: &str, e: IntervalError, lang: Lang) -> FieldError {
            match e {
                IntervalError::Empty => error(field, lang, "開始は終了より前にしてください。", "Each interval must open before it closes."),
                IntervalError::OutOfDay => error(field, lang, "時刻は00:00〜24:00で入力してください。", "Times must be between 00:00 and 24:00."),
                IntervalError::Overlap => error(field, lang, "時間帯が重なっています。", "The intervals overlap."),
            }
        }

        /// A day's hours as typed (`9:00-12:30, 14:00-18:00`; empty: closed).
        pub fn hours(field: &str, typed: &str, lang: Lang) -> Result<Vec<Interval>, FieldError> {
            let intervals = parse_intervals(typed).ok_or_else(|| {
                error(field, lang, "「9:00-12:30, 14:00-18:00」の形で入力してください(休みは空欄)。", "Write the hours as \"9:00-12:30, 14:00-18:00\" (empty: closed).")
            })?;
            check_intervals(&intervals).map_err(|e| interval_error(field, e, lang))
        }

        pub fn exception(f: &ExceptionForm, lang: Lang) -> Result<(NaiveDate, Option<ResourceId>, Option<Interval>), Vec<FieldError>> {
            let mut errors = Vec::new();
            let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d").ok();
            if date.is_none() {
                errors.push(error("exception-date", lang, "日付を選んでください。", "Please choose a date."));
            }
            let extra = if f.closed {
                None
            } else {
                match (parse_minutes(&f.opens), parse_minutes(&f.closes)) {
                    (Some(opens), Some(closes)) => {
                        let i = Interval { opens, closes };
                        match check_intervals(&[i]) {
                            Ok(_) => Some(i),
                            Err(e) => {
                                errors.push(interval_error("exception-closes", e, lang));
                                None
                            }
                        }
                    }
                    (opens, closes) => {
                        if opens.is_none() {
                            errors.push(error("exception-opens", lang, "開始時刻を入力してください(例: 14:00)。", "Please enter the opening time (e.g. 14:00)."));
                        }
                        if closes.is_none() {
                            errors.push(error("exception-closes", lang, "終了時刻を入力してください(例: 17:00)。", "Please enter the closing time (e.g. 17:00)."));
                        }
                        None
                    }
                }
            };
            let resource = (f.resource_id != 0).then_some(ResourceId(f.resource_id));
            match date {
                Some(date) if errors.is_empty() => Ok((date, resource, extra)),
                _ => Err(errors),
            }
        }

        fn lines(s: &str) -> Vec<String> {
            s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
        }

        pub fn question(f: &QuestionForm, lang: Lang) -> Result<Question, Vec<FieldError>> {
            let mut errors = Vec::new();
            let label_ja = name(&mut errors, "question-label_ja", &f.label_ja, MAX_LABEL_CHARS, lang);
            let label_en = name(&mut errors, "question-label_en", &f.label_en, MAX_LABEL_CHARS, lang);
            let kind = QuestionKind::parse(&f.kind);
            if kind.is_none() {
                errors.push(error("question-kind", lang, "質問の種類を選んでください。", "Please choose the kind of question."));
            }
            let (choices_ja, choices_en) = if kind == Some(QuestionKind::Choice) {
                let (ja, en) = (lines(&f.choices_ja), lines(&f.choices_en));
                if ja.len() < 2 {
                    errors.push(error("question-choices_ja", lang, "選択肢を1行に1つ、2つ以上入力してください。", "Please enter at least two choices, one a line."));
                } else if ja.len() != en.len() {
                    errors.push(error("question-choices_en", lang, "英語の選択肢は日本語と同じ数・同じ順にしてください。", "Please give the same choices in English, in the same order."));
                }
                (ja, en)
            } else {
                (Vec::new(), Vec::new())
            };
            match (errors.is_empty(), kind) {
                (true, Some(kind)) => Ok(Question {
                    id: QuestionId(f.id),
                    menu_id: MenuId(f.menu_id),
                    label_ja,
                    label_en,
                    kind,
                    choices_ja,
                    choices_en,
                    required: f.required,
                }),
                _ => Err(errors),
            }
        }

        /// `owner` or `staff`.
        pub fn role(field: &str, value: &str, lang: Lang) -> Result<StaffRole, FieldError> {
            match value {
                "owner" => Ok(StaffRole::Owner),
                "staff" => Ok(StaffRole::Staff),
                _ => Err(error(field, lang, "役割を選んでください。", "Please choose a role.")),
            }
        }

        /// At least [`MIN_PASSWORD_CHARS`] characters (spaces count; nothing is trimmed).
        pub fn password(field: &str, value: &str, lang: Lang) -> Result<(), FieldError> {
            let chars = value.chars().count();
            if chars < MIN_PASSWORD_CHARS {
                return Err(FieldError {
                    field: field.to_string(),
                    message: match lang {
                        Lang::Ja => format!("パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください。"),
                        Lang::En => format!("The password must have at least {MIN_PASSWORD_CHARS} characters."),
                    },
                });
            }
            if chars > MAX_PASSWORD_CHARS {
                return Err(error(field, lang, "パスワードが長すぎます(200文字まで)。", "The password is too long (200 characters at most)."));
            }
            Ok(())
        }

        /// A new staff account: its e-mail (trimmed, lower case), name and role.
        pub fn staff(f: &StaffForm, lang: Lang) -> Result<(String, String, StaffRole), Vec<FieldError>> {
            let mut errors = Vec::new();
            let email = f.email.trim().to_lowercase();
            let valid_email = email.len() <= 254
                && !email.chars().any(char::is_whitespace)
                && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'));
            if !valid_email {
                errors.push(error("staff-email", lang, "メールアドレスを正しく入力してください。", "Please enter a valid e-mail address."));
            }
            let display_name = name(&mut errors, "staff-name", &f.name, MAX_NAME_CHARS, lang);
            let role = role("staff-role", &f.role, lang).map_err(|e| errors.push(e)).ok();
            if let Err(e) = password("staff-password", &f.password, lang) {
                errors.push(e);
            }
            match role {
                Some(role) if errors.is_empty() => Ok((email, display_name, role)),
                _ => Err(errors),
            }
        }

        pub fn privacy(ja: &str, en: &str, lang: Lang) -> Result<(), Vec<FieldError>> {
            let mut errors = Vec::new();
            name(&mut errors, "privacy-ja", ja, MAX_NOTICE_CHARS, lang);
            name(&mut errors, "privacy-en", en, MAX_NOTICE_CHARS, lang);
            if errors.is_empty() { Ok(()) } else { Err(errors) }
        }

        fn token_like(s: &str, max: usize) -> bool {
            !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_graphic())
        }

        /// The LINE form. An empty secret keeps the stored one; a secret is checked for its shape
        /// only and never echoed in a message.
        pub fn line(f: &LineForm, lang: Lang) -> Result<LineUpdate, Vec<FieldError>> {
            let mut errors = Vec::new();
            let liff_id = f.liff_id.trim().to_string();
            let valid_liff = liff_id.split_once('-').is_some_and(|(channel, rest)| {
                !channel.is_empty() && channel.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
            });
            if !valid_liff {
                errors.push(error("line-liff_id", lang, "LIFF IDは「1657000000-AbCdEfGh」の形です。", "A LIFF ID looks like 1657000000-AbCdEfGh."));
            }
            let login = f.login_channel_id.trim().to_string();
            if login.is_empty() || login.len() > 20 || !login.chars().all(|c| c.is_ascii_digit()) {
                errors.push(error("line-login_channel_id", lang, "LINEログインのチャネルIDは数字です。", "The LINE Login channel ID is a number."));
            }
            let friend = f.add_friend_url.trim().to_string();
            let friend_ok = friend.is_empty() || (friend.starts_with("https://") && token_like(&friend, 300));
            if !friend_ok {
                errors.push(error("line-add_friend_url", lang, "友だち追加URLは https:// で始まるURLです。", "The add-friend link must be an https:// address."));
            }
            let secret = f.channel_secret.trim();
            if !secret.is_empty() && !token_like(secret, 200) {
                errors.push(error("line-channel_secret", lang, "チャネルシークレットの形式が正しくありません。", "The channel secret does not look right."));
            }
            let token = f.channel_access_token.trim();
            if !token.is_empty() && !token_like(token, 2000) {
                errors.push(error("line-channel_access_token", lang, "チャネルアクセストークンの形式が正しくありません。", "The channel access token does not look right."));
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            Ok(LineUpdate {
                liff_id,
                login_channel_id: login,
                add_friend_url: (!friend.is_empty()).then_some(friend),
                channel_secret: (!secret.is_empty()).then(|| secret.to_string()),
                channel_access_token: (!token.is_empty()).then(|| token.to_string()),
            })
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            fn fields(errors: &[FieldError]) -> Vec<&str> {
                errors.iter().map(|e| e.field.as_str()).collect()
            }

            #[test]
            fn a_menu_form_reports_each_broken_field() {
                let resources = [Resource { id: ResourceId(1), clinic_id: ClinicId(1), name_ja: "医師".into(), name_en: "Doctor".into(), kind: ResourceKind::Practitioner }];
                let good = MenuForm { name_ja: "初診".into(), name_en: "First visit".into(), resource_ids: vec![1], ..MenuForm::new_menu() };
                let menu = menu(&good, ClinicId(1), &resources, Lang::Ja).expect("valid");
                assert_eq!(menu.menu.duration_minutes, 30);
                let bad = MenuForm { name_en: "".into(), duration_minutes: "abc".into(), capacity: "0".into(), mode: "x".into(), resource_ids: vec![99], ..good };
                let errors = super::menu(&bad, ClinicId(1), &resources, Lang::En).expect_err("invalid");
                assert_eq!(fields(&errors), ["menu-name_en", "menu-duration_minutes", "menu-capacity", "menu-mode", "menu-resources"]);
                assert!(errors[1].message.contains("from 1 to 720"), "{}", errors[1].message);
            }

            #[test]
            fn a_staff_form_reports_each_broken_field_and_never_echoes_the_password() {
                let good = StaffForm { email: " Reception@Clinic.JP ".into(), name: "受付 花子".into(), role: "staff".into(), password: "correct horse".into() };
                assert_eq!(staff(&good, Lang::Ja), Ok(("reception@clinic.jp".into(), "受付 花子".into(), StaffRole::Staff)));
                let bad = StaffForm { email: "no-at-sign".into(), name: " ".into(), role: "admin".into(), password: "short-pw1".into() };
                let errors = staff(&bad, Lang::En).expect_err("invalid");
                assert_eq!(fields(&errors), ["staff-email", "staff-name", "staff-role", "staff-password"]);
                assert!(errors[3].message.contains("at least 10"), "{}", errors[3].message);
                assert!(errors.iter().all(|e| !e.message.contains("short-pw1")));
                assert!(!format!("{good:?}").contains("correct horse"));
                assert!(password("p", &"x".repeat(201), Lang::Ja).is_err());
            }

            #[test]
            fn hours_and_line_forms_are_checked() {
                assert_eq!(hours("h", "９：００-12:00", Lang::Ja).map(|v| v.len()), Ok(1));
                assert!(hours("h", "12:00-9:00", Lang::En).expect_err("backwards").message.contains("open before"));
                assert!(hours("h", "9-12, 11-13", Lang::En).expect_err("overlap").message.contains("overlap"));
                let form = LineForm { liff_id: "1657000000-AbCd".into(), login_channel_id: "1657000000".into(), channel_secret: "bad secret".into(), ..LineForm::default() };
                let errors = line(&form, Lang::En).expect_err("invalid");
                assert_eq!(fields(&errors), ["line-channel_secret"]);
                assert!(!errors[0].message.contains("bad secret"));
                let ok = line(&LineForm { channel_secret: String::new(), ..form }, Lang::En).expect("valid");
                assert_eq!(ok.channel_secret, None);
                assert!(!format!("{:?}", LineForm { channel_secret: "s3cr3t".into(), ..LineForm::default() }).contains("s3cr3t"));
            }
        }
    }
}

//! Server functions of the clinic's settings (owner only): weekly hours, closures and extra
//! hours, menus and their booking rules, practitioners and rooms, questions per menu, the
//! privacy notice, the reminder hour, the LINE channels and the staff accounts. Reads use
//! `auth::owner(None)`, changes `auth::owner(Some(&csrf))`; everything is scoped by the owner's
//! clinic. Forms come as typed text and are checked in [`validate`], each broken field with its
//! reason. LINE secrets are write-only: they are never sent to the browser nor logged;
//! passwords are hashed here (Argon2id) and neither they nor their hashes ever leave the server
//! or reach the audit.

mod closures;
#[cfg(feature = "ssr")]
mod load;
mod rich_menu;
mod service;
#[cfg(feature = "ssr")]
pub mod validate;
mod website;

pub use closures::*;
pub use rich_menu::*;
pub use service::*;
pub use website::*;

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::actions::settings as actions;
#[cfg(feature = "ssr")]
use crate::api::once::fresh;
use crate::api::once::IdempotencyKey;
use crate::booking::ids::{ExceptionId, MenuId, QuestionId, ResourceId, StaffId};
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::kinds::{ModeKind, QuestionKind, ResourceKind, StaffRole};

/// How many audit entries the page shows.
pub const AUDIT_ENTRIES: u32 = 50;
/// The retention rule's deletions the settings show.
pub const ANSWER_DELETIONS: u32 = 10;

/// A menu as the form edits it: numbers as typed, so a wrong one gets its own message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuForm {
    /// `None`: a new menu.
    pub id: Option<MenuId>,
    pub name_ja: String,
    pub name_en: String,
    pub duration_minutes: String,
    pub mode: ModeKind,
    pub capacity: String,
    pub buffer_before_minutes: String,
    pub buffer_after_minutes: String,
    pub min_notice_minutes: String,
    pub horizon_days: String,
    pub cancel_cutoff_minutes: String,
    pub hold_minutes: String,
    pub auto_confirm: bool,
    pub active: bool,
    /// A patient may book several places of it on one day.
    #[serde(default)]
    pub several_per_day: bool,
    /// A day queue: the near-turn notice goes when this many are still before the patient.
    #[serde(default = "default_near_turn")]
    pub near_turn: String,
    pub resource_ids: Vec<ResourceId>,
}

fn default_near_turn() -> String {
    "3".into()
}

impl MenuForm {
    /// The defaults of a new menu.
    pub fn new_menu() -> Self {
        MenuForm {
            id: None,
            name_ja: String::new(),
            name_en: String::new(),
            mode: ModeKind::Slot,
            duration_minutes: "30".into(),
            capacity: "1".into(),
            buffer_before_minutes: "0".into(),
            buffer_after_minutes: "0".into(),
            min_notice_minutes: "60".into(),
            horizon_days: "30".into(),
            cancel_cutoff_minutes: "1440".into(),
            hold_minutes: "1440".into(),
            auto_confirm: false,
            active: true,
            several_per_day: false,
            near_turn: default_near_turn(),
            resource_ids: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceForm {
    /// `None`: a new practitioner or room.
    pub id: Option<ResourceId>,
    pub name_ja: String,
    pub name_en: String,
    pub kind: ResourceKind,
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
    pub id: ResourceId,
    pub name_ja: String,
    pub name_en: String,
    pub kind: ResourceKind,
    pub name: String,
    pub days: Vec<DayHours>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExceptionForm {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `None`: the whole clinic.
    pub resource_id: Option<ResourceId>,
    /// Closed all day; otherwise extra hours `opens`–`closes`.
    pub closed: bool,
    pub opens: String,
    pub closes: String,
    /// For the requests and visits a closure falls on ([`ErrorCode::ClosureHasVisits`]).
    ///
    /// [`ErrorCode::ClosureHasVisits`]: crate::error::ErrorCode::ClosureHasVisits
    #[serde(default)]
    pub on_visits: VisitsChoice,
}

/// The owner's choice for the requests and visits a closure or new weekly hours fall on: no
/// message refuses the change if there are any; a message cancels them, telling each patient,
/// and with `propose` also offers each the earliest free place of their menu.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VisitsChoice {
    #[serde(default)]
    pub cancel_message: Option<String>,
    #[serde(default)]
    pub propose: bool,
}

#[cfg(feature = "ssr")]
impl From<VisitsChoice> for crate::actions::settings::OnVisits {
    /// The owner's choice as the console sends it: no message refuses; a message cancels, and
    /// with `propose` also offers another time.
    fn from(choice: VisitsChoice) -> Self {
        use crate::actions::settings::OnVisits;
        match choice.cancel_message {
            None => OnVisits::Refuse,
            Some(m) if choice.propose => OnVisits::ProposeWith(m),
            Some(m) => OnVisits::CancelWith(m),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionView {
    pub id: ExceptionId,
    /// `12月24日(木) 医院全体: 休診`.
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionForm {
    /// `None`: a new question.
    pub id: Option<QuestionId>,
    pub menu_id: MenuId,
    pub label_ja: String,
    pub label_en: String,
    pub kind: QuestionKind,
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
    /// LINE MINI App service messages.
    pub service: ServiceView,
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
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    pub disabled: bool,
    /// The signed-in owner's own account (which they cannot disable or demote).
    pub is_me: bool,
}

/// A new staff account as the owner types it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffForm {
    pub email: String,
    pub name: String,
    pub role: StaffRole,
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

/// One pass of the retention rule that deleted answers, in the clinic's time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerDeletionView {
    pub at: String,
    pub visits_before: String,
    pub visits: u64,
    pub answers: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsData {
    pub resources: Vec<ResourceView>,
    pub exceptions: Vec<ExceptionView>,
    pub menus: Vec<MenuForm>,
    pub questions: Vec<QuestionForm>,
    pub open_on_holidays: bool,
    pub reminder_hour: u32,
    pub booking_limit: u32,
    pub privacy_ja: String,
    pub privacy_en: String,
    /// The notice's current version: patients' consents name it.
    pub privacy_version: u32,
    /// Days questionnaire answers are kept after the visit (`None`: until deleted by hand).
    pub answers_kept_days: Option<u32>,
    /// The retention rule's latest deletions, newest first.
    pub answer_deletions: Vec<AnswerDeletionView>,
    pub line: LineView,
    pub staff: Vec<StaffView>,
    pub audit: Vec<AuditView>,
    /// The clinic's address name, for the embed snippet.
    pub slug: String,
    pub website_origins: Vec<String>,
    /// The clinic's own from-address for e-mails (empty: the deployment's).
    pub mail_from: String,
}

#[server(endpoint = "staff/settings")]
pub async fn load_settings(lang: Lang) -> Result<SettingsData, AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(None).await?;
        load::load(&ctx, lang).await
    })
    .await
}

#[server(endpoint = "staff/settings/menu", input = Json)]
pub async fn save_menu(#[server(default)] csrf: String, key: IdempotencyKey, form: MenuForm, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/menu", &form).await?);
        let resources = once.tx().resources(ctx.clinic.id).await?;
        let spec = validate::menu(&form, &resources)?;
        actions::save_menu(once.tx(), ssr::editor(&ctx), form.id, &spec).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/resource", input = Json)]
pub async fn save_resource(#[server(default)] csrf: String, key: IdempotencyKey, form: ResourceForm, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let spec = validate::resource(&form)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/resource", &form).await?);
        actions::save_resource(once.tx(), ssr::editor(&ctx), form.id, &spec).await?;
        once.finish(&()).await
    })
    .await
}

/// Replaces one weekday's hours of a practitioner or room (`hours` as typed; empty: closed).
/// Hours that leave requests or visits outside them are refused
/// ([`ErrorCode::HoursHaveVisits`](crate::error::ErrorCode::HoursHaveVisits)) unless the
/// owner's choice (`on_visits`) cancels them.
#[server(endpoint = "staff/settings/hours", input = Json)]
pub async fn save_hours(
    #[server(default)] csrf: String,
    key: IdempotencyKey,
    resource_id: ResourceId,
    weekday: u8,
    hours: String,
    #[server(default)] on_visits: VisitsChoice,
    lang: Lang,
) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let (day, intervals) = validate::weekday_hours(resource_id, weekday, &hours)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/hours", &(resource_id, weekday, &hours, &on_visits)).await?);
        actions::set_weekday_hours(once.tx(), ssr::editor(&ctx), resource_id, day, &intervals, on_visits.into()).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/exception", input = Json)]
pub async fn add_exception(#[server(default)] csrf: String, key: IdempotencyKey, form: ExceptionForm, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let (date, resource, extra) = validate::exception(&form)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/exception", &form).await?);
        actions::add_exception(once.tx(), ssr::editor(&ctx), date, resource, extra, form.on_visits.into()).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/exception/remove", input = Json)]
/// `on_visits`: what becomes of requests and visits booked in extra hours being removed (by
/// default there must be none: [`ErrorCode::HoursHaveVisits`](crate::error::ErrorCode::HoursHaveVisits)).
pub async fn remove_exception(
    #[server(default)] csrf: String,
    key: IdempotencyKey,
    id: ExceptionId,
    #[server(default)] on_visits: VisitsChoice,
    lang: Lang,
) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/exception/remove", &(&id, &on_visits)).await?);
        actions::remove_exception(once.tx(), ssr::editor(&ctx), id, on_visits.into()).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/clinic", input = Json)]
pub async fn save_clinic_options(
    #[server(default)] csrf: String,
    key: IdempotencyKey,
    open_on_holidays: bool,
    reminder_hour: String,
    booking_limit: String,
    lang: Lang,
) -> Result<(), AppError> {
    respond(lang, async move {
        use crate::store::ClinicOptions;
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let reminder_hour = validate::number("reminder_hour", &reminder_hour, crate::settings::REMINDER_HOUR)?;
        let booking_limit = validate::number("booking_limit", &booking_limit, crate::settings::BOOKING_LIMIT)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/clinic", &(open_on_holidays, &reminder_hour, &booking_limit)).await?);
        actions::set_options(once.tx(), ssr::editor(&ctx), ClinicOptions { open_on_holidays, reminder_hour, booking_limit }).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/question", input = Json)]
pub async fn save_question(#[server(default)] csrf: String, key: IdempotencyKey, form: QuestionForm, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let spec = validate::question(&form)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/question", &form).await?);
        actions::save_question(once.tx(), ssr::editor(&ctx), form.id, form.menu_id, &spec).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/question/remove", input = Json)]
pub async fn remove_question(#[server(default)] csrf: String, key: IdempotencyKey, id: QuestionId, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/question/remove", &id).await?);
        actions::remove_question(once.tx(), ssr::editor(&ctx), id).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/question/move", input = Json)]
pub async fn move_question(#[server(default)] csrf: String, key: IdempotencyKey, id: QuestionId, up: bool, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/question/move", &(id, up)).await?);
        actions::move_question(once.tx(), ssr::editor(&ctx), id, up).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/privacy", input = Json)]
pub async fn save_privacy(#[server(default)] csrf: String, key: IdempotencyKey, ja: String, en: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/privacy", &(&ja, &en)).await?);
        actions::save_privacy_notice(once.tx(), ssr::editor(&ctx), &ja, &en).await?;
        once.finish(&()).await
    })
    .await
}

/// How many days questionnaire answers are kept after the visit, as typed (empty: kept until
/// deleted by hand).
#[server(endpoint = "staff/settings/retention", input = Json)]
pub async fn save_retention(#[server(default)] csrf: String, key: IdempotencyKey, days: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let days = validate::answers_kept_days(&days)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/retention", &days).await?);
        actions::save_answers_kept_days(once.tx(), ssr::editor(&ctx), days).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/line", input = Json)]
pub async fn save_line(#[server(default)] csrf: String, key: IdempotencyKey, form: LineForm, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let line = validate::line(&form)?;
        let mut once = fresh!(
            super::ssr::begin(
                &ctx,
                &key,
                "staff/settings/line",
                &(&form.liff_id, &form.login_channel_id, &form.add_friend_url, form.channel_secret.is_empty(), form.channel_access_token.is_empty())
            )
            .await?
        );
        actions::update_line(once.tx(), ssr::editor(&ctx), Some(line)).await?;
        once.finish(&()).await
    })
    .await
}

/// Removes the LINE channels: the clinic goes back to sandbox mode.
#[server(endpoint = "staff/settings/line/remove", input = Json)]
pub async fn remove_line(#[server(default)] csrf: String, key: IdempotencyKey, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/line/remove", &()).await?);
        actions::update_line(once.tx(), ssr::editor(&ctx), None).await?;
        once.finish(&()).await
    })
    .await
}

/// Adds a staff account to the owner's clinic.
#[server(endpoint = "staff/settings/staff/add", input = Json)]
pub async fn add_staff(#[server(default)] csrf: String, key: IdempotencyKey, form: StaffForm, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let (email, name) = validate::staff(&form)?;
        let password_hash = ssr::hash_password(&form.password).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/staff/add", &(&form.email, &form.name, form.role)).await?);
        actions::add_staff(once.tx(), ssr::editor(&ctx), &email, &name, form.role, password_hash).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/settings/staff/role", input = Json)]
pub async fn set_staff_role(#[server(default)] csrf: String, key: IdempotencyKey, id: StaffId, role: StaffRole, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/staff/role", &(id, role)).await?);
        actions::set_staff_role(once.tx(), ssr::editor(&ctx), id, role).await?;
        once.finish(&()).await
    })
    .await
}

/// Disables an account (its sessions end at once and it can no longer sign in) or enables it again.
#[server(endpoint = "staff/settings/staff/disabled", input = Json)]
pub async fn set_staff_disabled(#[server(default)] csrf: String, key: IdempotencyKey, id: StaffId, disabled: bool, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/staff/disabled", &(id, disabled)).await?);
        actions::set_staff_disabled(once.tx(), ssr::editor(&ctx), id, disabled).await?;
        once.finish(&()).await
    })
    .await
}

/// Sets a new password for an account of the clinic. A new password of one's own (perhaps
/// because the old one leaked) signs out every other device; this one stays signed in.
#[server(endpoint = "staff/settings/staff/password", input = Json)]
pub async fn set_staff_password(#[server(default)] csrf: String, key: IdempotencyKey, id: StaffId, password: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::owner(Some(&csrf)).await?;
        validate::password(&format!("staff-{id}-password"), &password)?;
        let password_hash = ssr::hash_password(&password).await?;
        let keep = if id == ctx.staff.id { super::auth::session_token() } else { None };
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/settings/staff/password", &id).await?);
        actions::set_staff_password(once.tx(), ssr::editor(&ctx), id, &password_hash, keep.as_deref()).await?;
        once.finish(&()).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::Utc;

    use crate::api::staff::auth::StaffContext;
    use crate::error::Problem;
    use crate::store::{Actor, Editor};

    pub fn editor(ctx: &StaffContext) -> Editor {
        Editor { clinic: ctx.clinic.id, actor: Actor::Staff(ctx.staff.id), now: Utc::now() }
    }

    /// An Argon2id PHC string with a random salt: the one way a staff password is stored (the
    /// console, the command line, seeding).
    pub fn hash_password_now(password: &str) -> Result<String, Problem> {
        use argon2::password_hash::{rand_core::OsRng, SaltString};
        use argon2::{Argon2, PasswordHasher};
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| Problem::internal(e.to_string()))
    }

    /// [`hash_password_now`] off the async runtime (it takes a core for a while).
    pub async fn hash_password(password: &str) -> Result<String, Problem> {
        let password = password.to_string();
        tokio::task::spawn_blocking(move || hash_password_now(&password)).await.map_err(Problem::internal)?
    }
}

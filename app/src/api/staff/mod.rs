//! Server functions of the staff console. Each starts with `auth::staff` or `auth::owner`
//! (which also checks the CSRF token of a change) and touches only the signed-in staff
//! member's clinic, whatever ids the browser sends.

#[cfg(feature = "ssr")]
pub mod auth;
pub mod calendar;
pub mod inbox;
pub mod settings;
pub mod patients;
pub mod sandbox;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// Who is signed in, as the console's pages know it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffMe {
    pub name: String,
    /// `owner` or `staff`.
    pub role: String,
    pub clinic_name: String,
    pub clinic_slug: String,
    /// Sent back with every change (CSRF protection).
    pub csrf: String,
    /// The clinic has no LINE channels: messages go to the console's LINE sandbox.
    pub sandbox: bool,
    /// Requests waiting for an answer when the page was made (live updates follow).
    pub pending: u32,
}

impl StaffMe {
    pub fn is_owner(&self) -> bool {
        self.role == "owner"
    }
}

#[server(endpoint = "staff/sign_in")]
pub async fn staff_sign_in(email: String, password: String, lang: Lang) -> Result<StaffMe, ServerFnError> {
    let ctx = auth::sign_in(&email, &password, lang).await?;
    ssr::me(&ctx, lang).await
}

#[server(endpoint = "staff/sign_out")]
pub async fn staff_sign_out() -> Result<(), ServerFnError> {
    auth::sign_out().await
}

/// The signed-in staff member, or `None` (the console then shows the sign-in form).
#[server(endpoint = "staff/me")]
pub async fn load_staff_me(lang: Lang) -> Result<Option<StaffMe>, ServerFnError> {
    match auth::current().await? {
        Some(ctx) => ssr::me(&ctx, lang).await.map(Some),
        None => Ok(None),
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use leptos::prelude::ServerFnError;

    use super::auth::StaffContext;
    use super::StaffMe;
    use crate::i18n::Lang;
    use crate::store::StoreError;

    pub async fn me(ctx: &StaffContext, lang: Lang) -> Result<StaffMe, ServerFnError> {
        let store = crate::state::store()?;
        let line = store.line_settings(ctx.clinic.id).await.map_err(crate::api::ssr::user_error)?;
        let inbox = store.inbox_version(ctx.clinic.id).await.map_err(crate::api::ssr::user_error)?;
        Ok(StaffMe {
            name: ctx.staff.display_name.clone(),
            role: ctx.staff.role.as_str().to_string(),
            clinic_name: lang.pick(&ctx.clinic.name_ja, &ctx.clinic.name_en).to_string(),
            clinic_slug: ctx.clinic.slug.clone(),
            csrf: ctx.csrf_token.clone(),
            sandbox: line.is_none(),
            pending: inbox.pending,
        })
    }

    /// Storage errors of a staff action, in the staff member's language. A conflict says what
    /// happened meanwhile (another receptionist, the expiry task, the patient).
    pub fn action_error(e: StoreError, lang: Lang) -> ServerFnError {
        use axum::http::StatusCode;
        match e {
            StoreError::Conflict { current } => super::auth::refuse(
                StatusCode::CONFLICT,
                &match lang {
                    Lang::Ja => format!("この予約はすでに変更されています(現在: {})。一覧を更新しました。", current.label_ja()),
                    Lang::En => format!("This appointment was already changed (now: {}). The list has been refreshed.", crate::api::liff::ssr::status_label(current, lang)),
                },
            ),
            StoreError::HoldExpired => super::auth::refuse(
                StatusCode::CONFLICT,
                lang.pick("このリクエストは保留期限を過ぎたため承認できません。", "This request's hold has run out; it can no longer be approved."),
            ),
            StoreError::NoLongerAvailable => super::auth::refuse(
                StatusCode::CONFLICT,
                lang.pick("この枠はすでに埋まっています。別の時間を選んでください。", "This place was just taken. Please choose another time."),
            ),
            StoreError::NotFound => super::auth::refuse(StatusCode::NOT_FOUND, lang.pick("予約が見つかりません。", "Appointment not found.")),
            StoreError::Invalid(why) => {
                tracing::info!(%why, "staff action refused");
                super::auth::refuse(
                    StatusCode::CONFLICT,
                    lang.pick("この操作は今はできません。画面を更新して状態を確かめてください。", "This cannot be done now. Refresh to see the current state."),
                )
            }
            other => crate::api::ssr::user_error(other),
        }
    }
}

//! Server functions of the staff console. Each starts with `auth::staff` or `auth::owner`
//! (which also checks the CSRF token of a change) and touches only the signed-in staff
//! member's clinic, whatever ids the browser sends.

pub mod access;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod calendar;
pub mod erasure;
pub mod inbox;
pub mod patients;
pub mod poster;
pub mod queue;
pub mod quota;
pub mod sandbox;
pub mod settings;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::kinds::StaffRole;

/// Who is signed in, as the console's pages know it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffMe {
    pub name: String,
    pub role: StaffRole,
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
        self.role == StaffRole::Owner
    }
}

#[server(endpoint = "staff/sign_in")]
pub async fn staff_sign_in(email: String, password: String, lang: Lang) -> Result<StaffMe, AppError> {
    respond(lang, async move {
        let ctx = auth::sign_in(&email, &password).await?;
        ssr::me(&ctx, lang).await
    })
    .await
}

#[server(endpoint = "staff/sign_out")]
pub async fn staff_sign_out(#[server(default)] lang: Lang) -> Result<(), AppError> {
    respond(lang, auth::sign_out()).await
}

/// The signed-in staff member, or `None` (the console then shows the sign-in form).
#[server(endpoint = "staff/me")]
pub async fn load_staff_me(lang: Lang) -> Result<Option<StaffMe>, AppError> {
    respond(lang, async move {
        match auth::current().await? {
            Some(ctx) => ssr::me(&ctx, lang).await.map(Some),
            None => Ok(None),
        }
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::auth::StaffContext;
    use super::StaffMe;
    use crate::error::Problem;
    use crate::i18n::Lang;

    /// Starts a change the staff member asked for under `key` (see [`crate::api::once`]).
    pub async fn begin<T: serde::de::DeserializeOwned>(
        ctx: &StaffContext,
        key: &crate::api::once::IdempotencyKey,
        action: &str,
        request: &impl serde::Serialize,
    ) -> Result<crate::api::once::ssr::Once<T>, Problem> {
        let store = crate::state::store()?;
        crate::api::once::ssr::begin(store.as_ref(), crate::store::Actor::Staff(ctx.staff.id), key, action, request).await
    }

    pub async fn me(ctx: &StaffContext, lang: Lang) -> Result<StaffMe, Problem> {
        let mut db = crate::state::store()?.read().await?;
        let line = db.line_settings(ctx.clinic.id).await?;
        let inbox = db.inbox_version(ctx.clinic.id).await?;
        Ok(StaffMe {
            name: ctx.staff.display_name.clone(),
            role: ctx.staff.role,
            clinic_name: lang.pick(&ctx.clinic.name_ja, &ctx.clinic.name_en).to_string(),
            clinic_slug: ctx.clinic.slug.clone(),
            csrf: ctx.csrf_token.clone(),
            sandbox: line.is_none(),
            pending: inbox.pending,
        })
    }
}

//! The websites that may embed the clinic's booking widget.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::actions::settings as actions;
#[cfg(feature = "ssr")]
use crate::api::once::fresh;
use crate::api::once::IdempotencyKey;
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

/// `origins`: as typed, one a line. Answers the stored list (the browser's form of each).
#[server(endpoint = "staff/settings/website", input = Json)]
pub async fn save_website(#[server(default)] csrf: String, key: IdempotencyKey, origins: String, lang: Lang) -> Result<Vec<String>, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(crate::api::staff::ssr::begin(&ctx, &key, "staff/settings/website", &origins).await?);
        let stored = actions::save_website_origins(once.tx(), super::ssr::editor(&ctx), &origins).await?;
        once.finish(&stored).await?;
        Ok(stored)
    })
    .await
}

/// `address`: as typed (empty: the deployment's own). Answers the stored one.
#[server(endpoint = "staff/settings/mail-from", input = Json)]
pub async fn save_mail_from(#[server(default)] csrf: String, key: IdempotencyKey, address: String, lang: Lang) -> Result<Option<String>, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(crate::api::staff::ssr::begin(&ctx, &key, "staff/settings/mail-from", &address).await?);
        let stored = actions::save_mail_from(once.tx(), super::ssr::editor(&ctx), &address).await?;
        once.finish(&stored).await?;
        Ok(stored)
    })
    .await
}

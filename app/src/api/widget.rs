//! The website widget (`/w/{clinic}`): what the page needs besides the booking flow's own server
//! functions (menus, calendar, a day's places: the same as in LINE, so the same rules).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidgetSetup {
    pub clinic_name: String,
    /// Where the booking itself is made: the clinic's LIFF URL (opens LINE), or in sandbox mode
    /// this server's LIFF page.
    pub line_url: String,
    pub sandbox: bool,
    /// The embedding page's origin, when it is one of the clinic's websites: the only window
    /// the widget talks to (its height, a booking made).
    pub host_origin: Option<String>,
}

/// `origin`: the embedding page's, as the embed script passed it (empty: opened top-level).
#[server(endpoint = "widget/setup")]
pub async fn load_widget(slug: String, #[server(default)] origin: String, lang: Lang) -> Result<WidgetSetup, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::liff::ssr::clinic(db.as_mut(), &slug).await?;
        let line = db.line_settings(clinic.id).await?;
        let origins = db.website_origins(clinic.id).await?;
        Ok(WidgetSetup {
            clinic_name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(),
            line_url: match &line {
                Some(l) => l.liff_url(),
                None => format!("/liff/{}", clinic.slug),
            },
            sandbox: line.is_none(),
            host_origin: origins.into_iter().find(|o| *o == origin),
        })
    })
    .await
}

//! LINE MINI App service messages: the MINI App channel's secret (write-only) and the template
//! LINE approved for each notice.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::actions::settings as actions;
#[cfg(feature = "ssr")]
use crate::api::once::fresh;
use crate::api::once::IdempotencyKey;
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::kinds::NoticeType;

/// The notices a service message may carry: confirmations and follow-ups of the patient's own
/// booking. A proposal is the clinic's initiative, not a response to the patient's action, and
/// goes by push.
pub const SERVICE_NOTICES: [NoticeType; 6] =
    [NoticeType::Confirmed, NoticeType::Reminder, NoticeType::CancelledByPatient, NoticeType::CancelledByClinic, NoticeType::Declined, NoticeType::Expired];

/// Service messages as the page shows them: the secret only as set or not.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceView {
    pub on: bool,
    pub secret_set: bool,
    /// Each of [`SERVICE_NOTICES`] with its template name (empty: by push).
    pub templates: Vec<(NoticeType, String)>,
}

/// The form: an empty secret keeps the stored one; an empty template sends that notice by push.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceForm {
    pub channel_secret: String,
    pub templates: Vec<(NoticeType, String)>,
}

/// Never prints the secret.
impl std::fmt::Debug for ServiceForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceForm")
            .field("channel_secret", &if self.channel_secret.is_empty() { "" } else { "<redacted>" })
            .field("templates", &self.templates)
            .finish()
    }
}

#[cfg(feature = "ssr")]
impl ServiceView {
    pub fn of(stored: Option<crate::store::ServiceMessages>) -> Self {
        let Some(s) = stored else {
            return ServiceView { templates: SERVICE_NOTICES.iter().map(|n| (*n, String::new())).collect(), ..ServiceView::default() };
        };
        let name = |n: NoticeType| s.templates.iter().find(|(t, _)| *t == n).map(|(_, name)| name.clone()).unwrap_or_default();
        ServiceView { on: true, secret_set: s.channel_secret.is_some(), templates: SERVICE_NOTICES.iter().map(|n| (*n, name(*n))).collect() }
    }
}

/// Turns service messages on, or changes them. A notice outside [`SERVICE_NOTICES`] is refused.
#[server(endpoint = "staff/settings/service-messages", input = Json)]
pub async fn save_service_messages(#[server(default)] csrf: String, key: IdempotencyKey, form: ServiceForm, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(Some(&csrf)).await?;
        if form.templates.iter().any(|(n, _)| !SERVICE_NOTICES.contains(n)) {
            return Err(crate::error::Problem::BadRequest("a notice service messages do not carry".into()));
        }
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let service = crate::store::ServiceMessages {
            channel_secret: given(&form.channel_secret),
            templates: SERVICE_NOTICES
                .iter()
                .filter_map(|n| form.templates.iter().find(|(t, _)| t == n).and_then(|(_, name)| given(name)).map(|name| (*n, name)))
                .collect(),
        };
        let fingerprint = (form.channel_secret.is_empty(), &form.templates);
        let mut once = fresh!(crate::api::staff::ssr::begin(&ctx, &key, "staff/settings/service-messages", &fingerprint).await?);
        actions::update_service_messages(once.tx(), super::ssr::editor(&ctx), Some(service)).await?;
        once.finish(&()).await
    })
    .await
}

/// Turns service messages off: every notice goes by push again.
#[server(endpoint = "staff/settings/service-messages/off", input = Json)]
pub async fn service_messages_off(#[server(default)] csrf: String, key: IdempotencyKey, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(Some(&csrf)).await?;
        let mut once = fresh!(crate::api::staff::ssr::begin(&ctx, &key, "staff/settings/service-messages/off", &()).await?);
        actions::update_service_messages(once.tx(), super::ssr::editor(&ctx), None).await?;
        once.finish(&()).await
    })
    .await
}

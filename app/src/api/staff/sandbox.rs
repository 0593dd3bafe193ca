//! The LINE sandbox: for a clinic without LINE channels (like the demo), the messages its
//! patients would have received, rendered as the cards a phone shows. The worker "delivers"
//! them to the sandbox; this reads them back, newest first.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::i18n::Lang;

/// How many messages the sandbox shows.
pub const SANDBOX_LIMIT: u32 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SandboxMessage {
    pub id: i64,
    /// What the message is about: `予約確定のお知らせ` / `Confirmation`.
    pub kind: String,
    /// Clinic-local, with the weekday: when it was delivered (or queued, while it waits).
    pub when_sent: String,
    /// The patient's name, or "sandbox patient".
    pub recipient_label: String,
    /// `送信済み` / `Sent` …
    pub status: String,
    /// The line the phone's lock screen and chat list show (plain text).
    pub alt_text: String,
    /// The card as safe HTML (`notify::render`): every text escaped, only web links.
    pub html: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SandboxInbox {
    /// `false`: the clinic is connected to LINE, its messages go to real phones and none are
    /// shown here.
    pub sandbox: bool,
    pub clinic_name: String,
    pub messages: Vec<SandboxMessage>,
}

/// The signed-in staff member's clinic's sandbox messages, newest first.
#[server(endpoint = "staff/sandbox_messages")]
pub async fn sandbox_messages(lang: Lang) -> Result<SandboxInbox, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let store = crate::state::store()?;
        let clinic_name = lang.pick(&ctx.clinic.name_ja, &ctx.clinic.name_en).to_string();
        if store.line_settings(ctx.clinic.id).await?.is_some() {
            return Ok(SandboxInbox { sandbox: false, clinic_name, messages: Vec::new() });
        }
        let records = store.clinic_notifications(ctx.clinic.id, SANDBOX_LIMIT).await?;
        let mut names = ssr::Names::default();
        let mut messages = Vec::with_capacity(records.len());
        // Only what went to the sandbox: a clinic that was connected to LINE before keeps the
        // messages real phones received out of here.
        for n in records.iter().filter(|n| n.recipient.starts_with(crate::notify::SANDBOX_RECIPIENT_PREFIX)) {
            let name = names.of(store.as_ref(), &ctx.clinic, n.appointment_id).await?;
            messages.push(ssr::sandbox_message(n, &ctx.clinic, name, lang));
        }
        Ok(SandboxInbox { sandbox: true, clinic_name, messages })
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::HashMap;

    use super::SandboxMessage;
    use crate::booking::format::datetime_label;
    use crate::booking::ids::{AppointmentId, PatientId};
    use crate::booking::model::Clinic;
    use crate::error::Problem;
    use crate::i18n::Lang;
    use crate::notify::render::render_payload;
    use crate::store::console::NotificationRecord;
    use crate::store::Store;

    /// Patients' names by appointment, each patient read once.
    #[derive(Default)]
    pub struct Names {
        by_patient: HashMap<PatientId, Option<String>>,
    }

    impl Names {
        /// The name of the appointment's patient (of `clinic` only), if known and not blank.
        pub async fn of(&mut self, store: &dyn Store, clinic: &Clinic, appointment: Option<AppointmentId>) -> Result<Option<String>, Problem> {
            let Some(id) = appointment else { return Ok(None) };
            let Some(a) = store.appointment(clinic.id, id).await? else { return Ok(None) };
            if let Some(name) = self.by_patient.get(&a.patient_id) {
                return Ok(name.clone());
            }
            let patient = store.patient(clinic.id, a.patient_id).await?;
            let name = patient.map(|p| p.details.name.trim().to_string()).filter(|n| !n.is_empty());
            self.by_patient.insert(a.patient_id, name.clone());
            Ok(name)
        }
    }

    pub fn sandbox_message(n: &NotificationRecord, clinic: &Clinic, name: Option<String>, lang: Lang) -> SandboxMessage {
        let view = crate::api::staff::inbox::ssr::notification_view(n, clinic, lang);
        let (alt_text, html) = match render_payload(&n.payload) {
            Ok(r) => (r.alt_text, r.html),
            Err(e) => {
                tracing::warn!(notification = n.id, error = %e, "sandbox message cannot be rendered");
                let note = lang.pick("(このメッセージは表示できません)", "(this message cannot be shown)");
                (String::new(), format!(r#"<div class="line-text">{note}</div>"#))
            }
        };
        SandboxMessage {
            id: n.id,
            kind: view.kind,
            when_sent: datetime_label(n.sent_at.unwrap_or(n.created_at), clinic.time_zone, lang),
            recipient_label: name.unwrap_or_else(|| lang.pick("サンドボックスの患者", "sandbox patient").to_string()),
            status: view.status_label,
            alt_text,
            html,
        }
    }
}

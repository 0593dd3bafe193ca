//! The LINE sandbox: for a clinic without LINE channels (like the demo), the messages its
//! patients would have received, rendered as the cards a phone shows. The worker "delivers"
//! them to the sandbox; this reads them back, newest first.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;
#[cfg(feature = "ssr")]
use crate::kinds::Channel;

/// What the worker records as delivered to the sandbox (`server::mail::SANDBOX_ID`).
pub const SANDBOX_DELIVERY: &str = "sandbox";

/// How many messages the sandbox shows.
pub const SANDBOX_LIMIT: u32 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SandboxMessage {
    pub id: crate::booking::ids::NotificationId,
    /// What the message is about: `予約確定のお知らせ` / `Confirmation`.
    pub kind: String,
    /// Clinic-local, with the weekday: when it was delivered (or queued, while it waits).
    pub when_sent: String,
    /// The patient's name, or "sandbox patient"; for an e-mail, the address.
    pub recipient_label: String,
    /// `送信済み` / `Sent` …
    pub status: String,
    /// The line the phone's lock screen and chat list show (plain text).
    pub alt_text: String,
    /// An e-mail (to a website patient), not a LINE message.
    pub email: bool,
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
        let mut db = crate::state::store()?.read().await?;
        let clinic_name = lang.pick(&ctx.clinic.name_ja, &ctx.clinic.name_en).to_string();
        let sandbox = db.line_settings(ctx.clinic.id).await?.is_none();
        // Only what went to the sandbox: a clinic that was connected to LINE before keeps the
        // messages real phones received out of here, and e-mails sent by SMTP are not shown
        // (the deployment without SMTP keeps every e-mail here).
        let records: Vec<_> = db
            .clinic_notifications(ctx.clinic.id, false, SANDBOX_LIMIT)
            .await?
            .into_iter()
            .filter(|n| match n.channel {
                Channel::Sandbox => sandbox,
                Channel::Email => n.line_request_id.as_deref() == Some(SANDBOX_DELIVERY),
                Channel::Line => false,
            })
            .collect();
        let ids: Vec<_> = records.iter().filter_map(|n| n.appointment_id).collect();
        let appointments = db.appointments_by_id(ctx.clinic.id, &ids).await?;
        let patient_ids: Vec<_> = appointments.iter().map(|a| a.patient_id).collect();
        let patients = db.patients(ctx.clinic.id, &patient_ids).await?;
        let name_of = |n: &crate::store::NotificationRecord| {
            let appointment = appointments.iter().find(|a| Some(a.id) == n.appointment_id)?;
            let patient = patients.iter().find(|p| p.id == appointment.patient_id)?;
            Some(patient.details.name.trim().to_string()).filter(|name| !name.is_empty())
        };
        let messages = records.iter().map(|n| ssr::sandbox_message(n, &ctx.clinic, name_of(n), lang)).collect();
        Ok(SandboxInbox { sandbox, clinic_name, messages })
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::SandboxMessage;
    use crate::booking::format::datetime_label;
    use crate::booking::model::Clinic;
    use crate::i18n::Lang;
    use crate::notify::render::{render_email, render_payload};
    use crate::store::NotificationRecord;

    pub fn sandbox_message(n: &NotificationRecord, clinic: &Clinic, name: Option<String>, lang: Lang) -> SandboxMessage {
        let view = crate::api::staff::inbox::ssr::notification_view(n, clinic, lang);
        let rendered = match n.channel {
            crate::kinds::Channel::Email => render_email(&n.payload),
            _ => render_payload(&n.payload),
        };
        let (alt_text, html) = match rendered {
            Ok(r) => (r.alt_text, r.html),
            Err(e) => {
                tracing::warn!(notification = %n.id, error = %e, "sandbox message cannot be rendered");
                let note = lang.pick("(このメッセージは表示できません)", "(this message cannot be shown)");
                (String::new(), format!(r#"<div class="line-text">{note}</div>"#))
            }
        };
        SandboxMessage {
            id: n.id,
            kind: view.kind,
            when_sent: datetime_label(n.sent_at.unwrap_or(n.created_at), clinic.time_zone, lang),
            recipient_label: match (n.channel, name) {
                // An e-mail names the address it went to (the code's went before any name was known).
                (crate::kinds::Channel::Email, _) => n.recipient.clone(),
                (_, Some(name)) => name,
                (_, None) => lang.pick("サンドボックスの患者", "sandbox patient").to_string(),
            },
            status: view.status_label,
            alt_text,
            html,
            email: n.channel == crate::kinds::Channel::Email,
        }
    }
}

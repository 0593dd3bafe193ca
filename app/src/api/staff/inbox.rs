//! The requests inbox: pending requests with everything reception needs to answer them, and the
//! answers themselves (approve, decline with a reason, propose another time). Each answer is one
//! state transition in one transaction that also queues the patient's LINE notice.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::PlaceView;
use crate::booking::ids::{AppointmentId, MenuId, ResourceId};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Missing, Problem};
use crate::i18n::Lang;

/// The longest decline reason or clinic message (it goes into a LINE card).
pub const MAX_NOTE_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: AppointmentId,
    pub reference: String,
    pub patient_name: String,
    pub furigana: String,
    pub phone: String,
    /// `Some(false)`: the patient blocked or never added the clinic's LINE account.
    pub line_friend: Option<bool>,
    pub menu_id: MenuId,
    pub menu_name: String,
    pub resource_name: String,
    /// Clinic-local, with the weekday.
    pub when: String,
    pub date: String,
    pub queue_number: Option<u32>,
    /// `あと45分` / `45 min left`.
    pub hold_left: String,
    pub requested_at: String,
    /// Question and answer, in the clinic's words.
    pub answers: Vec<(String, String)>,
    /// `受診3回・キャンセル1回・無断キャンセル0回`.
    pub history: String,
    /// A reschedule: the visit this request would replace.
    pub replaces: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub kind: String,
    /// `queued`, `sending`, `sent`, `failed`.
    pub status: String,
    pub status_label: String,
    pub error: Option<String>,
    pub created: String,
    pub can_resend: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxView {
    pub pending: Vec<InboxItem>,
    /// The clinic's proposals, waiting for the patient.
    pub proposals: Vec<InboxItem>,
    /// Notifications that could not be delivered, newest first.
    pub failed: Vec<NotificationView>,
    /// E.g. LINE's monthly message quota is used up.
    pub warnings: Vec<String>,
    pub decline_reasons: Vec<String>,
}

/// Ready-made reasons to decline with one tap (a typed reason works too).
pub fn decline_reasons(lang: Lang) -> Vec<String> {
    let reasons: [(&str, &str); 4] = [
        ("ご希望の時間は予約がいっぱいです", "The requested time is fully booked"),
        ("担当医が不在のため", "The doctor is not available then"),
        ("当院では対応できない内容です", "We cannot help with this at our clinic"),
        ("お電話でご相談ください", "Please call the clinic to discuss"),
    ];
    reasons.iter().map(|(ja, en)| lang.pick(ja, en).to_string()).collect()
}

#[server(endpoint = "staff/inbox")]
pub async fn load_inbox(lang: Lang) -> Result<InboxView, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let store = crate::state::store()?;
        let now = chrono::Utc::now();
        let pending = store.pending_requests(ctx.clinic.id).await?;
        let proposals = store.open_proposals(ctx.clinic.id).await?;
        let mut view = InboxView {
            pending: Vec::new(),
            proposals: Vec::new(),
            failed: Vec::new(),
            warnings: Vec::new(),
            decline_reasons: decline_reasons(lang),
        };
        for a in &pending {
            view.pending.push(ssr::inbox_item(&ctx.clinic, a, now, lang).await?);
        }
        for a in &proposals {
            view.proposals.push(ssr::inbox_item(&ctx.clinic, a, now, lang).await?);
        }
        let notifications = store.failed_notifications(ctx.clinic.id, 200).await?;
        view.failed = notifications.iter().take(20).map(|n| ssr::notification_view(n, &ctx.clinic, lang)).collect();
        if notifications.iter().any(|n| n.status == "failed" && n.last_error.as_deref().is_some_and(|e| e.contains("quota"))) {
            view.warnings.push(
                lang.pick(
                    "LINEの今月の送信上限に達したため、メッセージを送れませんでした。LINE公式アカウントのプランを確認し、送れなかった通知を再送してください。",
                    "LINE's monthly message quota is used up, so messages could not be sent. Check the Official Account's plan, then resend the failed notices.",
                )
                .to_string(),
            );
        }
        Ok(view)
    })
    .await
}

#[server(endpoint = "staff/approve")]
pub async fn approve(id: AppointmentId, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        use crate::booking::status::Transition;
        let ctx = super::auth::staff(Some(&csrf)).await?;
        // The clinic's own proposal is the patient's to accept, not reception's.
        let appointment = crate::state::store()?.appointment(ctx.clinic.id, id).await?;
        if appointment.is_some_and(|a| a.proposal) {
            return Err(Problem::ProposalAwaitsPatient);
        }
        ssr::change(&ctx, id, Transition::Confirm, None).await
    })
    .await
}

#[server(endpoint = "staff/decline")]
pub async fn decline(id: AppointmentId, reason: String, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        use crate::booking::status::Transition;
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let reason = ssr::note("reason", &reason, true)?;
        ssr::change(&ctx, id, Transition::Decline, reason).await
    })
    .await
}

/// Free places of the request's menu on a clinic-local date, to propose one of them.
#[server(endpoint = "staff/proposal_places")]
pub async fn proposal_places(id: AppointmentId, date: String, lang: Lang) -> Result<Vec<PlaceView>, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let request = crate::state::store()?.appointment(ctx.clinic.id, id).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
        super::calendar::ssr::free_places(&ctx.clinic, request.menu_id, &date, lang).await
    })
    .await
}

#[server(endpoint = "staff/propose")]
pub async fn propose(id: AppointmentId, resource_id: ResourceId, starts_at: i64, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        use crate::store::Actor;
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let starts_at = crate::api::ssr::timestamp("starts_at", starts_at)?;
        crate::state::store()?
            .propose_time(ctx.clinic.id, id, resource_id, starts_at, Actor::Staff(ctx.staff.id), chrono::Utc::now())
            .await
            .map_err(|e| Problem::from(e).missing(Missing::Appointment))?;
        Ok(())
    })
    .await
}

#[server(endpoint = "staff/resend")]
pub async fn resend_notification(id: i64, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(Some(&csrf)).await?;
        Ok(crate::state::store()?.resend_notification(ctx.clinic.id, id, chrono::Utc::now()).await?)
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::{DateTime, Utc};

    use super::{InboxItem, NotificationView, MAX_NOTE_CHARS};
    use crate::api::staff::auth::StaffContext;
    use crate::booking::format::{datetime_label, place_label};
    use crate::booking::ids::AppointmentId;
    use crate::booking::model::Clinic;
    use crate::booking::status::{AppointmentStatus, Transition};
    use crate::error::{Missing, Problem, Reason};
    use crate::i18n::Lang;
    use crate::store::console::NotificationRecord;
    use crate::store::{Actor, Appointment};

    /// A staff member's transition of one of their clinic's appointments.
    pub async fn change(ctx: &StaffContext, id: AppointmentId, transition: Transition, note: Option<String>) -> Result<(), Problem> {
        crate::state::store()?
            .change_status(ctx.clinic.id, id, transition, note, Actor::Staff(ctx.staff.id), Utc::now())
            .await
            .map_err(|e| Problem::from(e).missing(Missing::Appointment))?;
        Ok(())
    }

    /// A decline reason or a cancellation message (form field `field`): trimmed, not too long for
    /// a LINE card.
    pub fn note(field: &str, text: &str, required: bool) -> Result<Option<String>, Problem> {
        let text = text.trim();
        if text.is_empty() {
            return if required { Err(Problem::field(field, Reason::GiveAReason)) } else { Ok(None) };
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(Problem::field(field, Reason::TooLong { max: MAX_NOTE_CHARS }));
        }
        Ok(Some(text.to_string()))
    }

    fn minutes_left(until: Option<DateTime<Utc>>, now: DateTime<Utc>, lang: Lang) -> String {
        let Some(until) = until else { return String::new() };
        let minutes = (until - now).num_minutes().max(0);
        match (lang, minutes) {
            (Lang::Ja, m) if m >= 120 => format!("あと{}時間", m / 60),
            (Lang::Ja, m) => format!("あと{m}分"),
            (Lang::En, m) if m >= 120 => format!("{} h left", m / 60),
            (Lang::En, m) => format!("{m} min left"),
        }
    }

    /// `受診3回・キャンセル1回・無断キャンセル0回` from the patient's appointments.
    pub fn history_line(appointments: &[Appointment], lang: Lang) -> String {
        let count = |f: &dyn Fn(AppointmentStatus) -> bool| appointments.iter().filter(|a| f(a.status)).count();
        let visits = count(&|s| s == AppointmentStatus::Completed);
        let cancelled = count(&|s| matches!(s, AppointmentStatus::CancelledByPatient | AppointmentStatus::CancelledByClinic));
        let no_shows = count(&|s| s == AppointmentStatus::NoShow);
        match lang {
            Lang::Ja if appointments.len() <= 1 => "初めてのご予約".to_string(),
            Lang::En if appointments.len() <= 1 => "First booking".to_string(),
            Lang::Ja => format!("受診{visits}回・キャンセル{cancelled}回・無断キャンセル{no_shows}回"),
            Lang::En => format!("{visits} visits, {cancelled} cancellations, {no_shows} no-shows"),
        }
    }

    pub async fn inbox_item(clinic: &Clinic, a: &Appointment, now: DateTime<Utc>, lang: Lang) -> Result<InboxItem, Problem> {
        let store = crate::state::store()?;
        let menus = store.menus(clinic.id).await?;
        let menu = menus.iter().find(|m| m.id == a.menu_id);
        let resources = store.resources(clinic.id).await?;
        let patient = store.patient(clinic.id, a.patient_id).await?;
        let history = store.patient_appointments(clinic.id, a.patient_id).await?;
        let line_friend = match patient.as_ref().and_then(|p| p.line_user_id.as_deref()).filter(|id| id.starts_with('U')) {
            Some(user) => store.line_friend(clinic.id, user).await?,
            None => None,
        };
        let mut answers = Vec::new();
        let questions = store.questions(a.menu_id).await?;
        for (question, answer) in store.answers(clinic.id, a.id).await? {
            let question = questions.iter().find(|q| q.id == question);
            let label = question.map(|q| lang.pick(&q.label_ja, &q.label_en).to_string()).unwrap_or_default();
            // Yes/no answers are stored as `yes` / `no`.
            let answer = match (question.map(|q| q.kind), answer.as_str()) {
                (Some(crate::store::QuestionKind::YesNo), "yes") => lang.pick("はい", "Yes").to_string(),
                (Some(crate::store::QuestionKind::YesNo), "no") => lang.pick("いいえ", "No").to_string(),
                _ => answer,
            };
            answers.push((label, answer));
        }
        let replaces = match a.replaces_id {
            Some(old) => store.appointment(clinic.id, old).await?.map(|o| datetime_label(o.starts_at, clinic.time_zone, lang)),
            None => None,
        };
        let details = patient.map(|p| p.details);
        Ok(InboxItem {
            id: a.id,
            reference: a.reference.clone(),
            patient_name: details.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
            furigana: details.as_ref().map(|d| d.furigana.clone()).unwrap_or_default(),
            phone: details.as_ref().map(|d| d.phone.clone()).unwrap_or_default(),
            line_friend,
            menu_id: a.menu_id,
            menu_name: menu.map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default(),
            resource_name: resources.iter().find(|r| r.id == a.resource_id).map(|r| lang.pick(&r.name_ja, &r.name_en).to_string()).unwrap_or_default(),
            when: match menu {
                Some(m) => place_label(m.mode, a.starts_at, a.ends_at, clinic.time_zone, lang),
                None => datetime_label(a.starts_at, clinic.time_zone, lang),
            },
            date: a.service_date.format("%Y-%m-%d").to_string(),
            queue_number: a.queue_number,
            hold_left: minutes_left(a.hold_expires_at, now, lang),
            requested_at: datetime_label(a.created_at, clinic.time_zone, lang),
            answers,
            history: history_line(&history, lang),
            replaces,
        })
    }

    pub fn notification_view(n: &NotificationRecord, clinic: &Clinic, lang: Lang) -> NotificationView {
        let kind = match (n.kind.as_str(), lang) {
            ("confirmed", Lang::Ja) => "予約確定のお知らせ",
            ("declined", Lang::Ja) => "お断りのお知らせ",
            ("proposed", Lang::Ja) => "別日時のご提案",
            ("expired", Lang::Ja) => "期限切れのお知らせ",
            ("cancelled_by_clinic", Lang::Ja) => "医院からのキャンセル",
            ("cancelled_by_patient", Lang::Ja) => "キャンセル受付",
            ("reminder", Lang::Ja) => "前日リマインダー",
            ("cancel_refused", Lang::Ja) => "キャンセル不可のお知らせ",
            ("confirmed", _) => "Confirmation",
            ("declined", _) => "Decline",
            ("proposed", _) => "Proposal",
            ("expired", _) => "Expiry",
            ("cancelled_by_clinic", _) => "Clinic cancellation",
            ("cancelled_by_patient", _) => "Cancellation receipt",
            ("reminder", _) => "Reminder",
            ("cancel_refused", _) => "Cancel refused",
            (other, _) => other,
        };
        let status_label = match (n.status.as_str(), lang) {
            ("queued" | "sending", Lang::Ja) => "送信待ち",
            ("sent", Lang::Ja) => "送信済み",
            ("failed", Lang::Ja) => "送信失敗",
            ("queued" | "sending", _) => "Queued",
            ("sent", _) => "Sent",
            ("failed", _) => "Failed",
            (other, _) => other,
        };
        NotificationView {
            id: n.id,
            kind: kind.to_string(),
            status: n.status.clone(),
            status_label: status_label.to_string(),
            error: n.last_error.clone(),
            created: datetime_label(n.created_at, clinic.time_zone, lang),
            can_resend: n.status == "failed",
        }
    }
}

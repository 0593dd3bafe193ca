//! The requests inbox: pending requests with everything reception needs to answer them, and the
//! answers themselves (approve, decline with a reason, propose another time). Each answer is one
//! state transition in one transaction that also queues the patient's LINE notice.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::api::once::fresh;
use crate::api::once::IdempotencyKey;
use crate::api::PlaceView;
use crate::booking::ids::{AppointmentId, MenuId, NotificationId, ResourceId};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Missing, Problem};
use crate::i18n::Lang;
use crate::kinds::DeliveryStatus;

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
    /// How the request came and how the patient hears back: `LINE`, `ウェブ(メール確認済み)`,
    /// `電話`, `サンドボックス`.
    pub channel: String,
    /// A website patient's address (proved by the code before the request reached the inbox).
    pub email: Option<String>,
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
    pub id: NotificationId,
    pub kind: String,
    pub status: DeliveryStatus,
    pub status_label: String,
    pub error: Option<String>,
    pub created: String,
    pub can_resend: bool,
}

/// Requests shown at once; the rest are a page further.
pub const INBOX_PAGE: u32 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxView {
    /// A page of the pending requests, oldest first.
    pub pending: Vec<InboxItem>,
    /// How many wait in all.
    pub pending_total: u32,
    /// The cursor of the next page, when there is one.
    pub next: Option<AppointmentId>,
    /// The clinic's proposals, waiting for the patient (the oldest page of them).
    pub proposals: Vec<InboxItem>,
    pub proposals_total: u32,
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

/// A page of the inbox: the pending requests after `after` (the first page without it).
#[server(endpoint = "staff/inbox")]
pub async fn load_inbox(lang: Lang, #[server(default)] after: Option<AppointmentId>) -> Result<InboxView, AppError> {
    respond(lang, async move {
        use crate::store::Page;
        let ctx = super::auth::staff(None).await?;
        let store = crate::state::store()?;
        let mut db = store.read().await?;
        let now = chrono::Utc::now();
        // One more than a page says whether there is a next one.
        let mut pending = db.requests(ctx.clinic.id, false, Page { after, limit: INBOX_PAGE + 1 }).await?;
        let next = (pending.len() > INBOX_PAGE as usize).then(|| {
            pending.truncate(INBOX_PAGE as usize);
            pending[pending.len() - 1].id
        });
        let pending_total = db.count_requests(ctx.clinic.id, false).await?;
        let proposals = db.requests(ctx.clinic.id, true, Page::first(INBOX_PAGE)).await?;
        let proposals_total = db.count_requests(ctx.clinic.id, true).await?;
        let facts = ssr::Facts::load(db.as_mut(), &ctx.clinic, pending.iter().chain(&proposals)).await?;
        let failed = db.clinic_notifications(ctx.clinic.id, true, 200).await?;
        let mut warnings = Vec::new();
        if failed.iter().any(|n| n.last_error.as_deref().is_some_and(|e| e.contains("quota"))) {
            warnings.push(
                lang.pick(
                    "LINEの今月の送信上限に達したため、メッセージを送れませんでした。LINE公式アカウントのプランを確認し、送れなかった通知を再送してください。",
                    "LINE's monthly message quota is used up, so messages could not be sent. Check the Official Account's plan, then resend the failed notices.",
                )
                .to_string(),
            );
        }
        drop(db);
        // The requests' answers are on the page: whose, by which request.
        let seen = pending.iter().chain(&proposals).map(|a| (Some(a.patient_id), a.reference.clone()));
        super::access::ssr::log(store.as_ref(), &ctx, crate::store::AccessKind::AnswersViewed, seen).await?;
        Ok(InboxView {
            pending: pending.iter().map(|a| facts.item(&ctx.clinic, a, now, lang)).collect(),
            pending_total,
            next,
            proposals: proposals.iter().map(|a| facts.item(&ctx.clinic, a, now, lang)).collect(),
            proposals_total,
            failed: failed.iter().take(20).map(|n| ssr::notification_view(n, &ctx.clinic, lang)).collect(),
            warnings,
            decline_reasons: decline_reasons(lang),
        })
    })
    .await
}

#[server(endpoint = "staff/approve")]
pub async fn approve(id: AppointmentId, key: IdempotencyKey, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/approve", &id).await?);
        crate::actions::reception::approve(once.tx(), ssr::desk(&ctx), id).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/decline")]
pub async fn decline(id: AppointmentId, reason: String, key: IdempotencyKey, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let reason = ssr::note("reason", &reason)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/decline", &(id, &reason)).await?);
        crate::actions::reception::decline(once.tx(), ssr::desk(&ctx), id, &reason).await?;
        once.finish(&()).await
    })
    .await
}

/// Free places of the request's menu on a clinic-local date, to propose one of them.
#[server(endpoint = "staff/proposal_places")]
pub async fn proposal_places(id: AppointmentId, date: String, lang: Lang) -> Result<Vec<PlaceView>, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let mut db = crate::state::store()?.read().await?;
        let request = db.appointment(ctx.clinic.id, id).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
        super::calendar::ssr::free_places(db.as_mut(), &ctx.clinic, request.menu_id, &date, lang).await
    })
    .await
}

#[server(endpoint = "staff/propose")]
pub async fn propose(
    id: AppointmentId,
    resource_id: ResourceId,
    starts_at: i64,
    key: IdempotencyKey,
    #[server(default)] csrf: String,
    lang: Lang,
) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let request = (id, resource_id, starts_at);
        let starts_at = crate::api::ssr::timestamp("starts_at", starts_at)?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/propose", &request).await?);
        crate::actions::reception::propose(once.tx(), ssr::desk(&ctx), id, resource_id, starts_at).await?;
        once.finish(&()).await
    })
    .await
}

#[server(endpoint = "staff/resend")]
pub async fn resend_notification(id: NotificationId, key: IdempotencyKey, #[server(default)] csrf: String, lang: Lang) -> Result<(), AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(Some(&csrf)).await?;
        let mut once = fresh!(super::ssr::begin(&ctx, &key, "staff/resend", &id).await?);
        crate::actions::notices::resend(once.tx(), ctx.clinic.id, id, chrono::Utc::now()).await?;
        once.finish(&()).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::{DateTime, Utc};

    use super::{InboxItem, NotificationView, MAX_NOTE_CHARS};
    use crate::actions::reception::Desk;
    use crate::api::staff::auth::StaffContext;
    use crate::booking::format::{datetime_label, place_label};
    use crate::booking::ids::{AppointmentId, PatientId};
    use crate::booking::model::{Clinic, Menu, Resource};
    use crate::booking::status::AppointmentStatus;
    use crate::error::{Problem, Reason};
    use crate::i18n::Lang;
    use crate::kinds::QuestionKind;
    use crate::store::{Appointment, Identity, NotificationRecord, Patient, Question, Reads};

    pub fn desk(ctx: &StaffContext) -> Desk<'_> {
        Desk { clinic: &ctx.clinic, staff: ctx.staff.id, now: Utc::now() }
    }

    /// A decline reason or a cancellation message (form field `field`): trimmed, given, and not
    /// too long for a LINE card.
    pub fn note(field: &str, text: &str) -> Result<String, Problem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Problem::field(field, Reason::GiveAReason));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(Problem::field(field, Reason::TooLong { max: MAX_NOTE_CHARS }));
        }
        Ok(text.to_string())
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
    pub fn history_line(appointments: &[&Appointment], lang: Lang) -> String {
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

    /// Everything the inbox shows about some requests, read in a fixed number of queries
    /// whatever their number.
    pub struct Facts {
        menus: Vec<Menu>,
        resources: Vec<Resource>,
        questions: Vec<Question>,
        patients: BTreeMap<PatientId, Patient>,
        history: Vec<Appointment>,
        answers: Vec<(AppointmentId, crate::booking::ids::QuestionId, String)>,
        replaced: BTreeMap<AppointmentId, Appointment>,
    }

    impl Facts {
        pub async fn load<'a>(db: &mut dyn Reads, clinic: &Clinic, requests: impl Iterator<Item = &'a Appointment>) -> Result<Facts, Problem> {
            let requests: Vec<&Appointment> = requests.collect();
            let patient_ids: Vec<PatientId> = requests.iter().map(|a| a.patient_id).collect::<BTreeSet<_>>().into_iter().collect();
            let ids: Vec<AppointmentId> = requests.iter().map(|a| a.id).collect();
            let replaced_ids: Vec<AppointmentId> = requests.iter().filter_map(|a| a.replaces_id).collect();
            Ok(Facts {
                menus: db.menus(clinic.id).await?,
                resources: db.resources(clinic.id).await?,
                questions: db.questions(clinic.id).await?,
                patients: db.patients(clinic.id, &patient_ids).await?.into_iter().map(|p| (p.id, p)).collect(),
                history: db.appointments_of(clinic.id, &patient_ids).await?,
                answers: db.answers(clinic.id, &ids).await?,
                replaced: db.appointments_by_id(clinic.id, &replaced_ids).await?.into_iter().map(|a| (a.id, a)).collect(),
            })
        }

        pub fn item(&self, clinic: &Clinic, a: &Appointment, now: DateTime<Utc>, lang: Lang) -> InboxItem {
            let menu = self.menus.iter().find(|m| m.id == a.menu_id);
            let patient = self.patients.get(&a.patient_id);
            let line_friend = match patient.map(|p| &p.identity) {
                Some(Identity::Line { friend, .. }) => *friend,
                _ => None,
            };
            let channel = match patient.map(|p| &p.identity) {
                Some(Identity::Line { .. }) => "LINE",
                Some(Identity::Email { .. }) => lang.pick("ウェブ(メール確認済み)", "Web (e-mail confirmed)"),
                Some(Identity::Sandbox) => lang.pick("サンドボックス", "Sandbox"),
                Some(Identity::Offline) | None => lang.pick("電話", "Phone"),
                Some(Identity::Erased { .. }) => lang.pick("削除済み", "Erased"),
            };
            let email = match patient.map(|p| &p.identity) {
                Some(Identity::Email { address, .. }) => Some(address.clone()),
                _ => None,
            };
            let answers = self
                .answers
                .iter()
                .filter(|(appointment, _, _)| *appointment == a.id)
                .map(|(_, question, answer)| {
                    let question = self.questions.iter().find(|q| q.id == *question);
                    let label = question.map(|q| lang.pick(&q.label_ja, &q.label_en).to_string()).unwrap_or_default();
                    // Yes/no answers are stored as `yes` / `no`.
                    let answer = match (question.map(|q| q.kind), answer.as_str()) {
                        (Some(QuestionKind::YesNo), "yes") => lang.pick("はい", "Yes").to_string(),
                        (Some(QuestionKind::YesNo), "no") => lang.pick("いいえ", "No").to_string(),
                        _ => answer.clone(),
                    };
                    (label, answer)
                })
                .collect();
            let history: Vec<&Appointment> = self.history.iter().filter(|h| h.patient_id == a.patient_id).collect();
            let details = patient.map(|p| &p.details);
            InboxItem {
                id: a.id,
                reference: a.reference.clone(),
                patient_name: details.map(|d| d.name.clone()).unwrap_or_default(),
                furigana: details.map(|d| d.furigana.clone()).unwrap_or_default(),
                phone: details.map(|d| d.phone.clone()).unwrap_or_default(),
                line_friend,
                channel: channel.to_string(),
                email,
                menu_id: a.menu_id,
                menu_name: menu.map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default(),
                resource_name: self.resources.iter().find(|r| r.id == a.resource_id).map(|r| lang.pick(&r.name_ja, &r.name_en).to_string()).unwrap_or_default(),
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
                replaces: a.replaces_id.and_then(|old| self.replaced.get(&old)).map(|o| datetime_label(o.starts_at, clinic.time_zone, lang)),
            }
        }
    }

    pub fn notification_view(n: &NotificationRecord, clinic: &Clinic, lang: Lang) -> NotificationView {
        use crate::kinds::SentVia;
        NotificationView {
            id: n.id,
            kind: n.notice.label(lang).to_string(),
            status: n.status,
            // How a LINE notice went: the outbox picks per notice and patient.
            status_label: match n.sent_via {
                Some(via @ (SentVia::ServiceMessage | SentVia::Push)) => format!("{}({})", n.status.label(lang), via.label(lang)),
                _ => n.status.label(lang).to_string(),
            },
            error: n.last_error.clone(),
            created: datetime_label(n.created_at, clinic.time_zone, lang),
            can_resend: n.status == crate::kinds::DeliveryStatus::Failed,
        }
    }
}

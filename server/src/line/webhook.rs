//! `POST /line/webhook/{clinic}`: events from the clinic's LINE Official Account. The signature
//! is checked over the raw body, in constant time, before anything is parsed; events are
//! processed once each (LINE redelivers), and every action is idempotent.

use app::booking::format::datetime_label;
use app::booking::model::Clinic;
use app::booking::status::{AppointmentStatus, Transition};
use app::booking::{patient_may_cancel, CancelRefusal};
use app::i18n::Lang;
use app::notify::flex::NoticeKind;
use app::state::AppState;
use app::store::{Actor, Store, StoreError};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// `x-line-signature` = base64(HMAC-SHA256(channel secret, raw body)), compared in constant time.
pub fn signature_is_valid(channel_secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(channel_secret.as_bytes()) else { return false };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(default)]
    events: Vec<Event>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    webhook_event_id: Option<String>,
    source: Option<Source>,
    postback: Option<Postback>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Source {
    user_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Postback {
    data: String,
}

pub async fn receive(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let store = state.store.as_ref();
    let clinic = match store.clinic_by_slug(&slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return StatusCode::NOT_FOUND,
        Err(e) => {
            tracing::error!(error = %e, "webhook: clinic lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    };
    let secret = match store.line_settings(clinic.id).await {
        Ok(settings) => settings.and_then(|s| s.channel_secret),
        Err(e) => {
            tracing::error!(error = %e, "webhook: settings lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    };
    let signature = headers.get("x-line-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !secret.is_some_and(|s| signature_is_valid(&s, &body, signature)) {
        tracing::warn!(clinic = %clinic.slug, "webhook with a bad or missing signature refused");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(payload) = serde_json::from_slice::<Payload>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    // An empty list of events is LINE's connectivity check.
    for event in payload.events {
        let Some(event_id) = event.webhook_event_id.clone() else { continue };
        match store.record_webhook_event(clinic.id, &event_id, Utc::now()).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(error = %e, "webhook: cannot record event");
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
        if let Err(e) = handle(store, &clinic, &event).await {
            tracing::error!(error = %e, event = %event_id, "webhook event failed; LINE may redeliver it");
            let _ = store.forget_webhook_event(clinic.id, &event_id).await;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    StatusCode::OK
}

async fn handle(store: &dyn Store, clinic_info: &Clinic, event: &Event) -> Result<(), StoreError> {
    let clinic = clinic_info.id;
    let Some(user) = event.source.as_ref().and_then(|s| s.user_id.as_deref()) else { return Ok(()) };
    match event.kind.as_str() {
        "follow" => store.set_line_friend(clinic, user, true).await,
        "unfollow" => store.set_line_friend(clinic, user, false).await,
        "postback" => {
            let Some(data) = event.postback.as_ref().map(|p| p.data.as_str()) else { return Ok(()) };
            let field = |name: &str| data.split('&').find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')));
            let (Some(action), Some(reference)) = (field("action"), field("ref")) else { return Ok(()) };
            let Some(appointment) = store.appointment_by_reference(clinic, reference).await? else { return Ok(()) };
            // Only the patient the appointment belongs to can act on it.
            let Some(patient) = store.patient(clinic, appointment.patient_id).await? else { return Ok(()) };
            if patient.line_user_id.as_deref() != Some(user) {
                tracing::warn!(reference, "postback from another LINE user ignored");
                return Ok(());
            }
            match action {
                "attend" => store.confirm_attendance(clinic, appointment.id, Utc::now()).await,
                "cancel" => {
                    let menus = store.menus(clinic).await?;
                    let Some(menu) = menus.iter().find(|m| m.id == appointment.menu_id) else { return Ok(()) };
                    match patient_may_cancel(menu, appointment.status, appointment.starts_at, Utc::now()) {
                        Ok(_) => {
                            match store.transition(clinic, appointment.id, Transition::CancelByPatient, Actor::Patient(patient.id), Utc::now()).await {
                                // Already cancelled meanwhile: nothing to do.
                                Ok(_) | Err(StoreError::StatusChanged { .. }) => Ok(()),
                                Err(e) => Err(e),
                            }
                        }
                        Err(refusal) => {
                            // The patient tapped a button: tell them why nothing happened, through
                            // the outbox (the reply token would be gone before a retry).
                            tracing::info!(reference, ?refusal, "postback cancel refused; telling the patient");
                            // Once is enough: the explanation stays in the patient's chat, and
                            // each further tap would spend the clinic's message quota.
                            let told = store.notifications(clinic, appointment.id).await?;
                            if told.iter().any(|n| n.kind == "cancel_refused" && n.status != "failed") {
                                return Ok(());
                            }
                            let reason = refusal_reason(refusal, clinic_info, patient.language);
                            store.queue_notice(clinic, appointment.id, NoticeKind::CancelRefused { reason }, Utc::now()).await.map(|_| ())
                        }
                    }
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Why a cancellation from LINE was refused and what to do instead, in the patient's language,
/// with the deadline in the clinic's time zone.
fn refusal_reason(refusal: CancelRefusal, clinic: &Clinic, lang: Lang) -> String {
    match refusal {
        CancelRefusal::PastCutOff { deadline } => {
            let deadline = datetime_label(deadline, clinic.time_zone, lang);
            match lang {
                Lang::Ja => format!("キャンセル期限({deadline})を過ぎています。お電話で医院にご連絡ください。"),
                Lang::En => format!("The cancellation deadline ({deadline}) has passed. Please call the clinic."),
            }
        }
        // A second tap after a cancellation went through (each tap is a new event).
        CancelRefusal::NotConfirmed(AppointmentStatus::CancelledByPatient | AppointmentStatus::CancelledByClinic) => lang
            .pick("このご予約はすでにキャンセルされています。", "This appointment has already been cancelled.")
            .to_string(),
        CancelRefusal::NotConfirmed(_) => lang
            .pick(
                "このご予約は確定済みではないため、キャンセルできません。ご不明な点はお電話で医院にご連絡ください。",
                "This appointment is no longer confirmed, so it cannot be cancelled here. Please call the clinic if you have questions.",
            )
            .to_string(),
    }
}

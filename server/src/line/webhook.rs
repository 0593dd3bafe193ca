//! `POST /line/webhook/{clinic}`: events from the clinic's LINE Official Account. The signature
//! is checked over the raw body, in constant time, before anything is parsed; events are
//! processed once each (LINE redelivers), and every action is idempotent.

use app::actions::{booking, patients};
use app::booking::model::Clinic;
use app::error::{Missing, Problem};
use app::state::AppState;
use app::store::{Store, StoreError, Write};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use chrono::{DateTime, Utc};
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
    let (clinic, secret) = match clinic_and_secret(store, &slug).await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND,
        Err(e) => {
            tracing::error!(error = %e, "webhook: clinic lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE;
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
    // An empty list of events is LINE's connectivity check. Every event is tried, so one that
    // fails does not hold back the others; each is kept or not on its own.
    let mut failed = false;
    for event in payload.events {
        let Some(event_id) = event.webhook_event_id.as_deref() else { continue };
        if let Err(e) = process(store, &clinic, event_id, &event).await {
            // Nothing of the event was kept, its id included: LINE's redelivery runs it again
            // (and skips the events that were processed).
            tracing::error!(error = %e, event = %event_id, "webhook event failed; LINE may redeliver it");
            failed = true;
        }
    }
    if failed {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

async fn clinic_and_secret(store: &dyn Store, slug: &str) -> Result<Option<(Clinic, Option<String>)>, StoreError> {
    let mut db = store.read().await?;
    let Some(clinic) = db.clinic_by_slug(slug).await? else { return Ok(None) };
    let secret = db.line_settings(clinic.id).await?.and_then(|s| s.channel_secret);
    Ok(Some((clinic, secret)))
}

/// One event, once: its id and what it does commit together, so a redelivery of a processed
/// event does nothing and a failed one leaves no trace.
async fn process(store: &dyn Store, clinic: &Clinic, event_id: &str, event: &Event) -> Result<(), Problem> {
    let now = Utc::now();
    let mut tx = store.write().await?;
    if !tx.record_webhook_event(clinic.id, event_id, now).await? {
        return Ok(());
    }
    match handle(tx.as_mut(), clinic, event, now).await {
        Ok(()) => {}
        // A fault is retried by LINE; anything else (a tap on someone else's appointment, on one
        // that is gone) is an answer, and the event is done.
        Err(e @ (Problem::Internal(_) | Problem::Unavailable(_))) => return Err(e),
        Err(e) => tracing::info!(event = %event_id, outcome = %e, "webhook event changed nothing"),
    }
    tx.commit().await?;
    Ok(())
}

async fn handle(tx: &mut dyn Write, clinic: &Clinic, event: &Event, now: DateTime<Utc>) -> Result<(), Problem> {
    let Some(user) = event.source.as_ref().and_then(|s| s.user_id.as_deref()) else { return Ok(()) };
    match event.kind.as_str() {
        "follow" => patients::line_friend(tx, clinic.id, user, true, now).await,
        "unfollow" => patients::line_friend(tx, clinic.id, user, false, now).await,
        "postback" => {
            let Some(data) = event.postback.as_ref().map(|p| p.data.as_str()) else { return Ok(()) };
            let field = |name: &str| data.split('&').find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')));
            let (Some(action), Some(reference)) = (field("action"), field("ref")) else { return Ok(()) };
            // Only the patient the appointment belongs to can act on it: the actions find the
            // appointment among this LINE user's own.
            let Some(patient) = tx.line_patient(clinic.id, user).await? else { return Err(Problem::NotFound(Missing::Patient)) };
            let Some(appointment) = tx.appointment_by_reference(clinic.id, reference).await? else { return Err(Problem::NotFound(Missing::Appointment)) };
            match action {
                "attend" => booking::confirm_attendance(tx, clinic.id, patient.id, appointment.id, now).await,
                "cancel" => booking::cancel_from_message(tx, clinic.id, patient.id, appointment.id, now).await,
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

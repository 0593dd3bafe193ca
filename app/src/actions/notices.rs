//! The patient's notices, in the outbox: queueing one with the change it announces, sending a
//! failed one again, the day-before reminders, and what a refused cancellation from LINE says.

use chrono::{DateTime, Timelike, Utc};

use super::booking::{apply, Change};
use crate::booking::format::place_label;
use crate::booking::ids::{AppointmentId, ClinicId, NotificationId};
use crate::booking::model::Clinic;
use crate::booking::status::Transition;
use crate::error::{Missing, Problem};
use crate::notify::flex::{message, Notice, NoticeKind};
use crate::notify::service::service_message;
use crate::notify::{recipient, still_true, Channel, DeliveryStatus, NoticeType, RETRY_WINDOW};
use crate::store::{Actor, Appointment, NewNotification, Store, Write};

/// Queues the notice `kind` about `appointment` for its patient, in the caller's transaction.
/// `false` when there is nobody to send it to (see [`recipient`]), or when it is a reminder
/// already queued.
pub async fn queue(tx: &mut dyn Write, clinic: &Clinic, appointment: &Appointment, kind: NoticeKind, now: DateTime<Utc>) -> Result<bool, Problem> {
    let Some(patient) = tx.patient(clinic.id, appointment.patient_id).await? else { return Ok(false) };
    let line = tx.line_settings(clinic.id).await?;
    let Some(to) = recipient(line.as_ref(), &clinic.slug, &patient, &appointment.reference) else { return Ok(false) };
    // A menu hidden since still names the visit.
    let Some(menu) = tx.menus(clinic.id).await?.into_iter().find(|m| m.id == appointment.menu_id) else { return Ok(false) };
    let lang = patient.language;
    let notice = Notice {
        kind: kind.clone(),
        lang,
        clinic_name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(),
        menu_name: lang.pick(&menu.name_ja, &menu.name_en).to_string(),
        when: place_label(menu.mode, appointment.starts_at, appointment.ends_at, clinic.time_zone, lang),
        reference: appointment.reference.clone(),
        liff_url: to.link,
    };
    let payload = match to.channel {
        Channel::Email => crate::notify::email::notice_email(&notice).payload(),
        Channel::Line | Channel::Sandbox => serde_json::Value::Array(vec![message(&notice).map_err(Problem::internal)?]).to_string(),
    };
    // The worker sends it as a service message while the patient's token allows, and pushes
    // it otherwise: both are fixed now.
    let service = match to.channel {
        // Best effort: a MINI App secret that does not open must not stop the change itself
        // (the notice then goes by push).
        Channel::Line => match tx.service_messages(clinic.id).await {
            Ok(settings) => settings.and_then(|s| service_message(&s, &notice)).map(|m| m.to_string()),
            Err(e) => {
                tracing::error!(clinic = %clinic.id, error = %e, "service messages not read: the notice goes by push");
                None
            }
        },
        Channel::Email | Channel::Sandbox => None,
    };
    let row = NewNotification {
        clinic_id: clinic.id,
        appointment_id: appointment.id,
        notice: kind.notice_type(),
        channel: to.channel,
        recipient: to.address,
        payload,
        service,
        retry_key: uuid::Uuid::new_v4().to_string(),
        queued_at: now,
    };
    Ok(tx.queue_notification(&row).await?)
}

/// Queues a failed notice again. It keeps its retry key while LINE still remembers it (so a
/// message LINE did accept is not sent twice), and gets a new one after that. A notice whose
/// news is no longer true is refused.
pub async fn resend(tx: &mut dyn Write, clinic: ClinicId, id: NotificationId, now: DateTime<Utc>) -> Result<(), Problem> {
    let record = tx.notification(clinic, id).await?.ok_or(Problem::NotFound(Missing::Other))?;
    if record.status != DeliveryStatus::Failed {
        return Err(Problem::NoticeNotFailed);
    }
    let appointment = match record.appointment_id {
        Some(a) => tx.appointment(clinic, a).await?,
        None => None,
    };
    if !appointment.is_some_and(|a| still_true(record.notice, a.status, a.starts_at, now)) {
        return Err(Problem::NoticeOutOfDate);
    }
    let expired = record.first_attempt_at.is_some_and(|first| first <= now - RETRY_WINDOW);
    let key = if expired { uuid::Uuid::new_v4().to_string() } else { record.retry_key };
    if !tx.requeue_notification(clinic, id, &key, expired, now).await? {
        return Err(Problem::NoticeNotFailed);
    }
    Ok(())
}

/// Queues tomorrow's reminders of every clinic whose reminder hour has come (clinic-local), once
/// per confirmed visit. Returns how many were queued now.
pub async fn queue_reminders(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, Problem> {
    let clinics = store.read().await?.clinics().await?;
    let mut queued = 0;
    for clinic in clinics {
        let local = now.with_timezone(&clinic.time_zone);
        if local.hour() < clinic.reminder_hour {
            continue;
        }
        let Some(tomorrow) = local.date_naive().succ_opt() else { continue };
        // Read first: once queued, nothing is due, and visits nobody can be told of (phone
        // patients) never take the write lock. Each reminder is queued in a transaction of its
        // own, so one that cannot be made does not hold back the others (it is tried again on
        // the next pass).
        let mut db = store.read().await?;
        let due = db.unreminded(clinic.id, tomorrow).await?;
        if due.is_empty() {
            continue;
        }
        let line = db.line_settings(clinic.id).await?;
        let ids: Vec<_> = due.iter().map(|a| a.patient_id).collect();
        let patients = db.patients(clinic.id, &ids).await?;
        drop(db);
        let reachable = due
            .into_iter()
            .filter(|a| patients.iter().find(|p| p.id == a.patient_id).is_some_and(|p| recipient(line.as_ref(), &clinic.slug, p, &a.reference).is_some()));
        for appointment in reachable {
            let mut tx = store.write().await?;
            match queue(tx.as_mut(), &clinic, &appointment, NoticeKind::Reminder, now).await {
                Ok(true) => {
                    tx.commit().await?;
                    queued += 1;
                }
                Ok(false) => {}
                Err(e @ Problem::Unavailable(_)) => return Err(e),
                Err(e) => tracing::error!(appointment = %appointment.id, error = %e, "reminder not queued"),
            }
        }
    }
    Ok(queued)
}

/// Requests the clinic did not answer in time become `expired` (and their patients are told).
/// Staff answering at the same moment win or lose cleanly. Returns the expired requests.
pub async fn expire_lapsed(store: &dyn Store, now: DateTime<Utc>) -> Result<Vec<AppointmentId>, Problem> {
    let lapsed = store.read().await?.lapsed_requests(now).await?;
    let mut expired = Vec::new();
    for (clinic_id, id) in lapsed {
        let mut tx = store.write().await?;
        let (Some(clinic), Some(current)) = (tx.clinic(clinic_id).await?, tx.appointment_for_update(clinic_id, id).await?) else { continue };
        if !current.lapsed(now) {
            continue;
        }
        // One request that cannot expire (a notice that cannot be made) does not hold back the
        // others; it is tried again on the next pass.
        match apply(tx.as_mut(), &clinic, &current, Change::new(Transition::Expire, Actor::System, now)).await {
            Ok(_) => {
                tx.commit().await?;
                expired.push(id);
            }
            Err(e @ Problem::Unavailable(_)) => return Err(e),
            Err(e) => tracing::error!(appointment = %id, error = %e, "request not expired"),
        }
    }
    Ok(expired)
}

/// The patient tapped the reminder's cancel button and the cancellation was refused: they are
/// told why and what to do, through the outbox (LINE's reply token would be gone before a
/// retry), once per visit however often they tap (each tap would spend the clinic's quota).
pub async fn explain_refused_cancel(
    tx: &mut dyn Write,
    clinic: &Clinic,
    appointment: &Appointment,
    refusal: &Problem,
    now: DateTime<Utc>,
) -> Result<(), Problem> {
    let told = tx.notifications(clinic.id, &[appointment.id]).await?;
    if told.iter().any(|n| n.notice == NoticeType::CancelRefused && n.status != DeliveryStatus::Failed) {
        return Ok(());
    }
    let Some(patient) = tx.patient(clinic.id, appointment.patient_id).await? else { return Ok(()) };
    let reason = crate::notify::flex::cancel_refused_reason(refusal, patient.language);
    queue(tx, clinic, appointment, NoticeKind::CancelRefused { reason }, now).await.map(drop)
}

//! Booking on the clinic's website without LINE. The request holds its place for
//! [`WEB_CODE_MINUTES`] while the patient types the 6-digit code sent to their e-mail address;
//! only a right code lets it reach the clinic's inbox (or confirms it, for a menu that confirms
//! at once). Bots filling the calendar get no further than held places that run out by
//! themselves, a few per address and per clinic at a time.
//!
//! The page that made the request carries its flow token (random; only its digest is kept):
//! the token, not a cookie, says which request a code belongs to, so the flow works inside a
//! cross-site frame whose cookies the browser blocks.

use chrono::{DateTime, Duration, Utc};

use super::booking::{apply, book, Booking, Change};
use crate::booking::ids::{ClinicId, MenuId, QuestionId, ResourceId};
use crate::booking::model::{Approval, BookingMode, Clinic};
use crate::booking::status::{AppointmentStatus, Transition};
use crate::booking::{BookingSource, WEB_CODE_MINUTES};
use crate::error::{Missing, Problem};
use crate::i18n::Lang;
use crate::notify::email::code_email;
use crate::notify::{Channel, NoticeType};
use crate::patients::DetailsInput;
use crate::store::{Actor, Appointment, Identity, NewNotification, NewPatient, NewWebRequest, PatientDetails, Write};

/// Wrong codes before the held place goes back.
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// Codes one request may be sent (the first included).
pub const MAX_CODES_SENT: u32 = 3;
/// Seconds between two codes of one request.
pub const RESEND_AFTER_SECONDS: i64 = 60;
/// Requests one address may have waiting for their code at once.
pub const MAX_WAITING_PER_ADDRESS: u32 = 2;
/// Requests a clinic may have waiting for their code at once, from everyone.
pub const MAX_WAITING_PER_CLINIC: u32 = 30;

/// A website request, checked by the caller (details, answers, consent, the address's shape).
#[derive(Clone, Debug)]
pub struct WebBooking {
    pub clinic: ClinicId,
    pub menu: MenuId,
    pub resource: ResourceId,
    pub starts_at: DateTime<Utc>,
    /// Folded: trimmed, lower case.
    pub email: String,
    /// As typed (and checked): the patient's once the code is right.
    pub typed: DetailsInput,
    pub answers: Vec<(QuestionId, String)>,
    pub lang: Lang,
    pub now: DateTime<Utc>,
}

/// The secrets of a new request: the page's flow token and the code (sent by e-mail only).
#[derive(Clone, Debug)]
pub struct Secrets {
    pub flow: String,
    pub code: String,
}

impl Secrets {
    pub fn new() -> Self {
        let code = u32::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..4].try_into().expect("4 bytes")) % 1_000_000;
        Secrets { flow: random_token(), code: format!("{code:06}") }
    }
}

impl Default for Secrets {
    fn default() -> Self {
        Self::new()
    }
}

fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// How a secret is kept: its SHA-256, in hex. A code is tied to its request, so the same six
/// digits of two requests never share a digest.
pub fn digest(secret: &str, salt: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::new().chain_update(salt).chain_update([0]).chain_update(secret).finalize();
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes the request: the place is held (status `verifying`) and the code e-mail is queued.
pub async fn request_by_email(tx: &mut dyn Write, b: &WebBooking, secrets: &Secrets) -> Result<Appointment, Problem> {
    if tx.web_requests_waiting(b.clinic, Some(&b.email), b.now).await? >= MAX_WAITING_PER_ADDRESS
        || tx.web_requests_waiting(b.clinic, None, b.now).await? >= MAX_WAITING_PER_CLINIC
    {
        return Err(Problem::TooManyWaiting);
    }
    let clinic = tx.clinic(b.clinic).await?.ok_or(Problem::NotFound(Missing::Clinic))?;
    let patient = match tx.email_patient(b.clinic, &b.email).await? {
        Some(p) => p.id,
        None => {
            // A new address, known by nothing yet: what was typed waits with the request and
            // becomes the patient's only when the code proves the address.
            let identity = Identity::Email { address: b.email.clone(), key: random_token() };
            let new = NewPatient { clinic_id: b.clinic, identity, details: PatientDetails::none(), language: b.lang };
            match tx.insert_patient(&new, b.now).await? {
                Some(id) => id,
                // The same address at the same moment: the other request made the patient.
                None => tx.email_patient(b.clinic, &b.email).await?.ok_or_else(|| Problem::internal("the e-mail patient vanished"))?.id,
            }
        }
    };
    let booking = Booking {
        clinic: b.clinic,
        menu: b.menu,
        resource: b.resource,
        starts_at: b.starts_at,
        patient,
        actor: Actor::Patient(patient),
        source: BookingSource::Website,
        answers: b.answers.clone(),
        replaces: None,
        now: b.now,
    };
    let appointment = book(tx, &booking).await?;
    // The form's consent, given now (whoever the address turns out to be).
    let patient = tx.patient(b.clinic, patient).await?.ok_or_else(|| Problem::internal("the e-mail patient vanished"))?;
    super::patients::consent(tx, b.clinic, &patient, appointment.id, b.now).await?;
    let typed = serde_json::to_string(&b.typed).map_err(Problem::internal)?;
    let request = NewWebRequest {
        appointment_id: appointment.id,
        clinic_id: b.clinic,
        email: b.email.clone(),
        flow_digest: digest(&secrets.flow, "flow"),
        code_digest: digest(&secrets.code, &appointment.reference),
        details: typed,
        now: b.now,
    };
    tx.insert_web_request(&request).await?;
    queue_code(tx, &clinic, &appointment, &b.email, &secrets.code, b.lang, b.now).await?;
    Ok(appointment)
}

async fn queue_code(tx: &mut dyn Write, clinic: &Clinic, a: &Appointment, email: &str, code: &str, lang: Lang, now: DateTime<Utc>) -> Result<(), Problem> {
    let menu = tx.menus(clinic.id).await?.into_iter().find(|m| m.id == a.menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
    let when = crate::booking::format::place_label(menu.mode, a.starts_at, a.ends_at, clinic.time_zone, lang);
    let mail = code_email(lang.pick(&clinic.name_ja, &clinic.name_en), code, &when, WEB_CODE_MINUTES, lang);
    let row = NewNotification {
        clinic_id: clinic.id,
        appointment_id: a.id,
        notice: NoticeType::EmailCode,
        channel: Channel::Email,
        recipient: email.to_string(),
        payload: mail.payload(),
        service: None,
        retry_key: uuid::Uuid::new_v4().to_string(),
        queued_at: now,
    };
    tx.queue_notification(&row).await?;
    Ok(())
}

/// What a code typed on the page came to. A wrong code is an answer, not a failure: the caller
/// commits it (the try counts) and then tells the patient.
#[derive(Clone, Debug, PartialEq)]
pub enum Verified {
    /// The request reached the clinic (or was confirmed); also when it already had.
    Done(Box<Appointment>),
    WrongCode {
        left: u32,
    },
    /// The last try was wrong: the place went back.
    UsedUp,
    /// The code was right but the place can no longer be given (the day was closed, the menu
    /// hidden, the time too near meanwhile): the place went back.
    NoLongerFree,
}

/// The request of a page's flow token, its appointment locked for a change. The request's
/// counters are read after the lock: codes typed at the same moment wait for each other, so
/// every wrong one counts (on PostgreSQL; SQLite's transaction already holds the write lock).
async fn flow_request(tx: &mut dyn Write, clinic: ClinicId, flow: &str) -> Result<(crate::store::WebRequest, Appointment), Problem> {
    let found = tx.web_request_by_flow(clinic, &digest(flow, "flow")).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
    let appointment = tx.appointment_for_update(clinic, found.appointment_id).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
    let request = tx.web_request(clinic, appointment.id).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
    Ok((request, appointment))
}

/// The six digits as typed (full-width digits and spaces allowed); anything else is no code at
/// all and costs no try.
fn typed_code(code: &str) -> Result<String, Problem> {
    let digits: String = crate::patients::birth::fold_digits(code).chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(Problem::field("code", crate::error::Reason::NotCode))
    }
}

/// Whether the held place can still be given: the day not closed since, the menu not hidden,
/// the time not too near (the booking rules, with this hold itself left out).
async fn still_bookable(tx: &mut dyn Write, clinic: &Clinic, menu: &crate::booking::model::Menu, a: &Appointment, now: DateTime<Utc>) -> Result<bool, Problem> {
    if !menu.active {
        return Ok(false);
    }
    let hours = tx.opening_hours(clinic.id).await?;
    let exceptions = tx.exceptions(clinic.id, a.service_date, a.service_date).await?;
    let (from, to) = super::booking::held_window(a.service_date, a.service_date);
    let booked: Vec<_> = tx.holding(clinic.id, &[a.resource_id], from, to).await?.into_iter().filter(|b| b.id != a.id).collect();
    let schedule = crate::booking::schedule::Schedule { clinic, hours: &hours, exceptions: &exceptions };
    Ok(crate::booking::plan_booking_as(schedule, menu, &booked, a.resource_id, a.starts_at, now, BookingSource::Website).is_ok())
}

/// The patient types the code. Right: the details are saved to the patient and the request
/// reaches the clinic with the menu's own hold (or is confirmed at once).
pub async fn verify(tx: &mut dyn Write, clinic: ClinicId, flow: &str, code: &str, now: DateTime<Utc>) -> Result<Verified, Problem> {
    let code = typed_code(code)?;
    let (request, current) = flow_request(tx, clinic, flow).await?;
    if request.verified_at.is_some() {
        // The same code sent twice (a double tap, a reload): the first one did it.
        return Ok(Verified::Done(Box::new(current)));
    }
    if current.status != AppointmentStatus::Verifying {
        return Err(Problem::StatusChanged { current: current.status });
    }
    if current.lapsed(now) {
        return Err(Problem::HoldExpired);
    }
    let clinic = tx.clinic(clinic).await?.ok_or(Problem::NotFound(Missing::Clinic))?;
    let patient = current.patient_id;
    let release = Change::new(Transition::Withdraw, Actor::Patient(patient), now);
    if request.code_attempts >= MAX_CODE_ATTEMPTS || digest(&code, &current.reference) != request.code_digest {
        tx.web_code_failed(current.id).await?;
        let left = MAX_CODE_ATTEMPTS.saturating_sub(request.code_attempts + 1);
        if left == 0 {
            apply(tx, &clinic, &current, release).await?;
            return Ok(Verified::UsedUp);
        }
        return Ok(Verified::WrongCode { left });
    }
    let menu = tx.menus(clinic.id).await?.into_iter().find(|m| m.id == current.menu_id).ok_or(Problem::NotFound(Missing::Menu))?;
    if !still_bookable(tx, &clinic, &menu, &current, now).await? {
        apply(tx, &clinic, &current, release).await?;
        return Ok(Verified::NoLongerFree);
    }
    tx.web_request_verified(current.id, now).await?;
    let typed: DetailsInput = serde_json::from_str(&request.details).map_err(Problem::internal)?;
    let today = now.with_timezone(&clinic.time_zone).date_naive();
    // Checked when the request was made; a birthday cannot have turned invalid since.
    if let Ok(details) = crate::patients::validate::details(&typed, today) {
        super::patients::save_details(tx, clinic.id, patient, &details).await?;
    }
    let requested = apply(tx, &clinic, &current, Change::new(Transition::Verify, Actor::Patient(patient), now)).await?;
    let done = match menu.approval {
        Approval::AutoConfirm => apply(tx, &clinic, &requested, Change::new(Transition::Confirm, Actor::Patient(patient), now)).await?,
        Approval::RequiresStaff => {
            // From now on it waits for the clinic as a LINE request would, never past the visit.
            let latest = match menu.mode {
                BookingMode::DayQueue { .. } => current.ends_at,
                BookingMode::TimeSlot { .. } | BookingMode::TimeBand { .. } => current.starts_at,
            };
            let until = (now + Duration::minutes(menu.hold_minutes.into())).min(latest);
            tx.set_hold_expiry(clinic.id, current.id, Some(until)).await?;
            let requested = Appointment { hold_expires_at: Some(until), ..requested };
            // The patient's link to their request, until the clinic answers.
            super::notices::queue(tx, &clinic, &requested, crate::notify::flex::NoticeKind::Received, now).await?;
            requested
        }
    };
    Ok(Verified::Done(Box::new(done)))
}

/// Sends a new code for the page's request (the old one stops working): once a minute, at most
/// [`MAX_CODES_SENT`] in all.
pub async fn resend_code(tx: &mut dyn Write, clinic: ClinicId, flow: &str, lang: Lang, now: DateTime<Utc>) -> Result<(), Problem> {
    let (request, current) = flow_request(tx, clinic, flow).await?;
    if current.status != AppointmentStatus::Verifying {
        return Err(Problem::StatusChanged { current: current.status });
    }
    if current.lapsed(now) {
        return Err(Problem::HoldExpired);
    }
    if request.codes_sent >= MAX_CODES_SENT {
        return Err(Problem::CodesUsedUp);
    }
    if now < request.code_sent_at + Duration::seconds(RESEND_AFTER_SECONDS) {
        return Err(Problem::RateLimited);
    }
    let clinic = tx.clinic(clinic).await?.ok_or(Problem::NotFound(Missing::Clinic))?;
    let code = Secrets::new().code;
    tx.web_code_resent(current.id, &digest(&code, &current.reference), now).await?;
    queue_code(tx, &clinic, &current, &request.email, &code, lang, now).await
}

/// The website patient's appointment, found by its reference and their link key (from an
/// e-mail): anyone else's, or a wrong key, is "not found".
pub async fn linked_appointment(tx: &mut dyn crate::store::Reads, clinic: ClinicId, reference: &str, key: &str) -> Result<Appointment, Problem> {
    let appointment = tx.appointment_by_reference(clinic, reference).await?.ok_or(Problem::NotFound(Missing::Appointment))?;
    let patient = tx.patient(clinic, appointment.patient_id).await?;
    match patient.map(|p| p.identity) {
        // Compared as digests: the time it takes says nothing about how much of the key was right.
        Some(Identity::Email { key: theirs, .. }) if !key.is_empty() && digest(&theirs, "link") == digest(key, "link") => Ok(appointment),
        _ => Err(Problem::NotFound(Missing::Appointment)),
    }
}

/// The website patient moves a confirmed visit to another place of its menu, from the e-mail's
/// link: the link key proves the address, so no code is needed. The new place is what a LINE
/// patient's reschedule would be (a request, or confirmed at once for a menu that confirms at
/// once); the old visit stays until the new one is confirmed. The visit's answers go with it,
/// checked again against the menu's questions as they are now.
pub async fn move_by_link(
    tx: &mut dyn Write,
    clinic: ClinicId,
    reference: &str,
    key: &str,
    place: (ResourceId, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<Appointment, Problem> {
    let old = linked_appointment(tx, clinic, reference, key).await?;
    let questions: Vec<_> = tx.questions(clinic).await?.into_iter().filter(|q| q.menu_id == old.menu_id).collect();
    let given: Vec<_> = tx.answers(clinic, &[old.id]).await?.into_iter().map(|(_, q, a)| (q, a)).collect();
    let answers = crate::patients::validate::answers(&questions, &given).map_err(|_| Problem::QuestionsChanged)?;
    let booking = Booking {
        clinic,
        menu: old.menu_id,
        resource: place.0,
        starts_at: place.1,
        patient: old.patient_id,
        actor: Actor::Patient(old.patient_id),
        source: BookingSource::Patient,
        answers,
        replaces: Some(old.id),
        now,
    };
    let moved = book(tx, &booking).await?;
    if moved.status == AppointmentStatus::Requested {
        let clinic = tx.clinic(clinic).await?.ok_or(Problem::NotFound(Missing::Clinic))?;
        super::notices::queue(tx, &clinic, &moved, crate::notify::flex::NoticeKind::Received, now).await?;
    }
    Ok(moved)
}

//! Telling patients: which change announces what and to whom (`notice_for`, `recipient`),
//! whether a notice is still true (`still_true`), what a LINE message says (`flex`), and how
//! failed deliveries are retried (`retry_at`). Pure rules: the actions write the outbox rows in
//! the same transaction as the change; the server's worker delivers them.

pub mod email;
pub mod flex;
pub mod render;
pub mod service;

use chrono::{DateTime, Duration, Utc};

use crate::booking::status::AppointmentStatus;
use crate::store::{Identity, LineSettings, Patient};
use flex::NoticeKind;

pub use crate::kinds::{Channel, DeliveryStatus, NoticeType, SentVia};

impl NoticeKind {
    pub fn notice_type(&self) -> NoticeType {
        match self {
            NoticeKind::Received => NoticeType::Received,
            NoticeKind::Confirmed => NoticeType::Confirmed,
            NoticeKind::Declined { .. } => NoticeType::Declined,
            NoticeKind::Proposed { .. } => NoticeType::Proposed,
            NoticeKind::Expired => NoticeType::Expired,
            NoticeKind::CancelledByClinic { .. } => NoticeType::CancelledByClinic,
            NoticeKind::CancelledByPatient => NoticeType::CancelledByPatient,
            NoticeKind::Reminder => NoticeType::Reminder,
            NoticeKind::CancelRefused { .. } => NoticeType::CancelRefused,
            NoticeKind::NearTurn { .. } => NoticeType::NearTurn,
        }
    }
}

/// What happened to an appointment, as far as telling the patient goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A new appointment: a request, a visit confirmed at once, or the clinic's proposal.
    Booked { status: AppointmentStatus, proposal: bool },
    /// A change of status. `by_patient`: the patient did it themself (on their phone or with a
    /// button in LINE). `note`: the clinic's words with it.
    Changed { from: AppointmentStatus, to: AppointmentStatus, by_patient: bool, note: Option<&'a str> },
}

/// The notice an event sends to the patient, if any. A new request sends none (the page already
/// shows it), nor does anything the patient did about a request themself (withdrawing it,
/// turning down a proposal); the clinic's answers, expiry and cancellations do, and so does the
/// patient's own cancellation of a visit (a receipt).
pub fn notice_for(event: Event<'_>) -> Option<NoticeKind> {
    use AppointmentStatus::*;
    let note = |n: Option<&str>| n.unwrap_or_default().to_string();
    match event {
        Event::Booked { status: Confirmed, .. } => Some(NoticeKind::Confirmed),
        Event::Booked { status: Requested, proposal: true } => Some(NoticeKind::Proposed { new_time: String::new() }),
        Event::Booked { .. } => None,
        // A website request before its code: the patient only asked (the code e-mail is theirs).
        Event::Changed { from: Verifying, .. } => None,
        Event::Changed { from: Requested, by_patient: true, to: Declined | CancelledByPatient, .. } => None,
        Event::Changed { to: Confirmed, .. } => Some(NoticeKind::Confirmed),
        Event::Changed { to: Declined, note: n, .. } => Some(NoticeKind::Declined { reason: note(n) }),
        Event::Changed { to: Expired, .. } => Some(NoticeKind::Expired),
        Event::Changed { to: CancelledByClinic, note: n, .. } => Some(NoticeKind::CancelledByClinic { message: note(n) }),
        Event::Changed { to: CancelledByPatient, .. } => Some(NoticeKind::CancelledByPatient),
        Event::Changed { to: Verifying | Requested | NoShow | Completed, .. } => None,
    }
}

/// Where a patient's notices go, and the link to their appointment there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub channel: Channel,
    /// The LINE user id (empty for the sandbox), or the e-mail address.
    pub address: String,
    /// The appointment page: in LINE, the LIFF URL; in the sandbox, this server's page; by
    /// e-mail, the widget's page of the appointment with the patient's link key.
    pub link: String,
}

/// Who receives a patient's notices: a LINE-connected clinic with an access token pushes to
/// patients signed in with LINE; a clinic in sandbox mode delivers to the console's LINE
/// sandbox, for its sandbox patients; a website patient gets e-mail. Nobody else (a phone
/// patient, a LINE patient of a clinic without a token) receives anything.
pub fn recipient(line: Option<&LineSettings>, clinic_slug: &str, patient: &Patient, reference: &str) -> Option<Recipient> {
    match (line, &patient.identity) {
        (Some(line), Identity::Line { user_id, .. }) if line.channel_access_token.is_some() => {
            Some(Recipient { channel: Channel::Line, address: user_id.clone(), link: format!("{}/a/{reference}", line.liff_url()) })
        }
        (None, Identity::Sandbox) => Some(Recipient { channel: Channel::Sandbox, address: String::new(), link: format!("/liff/{clinic_slug}/a/{reference}") }),
        (_, Identity::Email { address, key }) => {
            Some(Recipient { channel: Channel::Email, address: address.clone(), link: format!("/w/{clinic_slug}/a/{reference}?k={key}") })
        }
        _ => None,
    }
}

/// Whether a notice's news is still true, so it may be sent again: a confirmation of a visit
/// cancelled since is not, nor a reminder of a visit that has passed.
pub fn still_true(notice: NoticeType, status: AppointmentStatus, starts_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    use AppointmentStatus as S;
    match notice {
        NoticeType::Confirmed => status == S::Confirmed,
        NoticeType::Declined => status == S::Declined,
        NoticeType::Expired => status == S::Expired,
        NoticeType::CancelledByClinic => status == S::CancelledByClinic,
        NoticeType::CancelledByPatient => status == S::CancelledByPatient,
        NoticeType::Proposed | NoticeType::Received => status == S::Requested,
        NoticeType::EmailCode => status == S::Verifying && starts_at > now,
        NoticeType::Reminder | NoticeType::CancelRefused => status == S::Confirmed && starts_at > now,
        // The queue's day: a visit that is over needs no call.
        NoticeType::NearTurn => status == S::Confirmed,
    }
}

/// LINE remembers a retry key for 24 hours; after that a resend would be a second message.
/// Retries stop an hour before, to stay clear of the edge.
pub const RETRY_WINDOW: Duration = Duration::hours(23);

/// When to try again after a failed attempt (`attempts` made so far, the first at
/// `first_attempt`): exponential backoff from 5 s, capped at 30 min, with up to 25 % jitter
/// (`jitter` in 0..1). `None` once the next attempt would fall outside the retry window.
pub fn retry_at(attempts: u32, first_attempt: DateTime<Utc>, now: DateTime<Utc>, jitter: f64) -> Option<DateTime<Utc>> {
    let base = 5i64.saturating_mul(1i64 << attempts.min(20)).min(30 * 60);
    let spread = (base as f64 * 0.25 * jitter.clamp(0.0, 1.0)) as i64;
    let at = now + Duration::seconds(base + spread);
    (at < first_attempt + RETRY_WINDOW).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::ids::{ClinicId, PatientId};
    use crate::i18n::Lang;
    use crate::store::PatientDetails;
    use AppointmentStatus::*;

    #[test]
    fn backoff_grows_is_capped_and_stops_inside_the_window() {
        let t0 = Utc::now();
        let waits: Vec<i64> = (1..=10).map(|n| (retry_at(n, t0, t0, 0.0).expect("inside") - t0).num_seconds()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800]);
        let jittered = retry_at(1, t0, t0, 1.0).expect("inside") - t0;
        assert_eq!(jittered.num_seconds(), 12);
        assert!(retry_at(3, t0, t0 + Duration::hours(23) - Duration::seconds(30), 0.0).is_none());
        assert!(retry_at(3, t0, t0 + Duration::hours(23) - Duration::seconds(50), 0.0).is_some());
        assert!(retry_at(3, t0, t0 + Duration::hours(22), 0.0).is_some());
    }

    fn changed(from: AppointmentStatus, to: AppointmentStatus, by_patient: bool) -> Option<NoticeType> {
        notice_for(Event::Changed { from, to, by_patient, note: Some("休診のため") }).map(|k| k.notice_type())
    }

    #[test]
    fn who_is_told_of_what() {
        let booked = |status, proposal| notice_for(Event::Booked { status, proposal }).map(|k| k.notice_type());
        assert_eq!(booked(Requested, false), None, "a request: the page shows it");
        assert_eq!(booked(Confirmed, false), Some(NoticeType::Confirmed), "confirmed at once");
        assert_eq!(booked(Requested, true), Some(NoticeType::Proposed), "the clinic's proposal");
        assert_eq!(changed(Requested, Confirmed, false), Some(NoticeType::Confirmed), "approved");
        assert_eq!(changed(Requested, Confirmed, true), Some(NoticeType::Confirmed), "a proposal accepted");
        assert_eq!(changed(Requested, Declined, false), Some(NoticeType::Declined));
        assert_eq!(changed(Requested, Declined, true), None, "the patient turned down a proposal");
        assert_eq!(changed(Requested, CancelledByPatient, true), None, "the patient withdrew the request");
        assert_eq!(changed(Requested, Expired, false), Some(NoticeType::Expired));
        assert_eq!(changed(Confirmed, CancelledByPatient, true), Some(NoticeType::CancelledByPatient), "a receipt");
        assert_eq!(changed(Confirmed, CancelledByClinic, false), Some(NoticeType::CancelledByClinic));
        assert_eq!(changed(Confirmed, Completed, false), None);
        assert_eq!(changed(Confirmed, NoShow, false), None);
        assert_eq!(booked(Verifying, false), None, "a website request before its code");
        assert_eq!(changed(Verifying, Requested, true), None, "the code was right: the page says so");
        assert_eq!(changed(Verifying, Expired, false), None, "a code never typed");
        assert_eq!(changed(Verifying, CancelledByPatient, true), None, "codes used up");
    }

    #[test]
    fn the_clinics_words_go_with_its_notice() {
        let declined = notice_for(Event::Changed { from: Requested, to: Declined, by_patient: false, note: Some("担当医不在") });
        assert_eq!(declined, Some(NoticeKind::Declined { reason: "担当医不在".into() }));
        let cancelled = notice_for(Event::Changed { from: Confirmed, to: CancelledByClinic, by_patient: false, note: None });
        assert_eq!(cancelled, Some(NoticeKind::CancelledByClinic { message: String::new() }));
    }

    fn patient(identity: Identity) -> Patient {
        Patient { id: PatientId(1), clinic_id: ClinicId(1), identity, details: PatientDetails::none(), language: Lang::Ja }
    }

    #[test]
    fn notices_go_to_line_or_the_sandbox_and_nowhere_else() {
        let line = LineSettings {
            liff_id: "1657000000-AbCd".into(),
            login_channel_id: "1657000000".into(),
            channel_secret: None,
            channel_access_token: Some("token".into()),
            add_friend_url: None,
        };
        let on_line = patient(Identity::Line { user_id: "U1".into(), friend: Some(true) });
        let to = recipient(Some(&line), "demo", &on_line, "ref1").expect("pushed");
        assert_eq!((to.channel, to.address.as_str(), to.link.as_str()), (Channel::Line, "U1", "https://liff.line.me/1657000000-AbCd/a/ref1"));
        let no_token = LineSettings { channel_access_token: None, ..line.clone() };
        assert_eq!(recipient(Some(&no_token), "demo", &on_line, "r"), None, "no token: nothing to push with");
        assert_eq!(recipient(Some(&line), "demo", &patient(Identity::Sandbox), "r"), None, "sandbox patients of a LINE clinic");
        assert_eq!(recipient(Some(&line), "demo", &patient(Identity::Offline), "r"), None);
        let sandbox = recipient(None, "demo", &patient(Identity::Sandbox), "ref2").expect("sandbox");
        assert_eq!((sandbox.channel, sandbox.link.as_str()), (Channel::Sandbox, "/liff/demo/a/ref2"));
        assert_eq!(recipient(None, "demo", &on_line, "r"), None);
        assert_eq!(recipient(None, "demo", &patient(Identity::Offline), "r"), None);
        let web = patient(Identity::Email { address: "hanako@example.jp".into(), key: "k1".into() });
        for line in [None, Some(&line)] {
            let to = recipient(line, "demo", &web, "ref3").expect("e-mail");
            assert_eq!((to.channel, to.address.as_str(), to.link.as_str()), (Channel::Email, "hanako@example.jp", "/w/demo/a/ref3?k=k1"));
        }
    }

    #[test]
    fn a_notice_is_sent_again_only_while_it_is_true() {
        let now = Utc::now();
        let (soon, past) = (now + Duration::hours(2), now - Duration::hours(2));
        assert!(still_true(NoticeType::Confirmed, Confirmed, soon, now));
        assert!(!still_true(NoticeType::Confirmed, CancelledByClinic, soon, now));
        assert!(still_true(NoticeType::Reminder, Confirmed, soon, now));
        assert!(!still_true(NoticeType::Reminder, Confirmed, past, now));
        assert!(!still_true(NoticeType::CancelRefused, CancelledByPatient, soon, now));
        assert!(still_true(NoticeType::Proposed, Requested, soon, now));
        assert!(!still_true(NoticeType::Proposed, Declined, soon, now));
        assert!(still_true(NoticeType::Declined, Declined, past, now));
    }
}

//! Notifying patients: what a LINE message about an appointment says (`flex`), which change
//! announces what (`notice_kind`), and how failed deliveries are retried (`retry_at`). The outbox
//! rows themselves are written by storage in the same transaction as the change; the server's
//! worker delivers them.

pub mod flex;
pub mod render;

use chrono::{DateTime, Duration, Utc};

use crate::booking::status::AppointmentStatus;
use flex::NoticeKind;

/// The notice a status change sends to the patient, if any. A new request sends none (the
/// page already shows it); the clinic's answer, expiry and cancellations do.
pub fn notice_kind(to: AppointmentStatus) -> Option<NoticeKind> {
    match to {
        AppointmentStatus::Confirmed => Some(NoticeKind::Confirmed),
        AppointmentStatus::Declined => Some(NoticeKind::Declined { reason: String::new() }),
        AppointmentStatus::Expired => Some(NoticeKind::Expired),
        AppointmentStatus::CancelledByClinic => Some(NoticeKind::CancelledByClinic { message: String::new() }),
        AppointmentStatus::CancelledByPatient => Some(NoticeKind::CancelledByPatient),
        AppointmentStatus::Requested | AppointmentStatus::NoShow | AppointmentStatus::Completed => None,
    }
}

/// The user ids of sandbox patients (a clinic without LINE channels): their messages go to the
/// console's LINE sandbox instead of LINE.
pub const SANDBOX_RECIPIENT_PREFIX: &str = "sandbox-";

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

    #[test]
    fn which_changes_notify() {
        assert_eq!(notice_kind(AppointmentStatus::Confirmed), Some(NoticeKind::Confirmed));
        assert!(notice_kind(AppointmentStatus::Requested).is_none());
        assert!(notice_kind(AppointmentStatus::Completed).is_none());
        assert!(notice_kind(AppointmentStatus::CancelledByPatient).is_some());
    }
}

//! The appointment life cycle. Every change of status goes through [`AppointmentStatus::apply`],
//! so a transition that is not in the table below cannot happen anywhere in the product.
//!
//! ```text
//! verifying ──verify──▶ requested   (a website request, once its e-mail code is right)
//!     ├ expire   ▶ expired    └ withdraw ▶ cancelled_by_patient
//! requested ──confirm──▶ confirmed ──cancel_by_patient──▶ cancelled_by_patient
//!     │ decline  ▶ declined     ├────cancel_by_clinic───▶ cancelled_by_clinic
//!     │ expire   ▶ expired      ├────mark_no_show───────▶ no_show
//!     └ withdraw ▶ cancelled_by_patient                 └ complete ▶ completed
//! ```

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// Sent from the clinic's website: holds its place for a few minutes while the patient
    /// confirms the code sent to their e-mail address; staff do not see it yet.
    Verifying,
    /// Sent by the patient, waiting for the clinic; holds its place until the hold expires.
    Requested,
    Confirmed,
    Declined,
    Expired,
    CancelledByPatient,
    CancelledByClinic,
    NoShow,
    Completed,
}

/// What reception does to a confirmed visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VisitAction {
    Arrived,
    Completed,
    NoShow,
    CancelByClinic,
}

/// What someone wants to do to an appointment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// The patient's e-mail code was right: the website request reaches the clinic.
    Verify,
    Confirm,
    Decline,
    Expire,
    /// The patient takes back a request the clinic has not answered.
    Withdraw,
    CancelByPatient,
    CancelByClinic,
    MarkNoShow,
    Complete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an appointment that is {from} cannot be {}", .transition.past_tense())]
pub struct TransitionError {
    pub from: AppointmentStatus,
    pub transition: Transition,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 9] = [
        Self::Verifying,
        Self::Requested,
        Self::Confirmed,
        Self::Declined,
        Self::Expired,
        Self::CancelledByPatient,
        Self::CancelledByClinic,
        Self::NoShow,
        Self::Completed,
    ];

    /// The only place that knows which transitions are allowed.
    pub fn apply(self, transition: Transition) -> Result<Self, TransitionError> {
        use AppointmentStatus::*;
        use Transition::*;
        match (self, transition) {
            (Verifying, Verify) => Ok(Requested),
            (Verifying, Expire) => Ok(Expired),
            (Verifying, Withdraw) => Ok(CancelledByPatient),
            (Requested, Confirm) => Ok(Confirmed),
            (Requested, Decline) => Ok(Declined),
            (Requested, Expire) => Ok(Expired),
            (Requested, Withdraw) => Ok(CancelledByPatient),
            (Confirmed, CancelByPatient) => Ok(CancelledByPatient),
            (Confirmed, CancelByClinic) => Ok(CancelledByClinic),
            (Confirmed, MarkNoShow) => Ok(NoShow),
            (Confirmed, Complete) => Ok(Completed),
            (from, transition) => Err(TransitionError { from, transition }),
        }
    }

    pub fn confirm(self) -> Result<Self, TransitionError> {
        self.apply(Transition::Confirm)
    }
    pub fn decline(self) -> Result<Self, TransitionError> {
        self.apply(Transition::Decline)
    }
    pub fn expire(self) -> Result<Self, TransitionError> {
        self.apply(Transition::Expire)
    }
    pub fn cancel_by_patient(self) -> Result<Self, TransitionError> {
        self.apply(Transition::CancelByPatient)
    }
    pub fn cancel_by_clinic(self) -> Result<Self, TransitionError> {
        self.apply(Transition::CancelByClinic)
    }
    pub fn mark_no_show(self) -> Result<Self, TransitionError> {
        self.apply(Transition::MarkNoShow)
    }
    pub fn complete(self) -> Result<Self, TransitionError> {
        self.apply(Transition::Complete)
    }

    /// Whether an appointment in this status occupies its place. A request holds its place only
    /// until its hold expires; that deadline is checked by the availability rules.
    pub fn holds_capacity(self) -> bool {
        matches!(self, Self::Verifying | Self::Requested | Self::Confirmed | Self::NoShow | Self::Completed)
    }

    /// The name stored in the database (and used in URLs and logs).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verifying => "verifying",
            Self::Requested => "requested",
            Self::Confirmed => "confirmed",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::CancelledByPatient => "cancelled_by_patient",
            Self::CancelledByClinic => "cancelled_by_clinic",
            Self::NoShow => "no_show",
            Self::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// How the status reads, for patients and staff alike.
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            Self::Verifying => ("メール確認待ち", "Waiting for the e-mail code"),
            Self::Requested => ("承認待ち", "Waiting for approval"),
            Self::Confirmed => ("予約確定", "Confirmed"),
            Self::Declined => ("お断り", "Declined"),
            Self::Expired => ("期限切れ", "Expired"),
            Self::CancelledByPatient => ("キャンセル済み", "Cancelled"),
            Self::CancelledByClinic => ("医院によるキャンセル", "Cancelled by the clinic"),
            Self::NoShow => ("無断キャンセル", "No-show"),
            Self::Completed => ("受診済み", "Visited"),
        };
        lang.pick(ja, en)
    }
}

impl std::fmt::Display for AppointmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Transition {
    pub const ALL: [Transition; 9] = [
        Self::Verify,
        Self::Confirm,
        Self::Decline,
        Self::Expire,
        Self::Withdraw,
        Self::CancelByPatient,
        Self::CancelByClinic,
        Self::MarkNoShow,
        Self::Complete,
    ];

    fn past_tense(self) -> &'static str {
        match self {
            Self::Verify => "verified",
            Self::Confirm => "confirmed",
            Self::Decline => "declined",
            Self::Expire => "expired",
            Self::Withdraw => "withdrawn",
            Self::CancelByPatient => "cancelled by the patient",
            Self::CancelByClinic => "cancelled by the clinic",
            Self::MarkNoShow => "marked as a no-show",
            Self::Complete => "completed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AppointmentStatus::*;
    use super::*;

    #[test]
    fn allowed_transitions_are_exactly_the_documented_ones() {
        let allowed = [
            (Verifying, Transition::Verify, Requested),
            (Verifying, Transition::Expire, Expired),
            (Verifying, Transition::Withdraw, CancelledByPatient),
            (Requested, Transition::Confirm, Confirmed),
            (Requested, Transition::Decline, Declined),
            (Requested, Transition::Expire, Expired),
            (Requested, Transition::Withdraw, CancelledByPatient),
            (Confirmed, Transition::CancelByPatient, CancelledByPatient),
            (Confirmed, Transition::CancelByClinic, CancelledByClinic),
            (Confirmed, Transition::MarkNoShow, NoShow),
            (Confirmed, Transition::Complete, Completed),
        ];
        for from in AppointmentStatus::ALL {
            for transition in Transition::ALL {
                let expected = allowed.iter().find(|(f, t, _)| *f == from && *t == transition).map(|(_, _, to)| *to);
                match (from.apply(transition), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} {transition:?}"),
                    (Err(e), None) => {
                        assert_eq!(e, TransitionError { from, transition });
                    }
                    (got, want) => panic!("{from} {transition:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn named_methods_follow_the_table() {
        assert_eq!(Requested.confirm(), Ok(Confirmed));
        assert_eq!(Requested.decline(), Ok(Declined));
        assert_eq!(Requested.expire(), Ok(Expired));
        assert_eq!(Confirmed.cancel_by_patient(), Ok(CancelledByPatient));
        assert_eq!(Confirmed.cancel_by_clinic(), Ok(CancelledByClinic));
        assert_eq!(Confirmed.mark_no_show(), Ok(NoShow));
        assert_eq!(Confirmed.complete(), Ok(Completed));
        assert!(Confirmed.confirm().is_err());
        assert!(Declined.confirm().is_err());
        assert!(Requested.complete().is_err());
    }

    #[test]
    fn terminal_statuses_have_no_way_out() {
        for from in [Declined, Expired, CancelledByPatient, CancelledByClinic, NoShow, Completed] {
            for t in Transition::ALL {
                assert!(from.apply(t).is_err(), "{from} must be final");
            }
        }
    }

    #[test]
    fn names_round_trip_and_errors_read_well() {
        for s in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AppointmentStatus::parse("approved"), None);
        assert_eq!(Declined.confirm().unwrap_err().to_string(), "an appointment that is declined cannot be confirmed");
    }

    #[test]
    fn released_statuses_do_not_hold_capacity() {
        assert!(Requested.holds_capacity() && Confirmed.holds_capacity());
        for s in [Declined, Expired, CancelledByPatient, CancelledByClinic] {
            assert!(!s.holds_capacity());
        }
    }
}

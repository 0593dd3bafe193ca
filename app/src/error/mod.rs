//! The one error protocol. Every server function fails with an [`AppError`]: a stable
//! [`ErrorCode`] the browser branches on, the HTTP status it was answered with, the message in
//! the reader's language, and the fields to fix. On the server each layer has its typed errors
//! (`StoreError`, the booking rules' refusals); they become a [`Problem`](problem::Problem) with
//! `?`, and a problem becomes an `AppError` in one place ([`problem`]), localised in one place
//! ([`messages`]). Internal causes are logged there and never sent.

#[cfg(feature = "ssr")]
pub mod messages;
#[cfg(feature = "ssr")]
pub mod problem;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::booking::status::AppointmentStatus;

#[cfg(feature = "ssr")]
pub use problem::{BadField, Missing, Problem};

/// What went wrong, as the browser (and any other client) branches on it. Stable: these names
/// are the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request could not be read (malformed, a missing or mistyped argument).
    BadRequest,
    /// Some fields break a rule: `fields` says which and why.
    Invalid,
    /// The request body is larger than this server accepts.
    TooLarge,
    /// No session, or it has expired: sign in (again).
    SignInRequired,
    /// The staff member's e-mail address or password is wrong.
    WrongPassword,
    /// LINE's ID token has expired: the page logs in to LINE again.
    LineSignInExpired,
    /// LINE says the ID token is not valid (forged, for another channel).
    LineSignInRejected,
    /// A change without the session's CSRF token, or from another site.
    CsrfRejected,
    /// Only the clinic's owner may do this.
    OwnerOnly,
    /// This clinic signs its patients in another way (LINE, or the sandbox).
    WrongSignIn,
    ClinicNotFound,
    /// The menu does not exist or cannot be booked (hidden).
    MenuNotFound,
    AppointmentNotFound,
    /// Anything else of the clinic that is not there (or is another clinic's).
    NotFound,
    /// The place was taken (or closed) meanwhile.
    PlaceTaken,
    /// The patient already holds a place of this menu that day.
    AlreadyBooked,
    /// A change of this visit already waits for the clinic's answer.
    AlreadyMoving,
    /// The patient already has as many open requests and upcoming visits as the clinic allows.
    BookingLimit,
    /// A closure falls on requests or visits: the owner must choose to cancel them (with a
    /// message to each patient) or pick another day.
    ClosureHasVisits,
    /// New weekly hours would leave requests or visits outside them: as for a closure, the owner
    /// cancels them (with a message) or keeps the hours.
    HoursHaveVisits,
    /// The patient to erase still has requests or visits to come: cancel them first.
    PatientHasVisits,
    /// The appointment is no longer in the status the action needs: `current` says what it is.
    StatusChanged,
    /// The request's hold ran out before the answer.
    HoldExpired,
    /// The menu's cancellation deadline has passed.
    PastCutOff,
    /// The visit has not come yet (marking arrival, completion or a no-show).
    VisitNotYet,
    /// Only the clinic's proposals can be accepted or declined by the patient.
    NotAProposal,
    /// The clinic's own proposal is the patient's to answer.
    ProposalAwaitsPatient,
    /// The notice is no longer true (the visit changed or passed): it is not sent again.
    NoticeOutOfDate,
    /// Only a failed notice can be sent again.
    NoticeNotFailed,
    EmailTaken,
    SlugTaken,
    /// The clinic must keep an active owner.
    LastOwner,
    /// The owner cannot disable or demote their own account.
    OwnAccount,
    /// Patients have answered the question: it can be reworded, not removed.
    QuestionAnswered,
    /// An idempotency key sent again with another action.
    IdempotencyKeyReused,
    /// Too many attempts: wait and try again.
    TooManyAttempts,
    /// Too many requests from one address in a short time: wait a minute.
    RateLimited,
    /// A website request's e-mail code was wrong (tries remain).
    WrongCode,
    /// Too many wrong codes, or codes sent: the held place went back; book again.
    CodesUsedUp,
    /// Too many website requests waiting for their e-mail code.
    TooManyWaiting,
    /// The menu's questions changed since the visit was booked: it cannot be moved as it is.
    QuestionsChanged,
    /// The server has no key to keep LINE credentials with (`YOYAKU_SECRET_KEY`): whoever runs
    /// it must set one.
    SecretKeyMissing,
    /// LINE cannot be reached right now.
    LineUnavailable,
    /// The clinic has no Messaging API channel access token to ask LINE with.
    LineNotConnected,
    /// LINE refused what the clinic's channel asked (its access token, or the request).
    LineRefused,
    /// The queue moved on since the page was shown (another receptionist pressed first).
    QueueMoved,
    /// The day queue has nobody waiting or being called.
    QueueEmpty,
    /// Nobody is being called now (another receptionist moved the queue on).
    QueueNotCalling,
    /// That number is not waiting aside (recalled or marked absent already).
    QueueNotAside,
    /// Checking in is for a confirmed visit of today.
    NotToday,
    /// The database cannot be reached right now.
    Unavailable,
    /// A fault on the server (logged there; nothing more is said).
    Internal,
    /// Made in the browser: the server could not be reached, or its answer not read.
    Network,
}

impl ErrorCode {
    /// The HTTP status the server answers with.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            BadRequest => 400,
            SignInRequired | WrongPassword | LineSignInExpired | LineSignInRejected => 401,
            CsrfRejected | OwnerOnly | WrongSignIn => 403,
            ClinicNotFound | MenuNotFound | AppointmentNotFound | NotFound => 404,
            PlaceTaken
            | AlreadyBooked
            | AlreadyMoving
            | StatusChanged
            | HoldExpired
            | PastCutOff
            | VisitNotYet
            | NotAProposal
            | ProposalAwaitsPatient
            | NoticeOutOfDate
            | NoticeNotFailed
            | EmailTaken
            | SlugTaken
            | LastOwner
            | OwnAccount
            | QuestionAnswered
            | QuestionsChanged
            | ClosureHasVisits
            | HoursHaveVisits
            | PatientHasVisits
            | LineNotConnected
            | LineRefused
            | QueueMoved
            | QueueEmpty
            | QueueNotCalling
            | QueueNotAside
            | NotToday => 409,
            TooLarge => 413,
            Invalid | IdempotencyKeyReused | WrongCode => 422,
            TooManyAttempts | BookingLimit | RateLimited | CodesUsedUp | TooManyWaiting => 429,
            Internal => 500,
            SecretKeyMissing | LineUnavailable | Unavailable => 503,
            Network => 0,
        }
    }
}

/// Why one field of a form is not accepted. The message is made from it on the server
/// ([`messages`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    Required,
    TooLong {
        max: usize,
    },
    /// A whole number in `min..=max` was expected.
    OutOfRange {
        min: u32,
        max: u32,
    },
    NotKana,
    NotPhone,
    NotDate,
    BirthDate,
    NotYesNo,
    NotAChoice,
    MustConsent,
    NotHours,
    OpensAfterCloses,
    OutsideDay,
    Overlap,
    NotATime,
    ChooseOne,
    /// A decline or a cancellation by the clinic needs its reason for the patient.
    GiveAReason,
    /// A practitioner or room (or menu) that is not the clinic's.
    NotTheClinics,
    TooFewChoices,
    ChoicesDiffer,
    PasswordTooShort {
        min: usize,
    },
    NotEmail,
    /// Not the six digits of an e-mailed code.
    NotCode,
    NotLiffId,
    NotChannelId,
    NotHttps,
    NotSecret,
    NotToken,
    /// Not a LINE service message template's name (letters, digits, `_`).
    NotTemplateName,
    NotSlug,
    /// Not a website's address (`https://www.example.jp`).
    NotOrigin,
    /// A list longer than allowed.
    TooMany {
        max: usize,
    },
    /// A picture that is neither PNG nor JPEG.
    NotPngOrJpeg,
    /// A picture larger than LINE takes.
    ImageTooLarge {
        max_kb: usize,
    },
    /// The clinic's menus changed since the picture was made: it would label the buttons wrongly.
    MenusChanged,
    /// A picture of another size than the one asked for.
    ImageSize {
        width: u32,
        height: u32,
        want_width: u32,
        want_height: u32,
    },
}

/// One field to fix, with the message shown next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field: `name`, `phone`, `question-12`, `consent`, `menu-capacity` …
    pub field: String,
    #[serde(flatten)]
    pub reason: Reason,
    pub message: String,
}

/// The error of every server function, as it travels to the browser (JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    /// The HTTP status the server answered with (0: no answer).
    pub status: u16,
    /// In the patient's or staff member's language; never internal detail.
    pub message: String,
    /// The offending field, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For [`ErrorCode::Invalid`]: every field to fix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For [`ErrorCode::StatusChanged`]: what the appointment is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<AppointmentStatus>,
}

impl AppError {
    /// The message for one field, if it has one.
    pub fn field_message(&self, field: &str) -> Option<String> {
        self.fields.iter().find(|f| f.field == field).map(|f| f.message.clone())
    }

    /// The browser could not reach the server or read its answer.
    pub fn network() -> Self {
        AppError {
            code: ErrorCode::Network,
            status: 0,
            message: "通信できませんでした。接続を確かめて、もう一度お試しください。 (The server could not be reached. Check the connection and try again.)"
                .into(),
            field: None,
            fields: Vec::new(),
            current: None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// What the framework reports: on the server, a request it could not read (before the
    /// function ran); in the browser, no answer or an unreadable one.
    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        {
            problem::from_framework(error)
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = error;
            AppError::network()
        }
    }
}

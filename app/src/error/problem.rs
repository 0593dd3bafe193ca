//! What can go wrong on the server, typed, and the one place where it becomes an [`AppError`]:
//! its code and HTTP status, its message in the reader's language, and the log line of a fault.

use std::future::Future;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use leptos::prelude::use_context;
use leptos::server_fn::error::ServerFnErrorErr;

use super::{messages, AppError, ErrorCode, FieldError, Reason};
use crate::booking::status::{AppointmentStatus, TransitionError};
use crate::booking::{BookingRuleError, CancelRefusal};
use crate::i18n::Lang;
use crate::line::IdentityError;
use crate::store::StoreError;

/// What a request found missing (or another clinic's, which is the same to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Clinic,
    /// Unknown, or hidden from patients.
    Menu,
    Appointment,
    Patient,
    /// A practitioner, room, question, closure, staff account or notice.
    Other,
}

/// One field a form must fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadField {
    pub field: String,
    pub reason: Reason,
}

impl BadField {
    pub fn new(field: impl Into<String>, reason: Reason) -> Self {
        BadField { field: field.into(), reason }
    }
}

/// Every way a user action can fail, with what its message needs.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The request could not be read; the detail is logged, not shown.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("invalid fields: {0:?}")]
    Invalid(Vec<BadField>),
    #[error("request too large")]
    TooLarge,
    #[error("sign-in required")]
    SignInRequired,
    #[error("wrong e-mail address or password")]
    WrongPassword,
    #[error("the LINE sign-in has expired")]
    LineSignInExpired,
    #[error("the LINE sign-in was rejected: {0}")]
    LineSignInRejected(String),
    #[error("missing or wrong CSRF token, or another site")]
    CsrfRejected,
    #[error("owner only")]
    OwnerOnly,
    /// `line`: the clinic signs its patients in with LINE (so not with the sandbox).
    #[error("wrong sign-in for this clinic")]
    WrongSignIn { line: bool },
    #[error("not found: {0:?}")]
    NotFound(Missing),
    #[error("the place was taken")]
    PlaceTaken,
    #[error("the patient already holds a place of this menu that day")]
    AlreadyBooked,
    #[error("a change of this visit already waits for an answer")]
    AlreadyMoving,
    #[error("the patient holds the clinic's limit of {limit} places")]
    BookingLimit { limit: u32 },
    #[error("the closure falls on {count} requests or visits")]
    ClosureHasVisits { count: usize },
    /// New weekly hours, or extra hours removed, would leave requests or visits to come outside
    /// the hours.
    #[error("the new hours leave {count} requests or visits outside them")]
    HoursHaveVisits { count: usize },
    /// A patient to erase still has requests or visits to come.
    #[error("the patient has {count} requests or visits to come")]
    PatientHasVisits { count: usize },
    #[error("too many requests from one address")]
    RateLimited,
    #[error("the appointment is {current}")]
    StatusChanged { current: AppointmentStatus },
    #[error("the hold has expired")]
    HoldExpired,
    #[error("the cancellation deadline has passed")]
    PastCutOff { deadline: DateTime<Utc>, time_zone: Tz },
    #[error("the visit has not come yet")]
    VisitNotYet,
    #[error("not a proposal")]
    NotAProposal,
    #[error("the proposal awaits the patient")]
    ProposalAwaitsPatient,
    #[error("the notice is out of date")]
    NoticeOutOfDate,
    #[error("the notice has not failed")]
    NoticeNotFailed,
    #[error("e-mail address taken")]
    EmailTaken,
    #[error("clinic address name taken")]
    SlugTaken,
    #[error("the clinic must keep an active owner")]
    LastOwner,
    #[error("the owner's own account")]
    OwnAccount,
    #[error("the question has answers")]
    QuestionAnswered,
    #[error("idempotency key reused for another action")]
    IdempotencyKeyReused,
    #[error("too many attempts")]
    TooManyAttempts { minutes: i64 },
    /// A website request's e-mail code was wrong; `left` tries remain.
    #[error("wrong e-mail code ({left} tries left)")]
    WrongCode { left: u32 },
    /// Too many wrong codes, or codes sent: the held place went back, the patient starts again.
    #[error("the e-mail codes are used up")]
    CodesUsedUp,
    /// Too many website requests still waiting for their code (one address's, or the clinic's).
    #[error("too many requests waiting for their e-mail code")]
    TooManyWaiting,
    /// A visit moved from the e-mail's link: its answers no longer fit the menu's questions.
    #[error("the menu's questions changed since the visit was booked")]
    QuestionsChanged,
    /// The deployment has no key to seal LINE credentials with.
    #[error("no secret key configured")]
    SecretKeyMissing,
    #[error("LINE is unavailable: {0}")]
    LineUnavailable(String),
    #[error("the clinic has no channel access token")]
    LineNotConnected,
    /// LINE refused the clinic's request; the detail is logged, not shown.
    #[error("LINE refused: {0}")]
    LineRefused(String),
    /// Reception's queue button does not fit the queue as it is now.
    #[error("the queue is not as shown: {0}")]
    Queue(#[from] crate::booking::queue::QueueRefusal),
    /// A check-in on another day than the visit's.
    #[error("the visit is not today")]
    NotToday,
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Problem {
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Problem::Internal(cause.into())
    }

    /// One field to fix.
    pub fn field(field: impl Into<String>, reason: Reason) -> Self {
        Problem::Invalid(vec![BadField::new(field, reason)])
    }

    /// `NotFound` made precise: what the action was looking for.
    pub fn missing(self, what: Missing) -> Self {
        match self {
            Problem::NotFound(_) => Problem::NotFound(what),
            other => other,
        }
    }

    pub fn code(&self) -> ErrorCode {
        use Problem::*;
        match self {
            BadRequest(_) => ErrorCode::BadRequest,
            Invalid(_) => ErrorCode::Invalid,
            TooLarge => ErrorCode::TooLarge,
            SignInRequired => ErrorCode::SignInRequired,
            WrongPassword => ErrorCode::WrongPassword,
            LineSignInExpired => ErrorCode::LineSignInExpired,
            LineSignInRejected(_) => ErrorCode::LineSignInRejected,
            CsrfRejected => ErrorCode::CsrfRejected,
            OwnerOnly => ErrorCode::OwnerOnly,
            WrongSignIn { .. } => ErrorCode::WrongSignIn,
            NotFound(Missing::Clinic) => ErrorCode::ClinicNotFound,
            NotFound(Missing::Menu) => ErrorCode::MenuNotFound,
            NotFound(Missing::Appointment) => ErrorCode::AppointmentNotFound,
            NotFound(Missing::Patient | Missing::Other) => ErrorCode::NotFound,
            PlaceTaken => ErrorCode::PlaceTaken,
            AlreadyBooked => ErrorCode::AlreadyBooked,
            AlreadyMoving => ErrorCode::AlreadyMoving,
            BookingLimit { .. } => ErrorCode::BookingLimit,
            ClosureHasVisits { .. } => ErrorCode::ClosureHasVisits,
            HoursHaveVisits { .. } => ErrorCode::HoursHaveVisits,
            PatientHasVisits { .. } => ErrorCode::PatientHasVisits,
            RateLimited => ErrorCode::RateLimited,
            StatusChanged { .. } => ErrorCode::StatusChanged,
            HoldExpired => ErrorCode::HoldExpired,
            PastCutOff { .. } => ErrorCode::PastCutOff,
            VisitNotYet => ErrorCode::VisitNotYet,
            NotAProposal => ErrorCode::NotAProposal,
            ProposalAwaitsPatient => ErrorCode::ProposalAwaitsPatient,
            NoticeOutOfDate => ErrorCode::NoticeOutOfDate,
            NoticeNotFailed => ErrorCode::NoticeNotFailed,
            EmailTaken => ErrorCode::EmailTaken,
            SlugTaken => ErrorCode::SlugTaken,
            LastOwner => ErrorCode::LastOwner,
            OwnAccount => ErrorCode::OwnAccount,
            QuestionAnswered => ErrorCode::QuestionAnswered,
            IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            WrongCode { .. } => ErrorCode::WrongCode,
            CodesUsedUp => ErrorCode::CodesUsedUp,
            TooManyWaiting => ErrorCode::TooManyWaiting,
            QuestionsChanged => ErrorCode::QuestionsChanged,
            SecretKeyMissing => ErrorCode::SecretKeyMissing,
            LineUnavailable(_) => ErrorCode::LineUnavailable,
            LineNotConnected => ErrorCode::LineNotConnected,
            LineRefused(_) => ErrorCode::LineRefused,
            Queue(crate::booking::queue::QueueRefusal::Moved) => ErrorCode::QueueMoved,
            Queue(crate::booking::queue::QueueRefusal::NobodyWaiting) => ErrorCode::QueueEmpty,
            Queue(crate::booking::queue::QueueRefusal::NobodyCalled) => ErrorCode::QueueNotCalling,
            Queue(crate::booking::queue::QueueRefusal::NotSkipped) => ErrorCode::QueueNotAside,
            NotToday => ErrorCode::NotToday,
            Unavailable(_) => ErrorCode::Unavailable,
            Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::StatusChanged { current } => Problem::StatusChanged { current },
            StoreError::PlaceTaken => Problem::PlaceTaken,
            StoreError::EmailTaken => Problem::EmailTaken,
            StoreError::SlugTaken => Problem::SlugTaken,
            StoreError::KeyTaken => Problem::IdempotencyKeyReused,
            StoreError::NoSecretKey => Problem::SecretKeyMissing,
            StoreError::Unavailable(cause) => Problem::Unavailable(cause.to_string()),
            StoreError::Internal(cause) => Problem::Internal(cause),
        }
    }
}

impl From<crate::booking::visit::NotYet> for Problem {
    fn from(_: crate::booking::visit::NotYet) -> Self {
        Problem::VisitNotYet
    }
}

impl From<IdentityError> for Problem {
    fn from(e: IdentityError) -> Self {
        match e {
            IdentityError::Expired => Problem::LineSignInExpired,
            IdentityError::Invalid(why) => Problem::LineSignInRejected(why),
            IdentityError::Unavailable(why) => Problem::LineUnavailable(why),
        }
    }
}

impl From<BookingRuleError> for Problem {
    fn from(e: BookingRuleError) -> Self {
        match e {
            BookingRuleError::NotAvailable => Problem::PlaceTaken,
            BookingRuleError::AlreadyBooked => Problem::AlreadyBooked,
            BookingRuleError::LimitReached { limit } => Problem::BookingLimit { limit },
        }
    }
}

impl From<TransitionError> for Problem {
    fn from(e: TransitionError) -> Self {
        Problem::StatusChanged { current: e.from }
    }
}

impl Problem {
    /// Why the patient may not cancel, in the clinic's time zone.
    pub fn cancel_refused(refusal: CancelRefusal, time_zone: Tz) -> Self {
        match refusal {
            CancelRefusal::NotConfirmed(current) => Problem::StatusChanged { current },
            CancelRefusal::PastCutOff { deadline } => Problem::PastCutOff { deadline, time_zone },
        }
    }
}

impl From<BadField> for Problem {
    fn from(field: BadField) -> Self {
        Problem::Invalid(vec![field])
    }
}

impl From<Vec<BadField>> for Problem {
    fn from(fields: Vec<BadField>) -> Self {
        Problem::Invalid(fields)
    }
}

impl AppError {
    /// The one place where a problem becomes what the reader gets: code, status, message in
    /// `lang`, the fields to fix. Faults are logged here, with their cause; the answer's status is
    /// set here too.
    pub fn new(problem: Problem, lang: Lang) -> AppError {
        match &problem {
            Problem::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            Problem::Unavailable(cause) => tracing::error!(error = %cause, "the database is unavailable"),
            Problem::LineUnavailable(cause) => tracing::warn!(error = %cause, "LINE is unavailable"),
            Problem::LineRefused(why) => tracing::warn!(%why, "LINE refused the clinic's request"),
            Problem::SecretKeyMissing => tracing::error!("LINE credentials cannot be saved: set YOYAKU_SECRET_KEY"),
            Problem::LineSignInRejected(why) => tracing::warn!(%why, "a LINE ID token was rejected"),
            Problem::BadRequest(why) => tracing::info!(%why, "a request could not be read"),
            _ => {}
        }
        let code = problem.code();
        let fields: Vec<FieldError> = match &problem {
            Problem::Invalid(fields) => {
                fields.iter().map(|f| FieldError { field: f.field.clone(), reason: f.reason.clone(), message: messages::reason(&f.reason, lang) }).collect()
            }
            _ => Vec::new(),
        };
        let current = match &problem {
            Problem::StatusChanged { current } => Some(*current),
            _ => None,
        };
        // A plain HTML form post (the widget's, with or without JavaScript) is sent back to its
        // form with the error in the query: that redirect keeps its status, or the browser would
        // not follow it.
        if let (Some(response), false) = (use_context::<leptos_axum::ResponseOptions>(), plain_form_post()) {
            if let Ok(status) = axum::http::StatusCode::from_u16(code.status()) {
                response.set_status(status);
            }
        }
        AppError { code, status: code.status(), message: messages::problem(&problem, lang), field: fields.first().map(|f| f.field.clone()), fields, current }
    }
}

/// Runs a server function's work and answers its problem, if any, in `lang`.
pub async fn respond<T>(lang: Lang, work: impl Future<Output = Result<T, Problem>>) -> Result<T, AppError> {
    work.await.map_err(|problem| AppError::new(problem, lang))
}

/// A request the framework could not turn into the function's arguments, answered in the
/// language the browser asks for.
pub fn from_framework(error: ServerFnErrorErr) -> AppError {
    let problem = match error {
        ServerFnErrorErr::Args(why) | ServerFnErrorErr::MissingArg(why) | ServerFnErrorErr::Deserialization(why) => {
            // axum's body limit, as the framework reports it while reading the body.
            if why.contains("length limit exceeded") {
                Problem::TooLarge
            } else {
                Problem::BadRequest(why)
            }
        }
        other => Problem::internal(other.to_string()),
    };
    AppError::new(problem, request_lang())
}

/// Whether the request is a browser's own form submission (it accepts HTML), not the page's
/// client calling for JSON.
fn plain_form_post() -> bool {
    use_context::<axum::http::request::Parts>()
        .and_then(|p| p.headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|accept| accept.contains("text/html")))
        .unwrap_or(false)
}

/// The language of the request being answered, from `Accept-Language` (Japanese unless English
/// comes first).
fn request_lang() -> Lang {
    use_context::<axum::http::request::Parts>()
        .and_then(|p| p.headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(Lang::from_tag))
        .unwrap_or_default()
}

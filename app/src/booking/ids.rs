//! Typed ids, so a menu id can never be passed where a clinic id belongs.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A clinic: the tenant everything else belongs to.
    ClinicId,
    /// A practitioner or a room that appointments are booked on.
    ResourceId,
    /// A menu (appointment type) such as 初診 or 健診.
    MenuId,
    PatientId,
    AppointmentId,
    StaffId,
    /// One of a menu's questions for the patient (問診).
    QuestionId,
    /// A dated closure or extra hours.
    ExceptionId,
    /// A notice in the outbox.
    NotificationId,
);

//! Rows as both backends return them, their columns, and their conversion into the app's types:
//! the one home of row mapping, by concern. A stored value the types cannot hold is
//! [`StoreError::corrupt`].

mod appointments;
mod clinics;
mod notifications;
mod people;

pub use appointments::*;
pub use clinics::*;
pub use notifications::*;
pub use people::*;

use app::booking::status::AppointmentStatus;
use app::store::StoreError;

pub(super) fn to_u32(v: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::corrupt(format!("{what} = {v}")))
}

pub(super) fn status(s: &str) -> Result<AppointmentStatus, StoreError> {
    AppointmentStatus::parse(s).ok_or_else(|| StoreError::corrupt(format!("status {s}")))
}

/// Who changed something, as an audit log stores it.
pub(super) fn actor(s: &str) -> Result<app::store::Actor, StoreError> {
    app::store::Actor::parse_stored(s).ok_or_else(|| StoreError::corrupt(format!("actor {s}")))
}

/// Choices are stored one a line.
pub(super) fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// Converts a list of rows, failing on the first that does not convert.
pub fn convert<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}

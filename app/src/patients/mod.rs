//! Patients: the details they give (name, furigana, phone, date of birth), their answers to the
//! clinic's questions, and the rules those must follow. The server is the judge; errors come back
//! per field with their reason (`crate::error::Reason`).

use serde::{Deserialize, Serialize};

/// What the patient typed, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DetailsInput {
    pub name: String,
    pub furigana: String,
    pub phone: String,
    /// `YYYY-MM-DD` (from `<input type="date">`).
    pub birth_date: String,
}

/// What a patient's appointments add up to (computed by `HistoryCounts::of`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryCounts {
    /// Completed visits.
    pub visits: u32,
    /// Confirmed, or requested and still held, still to come.
    pub upcoming: u32,
    /// Cancelled by the patient or by the clinic.
    pub cancellations: u32,
    pub no_shows: u32,
    pub declined: u32,
}

pub mod birth;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod validate;

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

#[cfg(feature = "ssr")]
pub mod validate;

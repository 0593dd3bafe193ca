//! Patients: the details they give (name, furigana, phone, date of birth), their answers to the
//! clinic's questions, and the rules those must follow. The server is the judge; errors come back
//! per field in the patient's language.

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

/// An error the patient can fix, tied to one field of the form (`name`, `phone`,
/// `question-12`, `consent` …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[cfg(feature = "ssr")]
pub mod validate;

//! Reception's buttons on a day queue, as the console sends them (the rules that give them
//! meaning are in `queue`, on the server).

use serde::{Deserialize, Serialize};

use super::ids::AppointmentId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueAction {
    /// 「次の方」: the current patient's turn is over; the next number is called.
    Next,
    /// The current patient does not answer: they wait aside, the next number is called.
    Skip,
    /// A skipped patient is back: they are called now.
    Recall(AppointmentId),
    /// A skipped patient did not come: a no-show.
    Absent(AppointmentId),
}

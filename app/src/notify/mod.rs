//! Notifying patients: what a LINE message about an appointment says (`flex`). Delivery (the
//! outbox and its worker) builds on this.

pub mod flex;

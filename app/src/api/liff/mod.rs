//! Server functions of the patient's booking flow (the LIFF mini-app, later also the website
//! widget), by step: signing in, booking, and the patient's own appointments. Identity comes
//! only from the session cookie set after the server verified the patient; nothing in a request
//! body says who the patient is.

mod appointments;
mod booking;
mod sign_in;

pub use appointments::*;
pub use booking::*;
pub use sign_in::*;

use serde::{Deserialize, Serialize};

use crate::booking::ids::{MenuId, ResourceId};
use crate::booking::status::AppointmentStatus;

/// A confirmed place in today's day queue: the page follows the queue live from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSpot {
    pub resource_id: ResourceId,
    pub menu_id: MenuId,
    pub number: u32,
}

/// One of the patient's appointments as their phone shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub reference: String,
    pub menu_id: MenuId,
    pub menu_name: String,
    pub when: String,
    pub status: AppointmentStatus,
    pub status_label: String,
    pub queue_number: Option<u32>,
    /// For a request: until when the clinic holds the place.
    pub hold_until: Option<String>,
    pub upcoming: bool,
    pub can_cancel: bool,
    /// `12月1日(火) 10:30まで` / after it, why not.
    pub cancel_note: String,
    pub can_reschedule: bool,
    /// A request the clinic has not answered yet: the patient may take it back.
    pub can_withdraw: bool,
    /// Another time the clinic proposes: the patient accepts or turns it down.
    pub proposal: bool,
    /// The clinic's words with its last change (why it declined or cancelled).
    pub note: Option<String>,
    /// Today's place in the day queue, followed live on the page.
    #[serde(default)]
    pub queue_today: Option<QueueSpot>,
    /// A confirmed visit of today: the patient tells reception they have arrived.
    #[serde(default)]
    pub can_check_in: bool,
    #[serde(default)]
    pub arrived: bool,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::{DateTime, Utc};

    use super::{AppointmentView, PatientView};
    use crate::booking::ids::{MenuId, PatientId};
    use crate::booking::model::{Clinic, Menu};
    use crate::booking::patient_may_cancel;
    use crate::booking::status::AppointmentStatus;
    use crate::error::{Missing, Problem};
    use crate::i18n::Lang;
    use crate::patients::DetailsInput;
    use crate::store::{Appointment, Identity, Patient, Reads};

    pub async fn clinic(db: &mut dyn Reads, slug: &str) -> Result<Clinic, Problem> {
        db.clinic_by_slug(slug).await?.ok_or(Problem::NotFound(Missing::Clinic))
    }

    /// A menu patients can book (hidden ones are not).
    pub async fn bookable_menu(db: &mut dyn Reads, clinic: &Clinic, id: MenuId) -> Result<Menu, Problem> {
        db.menus(clinic.id).await?.into_iter().find(|m| m.id == id && m.active).ok_or(Problem::NotFound(Missing::Menu))
    }

    /// One of the patient's own appointments; anyone else's is "not found".
    pub async fn own_appointment(db: &mut dyn Reads, clinic: &Clinic, patient: PatientId, reference: &str) -> Result<Appointment, Problem> {
        db.appointment_by_reference(clinic.id, reference).await?.filter(|a| a.patient_id == patient).ok_or(Problem::NotFound(Missing::Appointment))
    }

    pub fn patient_view(p: &Patient) -> PatientView {
        PatientView {
            sandbox: p.identity == Identity::Sandbox,
            friend: match p.identity {
                Identity::Line { friend, .. } => friend,
                Identity::Sandbox | Identity::Offline | Identity::Email { .. } | Identity::Erased { .. } => None,
            },
            details: DetailsInput {
                name: p.details.name.clone(),
                furigana: p.details.furigana.clone(),
                phone: p.details.phone.clone(),
                birth_date: p.details.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            },
        }
    }

    /// How one of the patient's appointments reads on their phone. `menus`: all of the clinic's,
    /// hidden ones too (a visit on a menu hidden since keeps its name and its rules).
    pub fn appointment_view(clinic: &Clinic, menus: &[Menu], a: &Appointment, now: DateTime<Utc>, lang: Lang) -> AppointmentView {
        use crate::booking::format::{datetime_label, place_label};
        let tz = clinic.time_zone;
        let menu = menus.iter().find(|m| m.id == a.menu_id);
        let when = match menu {
            Some(m) => place_label(m.mode, a.starts_at, a.ends_at, tz, lang),
            None => datetime_label(a.starts_at, tz, lang),
        };
        let (can_cancel, cancel_note) = match menu.map(|m| patient_may_cancel(m, a.status, a.starts_at, now)) {
            Some(Ok(deadline)) => {
                let deadline = datetime_label(deadline, tz, lang);
                (
                    true,
                    match lang {
                        Lang::Ja => format!("{deadline}までキャンセルできます。"),
                        Lang::En => format!("You can cancel until {deadline}."),
                    },
                )
            }
            Some(Err(crate::booking::CancelRefusal::PastCutOff { deadline })) if a.ends_at > now => {
                let deadline = datetime_label(deadline, tz, lang);
                (
                    false,
                    match lang {
                        Lang::Ja => format!("キャンセル期限({deadline})を過ぎました。変更はお電話でお願いします。"),
                        Lang::En => format!("The cancellation deadline ({deadline}) has passed; please call the clinic to change it."),
                    },
                )
            }
            _ => (false, String::new()),
        };
        let waiting = a.status == AppointmentStatus::Requested && !a.lapsed(now);
        // A confirmed visit of the clinic's today.
        let today = a.status == AppointmentStatus::Confirmed && a.service_date == now.with_timezone(&tz).date_naive();
        AppointmentView {
            reference: a.reference.clone(),
            menu_id: a.menu_id,
            menu_name: menu.map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default(),
            when,
            status: a.status,
            status_label: a.status.label(lang).to_string(),
            queue_number: a.queue_number,
            hold_until: waiting.then(|| a.hold_expires_at.map(|t| datetime_label(t, tz, lang))).flatten(),
            // Cancelled, declined and expired visits are listed with the past ones.
            upcoming: a.ends_at > now && a.status.holds_capacity(),
            can_cancel,
            cancel_note,
            can_reschedule: can_cancel && menu.is_some_and(|m| m.active),
            can_withdraw: waiting && !a.proposal,
            proposal: a.proposal && waiting,
            note: a.note.clone().filter(|_| matches!(a.status, AppointmentStatus::Declined | AppointmentStatus::CancelledByClinic)),
            queue_today: a.queue_number.filter(|_| today).map(|number| super::QueueSpot { resource_id: a.resource_id, menu_id: a.menu_id, number }),
            can_check_in: today && a.arrived_at.is_none(),
            arrived: a.arrived_at.is_some(),
        }
    }
}

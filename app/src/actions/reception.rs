//! What reception does: answer requests (approve, decline with a reason, propose another time),
//! act on visits (arrived, completed, no-show, cancel with a message), book a phone call. Every
//! action is scoped by the staff member's clinic: another clinic's ids are "not found".

use chrono::{DateTime, Utc};

use super::booking::{apply, book, Booking, Change};
use crate::booking::ids::{AppointmentId, MenuId, ResourceId, StaffId};
use crate::booking::model::Clinic;
use crate::booking::status::{AppointmentStatus, Transition, VisitAction};
use crate::booking::visit::visit_has_come;
use crate::booking::BookingSource;
use crate::error::{Missing, Problem};
use crate::i18n::Lang;
use crate::store::{Actor, Appointment, Identity, NewPatient, PatientDetails, Write};

/// The staff member acting, in their clinic.
#[derive(Clone, Copy, Debug)]
pub struct Desk<'a> {
    pub clinic: &'a Clinic,
    pub staff: StaffId,
    pub now: DateTime<Utc>,
}

impl Desk<'_> {
    fn actor(&self) -> Actor {
        Actor::Staff(self.staff)
    }

    fn change<'a>(&self, transition: Transition) -> Change<'a> {
        Change::new(transition, self.actor(), self.now)
    }
}

async fn for_update(tx: &mut dyn Write, desk: Desk<'_>, id: AppointmentId) -> Result<Appointment, Problem> {
    tx.appointment_for_update(desk.clinic.id, id).await?.ok_or(Problem::NotFound(Missing::Appointment))
}

/// Approves a request (one tap). The clinic's own proposal is the patient's to accept.
pub async fn approve(tx: &mut dyn Write, desk: Desk<'_>, id: AppointmentId) -> Result<Appointment, Problem> {
    let current = for_update(tx, desk, id).await?;
    if current.proposal {
        return Err(Problem::ProposalAwaitsPatient);
    }
    apply(tx, desk.clinic, &current, desk.change(Transition::Confirm)).await
}

/// Declines a request with the reason the patient reads.
pub async fn decline(tx: &mut dyn Write, desk: Desk<'_>, id: AppointmentId, reason: &str) -> Result<Appointment, Problem> {
    let current = for_update(tx, desk, id).await?;
    let declined = apply(tx, desk.clinic, &current, desk.change(Transition::Decline).noting(Some(reason))).await?;
    super::queue::place_left(tx, desk.clinic, &declined, desk.now).await?;
    Ok(declined)
}

/// The note a request gets when the clinic proposes another time instead (the proposal's own
/// notice tells the patient).
pub const PROPOSED_NOTE: &str = "別の日時をご提案しました / The clinic proposed another time";

/// Declines request `id` quietly and offers the patient another place, in one transaction: the
/// new place is re-checked against capacity and held as the clinic's proposal, which the patient
/// accepts or turns down; the patient's answers go with it.
pub async fn propose(tx: &mut dyn Write, desk: Desk<'_>, id: AppointmentId, resource: ResourceId, starts_at: DateTime<Utc>) -> Result<Appointment, Problem> {
    let request = for_update(tx, desk, id).await?;
    apply(tx, desk.clinic, &request, desk.change(Transition::Decline).noting(Some(PROPOSED_NOTE)).quietly()).await?;
    let offer = Proposal { instead_of: &request, resource, starts_at, replaces: request.replaces_id, actor: desk.actor(), now: desk.now };
    book_proposal(tx, &offer).await
}

/// The clinic's proposal of another place instead of `instead_of` (declined or cancelled by now).
pub struct Proposal<'a> {
    pub instead_of: &'a Appointment,
    pub resource: ResourceId,
    pub starts_at: DateTime<Utc>,
    /// The visit the proposal moves once accepted, for a move request whose visit stands.
    pub replaces: Option<AppointmentId>,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Books the clinic's proposal: re-checked against capacity and held for the patient, who
/// accepts or turns it down; their answers go with it (the patient is told by its notice).
pub async fn book_proposal(tx: &mut dyn Write, p: &Proposal<'_>) -> Result<Appointment, Problem> {
    let booking = Booking {
        clinic: p.instead_of.clinic_id,
        menu: p.instead_of.menu_id,
        resource: p.resource,
        starts_at: p.starts_at,
        patient: p.instead_of.patient_id,
        actor: p.actor,
        source: BookingSource::Proposal,
        answers: Vec::new(),
        replaces: p.replaces,
        now: p.now,
    };
    let proposal = book(tx, &booking).await?;
    tx.copy_answers(p.instead_of.id, proposal.id).await?;
    Ok(proposal)
}

/// Reception's action on a visit: arrived on its day; completed or missed once it has begun;
/// cancelled by the clinic with a message to the patient.
pub async fn visit(tx: &mut dyn Write, desk: Desk<'_>, id: AppointmentId, action: VisitAction, message: Option<&str>) -> Result<Appointment, Problem> {
    let current = for_update(tx, desk, id).await?;
    let today = desk.now.with_timezone(&desk.clinic.time_zone).date_naive();
    visit_has_come(action, current.service_date, current.starts_at, today, desk.now)?;
    let transition = match action {
        VisitAction::Arrived => {
            if current.status != AppointmentStatus::Confirmed {
                return Err(Problem::StatusChanged { current: current.status });
            }
            tx.mark_arrived(desk.clinic.id, id, desk.now).await?;
            super::booking::staff_changed(tx, desk.clinic.id, desk.staff, &current, "arrived", desk.now).await?;
            return Ok(Appointment { arrived_at: current.arrived_at.or(Some(desk.now)), ..current });
        }
        VisitAction::Completed => Transition::Complete,
        VisitAction::NoShow => Transition::MarkNoShow,
        VisitAction::CancelByClinic => Transition::CancelByClinic,
    };
    let changed = apply(tx, desk.clinic, &current, desk.change(transition).noting(message)).await?;
    if action == VisitAction::CancelByClinic {
        super::queue::place_left(tx, desk.clinic, &changed, desk.now).await?;
    }
    Ok(changed)
}

/// Reception books a phone call: the patient (known to reception only) and the visit, confirmed
/// at once, in one transaction; a place taken meanwhile leaves nothing behind.
pub async fn book_by_phone(
    tx: &mut dyn Write,
    desk: Desk<'_>,
    menu: MenuId,
    resource: ResourceId,
    starts_at: DateTime<Utc>,
    details: PatientDetails,
    language: Lang,
) -> Result<Appointment, Problem> {
    let new = NewPatient { clinic_id: desk.clinic.id, identity: Identity::Offline, details, language };
    let patient = tx.insert_patient(&new, desk.now).await?.ok_or_else(|| Problem::internal("a phone patient was not inserted"))?;
    let booking = Booking {
        clinic: desk.clinic.id,
        menu,
        resource,
        starts_at,
        patient,
        actor: desk.actor(),
        source: BookingSource::Reception,
        answers: Vec::new(),
        replaces: None,
        now: desk.now,
    };
    book(tx, &booking).await
}

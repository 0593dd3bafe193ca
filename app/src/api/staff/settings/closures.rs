//! What a closure, new weekly hours or removed extra hours would fall on, for the owner to see
//! before choosing to cancel it (the change itself is `add_exception`, `save_hours` or
//! `remove_exception`, refused while the choice is not made).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::booking::ids::{ExceptionId, ResourceId};
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitOnClosure {
    pub when: String,
    pub patient: String,
    pub menu: String,
    pub status: String,
}

/// The requests and visits on `date` (`YYYY-MM-DD`) of `resource_id` (`None`: the whole clinic).
#[server(endpoint = "staff/settings/closure_visits")]
pub async fn closure_visits(date: String, #[server(default)] resource_id: Option<ResourceId>, lang: Lang) -> Result<Vec<VisitOnClosure>, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(None).await?;
        let date = crate::api::ssr::parse_date("exception-date", &date)?;
        let mut db = crate::state::store()?.read().await?;
        let hit = crate::actions::settings::on_closure(db.as_mut(), ctx.clinic.id, date, resource_id, chrono::Utc::now()).await?;
        ssr::listed(db.as_mut(), &ctx.clinic, &hit, lang).await
    })
    .await
}

/// The requests and visits to come that `hours` (as typed), as the new hours of `weekday`
/// (0 = Monday) of `resource_id`, would leave outside the hours.
#[server(endpoint = "staff/settings/hours_visits", input = Json)]
pub async fn hours_visits(resource_id: ResourceId, weekday: u8, hours: String, lang: Lang) -> Result<Vec<VisitOnClosure>, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(None).await?;
        let (day, intervals) = super::validate::weekday_hours(resource_id, weekday, &hours)?;
        let mut db = crate::state::store()?.read().await?;
        let hit = crate::actions::settings::outside_new_hours(db.as_mut(), &ctx.clinic, resource_id, day, &intervals, chrono::Utc::now()).await?;
        ssr::listed(db.as_mut(), &ctx.clinic, &hit, lang).await
    })
    .await
}

/// The requests and visits to come that removing the extra hours `id` would leave outside the
/// hours.
#[server(endpoint = "staff/settings/exception_visits", input = Json)]
pub async fn exception_visits(id: ExceptionId, lang: Lang) -> Result<Vec<VisitOnClosure>, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(None).await?;
        let mut db = crate::state::store()?.read().await?;
        let hit = crate::actions::settings::outside_after_removal(db.as_mut(), &ctx.clinic, id, chrono::Utc::now()).await?;
        ssr::listed(db.as_mut(), &ctx.clinic, &hit, lang).await
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::VisitOnClosure;
    use crate::booking::model::Clinic;
    use crate::error::Problem;
    use crate::i18n::Lang;
    use crate::store::{Appointment, Reads};

    /// The visits as the owner reads them before choosing.
    pub async fn listed(db: &mut dyn Reads, clinic: &Clinic, hit: &[Appointment], lang: Lang) -> Result<Vec<VisitOnClosure>, Problem> {
        let ids: Vec<_> = hit.iter().map(|a| a.patient_id).collect();
        let patients = db.patients(clinic.id, &ids).await?;
        let menus = db.menus(clinic.id).await?;
        Ok(hit
            .iter()
            .map(|a| VisitOnClosure {
                when: crate::booking::format::datetime_label(a.starts_at, clinic.time_zone, lang),
                patient: patients.iter().find(|p| p.id == a.patient_id).map(|p| p.details.name.clone()).unwrap_or_default(),
                menu: menus.iter().find(|m| m.id == a.menu_id).map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default(),
                status: a.status.label(lang).to_string(),
            })
            .collect())
    }
}

//! What a closure would fall on, for the owner to see before choosing to cancel it (the closure
//! itself is `add_exception`, refused while the choice is not made).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::booking::ids::ResourceId;
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
        let ids: Vec<_> = hit.iter().map(|a| a.patient_id).collect();
        let patients = db.patients(ctx.clinic.id, &ids).await?;
        let menus = db.menus(ctx.clinic.id).await?;
        Ok(hit
            .iter()
            .map(|a| VisitOnClosure {
                when: crate::booking::format::datetime_label(a.starts_at, ctx.clinic.time_zone, lang),
                patient: patients.iter().find(|p| p.id == a.patient_id).map(|p| p.details.name.clone()).unwrap_or_default(),
                menu: menus.iter().find(|m| m.id == a.menu_id).map(|m| lang.pick(&m.name_ja, &m.name_en).to_string()).unwrap_or_default(),
                status: a.status.label(lang).to_string(),
            })
            .collect())
    })
    .await
}

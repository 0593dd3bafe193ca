//! Server functions and the data they send to the browser. Each function is thin: it checks its
//! input, calls the booking core or the store, and maps errors once (`ssr::user_error`).

#[cfg(feature = "ssr")]
pub mod cookie;
pub mod liff;
pub mod staff;
#[cfg(feature = "ssr")]
pub mod session;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::booking::ids::{MenuId, ResourceId};
use crate::i18n::Lang;

/// How many upcoming places the landing page shows per menu.
pub const NEXT_PLACES: usize = 6;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClinicSummary {
    pub slug: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClinicOverview {
    pub slug: String,
    pub name: String,
    pub menus: Vec<MenuOverview>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuOverview {
    pub id: MenuId,
    pub name: String,
    pub duration_minutes: u32,
    /// `slot`, `band` or `queue`.
    pub mode: String,
    pub capacity: u32,
    pub next_places: Vec<PlaceView>,
}

/// A free place as the patient sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceView {
    pub resource_id: ResourceId,
    pub resource_name: String,
    /// Seconds since the epoch: the key of the place when booking.
    pub starts_at: i64,
    /// The clinic-local date of the place (`YYYY-MM-DD`).
    pub date: String,
    /// In the clinic's time zone, with the weekday: `12月1日(火) 10:30`.
    pub label: String,
    pub remaining: u32,
}

#[server(endpoint = "clinics")]
pub async fn list_clinics(lang: Lang) -> Result<Vec<ClinicSummary>, ServerFnError> {
    let store = crate::state::store()?;
    let clinics = store.clinics().await.map_err(ssr::user_error)?;
    Ok(clinics
        .into_iter()
        .map(|c| ClinicSummary { name: lang.pick(&c.name_ja, &c.name_en).to_string(), slug: c.slug })
        .collect())
}

/// The clinic's menus with the next free places of each, computed by the booking core.
#[server(endpoint = "clinic_overview")]
pub async fn load_clinic_overview(slug: String, lang: Lang) -> Result<ClinicOverview, ServerFnError> {
    use chrono::{Days, Utc};

    let store = crate::state::store()?;
    let clinic = store
        .clinic_by_slug(&slug)
        .await
        .map_err(ssr::user_error)?
        .ok_or_else(|| ServerFnError::new(lang.pick("医院が見つかりません。", "Clinic not found.")))?;
    let resources = store.resources(clinic.id).await.map_err(ssr::user_error)?;
    let now = Utc::now();
    let today = now.with_timezone(&clinic.time_zone).date_naive();
    let mut menus = Vec::new();
    for menu in store.menus(clinic.id).await.map_err(ssr::user_error)? {
        let until = today + Days::new(menu.horizon_days.into());
        let offers = crate::store::availability(store.as_ref(), &clinic, &menu, today, until, now)
            .await
            .map_err(ssr::user_error)?;
        let next_places = offers
            .iter()
            .take(NEXT_PLACES)
            .map(|o| ssr::place_view(o, &menu, &resources, clinic.time_zone, lang))
            .collect();
        menus.push(MenuOverview {
            id: menu.id,
            name: lang.pick(&menu.name_ja, &menu.name_en).to_string(),
            duration_minutes: menu.duration_minutes,
            mode: menu.mode.kind().to_string(),
            capacity: menu.mode.capacity(),
            next_places,
        });
    }
    Ok(ClinicOverview { slug: clinic.slug, name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(), menus })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use leptos::prelude::ServerFnError;

    use super::PlaceView;
    use crate::booking::availability::Offer;
    use crate::booking::format::place_label;
    use crate::booking::model::{Menu, Resource};
    use crate::i18n::Lang;
    use crate::store::StoreError;

    /// An offer as the patient sees it, labelled in the clinic's time zone.
    pub fn place_view(o: &Offer, menu: &Menu, resources: &[Resource], tz: chrono_tz::Tz, lang: Lang) -> PlaceView {
        PlaceView {
            resource_id: o.resource_id,
            resource_name: resources
                .iter()
                .find(|r| r.id == o.resource_id)
                .map(|r| lang.pick(&r.name_ja, &r.name_en).to_string())
                .unwrap_or_default(),
            starts_at: o.starts_at.timestamp(),
            date: o.date.format("%Y-%m-%d").to_string(),
            label: place_label(menu.mode, o.starts_at, o.ends_at, tz, lang),
            remaining: o.remaining,
        }
    }

    /// The one place where storage errors become what a user reads. Internal failures are
    /// logged with their cause and shown as a generic message.
    pub fn user_error(e: StoreError) -> ServerFnError {
        match e {
            StoreError::Internal(cause) => {
                tracing::error!(error = %cause, "storage failure");
                ServerFnError::new("一時的なエラーが発生しました。しばらくしてからもう一度お試しください。 (A temporary error occurred; please try again.)")
            }
            StoreError::NotFound => ServerFnError::new("見つかりませんでした。 (Not found.)"),
            other => ServerFnError::new(other.to_string()),
        }
    }
}

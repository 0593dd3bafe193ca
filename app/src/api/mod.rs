//! Server functions and the data they send to the browser. Each function is thin: it checks its
//! input, calls the booking core or the store, and answers any problem through
//! [`respond`](crate::error::problem::respond) as an [`AppError`].

#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod cookie;
pub mod data_rights;
pub mod liff;
#[cfg(feature = "ssr")]
pub mod limits;
pub mod once;
pub mod queue;
#[cfg(feature = "ssr")]
pub mod session;
pub mod staff;
pub mod web_booking;
pub mod widget;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::booking::ids::{MenuId, ResourceId};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Missing, Problem};
use crate::i18n::Lang;
use crate::kinds::ModeKind;

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
    pub mode: ModeKind,
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
    /// The time alone, for a list under the date: `10:30`.
    pub time: String,
    /// Starts at noon or later in the clinic's time zone (午後).
    pub afternoon: bool,
    pub remaining: u32,
}

#[server(endpoint = "clinics")]
pub async fn list_clinics(lang: Lang) -> Result<Vec<ClinicSummary>, AppError> {
    respond(lang, async move {
        let clinics = crate::state::store()?.read().await?.clinics().await?;
        Ok(clinics.into_iter().map(|c| ClinicSummary { name: lang.pick(&c.name_ja, &c.name_en).to_string(), slug: c.slug }).collect())
    })
    .await
}

/// The clinic's menus with the next free places of each, computed by the booking core.
#[server(endpoint = "clinic_overview")]
pub async fn load_clinic_overview(slug: String, lang: Lang) -> Result<ClinicOverview, AppError> {
    respond(lang, overview(slug, lang)).await
}

#[cfg(feature = "ssr")]
async fn overview(slug: String, lang: Lang) -> Result<ClinicOverview, Problem> {
    use crate::api::cache::Cache;
    use crate::store::ChangeVersion;
    use chrono::{Days, Utc};
    /// The landing page is the same for every visitor until the clinic changes (see `cache`).
    type Key = (crate::booking::ids::ClinicId, Lang, ChangeVersion);
    static OVERVIEWS: std::sync::LazyLock<Cache<Key, ClinicOverview>> = std::sync::LazyLock::new(|| Cache::new(std::time::Duration::from_secs(15), 1_000));

    let mut db = crate::state::store()?.read().await?;
    let clinic = db.clinic_by_slug(&slug).await?.ok_or(Problem::NotFound(Missing::Clinic))?;
    let key: Key = (clinic.id, lang, db.change_version(clinic.id).await?);
    if let Some(overview) = OVERVIEWS.get(&key) {
        return Ok(overview);
    }
    let resources = db.resources(clinic.id).await?;
    let now = Utc::now();
    let today = now.with_timezone(&clinic.time_zone).date_naive();
    let mut menus = Vec::new();
    for menu in db.menus(clinic.id).await?.into_iter().filter(|m| m.active) {
        // The next few places: the coming week first, so a clinic with room soon does not
        // compute its whole booking horizon for a landing page; the rest only when the week is
        // full (two computations at most).
        let horizon = today + Days::new(menu.horizon_days.into());
        let week = (today + Days::new(6)).min(horizon);
        let mut offers = crate::actions::booking::availability(db.as_mut(), &clinic, &menu, today, week, now).await?;
        if offers.len() < NEXT_PLACES && week < horizon {
            offers.extend(crate::actions::booking::availability(db.as_mut(), &clinic, &menu, week + Days::new(1), horizon, now).await?);
        }
        let next_places = offers.iter().take(NEXT_PLACES).map(|o| ssr::place_view(o, &menu, &resources, clinic.time_zone, lang)).collect();
        menus.push(MenuOverview {
            id: menu.id,
            name: lang.pick(&menu.name_ja, &menu.name_en).to_string(),
            duration_minutes: menu.duration_minutes,
            mode: menu.mode.kind(),
            capacity: menu.mode.capacity(),
            next_places,
        });
    }
    let overview = ClinicOverview { slug: clinic.slug, name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(), menus };
    OVERVIEWS.put(key, overview.clone());
    Ok(overview)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::NaiveDate;

    use super::PlaceView;
    use crate::booking::availability::Offer;
    use crate::booking::format::place_label;
    use crate::booking::model::{Menu, Resource};
    use crate::error::{Problem, Reason};
    use crate::i18n::Lang;

    /// A place's start as sent (seconds since the epoch), or a problem with `field`.
    pub fn timestamp(field: &str, seconds: i64) -> Result<chrono::DateTime<chrono::Utc>, Problem> {
        chrono::DateTime::from_timestamp(seconds, 0).ok_or_else(|| Problem::field(field, Reason::NotDate))
    }

    /// A clinic-local date as sent (`YYYY-MM-DD`) within ten years of today (anything else is a
    /// typing mistake), or a problem with `field`.
    pub fn parse_date(field: &str, date: &str) -> Result<NaiveDate, Problem> {
        let today = chrono::Utc::now().date_naive();
        NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| (*d - today).num_days().abs() <= 3660)
            .ok_or_else(|| Problem::field(field, Reason::NotDate))
    }

    /// An offer as the patient sees it, labelled in the clinic's time zone.
    pub fn place_view(o: &Offer, menu: &Menu, resources: &[Resource], tz: chrono_tz::Tz, lang: Lang) -> PlaceView {
        PlaceView {
            resource_id: o.resource_id,
            resource_name: resources.iter().find(|r| r.id == o.resource_id).map(|r| lang.pick(&r.name_ja, &r.name_en).to_string()).unwrap_or_default(),
            starts_at: o.starts_at.timestamp(),
            date: o.date.format("%Y-%m-%d").to_string(),
            label: place_label(menu.mode, o.starts_at, o.ends_at, tz, lang),
            time: crate::booking::format::place_time(menu.mode, o.starts_at, o.ends_at, tz, lang),
            afternoon: chrono::Timelike::hour(&o.starts_at.with_timezone(&tz)) >= 12,
            remaining: o.remaining,
        }
    }
}

/// Whether the request came over TLS: directly, or through the reverse proxy in front of us,
/// which says so in `X-Forwarded-Proto` (the HSTS header and the poster's links follow it).
#[cfg(feature = "ssr")]
pub fn over_tls(uri: &axum::http::Uri, headers: &axum::http::HeaderMap) -> bool {
    uri.scheme_str() == Some("https") || headers.get("x-forwarded-proto").is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// The network address the current request came from: the TCP peer, or the client the trusted
/// proxy names (see `server::http::behind_proxy`).
#[cfg(feature = "ssr")]
pub fn client_ip() -> Option<std::net::IpAddr> {
    use axum::extract::ConnectInfo;
    leptos::prelude::use_context::<axum::http::request::Parts>()?.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

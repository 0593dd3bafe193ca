//! The waiting-room poster and the counter card: the clinic's name, the QR code of its LIFF URL
//! (where patients book and change visits in LINE), the add-friend QR code when the clinic has
//! one, the hours and a short how-to. The owner prints it from Settings; any staff member of the
//! clinic may load it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Problem};
use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Poster {
    pub clinic_name_ja: String,
    pub clinic_name_en: String,
    /// The clinic's LIFF URL; a sandbox clinic's LIFF page on this server.
    pub booking_url: String,
    /// An SVG document of the booking URL's QR code, made on the server.
    pub booking_qr: String,
    pub friend_url: Option<String>,
    pub friend_qr: Option<String>,
    /// For the reception desk: the patient's own appointments, where today's visit has the
    /// button that tells reception they have arrived.
    pub check_in_url: String,
    pub check_in_qr: String,
    /// The week, Monday first: `月〜金 09:00–12:30, 14:00–18:00`.
    pub hours: Vec<String>,
}

#[server(endpoint = "staff/poster")]
pub async fn load_poster(lang: Lang) -> Result<Poster, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        let clinic = &ctx.clinic;
        let mut db = crate::state::store()?.read().await?;
        let line = db.line_settings(clinic.id).await?;
        let booking_url = match &line {
            Some(l) => l.liff_url(),
            None => format!("{}/liff/{}", ssr::origin_as_requested(), clinic.slug),
        };
        let friend_url = line.and_then(|l| l.add_friend_url);
        let hours = db.opening_hours(clinic.id).await?;
        let check_in_url = format!("{booking_url}?tab=mine");
        Ok(Poster {
            check_in_qr: ssr::qr_svg(&check_in_url)?,
            check_in_url,
            clinic_name_ja: clinic.name_ja.clone(),
            clinic_name_en: clinic.name_en.clone(),
            booking_qr: ssr::qr_svg(&booking_url)?,
            friend_qr: friend_url.as_deref().map(ssr::qr_svg).transpose()?,
            booking_url,
            friend_url,
            hours: crate::booking::hours::clinic_week(&hours, Lang::Ja),
        })
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::Problem;

    /// An SVG QR code (error correction M: a poster may get scuffed), black on white with the
    /// quiet zone scanners need.
    pub fn qr_svg(url: &str) -> Result<String, Problem> {
        let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).map_err(Problem::internal)?;
        Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).quiet_zone(true).build())
    }

    /// This server as the staff member's browser reached it: a sandbox clinic's poster points
    /// at its LIFF page here. Behind a TLS proxy (which says so), https; plain http only on the
    /// machine itself.
    pub fn origin_as_requested() -> String {
        let parts = leptos::prelude::use_context::<axum::http::request::Parts>();
        let header = |name| parts.as_ref().and_then(|p| p.headers.get(name)).and_then(|h| h.to_str().ok()).map(str::to_owned);
        let host = header("host").unwrap_or_else(|| "localhost".into());
        let name = host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host.as_str(), |(name, _)| name);
        let local = name == "localhost" || name == "[::1]" || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
        let tls = parts.as_ref().is_some_and(|p| crate::api::over_tls(&p.uri, &p.headers));
        format!("{}://{host}", if local && !tls { "http" } else { "https" })
    }
}

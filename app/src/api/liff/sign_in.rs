//! Signing the patient in: with LINE (the server verifies the ID token with LINE), or with the
//! sandbox's demo sign-in for a clinic without LINE channels.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{problem::respond, Problem};
use crate::i18n::Lang;
use crate::patients::DetailsInput;

/// LINE's ID tokens are about a kilobyte; anything much longer is not one, and is not passed on.
pub const MAX_ID_TOKEN_BYTES: usize = 4096;
/// LIFF access tokens are a few hundred bytes; a longer one is not asked about.
pub const MAX_ACCESS_TOKEN_BYTES: usize = 2048;
/// How long the sign-in waits for LINE's answers (friendship, a service notification token)
/// before going on without them.
#[cfg(feature = "ssr")]
const FRIENDSHIP_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// How the page signs the patient in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiffSetup {
    pub clinic_name: String,
    /// No LINE channels: the demo sign-in, clearly marked.
    pub sandbox: bool,
    pub liff_id: Option<String>,
    /// Where to load the LIFF SDK from.
    pub sdk_url: String,
    /// The SDK is LINE's mock (tests, development): `liff.init` gets `mock: true`.
    pub mock: bool,
    pub add_friend_url: Option<String>,
    /// The week's hours (`月〜金 09:00–12:30, 14:00–18:00`), in Japanese and in English: the
    /// page learns the patient's language from LINE only after it has loaded.
    pub hours_ja: Vec<String>,
    pub hours_en: Vec<String>,
    /// National holidays are closed.
    pub closed_on_holidays: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatientView {
    pub sandbox: bool,
    /// Whether LINE says the patient is a friend of the clinic's Official Account (`None`: not
    /// known, or not a LINE patient).
    pub friend: Option<bool>,
    /// The details remembered from last time (empty the first time).
    pub details: DetailsInput,
}

#[server(endpoint = "liff/setup")]
pub async fn load_liff_setup(slug: String, lang: Lang) -> Result<LiffSetup, AppError> {
    respond(lang, async move {
        let state = crate::state::app_state()?;
        let mut db = state.store.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        let line = db.line_settings(clinic.id).await?;
        let hours = db.opening_hours(clinic.id).await?;
        Ok(LiffSetup {
            hours_ja: crate::booking::hours::clinic_week(&hours, Lang::Ja),
            hours_en: crate::booking::hours::clinic_week(&hours, Lang::En),
            closed_on_holidays: !clinic.open_on_holidays,
            clinic_name: lang.pick(&clinic.name_ja, &clinic.name_en).to_string(),
            sandbox: line.is_none(),
            liff_id: line.as_ref().map(|l| l.liff_id.clone()),
            sdk_url: state.liff_sdk.url().to_string(),
            mock: state.liff_sdk == crate::state::LiffSdk::Mock,
            add_friend_url: line.and_then(|l| l.add_friend_url),
        })
    })
    .await
}

/// Signs in with LINE: the server asks LINE who the ID token belongs to. An expired token is
/// [`ErrorCode::LineSignInExpired`](crate::error::ErrorCode::LineSignInExpired): the page logs
/// in to LINE again.
///
/// `access_token`: the LIFF access token, with which the server asks LINE itself whether the
/// patient is a friend of the clinic's Official Account (pushes reach friends only). Empty, or
/// LINE not answering: the friendship stays as the webhook last said. For a clinic that sends
/// LINE MINI App service messages, the same token is exchanged for the patient's service
/// notification token when theirs would not last a visit.
#[server(endpoint = "liff/sign_in")]
pub async fn line_sign_in(slug: String, id_token: String, #[server(default)] access_token: String, lang: Lang) -> Result<PatientView, AppError> {
    respond(lang, async move {
        if id_token.len() > MAX_ID_TOKEN_BYTES {
            return Err(Problem::BadRequest(format!("an ID token of {} bytes", id_token.len())));
        }
        crate::api::limits::check(crate::api::limits::Limited::SignIn)?;
        let state = crate::state::app_state()?;
        let mut db = state.store.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        let line = db.line_settings(clinic.id).await?.ok_or(Problem::WrongSignIn { line: false })?;
        drop(db);
        let user = state.line.verify_id_token(&id_token, &line.login_channel_id).await?;
        let access_token = Some(access_token.trim()).filter(|t| !t.is_empty() && t.len() <= MAX_ACCESS_TOKEN_BYTES);
        // A slow LINE must not cost the patient the sign-in.
        let friend = match access_token {
            Some(token) => answered(
                tokio::time::timeout(FRIENDSHIP_WITHIN, state.line.is_friend(token, &line.login_channel_id, &user.user_id)).await,
                "friendship not verified",
            ),
            None => None,
        };
        // Only once the friendship check has proved the access token this patient's, of this
        // channel, is it exchanged: the notification token LINE issues is its user's. (LINE
        // issues one per access token, so none is spent on a token not proved.)
        let service_token = match (access_token, friend) {
            (Some(token), Some(_)) => match wants_service_token(state.store.as_ref(), clinic.id, &user.user_id).await {
                Some(secret) => {
                    let asked = tokio::time::timeout(FRIENDSHIP_WITHIN, state.line.issue_service_token(&line.login_channel_id, &secret, token)).await;
                    answered(asked, "no service notification token")
                }
                None => None,
            },
            _ => None,
        };
        let mut tx = state.store.write().await?;
        let mut patient = crate::actions::patients::line_patient(tx.as_mut(), clinic.id, &user.user_id, lang, chrono::Utc::now()).await?;
        if let Some(friend) = friend {
            crate::actions::patients::line_friend(tx.as_mut(), clinic.id, &user.user_id, friend, chrono::Utc::now()).await?;
            patient.identity = crate::store::Identity::Line { user_id: user.user_id.clone(), friend: Some(friend) };
        }
        if let Some(token) = &service_token {
            tx.set_service_token(clinic.id, patient.id, token, chrono::Utc::now()).await?;
        }
        tx.commit().await?;
        crate::api::session::start(&clinic, &patient).await?;
        Ok(super::ssr::patient_view(&patient))
    })
    .await
}

/// A token lets a few service messages go; below this many, the sign-in asks for a new one
/// (a visit's confirmation, reminder and a cancellation).
#[cfg(feature = "ssr")]
const SERVICE_SENDS_WANTED: u32 = 3;

/// The MINI App channel's secret, when the clinic sends service messages and this patient's
/// token (if any) would not last a visit. Best effort: what cannot be read costs the patient
/// only the service messages, never the sign-in.
#[cfg(feature = "ssr")]
async fn wants_service_token(store: &dyn crate::store::Store, clinic: crate::booking::ids::ClinicId, line_user: &str) -> Option<String> {
    let read = async {
        let mut db = store.read().await?;
        let Some(secret) = db.service_messages(clinic).await?.and_then(|s| s.channel_secret) else { return Ok(None) };
        let token = match db.line_patient(clinic, line_user).await? {
            Some(patient) => db.service_token(clinic, patient.id).await?,
            None => None,
        };
        let lasts = token.is_some_and(|t| t.usable(chrono::Utc::now()) && t.remaining >= SERVICE_SENDS_WANTED);
        Ok::<_, crate::store::StoreError>((!lasts).then_some(secret))
    };
    read.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "service messages not read at sign-in");
        None
    })
}

/// LINE's answer, or `None` (logged) when it refused or did not answer in time.
#[cfg(feature = "ssr")]
fn answered<T>(asked: Result<Result<T, crate::line::IdentityError>, tokio::time::error::Elapsed>, what: &str) -> Option<T> {
    match asked {
        Ok(Ok(answer)) => Some(answer),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "{what}");
            None
        }
        Err(_) => {
            tracing::warn!("{what}: LINE did not answer in time");
            None
        }
    }
}

/// The demo sign-in of a clinic without LINE channels. Refused for any clinic that has them.
#[server(endpoint = "liff/sandbox_sign_in")]
pub async fn sandbox_sign_in(slug: String, lang: Lang) -> Result<PatientView, AppError> {
    respond(lang, async move {
        crate::api::limits::check(crate::api::limits::Limited::SignIn)?;
        let store = crate::state::store()?;
        let mut db = store.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        if db.line_settings(clinic.id).await?.is_some() {
            return Err(Problem::WrongSignIn { line: true });
        }
        if let Some(patient) = crate::api::session::current(db.as_mut(), &clinic).await? {
            return Ok(super::ssr::patient_view(&patient));
        }
        drop(db);
        let mut tx = store.write().await?;
        let patient = crate::actions::patients::sandbox_patient(tx.as_mut(), clinic.id, lang, chrono::Utc::now()).await?;
        tx.commit().await?;
        crate::api::session::start(&clinic, &patient).await?;
        Ok(super::ssr::patient_view(&patient))
    })
    .await
}

/// The patient already signed in on this device, if any.
#[server(endpoint = "liff/current")]
pub async fn current_patient(slug: String, lang: Lang) -> Result<Option<PatientView>, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = super::ssr::clinic(db.as_mut(), &slug).await?;
        Ok(crate::api::session::current(db.as_mut(), &clinic).await?.map(|p| super::ssr::patient_view(&p)))
    })
    .await
}

#[server(endpoint = "liff/sign_out")]
pub async fn sign_out(#[server(default)] lang: Lang) -> Result<(), AppError> {
    respond(lang, crate::api::session::end()).await
}

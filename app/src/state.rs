//! What the server hands to every request and server function.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::error::Problem;
use crate::line::LinePlatform;
use crate::store::SharedStore;

/// Which LIFF SDK build the LIFF pages load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiffSdk {
    /// `@line/liff` bundled at build time and served by us (the default).
    Bundled,
    /// LINE's CDN build.
    Cdn,
    /// The bundled SDK with LINE's official mock plugin: tests and development only.
    Mock,
}

impl LiffSdk {
    pub fn url(self) -> &'static str {
        match self {
            LiffSdk::Bundled => "/sdk/liff-sdk.js",
            LiffSdk::Cdn => "https://static.line-scdn.net/liff/edge/2/sdk.js",
            LiffSdk::Mock => "/sdk/liff-sdk-mock.js",
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: SharedStore,
    pub line: Arc<dyn LinePlatform>,
    pub liff_sdk: LiffSdk,
    /// Patients' sign-ins and booking requests per address.
    pub limits: Arc<crate::api::limits::PatientLimits>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The application state, from inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, Problem> {
    use_context::<AppState>().ok_or_else(|| Problem::internal("the application state is missing"))
}

/// The store, from inside a server function or a server-rendered component.
pub fn store() -> Result<SharedStore, Problem> {
    app_state().map(|state| state.store)
}

//! What the server hands to every request and server function.

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::store::SharedStore;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: SharedStore,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The store, from inside a server function or a server-rendered component.
pub fn store() -> Result<SharedStore, ServerFnError> {
    use_context::<AppState>()
        .map(|state| state.store)
        .ok_or_else(|| ServerFnError::new("the application state is missing"))
}

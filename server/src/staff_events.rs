//! Live updates for the staff console: `GET /staff/events` is a stream of server-sent events
//! that says `inbox` whenever the clinic's requests change after the stream opened (a new
//! request, another receptionist's answer, an expiry). The page already holds the state at the
//! time it was rendered, so nothing is sent until something changes.

use std::time::Duration;

use app::api::staff::auth::staff_from_headers;
use app::state::AppState;
use app::store::{InboxVersion, Store};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

/// How often the database is asked whether the inbox changed.
const POLL: Duration = Duration::from_secs(2);

pub async fn inbox_events(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(ctx) = staff_from_headers(state.store.as_ref(), &headers).await else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    let opened_at = match inbox_version(state.store.as_ref(), &ctx.clinic).await {
        Ok(version) => version,
        Err(e) => {
            tracing::error!(error = %e, "inbox events: cannot read the inbox");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response();
        }
    };
    let read = move || {
        let (store, headers) = (state.store.clone(), headers.clone());
        async move {
            // The session is checked on every poll: signing out (or its expiry) ends the stream.
            let ctx = staff_from_headers(store.as_ref(), &headers).await?;
            Some(inbox_version(store.as_ref(), &ctx.clinic).await)
        }
    };
    let event = |v: &InboxVersion| Event::default().event("inbox").data(format!(r#"{{"pending":{},"version":{}}}"#, v.pending, v.last_change));
    Sse::new(crate::live::on_change(Some(opened_at), POLL, read, event)).keep_alive(KeepAlive::default()).into_response()
}

async fn inbox_version(store: &dyn Store, clinic: &app::booking::model::Clinic) -> Result<InboxVersion, app::store::StoreError> {
    store.read().await?.inbox_version(clinic.id).await
}

//! The day queues, live: `GET /d/{clinic}/events` sends the clinic's board (numbers only: who
//! is being called, who waits) at once and again whenever it changes. The waiting room's
//! display and the patients' pages follow it; it needs no sign-in, since it names nobody.

use std::time::Duration;

use app::actions::queue::board;
use app::booking::board::ClinicBoard;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

/// How often the database is asked whether a queue moved.
const POLL: Duration = Duration::from_secs(1);

pub async fn board_events(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let clinic = match state.store.read().await {
        Ok(mut db) => db.clinic_by_slug(&slug).await,
        Err(e) => Err(e),
    };
    let clinic = match clinic {
        Ok(Some(clinic)) => clinic,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such clinic").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "queue events: cannot read the clinic");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response();
        }
    };
    let read = move || {
        let (store, clinic) = (state.store.clone(), clinic.clone());
        async move {
            let mut db = match store.read().await {
                Ok(db) => db,
                Err(e) => return Some(Err(app::error::Problem::from(e))),
            };
            Some(board(db.as_mut(), &clinic, chrono::Utc::now()).await)
        }
    };
    let event = |b: &ClinicBoard| Event::default().event("board").data(serde_json::to_string(b).unwrap_or_default());
    Sse::new(crate::live::on_change(None, POLL, read, event)).keep_alive(KeepAlive::default()).into_response()
}

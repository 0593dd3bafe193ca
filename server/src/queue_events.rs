//! The day queues, live: `GET /d/{clinic}/events` sends the clinic's board (numbers only: who
//! is being called, who waits) at once and again whenever it changes. The waiting room's
//! display, the patients' pages and the console follow it; it needs no sign-in, since it names
//! nobody.
//!
//! One poller per clinic reads the board from the database and hands it to every open stream of
//! that clinic, so fifty patients watching their place cost what one display does. The poller
//! stops when the last stream closes.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use app::actions::queue::board;
use app::booking::board::ClinicBoard;
use app::booking::ids::ClinicId;
use app::booking::model::Clinic;
use app::state::AppState;
use app::store::Store;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

/// How often a clinic's poller asks the database whether a queue moved.
const POLL: Duration = Duration::from_secs(1);

/// A watched clinic of one store (a process may serve several, as the tests do).
type Watched = (usize, ClinicId);

/// The board of each clinic being watched, as its poller last read it.
static WATCHED: LazyLock<Mutex<HashMap<Watched, watch::Receiver<Option<ClinicBoard>>>>> = LazyLock::new(Default::default);

fn watched_key(store: &Arc<dyn Store>, clinic: ClinicId) -> Watched {
    (Arc::as_ptr(store) as *const () as usize, clinic)
}

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
    let boards = watch_board(state.store.clone(), clinic);
    let stream = futures::stream::unfold(boards, |mut boards| async move {
        // A board this stream has not sent: the current one at once (a new receiver has seen
        // none), then each change; every second the loop looks whether the server shuts down.
        let mut unseen = boards.has_changed().ok()?;
        loop {
            if crate::live::SHUTTING_DOWN.load(Ordering::Relaxed) {
                return None;
            }
            if unseen {
                let board = boards.borrow_and_update().clone();
                if let Some(board) = board {
                    let data = serde_json::to_string(&board).unwrap_or_default();
                    return Some((Ok::<_, Infallible>(Event::default().event("board").data(data)), boards));
                }
            }
            unseen = match tokio::time::timeout(POLL, boards.changed()).await {
                Ok(Ok(())) => true,
                Ok(Err(_)) => return None,
                Err(_) => false,
            };
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// The clinic's board, from its poller (started now if nobody watches the clinic yet).
fn watch_board(store: Arc<dyn Store>, clinic: Clinic) -> watch::Receiver<Option<ClinicBoard>> {
    let key = watched_key(&store, clinic.id);
    let mut watched = WATCHED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(boards) = watched.get(&key) {
        return boards.clone();
    }
    let (tx, rx) = watch::channel(None);
    watched.insert(key, rx.clone());
    tokio::spawn(poll(store, clinic, tx));
    rx
}

async fn poll(store: Arc<dyn Store>, clinic: Clinic, tx: watch::Sender<Option<ClinicBoard>>) {
    let key = watched_key(&store, clinic.id);
    loop {
        {
            // Only the map's own receiver left: nobody watches; the next stream starts anew.
            let mut watched = WATCHED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if tx.receiver_count() <= 1 || crate::live::SHUTTING_DOWN.load(Ordering::Relaxed) {
                watched.remove(&key);
                return;
            }
        }
        match read_board(store.as_ref(), &clinic).await {
            Ok(board) => {
                tx.send_if_modified(|current| {
                    let changed = current.as_ref() != Some(&board);
                    if changed {
                        *current = Some(board);
                    }
                    changed
                });
            }
            Err(e) => tracing::warn!(clinic = %clinic.id, error = %e, "queue events: cannot read the board"),
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn read_board(store: &dyn Store, clinic: &Clinic) -> Result<ClinicBoard, app::error::Problem> {
    let mut db = store.read().await?;
    board(db.as_mut(), clinic, chrono::Utc::now()).await
}

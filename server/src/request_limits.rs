//! What one request may send and how long it may take, per route: a client's mistake (or a
//! flood) is refused early with a clear status instead of holding memory and a worker.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use tower::{Layer, ServiceExt};
use tower_http::timeout::TimeoutLayer;

/// Server functions take small forms and JSON: the largest, a privacy notice in two languages,
/// is under 40 KB. More is answered 413 (`TooLarge`, in the reader's language).
pub const BODY: usize = 256 * 1024;
/// LINE sends webhook events in batches; each is small.
pub const WEBHOOK_BODY: usize = 1024 * 1024;
/// The rich menu's picture: LINE takes up to 1 MB, in base64 a third more, with room for the
/// form around it.
pub const PICTURE_BODY: usize = 1500 * 1024;
/// A request that has not been answered by then is abandoned with 503 (the database or LINE is
/// stuck, or the client sends too slowly). The console's live updates stream for hours and are
/// not under it.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(30);

pub fn body() -> DefaultBodyLimit {
    DefaultBodyLimit::max(BODY)
}

pub fn webhook_body() -> DefaultBodyLimit {
    DefaultBodyLimit::max(WEBHOOK_BODY)
}

/// Lets the one server function that takes a picture read [`PICTURE_BODY`]; every other keeps
/// [`BODY`]. (Server functions share one route table, so the limit is chosen by path.) Goes
/// inside [`body`]: the limit set last is the one that counts.
pub async fn pictures(request: Request, next: Next) -> Response {
    if request.uri().path() == app::api::staff::settings::SET_RICH_MENU_PATH {
        return match DefaultBodyLimit::max(PICTURE_BODY).layer(next).oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    next.run(request).await
}

pub fn timeout() -> TimeoutLayer {
    TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, ANSWER_WITHIN)
}

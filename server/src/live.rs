//! Server-sent events that follow the database: a stream polls what it shows and sends it
//! whenever it differs from what was sent last. Polling the database rather than the process
//! makes it work the same with several app instances on one PostgreSQL database.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::Event;
use futures::Stream;

/// Set when the server shuts down: every stream ends.
pub static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// Polls `read` every `every` and sends `event(value)` whenever the value differs from the last
/// one sent (the first time, from `opened`: `None` sends the first value at once). `read`
/// answering `None` ends the stream (a session that ended); a failed read is logged and tried
/// again at the next poll.
pub fn on_change<T, E, R, Fut>(opened: Option<T>, every: Duration, read: R, event: fn(&T) -> Event) -> impl Stream<Item = Result<Event, Infallible>> + Send
where
    T: PartialEq + Send + Sync + 'static,
    E: std::fmt::Display,
    R: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Result<T, E>>> + Send,
{
    let read = Arc::new(read);
    futures::stream::unfold(opened, move |last| {
        let read = read.clone();
        async move {
            loop {
                if SHUTTING_DOWN.load(Ordering::Relaxed) {
                    return None;
                }
                match read().await? {
                    Ok(value) if last.as_ref() != Some(&value) => return Some((Ok(event(&value)), Some(value))),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "live updates: cannot read"),
                }
                tokio::time::sleep(every).await;
            }
        }
    })
}

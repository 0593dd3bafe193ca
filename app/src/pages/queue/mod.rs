//! The day queue in the browser: following the clinic's board live (`/d/{clinic}/events`), the
//! waiting room's display (`/d/{clinic}`), and the patient's own place on their appointment.

mod display;
mod place;

pub use display::DisplayPage;
pub use place::LivePlace;

use leptos::prelude::*;

use crate::booking::board::ClinicBoard;

/// The clinic's board as the server last sent it, followed while the calling component lives
/// (starting from `first`, the board the page was rendered with). The browser's EventSource
/// reconnects by itself after a dropped connection; when the server refused it (a restart, say)
/// it is opened again a few seconds later, so a display on the wall never needs a reload.
pub fn follow_board(slug: String, first: Option<ClinicBoard>) -> ReadSignal<Option<ClinicBoard>> {
    let (board, set_board) = signal(first);
    #[cfg(feature = "hydrate")]
    {
        use send_wrapper::SendWrapper;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        /// An open stream with its two listeners.
        type Stream = (web_sys::EventSource, Closure<dyn Fn(web_sys::MessageEvent)>, Closure<dyn Fn(web_sys::Event)>);
        /// The open stream, and the timer of a reconnection that waits.
        #[derive(Default)]
        struct Live {
            source: Option<Stream>,
            retry: Option<leptos::prelude::TimeoutHandle>,
            stopped: bool,
        }
        type Shared = std::rc::Rc<std::cell::RefCell<Live>>;

        fn connect(url: String, live: Shared, set_board: WriteSignal<Option<ClinicBoard>>) {
            if live.borrow().stopped {
                return;
            }
            let Ok(source) = web_sys::EventSource::new(&url) else { return };
            let on_board = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                if let Some(board) = event.data().as_string().and_then(|data| serde_json::from_str::<ClinicBoard>(&data).ok()) {
                    set_board.try_set(Some(board));
                }
            });
            let weak = std::rc::Rc::downgrade(&live);
            let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| {
                let Some(live) = weak.upgrade() else { return };
                let closed = live.borrow().source.as_ref().is_some_and(|(s, _, _)| s.ready_state() == web_sys::EventSource::CLOSED);
                if closed && !live.borrow().stopped {
                    let (url, again) = (url.clone(), live.clone());
                    let retry = set_timeout_with_handle(move || connect(url, again, set_board), std::time::Duration::from_secs(5)).ok();
                    live.borrow_mut().retry = retry;
                }
            });
            let _ = source.add_event_listener_with_callback("board", on_board.as_ref().unchecked_ref());
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            // The stream it replaces is closed already; its listeners can go.
            live.borrow_mut().source = Some((source, on_board, on_error));
        }

        let live: Shared = Default::default();
        connect(format!("/d/{slug}/events"), live.clone(), set_board);
        let cleanup = SendWrapper::new(move || {
            let mut live = live.borrow_mut();
            live.stopped = true;
            if let Some(retry) = live.retry.take() {
                retry.clear();
            }
            if let Some((source, _, _)) = live.source.take() {
                source.close();
            }
        });
        // The wrapper makes the browser-only closure `Send` for `on_cleanup`; it must be called
        // through it, not moved out.
        #[allow(clippy::redundant_closure)]
        on_cleanup(move || cleanup());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (slug, set_board);
    board
}

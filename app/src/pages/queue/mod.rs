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

        type Open = (web_sys::EventSource, Closure<dyn Fn(web_sys::MessageEvent)>, Closure<dyn Fn(web_sys::Event)>);
        let open = StoredValue::new_local(None::<Open>);
        let stopped = StoredValue::new_local(false);
        let url = format!("/d/{slug}/events");
        fn connect(
            url: String,
            open: StoredValue<Option<Open>, LocalStorage>,
            stopped: StoredValue<bool, LocalStorage>,
            set_board: WriteSignal<Option<ClinicBoard>>,
        ) {
            if stopped.get_value() {
                return;
            }
            let Ok(source) = web_sys::EventSource::new(&url) else { return };
            let on_board = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                if let Some(board) = event.data().as_string().and_then(|data| serde_json::from_str::<ClinicBoard>(&data).ok()) {
                    set_board.set(Some(board));
                }
            });
            let again = url.clone();
            let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| {
                let closed = open.with_value(|o| o.as_ref().is_some_and(|(s, _, _)| s.ready_state() == web_sys::EventSource::CLOSED));
                if closed {
                    let again = again.clone();
                    set_timeout(move || connect(again, open, stopped, set_board), std::time::Duration::from_secs(5));
                }
            });
            let _ = source.add_event_listener_with_callback("board", on_board.as_ref().unchecked_ref());
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            open.set_value(Some((source, on_board, on_error)));
        }
        connect(url, open, stopped, set_board);
        let cleanup = SendWrapper::new(move || {
            stopped.set_value(true);
            open.try_with_value(|o| {
                if let Some((source, _, _)) = o {
                    source.close();
                }
            });
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

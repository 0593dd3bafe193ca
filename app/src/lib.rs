//! Yoyaku's UI and server functions. The booking rules (`booking`) and the storage interface
//! (`store`) are compiled for the server only; the browser gets the pages and the DTOs of `api`.

#[cfg(feature = "ssr")]
pub mod actions;
pub mod api;
pub mod booking;
pub mod error;
pub mod i18n;
pub mod kinds;
pub mod line;
#[cfg(feature = "ssr")]
pub mod notify;
pub mod pages;
pub mod patients;

#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title text="Yoyaku 予約"/>
        <Router>
            <main>
                <Routes fallback=|| view! { <pages::NotFound/> }>
                    <Route path=path!("/") view=pages::home::Home/>
                    <Route path=path!("/c/:slug") view=pages::clinic::ClinicPage/>
                    <Route path=path!("/liff/:clinic/a/:reference") view=pages::liff::LiffPage/>
                    <Route path=path!("/liff/:clinic") view=pages::liff::LiffPage/>
                    // The website widget: rendered whole before it is sent (a page that works
                    // without its WASM, with the clinic's name as its title). Not lazy: split off,
                    // it would load the shared bundle and its own chunks, more than the LIFF page.
                    <Route path=path!("/w/:clinic") view=pages::widget::WidgetPage ssr=SsrMode::Async/>
                    <Route path=path!("/w/:clinic/code") view=pages::widget::WidgetCodePage ssr=SsrMode::Async/>
                    <Route path=path!("/w/:clinic/a/:reference") view=pages::widget::WidgetAppointmentPage ssr=SsrMode::Async/>
                    <Route path=path!("/w/:clinic/a/:reference/data") view=pages::widget::WidgetDataPage ssr=SsrMode::Async/>
                    // The waiting room's display: rendered with the queue, then followed live.
                    <Route path=path!("/d/:clinic") view=pages::queue::DisplayPage ssr=SsrMode::Async/>
                    // The staff console is lazy: a separate WASM chunk, not downloaded by patients.
                    <ParentRoute path=path!("/staff") view={Lazy::<pages::staff::ConsoleRoute>::new()}>
                        <Route path=path!("") view={Lazy::<pages::staff::InboxRoute>::new()}/>
                        <Route path=path!("calendar") view={Lazy::<pages::staff::CalendarRoute>::new()}/>
                        <Route path=path!("queue") view={Lazy::<pages::staff::QueueRoute>::new()}/>
                        <Route path=path!("patients") view={Lazy::<pages::staff::PatientsRoute>::new()}/>
                        <Route path=path!("settings") view={Lazy::<pages::staff::SettingsRoute>::new()}/>
                        <Route path=path!("line-sandbox") view={Lazy::<pages::staff::LineSandboxRoute>::new()}/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

/// Becomes `true` once the browser has hydrated the server's page (never on the server). A view
/// that loads its data in the browser waits for it: with lazy routes hydration is asynchronous,
/// and a signal changed before it ends would make the browser's view differ from the server's.
pub fn hydrated() -> RwSignal<bool> {
    static HYDRATED: std::sync::OnceLock<RwSignal<bool>> = std::sync::OnceLock::new();
    *HYDRATED.get_or_init(|| RwSignal::new(false))
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `leptos::mount::hydrate_lazy`, plus the mark below once it has finished: a lazy route (the
    // staff console) hydrates only after its WASM chunk has arrived, so an effect in `App` would
    // run too early (inputs typed before that are reset by hydration).
    wasm_bindgen_futures::spawn_local(async {
        let body = document().body().expect("the page has a <body>");
        leptos::mount::hydrate_from_async(body.clone(), App).await.forget();
        hydrated().set(true);
        // Marks the page once the browser has taken it over, so tests (and screen readers) know
        // the buttons work.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

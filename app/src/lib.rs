//! Yoyaku's UI and server functions. The booking rules (`booking`) and the storage interface
//! (`store`) are compiled for the server only; the browser gets the pages and the DTOs of `api`.

pub mod api;
pub mod booking;
pub mod i18n;
pub mod line;
#[cfg(feature = "ssr")]
pub mod notify;
pub mod patients;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
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
    // Marks the page once the browser has taken it over, so tests (and screen readers) know the
    // buttons work; effects never run on the server.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/yoyaku.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title text="Yoyaku 予約"/>
        <Router>
            <main>
                <Routes fallback=|| view! { <pages::NotFound/> }>
                    <Route path=path!("/") view=pages::home::Home/>
                    <Route path=path!("/c/:slug") view=pages::clinic::ClinicPage/>
                    <Route path=path!("/liff/:clinic/a/:reference") view=pages::liff::LiffPage/>
                    <Route path=path!("/liff/:clinic") view=pages::liff::LiffPage/>
                    <ParentRoute path=path!("/staff") view=pages::staff::ConsoleShell>
                        <Route path=path!("") view=pages::staff::inbox::InboxPage/>
                        <Route path=path!("calendar") view=pages::staff::calendar::CalendarPage/>
                        <Route path=path!("patients") view=pages::staff::patients::PatientsPage/>
                        <Route path=path!("settings") view=pages::staff::settings::SettingsPage/>
                        <Route path=path!("line-sandbox") view=pages::staff::sandbox::LineSandboxPage/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

//! The staff console: sign-in, then the requests inbox, the calendar, patients, settings (owner)
//! and the LINE sandbox, under one navigation bar. New requests arrive live (server-sent events
//! from `/staff/events`) and show as a count in the bar.

pub mod calendar;
pub mod erasure;
pub mod inbox;
pub mod patients;
pub mod queue;
pub mod quota;
pub mod sandbox;
pub mod settings;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, A};
use leptos_router::{lazy_route, LazyRoute};

use super::LangSwitch;
use crate::api::staff::{load_staff_me, staff_sign_in, staff_sign_out, StaffMe};
use crate::api::PlaceView;
use crate::error::AppError;
use crate::i18n::Lang;

/// What every console page knows: who is signed in, the language, and the inbox's live state.
#[derive(Clone)]
pub struct Console {
    pub me: StaffMe,
    pub lang: RwSignal<Lang>,
    /// Requests waiting for an answer: as the page was made, then as the live updates say.
    pub pending: RwSignal<u32>,
    /// Changes whenever the inbox changes (live updates, or an action on this page).
    pub inbox_version: RwSignal<u64>,
}

impl Console {
    /// Something here changed the inbox: reload what depends on it.
    pub fn changed(&self) {
        self.inbox_version.update(|v| *v += 1);
    }
}

pub fn use_console() -> Console {
    expect_context::<Console>()
}

// The console's routes are lazy (`Lazy::<…>::new()` in `crate::App`): with `cargo leptos build
// --split` their code goes to separate WASM chunks that the browser fetches only under /staff,
// so patients' phones download the patient pages alone. The console loads its data itself, so
// `data()` holds nothing; each `view` is the page's component.
pub struct ConsoleRoute;
#[lazy_route]
impl LazyRoute for ConsoleRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <ConsoleShell/> }.into_any()
    }
}

pub struct InboxRoute;
#[lazy_route]
impl LazyRoute for InboxRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <inbox::InboxPage/> }.into_any()
    }
}

pub struct CalendarRoute;
#[lazy_route]
impl LazyRoute for CalendarRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <calendar::CalendarPage/> }.into_any()
    }
}

pub struct QueueRoute;
#[lazy_route]
impl LazyRoute for QueueRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <queue::QueuePage/> }.into_any()
    }
}

pub struct PatientsRoute;
#[lazy_route]
impl LazyRoute for PatientsRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <patients::PatientsPage/> }.into_any()
    }
}

pub struct SettingsRoute;
#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <settings::SettingsPage/> }.into_any()
    }
}

pub struct LineSandboxRoute;
#[lazy_route]
impl LazyRoute for LineSandboxRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <sandbox::LineSandboxPage/> }.into_any()
    }
}

#[component]
pub fn ConsoleShell() -> impl IntoView {
    let lang = RwSignal::new(Lang::Ja);
    let signed = RwSignal::new(0u32);
    let shell = RwSignal::new(Shell::Loading);
    // The console is built in the browser: the server sends only "loading", and who is signed
    // in is asked once the page has been hydrated (effects never run on the server). Nothing
    // of the console is then hydrated, so server and browser can never disagree about it.
    Effect::new(move |_| {
        let (lang, _) = (lang.get(), signed.get());
        if !crate::hydrated().get() {
            return;
        }
        spawn_local(async move {
            shell.set(match load_staff_me(lang).await {
                Ok(Some(me)) => Shell::SignedIn(me),
                Ok(None) => Shell::SignedOut,
                Err(e) => Shell::Failed(e.message.clone()),
            });
        });
    });
    let changed = Callback::new(move |_| signed.update(|n| *n += 1));
    view! {
        <div class="console">
            {move || match shell.get() {
                Shell::Loading => view! { <p class="loading" aria-live="polite">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }.into_any(),
                Shell::SignedIn(me) => view! { <SignedIn me lang on_sign_out=changed/> }.into_any(),
                Shell::SignedOut => view! { <SignIn lang on_signed_in=changed/> }.into_any(),
                Shell::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            }}
        </div>
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Shell {
    Loading,
    SignedOut,
    SignedIn(StaffMe),
    Failed(String),
}

#[component]
fn SignedIn(me: StaffMe, lang: RwSignal<Lang>, on_sign_out: Callback<()>) -> impl IntoView {
    let console = Console { me: me.clone(), lang, pending: RwSignal::new(me.pending), inbox_version: RwSignal::new(0) };
    provide_context(console.clone());
    live_inbox_updates(console.clone());
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = staff_sign_out(lang.get_untracked()).await;
            on_sign_out.run(());
        });
    };
    let owner = me.is_owner();
    let sandbox = me.sandbox;
    let pending = console.pending;
    view! {
        <header class="console-bar">
            <div class="console-clinic">
                <strong>{me.clinic_name.clone()}</strong>
                <span class="muted">{me.name.clone()}</span>
            </div>
            <nav class="console-nav" aria-label=move || lang.get().pick("メニュー", "Console")>
                <A href="/staff" exact=true>
                    {move || lang.get().pick("受付", "Requests")}
                    <span class="badge" data-testid="pending-count" hidden=move || pending.get() == 0>{move || pending.get()}</span>
                </A>
                <A href="/staff/calendar">{move || lang.get().pick("カレンダー", "Calendar")}</A>
                <A href="/staff/queue">{move || lang.get().pick("順番", "Queue")}</A>
                <A href="/staff/patients">{move || lang.get().pick("患者", "Patients")}</A>
                {owner.then(|| view! { <A href="/staff/settings">{move || lang.get().pick("設定", "Settings")}</A> })}
                {sandbox.then(|| view! { <A href="/staff/line-sandbox">{move || lang.get().pick("LINEサンドボックス", "LINE sandbox")}</A> })}
            </nav>
            <div class="console-tools">
                <LangSwitch lang=lang.read_only() set_lang=lang.write_only()/>
                <button type="button" on:click=sign_out>{move || lang.get().pick("ログアウト", "Sign out")}</button>
            </div>
        </header>
        <section class="console-page">
            <Outlet/>
        </section>
    }
}

/// Listens to `/staff/events` while the console is open. Each event says the inbox changed and
/// carries the number of pending requests; the pages reload what they show. The stream opens a
/// moment after the page, so no update lands while the server-rendered page is being hydrated
/// (the page was rendered with the current state; changes meanwhile still arrive, as the stream
/// compares with the state when it opened).
fn live_inbox_updates(console: Console) {
    #[cfg(feature = "hydrate")]
    {
        use send_wrapper::SendWrapper;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        let opened = StoredValue::new_local(None::<(web_sys::EventSource, Closure<dyn Fn(web_sys::MessageEvent)>)>);
        let connect = move || {
            let Ok(source) = web_sys::EventSource::new("/staff/events") else { return };
            let on_inbox = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let pending = event
                    .data()
                    .as_string()
                    .and_then(|data| data.split("\"pending\":").nth(1).and_then(|rest| rest.split([',', '}']).next().and_then(|n| n.trim().parse().ok())));
                if let Some(pending) = pending {
                    console.pending.set(pending);
                }
                console.changed();
            });
            let _ = source.add_event_listener_with_callback("inbox", on_inbox.as_ref().unchecked_ref());
            opened.set_value(Some((source, on_inbox)));
        };
        let timer = set_timeout_with_handle(connect, std::time::Duration::from_millis(800)).ok();
        let cleanup = SendWrapper::new(move || {
            if let Some(timer) = timer {
                timer.clear();
            }
            opened.try_with_value(|open| {
                if let Some((source, _)) = open {
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
    let _ = console;
}

/// What the last action on a page came to: done (a status) or refused (an alert).
#[component]
pub fn ActionMessage(message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    view! {
        <div aria-live="polite">
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="done" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
            })}
        </div>
    }
}

/// The free places of a day as radio buttons (proposing a time, booking a phone call).
#[component]
pub fn PlacePicker(places: Resource<Result<Vec<PlaceView>, AppError>>, chosen: RwSignal<Option<PlaceView>>) -> impl IntoView {
    let lang = use_console().lang;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move { match places.await {
                Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="muted">{move || lang.get().pick("この日は空きがありません。", "No free places that day.")}</p> }.into_any(),
                Ok(list) => view! {
                    <div class="place-grid" role="radiogroup" aria-label=move || lang.get().pick("時間", "Time")>
                        {list.into_iter().map(|p| {
                            let key = (p.resource_id, p.starts_at);
                            let label = format!("{} {}", p.label, p.resource_name);
                            view! {
                                <button type="button" class="place-choice" role="radio"
                                    aria-checked=move || chosen.get().is_some_and(|c| (c.resource_id, c.starts_at) == key).to_string()
                                    on:click=move |_| chosen.set(Some(p.clone()))>{label}</button>
                            }
                        }).collect_view()}
                    </div>
                }.into_any(),
            }})}
        </Transition>
    }
}

#[component]
fn SignIn(lang: RwSignal<Lang>, on_signed_in: Callback<()>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match staff_sign_in(email.get_untracked(), password.get_untracked(), lang.get_untracked()).await {
                Ok(_) => on_signed_in.run(()),
                Err(e) => {
                    error.set(Some(e.message.clone()));
                    password.set(String::new());
                }
            }
            busy.set(false);
        });
    };
    view! {
        <div class="card sign-in">
            <div class="top">
                <h1>{move || lang.get().pick("スタッフログイン", "Staff sign-in")}</h1>
                <LangSwitch lang=lang.read_only() set_lang=lang.write_only()/>
            </div>
            <form on:submit=submit>
                <label for="staff-email">{move || lang.get().pick("メールアドレス", "E-mail address")}</label>
                <input id="staff-email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string()/>
                <label for="staff-password">{move || lang.get().pick("パスワード", "Password")}</label>
                <input id="staff-password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string()/>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>{move || lang.get().pick("ログイン", "Sign in")}</button>
            </form>
        </div>
    }
}

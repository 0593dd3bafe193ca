//! The patient's booking page: inside LINE (LIFF) or, for a clinic without LINE channels, in
//! sandbox mode with a demo sign-in. Menu → day → place → details and questions → consent and
//! review → send; then the request's status and "My appointments".

mod appointments;
mod booking;
mod details;
mod my_data;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::LangSwitch;
use crate::api::liff::*;
#[cfg(feature = "hydrate")]
use crate::error::ErrorCode;
use crate::i18n::Lang;
use appointments::{AppointmentStatus, MyAppointments};
use booking::BookingFlow;

#[derive(Clone, Debug, PartialEq)]
enum Auth {
    Starting,
    /// Sandbox clinic: the patient starts the demo sign-in.
    SandboxStart,
    SignedIn(PatientView),
    /// The browser is on its way to LINE's login.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Redirecting,
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tab {
    Book,
    Mine,
    Hours,
}

impl Tab {
    /// The tab a link asks for (`?tab=mine`, `?tab=hours`: the rich menu's buttons).
    fn in_address() -> Option<Tab> {
        match in_address("tab")?.as_str() {
            "mine" => Some(Tab::Mine),
            "hours" => Some(Tab::Hours),
            _ => None,
        }
    }
}

/// The value of `key` in the page's query (as LIFF restored it from `liff.state`); nothing on
/// the server.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
pub(super) fn in_address(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let search = window().location().search().ok()?;
        search.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')).map(str::to_string)
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Signed in: the tab the link asked for opens first.
fn signed_in(result: Auth, tab: RwSignal<Tab>, auth: RwSignal<Auth>) {
    if matches!(result, Auth::SignedIn(_)) {
        if let Some(wanted) = Tab::in_address() {
            tab.set(wanted);
        }
    }
    auth.set(result);
}

#[component]
pub fn LiffPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Signal::derive(move || params.read().get("clinic").unwrap_or_default());
    let (lang, set_lang) = signal(Lang::Ja);
    let auth = RwSignal::new(Auth::Starting);
    let tab = RwSignal::new(Tab::Book);
    let friend = RwSignal::new(None::<bool>);
    let reschedule = RwSignal::new(None::<AppointmentView>);
    // `/liff/{clinic}/a/{reference}`: the status page of one appointment (linked from LINE
    // messages). LIFF restores this path inside `liff.init`, before the router reads it.
    let reference = Signal::derive(move || params.read().get("reference"));
    let setup = Resource::new(move || slug.get(), move |slug| load_liff_setup(slug, lang.get_untracked()));

    // Sign-in runs in the browser only, once the setup is known.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let Some(Ok(s)) = setup.get() else { return false };
        let slug = slug.get_untracked();
        spawn_local(async move {
            let result = if s.sandbox { sandbox_start(&slug, lang.get_untracked()).await } else { line_start(&s, &slug, set_lang, friend).await };
            signed_in(result, tab, auth);
        });
        true
    });

    let start_sandbox = Callback::new(move |_: ()| {
        let slug = slug.get_untracked();
        spawn_local(async move {
            let result = match sandbox_sign_in(slug, lang.get_untracked()).await {
                Ok(p) => Auth::SignedIn(p),
                Err(e) => Auth::Failed(e.message.clone()),
            };
            signed_in(result, tab, auth);
        });
    });

    // Everything that depends on the setup renders inside Suspense, so the server's HTML and
    // the browser's first render agree (hydration).
    view! {
        <Suspense fallback=move || view! { <p class="loading">{lang.get().pick("読み込み中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match setup.await {
                    Ok(s) => {
                        let add_friend_url = s.add_friend_url.clone();
                        let hours = StoredValue::new((s.hours_ja.clone(), s.hours_en.clone(), s.closed_on_holidays));
                        let clinic_name = s.clinic_name.clone();
                        view! {
                            // The clinic's name in the tab and in LINE's title bar.
                            <Title text=move || format!("{clinic_name} {}", lang.get().pick("のご予約", "— booking"))/>
                            <header class="top">
                                <h1>{s.clinic_name.clone()}</h1>
                                <LangSwitch lang set_lang/>
                            </header>
                            {s.sandbox.then(|| view! {
                                <p class="sandbox-banner" role="note">
                                    {move || lang.get().pick(
                                        "サンドボックス(お試し)モード:LINEに接続していないデモです。実際の予約にはなりません。",
                                        "Sandbox mode: a demo without LINE. Nothing here is a real booking.",
                                    )}
                                </p>
                            })}
                            <Show when=move || friend.get() == Some(false)>
                                <FriendNotice lang add_friend_url=add_friend_url.clone()/>
                            </Show>
                            <AuthView lang auth tab reschedule slug reference start_sandbox hours/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuthView(
    lang: ReadSignal<Lang>,
    auth: RwSignal<Auth>,
    tab: RwSignal<Tab>,
    reschedule: RwSignal<Option<AppointmentView>>,
    slug: Signal<String>,
    reference: Signal<Option<String>>,
    start_sandbox: Callback<()>,
    hours: StoredValue<(Vec<String>, Vec<String>, bool)>,
) -> impl IntoView {
    move || {
        match auth.get() {
        Auth::Starting => view! { <p class="loading" aria-live="polite">{lang.get().pick("読み込み中…", "Loading…")}</p> }.into_any(),
        Auth::Redirecting => view! { <p class="loading" aria-live="polite">{lang.get().pick("LINEにログインしています…", "Signing in with LINE…")}</p> }.into_any(),
        Auth::Failed(message) => view! {
            <div class="card">
                <p class="error" role="alert">{message}</p>
                <button type="button" on:click=move |_| reload()>{lang.get().pick("もう一度読み込む", "Reload")}</button>
            </div>
        }.into_any(),
        Auth::SandboxStart => view! {
            <div class="card">
                <p>{lang.get().pick("お試し用のログインで予約の流れを体験できます。", "Try the booking flow with a demo sign-in.")}</p>
                <button type="button" class="primary" on:click=move |_| start_sandbox.run(())>{lang.get().pick("お試しで始める", "Start the demo")}</button>
            </div>
        }.into_any(),
        Auth::SignedIn(patient) => view! {
            {move || reference.get().map(|r| view! { <AppointmentStatus slug lang reference=r/> })}
            <nav class="tabs" role="tablist">
                <button type="button" role="tab" aria-selected=move || (tab.get() == Tab::Book).to_string() on:click=move |_| tab.set(Tab::Book)>
                    {move || lang.get().pick("予約する", "Book")}
                </button>
                <button type="button" role="tab" aria-selected=move || (tab.get() == Tab::Mine).to_string() on:click=move |_| { reschedule.set(None); tab.set(Tab::Mine) }>
                    {move || lang.get().pick("予約の確認", "My appointments")}
                </button>
                <button type="button" role="tab" aria-selected=move || (tab.get() == Tab::Hours).to_string() on:click=move |_| tab.set(Tab::Hours)>
                    {move || lang.get().pick("診療時間", "Hours")}
                </button>
            </nav>
            {move || match tab.get() {
                Tab::Book => view! { <BookingFlow slug lang patient=patient.clone() reschedule tab/> }.into_any(),
                Tab::Mine => view! { <MyAppointments slug lang reschedule tab/> <my_data::MyData slug lang/> }.into_any(),
                Tab::Hours => view! { <Hours lang hours/> }.into_any(),
            }}
        }.into_any(),
    }
    }
}

/// The clinic's week (the rich menu's 診療時間 button opens it).
#[component]
fn Hours(lang: ReadSignal<Lang>, hours: StoredValue<(Vec<String>, Vec<String>, bool)>) -> impl IntoView {
    let (ja, en, closed_on_holidays) = hours.get_value();
    view! {
        <section class="card" aria-labelledby="hours-title">
            <h2 id="hours-title">{move || lang.get().pick("診療時間", "Opening hours")}</h2>
            <ul class="week-hours">
                {move || match lang.get() { Lang::Ja => &ja, Lang::En => &en }.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}
            </ul>
            {closed_on_holidays.then(|| view! { <p>{move || lang.get().pick("祝日は休診です。", "Closed on national holidays.")}</p> })}
            <p class="hint">{move || lang.get().pick(
                "休診日やご予約の空きは「予約する」でご確認ください。",
                "For closed days and free times, see “Book”.",
            )}</p>
        </section>
    }
}

#[component]
fn FriendNotice(lang: ReadSignal<Lang>, add_friend_url: Option<String>) -> impl IntoView {
    view! {
        <div class="card notice" role="note">
            <p>{move || lang.get().pick(
                "予約の確定などのお知らせはLINEで届きます。医院の公式アカウントを友だち追加してください。",
                "Confirmations arrive in LINE. Please add the clinic's official account as a friend.",
            )}</p>
            {add_friend_url.map(|href| view! { <a class="button" href=href>{move || lang.get().pick("友だち追加", "Add friend")}</a> })}
        </div>
    }
}

#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
pub(super) fn open_page(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
}

fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

async fn sandbox_start(slug: &str, lang: Lang) -> Auth {
    match current_patient(slug.to_string(), lang).await {
        Ok(Some(p)) => Auth::SignedIn(p),
        Ok(None) => Auth::SandboxStart,
        Err(e) => Auth::Failed(e.message.clone()),
    }
}

/// LIFF sign-in: init, login when needed, then the server verifies the ID token with LINE.
#[allow(unused_variables)]
async fn line_start(setup: &LiffSetup, slug: &str, set_lang: WriteSignal<Lang>, friend: RwSignal<Option<bool>>) -> Auth {
    #[cfg(feature = "hydrate")]
    {
        use crate::line::liff;
        let Some(liff_id) = setup.liff_id.as_deref() else { return Auth::Failed("LIFF ID missing".into()) };
        if let Err(e) = liff::load_sdk(&setup.sdk_url).await {
            return Auth::Failed(e);
        }
        if let Err(e) = liff::init(liff_id, setup.mock).await {
            return Auth::Failed(format!("LINE: {e}"));
        }
        let lang = liff::language().map(|tag| Lang::from_tag(&tag)).unwrap_or_default();
        set_lang.set(lang);
        let now_seconds = js_sys::Date::now() / 1000.0;
        let stale = liff::id_token_expiry().is_some_and(|exp| exp <= now_seconds);
        if !liff::is_logged_in() || stale {
            if stale {
                liff::logout();
            }
            if let Err(e) = liff::login() {
                return Auth::Failed(format!("LINE: {e}"));
            }
            if !liff::is_logged_in() {
                return Auth::Redirecting;
            }
        }
        let Some(token) = liff::id_token() else {
            return Auth::Failed(lang.pick("LINEのログイン情報を取得できませんでした。", "Could not get your LINE sign-in.").into());
        };
        let access_token = liff::access_token().unwrap_or_default();
        let result = match line_sign_in(slug.to_string(), token, access_token, lang).await {
            Ok(p) => {
                friend.set(p.friend);
                Auth::SignedIn(p)
            }
            Err(e) if e.code == ErrorCode::LineSignInExpired => {
                // The cached token was stale: log in again once; LINE brings the patient back.
                liff::logout();
                match liff::login() {
                    Ok(()) => Auth::Redirecting,
                    Err(e) => Auth::Failed(format!("LINE: {e}")),
                }
            }
            Err(e) => Auth::Failed(e.message.clone()),
        };
        result
    }
    #[cfg(not(feature = "hydrate"))]
    Auth::Starting
}

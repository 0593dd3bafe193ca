//! The patient's booking page: inside LINE (LIFF) or, for a clinic without LINE channels, in
//! sandbox mode with a demo sign-in. Menu → day → place → details and questions → consent and
//! review → send; then the request's status and "My appointments".

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use super::LangSwitch;
use crate::api::liff::*;
use crate::api::PlaceView;
use crate::booking::ids::QuestionId;
use crate::i18n::Lang;
use crate::patients::{DetailsInput, FieldError};

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
enum Tab {
    Book,
    Mine,
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
            auth.set(result);
        });
        true
    });

    let start_sandbox = Callback::new(move |_: ()| {
        let slug = slug.get_untracked();
        spawn_local(async move {
            auth.set(match sandbox_sign_in(slug, lang.get_untracked()).await {
                Ok(p) => Auth::SignedIn(p),
                Err(e) => Auth::Failed(error_text(&e)),
            });
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
                        view! {
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
                            <AuthView lang auth tab reschedule slug reference start_sandbox/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
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
) -> impl IntoView {
    move || match auth.get() {
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
            </nav>
            {move || match tab.get() {
                Tab::Book => view! { <BookingFlow slug lang patient=patient.clone() reschedule tab/> }.into_any(),
                Tab::Mine => view! { <MyAppointments slug lang reschedule tab/> }.into_any(),
            }}
        }.into_any(),
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
fn open_page(path: &str) {
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

/// The message of a server-function error, without the framework's prefix.
pub(crate) fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    }
}

async fn sandbox_start(slug: &str, lang: Lang) -> Auth {
    match current_patient(slug.to_string(), lang).await {
        Ok(Some(p)) => Auth::SignedIn(p),
        Ok(None) => Auth::SandboxStart,
        Err(e) => Auth::Failed(error_text(&e)),
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
        let result = match line_sign_in(slug.to_string(), token, lang).await {
            Ok(p) => Auth::SignedIn(p),
            Err(e) if error_text(&e) == SIGN_IN_EXPIRED => {
                // The cached token was stale: log in again once; LINE brings the patient back.
                liff::logout();
                match liff::login() {
                    Ok(()) => Auth::Redirecting,
                    Err(e) => Auth::Failed(format!("LINE: {e}")),
                }
            }
            Err(e) => Auth::Failed(error_text(&e)),
        };
        if matches!(result, Auth::SignedIn(_)) {
            friend.set(liff::is_friend().await);
        }
        result
    }
    #[cfg(not(feature = "hydrate"))]
    Auth::Starting
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Menu,
    Day(MenuChoice),
    Place(MenuChoice, String),
    Form(MenuChoice, PlaceView),
    Review(MenuChoice, PlaceView),
    Done(AppointmentView),
}

#[component]
fn BookingFlow(
    slug: Signal<String>,
    lang: ReadSignal<Lang>,
    patient: PatientView,
    reschedule: RwSignal<Option<AppointmentView>>,
    tab: RwSignal<Tab>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Menu);
    let details = RwSignal::new(patient.details.clone());
    let answers = RwSignal::new(Vec::<(QuestionId, String)>::new());
    let consent = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let notice = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);

    let menus = Resource::new(move || (slug.get(), lang.get()), |(slug, lang)| liff_menus(slug, lang));
    // Rescheduling starts at the day step of the same menu.
    Effect::new(move |_| {
        if let (Some(r), Some(Ok(list))) = (reschedule.get(), menus.get()) {
            if let Some(m) = list.into_iter().find(|m| m.id == r.menu_id) {
                step.set(Step::Day(m));
            }
        }
    });

    let submit = move |menu: MenuChoice, place: PlaceView| {
        sending.set(true);
        let request = BookingRequest {
            slug: slug.get_untracked(),
            menu_id: menu.id,
            resource_id: place.resource_id,
            starts_at: place.starts_at,
            details: details.get_untracked(),
            answers: answers.get_untracked(),
            consent: consent.get_untracked(),
            replaces: reschedule.get_untracked().map(|r| r.reference),
            lang: lang.get_untracked(),
        };
        spawn_local(async move {
            match submit_booking(request).await {
                Ok(SubmitOutcome::Sent(view)) => {
                    errors.set(Vec::new());
                    notice.set(None);
                    reschedule.set(None);
                    step.set(Step::Done(view));
                }
                Ok(SubmitOutcome::Invalid(list)) => {
                    errors.set(list);
                    step.set(Step::Form(menu, place));
                }
                Ok(SubmitOutcome::Taken(message)) => {
                    notice.set(Some(message));
                    let date = place.date.clone();
                    step.set(Step::Place(menu, date));
                }
                Err(e) => notice.set(Some(error_text(&e))),
            }
            sending.set(false);
        });
    };

    view! {
        <div class="flow">
            <Show when=move || reschedule.get().is_some()>
                <p class="card notice">{move || reschedule.get().map(|r| match lang.get() {
                    Lang::Ja => format!("{} の予約を変更します。新しい日時が確定すると、元の予約は取り消されます。", r.when),
                    Lang::En => format!("Changing your visit on {}. The old visit is cancelled once the new time is confirmed.", r.when),
                })}</p>
            </Show>
            <p class="error" role="alert" aria-live="assertive">{move || notice.get()}</p>
            {move || match step.get() {
                Step::Menu => view! {
                    <h2>{move || lang.get().pick("メニューを選んでください", "Choose a menu")}</h2>
                    <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
                        {move || Suspend::new(async move {
                            match menus.await {
                                Ok(list) => view! {
                                    <ul class="choices">
                                        {list.into_iter().map(|m| {
                                            let chosen = m.clone();
                                            let meta = menu_meta(&m, lang.get_untracked());
                                            view! {
                                                <li><button type="button" class="choice" on:click=move |_| { notice.set(None); step.set(Step::Day(chosen.clone())) }>
                                                    <span class="choice-title">{m.name.clone()}</span>
                                                    <span class="choice-meta">{meta}</span>
                                                </button></li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
                                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                }.into_any(),
                Step::Day(menu) => view! { <DayStep slug lang menu step notice/> }.into_any(),
                Step::Place(menu, date) => view! { <PlaceStep slug lang menu date step notice/> }.into_any(),
                Step::Form(menu, place) => view! { <FormStep slug lang menu place step details answers consent errors/> }.into_any(),
                Step::Review(menu, place) => {
                    let (m, p) = (menu.clone(), place.clone());
                    view! {
                        <section class="card review" aria-labelledby="review-title">
                            <h2 id="review-title">{move || lang.get().pick("内容の確認", "Review")}</h2>
                            <dl>
                                <dt>{move || lang.get().pick("メニュー", "Menu")}</dt><dd>{menu.name.clone()}</dd>
                                <dt>{move || lang.get().pick("日時", "When")}</dt><dd class="review-when">{place.label.clone()}</dd>
                                <dt>{move || lang.get().pick("担当", "With")}</dt><dd>{place.resource_name.clone()}</dd>
                                <dt>{move || lang.get().pick("お名前", "Name")}</dt><dd>{move || details.get().name}</dd>
                                <dt>{move || lang.get().pick("電話番号", "Phone")}</dt><dd>{move || details.get().phone}</dd>
                            </dl>
                            <div class="actions">
                                <button type="button" on:click={let (m, p) = (m.clone(), p.clone()); move |_| step.set(Step::Form(m.clone(), p.clone()))}>
                                    {move || lang.get().pick("戻る", "Back")}
                                </button>
                                <button type="button" class="primary" disabled=move || sending.get() on:click=move |_| submit(m.clone(), p.clone())>
                                    {move || if sending.get() { lang.get().pick("送信中…", "Sending…") } else { lang.get().pick("この内容で送信する", "Send request") }}
                                </button>
                            </div>
                        </section>
                    }.into_any()
                }
                Step::Done(view) => view! {
                    <AppointmentCard lang appointment=view.clone()/>
                    <div class="actions">
                        <button type="button" on:click=move |_| tab.set(Tab::Mine)>{move || lang.get().pick("予約の確認へ", "My appointments")}</button>
                        <button type="button" on:click=move |_| step.set(Step::Menu)>{move || lang.get().pick("別の予約をする", "Book another")}</button>
                    </div>
                }.into_any(),
            }}
        </div>
    }
}

fn menu_meta(m: &MenuChoice, lang: Lang) -> String {
    let mode = super::mode_label(&m.mode, m.capacity, lang);
    let approval = match (m.needs_approval, lang) {
        (true, Lang::Ja) => "医院の承認後に確定",
        (true, Lang::En) => "confirmed by the clinic",
        (false, Lang::Ja) => "すぐに確定",
        (false, Lang::En) => "confirmed at once",
    };
    match lang {
        Lang::Ja => format!("{}分・{mode}・{approval}", m.duration_minutes),
        Lang::En => format!("{} min · {mode} · {approval}", m.duration_minutes),
    }
}

#[component]
fn DayStep(slug: Signal<String>, lang: ReadSignal<Lang>, menu: MenuChoice, step: RwSignal<Step>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let month = RwSignal::new(None::<String>);
    let menu_id = menu.id;
    let calendar = Resource::new(move || (slug.get(), month.get(), lang.get()), move |(slug, month, lang)| menu_calendar(slug, menu_id, month, lang));
    let weekdays = move || match lang.get() {
        Lang::Ja => ["日", "月", "火", "水", "木", "金", "土"],
        Lang::En => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    };
    view! {
        <h2>{menu.name.clone()} " — " {move || lang.get().pick("日にちを選んでください", "Choose a day")}</h2>
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let menu = menu.clone();
                Suspend::new(async move {
                    match calendar.await {
                        Ok(cal) => {
                            let (prev, next) = (cal.prev.clone(), cal.next.clone());
                            view! {
                                <div class="calendar card">
                                    <div class="calendar-head">
                                        <button type="button" disabled=prev.is_none() aria-label=move || lang.get().pick("前の月", "Previous month")
                                            on:click=move |_| month.set(prev.clone())>"‹"</button>
                                        <h3 aria-live="polite">{cal.label.clone()}</h3>
                                        <button type="button" disabled=next.is_none() aria-label=move || lang.get().pick("次の月", "Next month")
                                            on:click=move |_| month.set(next.clone())>"›"</button>
                                    </div>
                                    <div class="calendar-grid" role="grid">
                                        {weekdays().into_iter().map(|w| view! { <span class="weekday" role="columnheader">{w}</span> }).collect_view()}
                                        {(0..cal.leading_blanks).map(|_| view! { <span class="blank"></span> }).collect_view()}
                                        {cal.days.into_iter().map(|d| {
                                            let menu = menu.clone();
                                            let date = d.date.clone();
                                            view! {
                                                <button type="button" class="day" class:free={d.free > 0} disabled={d.free == 0}
                                                    data-date=d.date.clone() aria-label=d.label.clone()
                                                    on:click=move |_| { notice.set(None); step.set(Step::Place(menu.clone(), date.clone())) }>
                                                    <span>{d.day}</span>
                                                    <span class="mark" aria-hidden="true">{if d.free > 0 { "○" } else { "−" }}</span>
                                                </button>
                                            }
                                        }).collect_view()}
                                    </div>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
        <div class="actions">
            <button type="button" on:click=move |_| step.set(Step::Menu)>{move || lang.get().pick("メニュー選択に戻る", "Back to menus")}</button>
        </div>
    }
}

#[component]
fn PlaceStep(slug: Signal<String>, lang: ReadSignal<Lang>, menu: MenuChoice, date: String, step: RwSignal<Step>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let menu_id = menu.id;
    let day = date.clone();
    let places = Resource::new(move || (slug.get(), lang.get()), move |(slug, lang)| day_places(slug, menu_id, day.clone(), lang));
    let back_menu = menu.clone();
    view! {
        <h2>{menu.name.clone()} " — " {move || lang.get().pick("時間を選んでください", "Choose a time")}</h2>
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let menu = menu.clone();
                Suspend::new(async move {
                    match places.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="none">{lang.get_untracked().pick("この日は空きがなくなりました。別の日をお選びください。", "This day is now full. Please choose another day.")}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="choices places-list">
                                {list.into_iter().map(|p| {
                                    let (menu, place) = (menu.clone(), p.clone());
                                    let left = match lang.get_untracked() { Lang::Ja => format!("残り{}", p.remaining), Lang::En => format!("{} left", p.remaining) };
                                    view! {
                                        <li><button type="button" class="choice place-choice" data-starts-at=p.starts_at
                                            on:click=move |_| { notice.set(None); step.set(Step::Form(menu.clone(), place.clone())) }>
                                            <span class="choice-title">{p.label.clone()}</span>
                                            <span class="choice-meta">{p.resource_name.clone()} " · " {left}</span>
                                        </button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
        <div class="actions">
            <button type="button" on:click=move |_| step.set(Step::Day(back_menu.clone()))>{move || lang.get().pick("日にち選択に戻る", "Back to days")}</button>
        </div>
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn FormStep(
    slug: Signal<String>,
    lang: ReadSignal<Lang>,
    menu: MenuChoice,
    place: PlaceView,
    step: RwSignal<Step>,
    details: RwSignal<DetailsInput>,
    answers: RwSignal<Vec<(QuestionId, String)>>,
    consent: RwSignal<bool>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let menu_id = menu.id;
    let setup = Resource::new(move || (slug.get(), lang.get()), move |(slug, lang)| load_booking_setup(slug, menu_id, lang));
    // Details remembered from the last visit fill empty fields once.
    Effect::new(move |_| {
        if let Some(Ok(s)) = setup.get() {
            details.update(|d| {
                if d == &DetailsInput::default() {
                    *d = s.details.clone();
                }
            });
        }
    });
    let error_for = move |field: &'static str| move || errors.get().into_iter().find(|e| e.field == field).map(|e| e.message);
    let text_field = move |field: &'static str, ja: &'static str, en: &'static str, kind: &'static str, autocomplete: &'static str,
                           get: fn(&DetailsInput) -> String, set: fn(&mut DetailsInput, String)| {
        let error = error_for(field);
        let has_error = move || error_for(field)().is_some();
        view! {
            <div class="field">
                <label for=field>{move || lang.get().pick(ja, en)}</label>
                <input id=field name=field type=kind autocomplete=autocomplete
                    prop:value=move || get(&details.get())
                    aria-invalid=move || has_error().to_string()
                    aria-describedby=format!("{field}-error")
                    on:input=move |ev| details.update(|d| set(d, event_target_value(&ev)))/>
                <p class="field-error" id=format!("{field}-error") aria-live="polite">{error}</p>
            </div>
        }
    };
    let review_menu = menu.clone();
    let review_place = place.clone();
    let back_menu = menu.clone();
    let back_date = place.date.clone();
    view! {
        <h2>{move || lang.get().pick("患者さまの情報", "Your details")}</h2>
        <p class="chosen">{menu.name.clone()} " · " {place.label.clone()}</p>
        <form class="card form" on:submit=move |ev| {
            ev.prevent_default();
            errors.set(Vec::new());
            step.set(Step::Review(review_menu.clone(), review_place.clone()));
        }>
            <Show when=move || !errors.get().is_empty()>
                <p class="error" role="alert">{move || lang.get().pick("入力内容を確認してください。", "Please check the highlighted fields.")}</p>
            </Show>
            {text_field("name", "お名前", "Name", "text", "name", |d| d.name.clone(), |d, v| d.name = v)}
            {text_field("furigana", "フリガナ", "Name reading (furigana)", "text", "off", |d| d.furigana.clone(), |d, v| d.furigana = v)}
            {text_field("phone", "電話番号", "Phone number", "tel", "tel", |d| d.phone.clone(), |d, v| d.phone = v)}
            {text_field("birth_date", "生年月日", "Date of birth", "date", "bday", |d| d.birth_date.clone(), |d, v| d.birth_date = v)}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(s) => view! {
                            {(!s.questions.is_empty()).then(|| view! { <h3>{lang.get_untracked().pick("問診", "Questions from the clinic")}</h3> })}
                            {s.questions.into_iter().map(|q| view! { <QuestionField lang question=q answers errors/> }).collect_view()}
                            <h3>{lang.get_untracked().pick("個人情報の取り扱い", "Privacy notice")}</h3>
                            <p class="privacy">{s.privacy_notice}</p>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <div class="field check">
                <input id="consent" name="consent" type="checkbox" prop:checked=move || consent.get()
                    aria-describedby="consent-error" aria-invalid=move || error_for("consent")().is_some().to_string()
                    on:change=move |ev| consent.set(event_target_checked(&ev))/>
                <label for="consent">{move || lang.get().pick("個人情報の取り扱いに同意します", "I agree to the privacy notice")}</label>
                <p class="field-error" id="consent-error" aria-live="polite">{error_for("consent")}</p>
            </div>
            <div class="actions">
                <button type="button" on:click=move |_| step.set(Step::Place(back_menu.clone(), back_date.clone()))>{move || lang.get().pick("時間選択に戻る", "Back to times")}</button>
                <button type="submit" class="primary">{move || lang.get().pick("確認へ進む", "Review")}</button>
            </div>
        </form>
    }
}

#[component]
fn QuestionField(lang: ReadSignal<Lang>, question: QuestionView, answers: RwSignal<Vec<(QuestionId, String)>>, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let id = question.id;
    let field = format!("question-{}", id.0);
    let error_field = field.clone();
    let error = move || errors.get().into_iter().find(|e| e.field == error_field).map(|e| e.message);
    let value = move || answers.get().into_iter().find(|(q, _)| *q == id).map(|(_, a)| a).unwrap_or_default();
    let set = move |v: String| {
        answers.update(|list| {
            list.retain(|(q, _)| *q != id);
            list.push((id, v));
        })
    };
    let required = if question.required { lang.get_untracked().pick("(必須)", "(required)") } else { "" };
    let label = format!("{} {required}", question.label);
    let input = match question.kind.as_str() {
        "yes_no" => {
            let options = [("yes", lang.get_untracked().pick("はい", "Yes")), ("no", lang.get_untracked().pick("いいえ", "No"))];
            view! {
                <div class="options" role="radiogroup" aria-label=label.clone()>
                    {options.into_iter().map(|(v, text)| {
                        let input_id = format!("{field}-{v}");
                        let label_for = input_id.clone();
                        view! {
                            <label class="option" for=label_for>
                                <input type="radio" id=input_id name=field.clone() value=v prop:checked=move || value() == v on:change=move |_| set(v.to_string())/>
                                {text}
                            </label>
                        }
                    }).collect_view()}
                </div>
            }.into_any()
        }
        "choice" => view! {
            <div class="options" role="radiogroup" aria-label=label.clone()>
                {question.choices.iter().enumerate().map(|(i, choice)| {
                    let input_id = format!("{field}-{i}");
                    let label_for = input_id.clone();
                    let (c1, c2) = (choice.clone(), choice.clone());
                    view! {
                        <label class="option" for=label_for>
                            <input type="radio" id=input_id name=field.clone() value=choice.clone() prop:checked=move || value() == c1 on:change=move |_| set(c2.clone())/>
                            {choice.clone()}
                        </label>
                    }
                }).collect_view()}
            </div>
        }.into_any(),
        _ => view! {
            <textarea id=field.clone() name=field.clone() rows="3" maxlength="500" prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
        }.into_any(),
    };
    view! {
        <div class="field question">
            <label for=format!("question-{}", id.0)>{label}</label>
            {input}
            <p class="field-error" aria-live="polite">{error}</p>
        </div>
    }
}

#[component]
fn AppointmentCard(lang: ReadSignal<Lang>, appointment: AppointmentView, #[prop(optional)] actions: Option<AnyView>) -> impl IntoView {
    let a = appointment;
    let status_class = format!("status status-{}", a.status.as_str());
    view! {
        <section class="card appointment" data-reference=a.reference.clone() aria-live="polite">
            <h3>{a.menu_name.clone()}</h3>
            <p class="when">{a.when.clone()}</p>
            <p class=status_class>{a.status_label.clone()}</p>
            {a.queue_number.map(|n| view! { <p class="queue-number">{match lang.get_untracked() { Lang::Ja => format!("受付番号 {n}番"), Lang::En => format!("Queue number {n}") }}</p> })}
            {a.hold_until.clone().map(|t| view! { <p class="hold">{match (lang.get_untracked(), a.proposal) {
                (Lang::Ja, false) => format!("医院からの返事をお待ちください。{t}まで枠を確保しています。"),
                (Lang::En, false) => format!("Waiting for the clinic. Your place is held until {t}."),
                (Lang::Ja, true) => format!("{t}までにお返事ください。"),
                (Lang::En, true) => format!("Please answer by {t}."),
            }}</p> })}
            {a.note.clone().map(|note| view! { <p class="clinic-note">{lang.get_untracked().pick("医院より: ", "From the clinic: ")} {note}</p> })}
            {(!a.cancel_note.is_empty()).then(|| view! { <p class="cancel-note">{a.cancel_note.clone()}</p> })}
            {a.proposal.then(|| view! { <ProposalAnswer lang reference=a.reference.clone()/> })}
            {actions}
        </section>
    }
}

/// Accept or turn down the clinic's proposal of another time.
#[component]
fn ProposalAnswer(lang: ReadSignal<Lang>, reference: String) -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let error = RwSignal::new(None::<String>);
    let answer = move |accept: bool| {
        let slug = params.read_untracked().get("clinic").unwrap_or_default();
        let reference = reference.clone();
        spawn_local(async move {
            match answer_proposal(slug.clone(), reference.clone(), accept, lang.get_untracked()).await {
                // The appointment's own page shows what it is now.
                Ok(_) => open_page(&format!("/liff/{slug}/a/{reference}")),
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let decline = answer.clone();
    view! {
        <div class="proposal-answer">
            <p>{move || lang.get().pick("医院から上記の日時のご提案がありました。ご都合はいかがですか?", "The clinic proposes the time above. Does it suit you?")}</p>
            <div class="actions">
                <button type="button" class="primary" on:click=move |_| answer(true)>{move || lang.get().pick("この日時で予約する", "Accept this time")}</button>
                <button type="button" on:click=move |_| decline(false)>{move || lang.get().pick("お断りする", "Decline")}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// One appointment's status, by its opaque reference.
#[component]
fn AppointmentStatus(slug: Signal<String>, lang: ReadSignal<Lang>, reference: String) -> impl IntoView {
    let status = Resource::new(move || (slug.get(), lang.get()), move |(slug, lang)| load_appointment(slug, reference.clone(), lang));
    view! {
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(a) => view! {
                        <h2>{lang.get_untracked().pick("ご予約の状況", "Your appointment")}</h2>
                        <AppointmentCard lang appointment=a/>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MyAppointments(slug: Signal<String>, lang: ReadSignal<Lang>, reschedule: RwSignal<Option<AppointmentView>>, tab: RwSignal<Tab>) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || (slug.get(), lang.get(), version.get()), |(slug, lang, _)| my_appointments(slug, lang));
    let message = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(None::<String>);
    let cancel = move |reference: String| {
        let slug = slug.get_untracked();
        spawn_local(async move {
            match cancel_appointment(slug, reference, lang.get_untracked()).await {
                Ok(_) => message.set(Some(lang.get_untracked().pick("予約をキャンセルしました。", "Your appointment was cancelled.").into())),
                Err(e) => message.set(Some(error_text(&e))),
            }
            confirming.set(None);
            version.update(|v| *v += 1);
        });
    };
    view! {
        <h2>{move || lang.get().pick("予約の確認", "My appointments")}</h2>
        <p class="message" role="status" aria-live="polite">{move || message.get()}</p>
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => view! { <p class="none">{lang.get_untracked().pick("予約はまだありません。", "No appointments yet.")}</p> }.into_any(),
                    Ok(items) => {
                        let (upcoming, past): (Vec<_>, Vec<_>) = items.into_iter().partition(|a| a.upcoming);
                        let card = move |a: AppointmentView| {
                            let reference = a.reference.clone();
                            let can_cancel = a.can_cancel;
                            let for_reschedule = a.clone();
                            let actions = can_cancel.then(|| {
                                let r1 = reference.clone();
                                let r2 = reference.clone();
                                let r3 = reference.clone();
                                let for_reschedule = for_reschedule.clone();
                                view! {
                                    <div class="actions">
                                        <Show when=move || confirming.get().as_deref() == Some(r1.as_str())
                                            fallback=move || {
                                                let r = r2.clone();
                                                let for_reschedule = for_reschedule.clone();
                                                view! {
                                                    <button type="button" on:click=move |_| { reschedule.set(Some(for_reschedule.clone())); tab.set(Tab::Book) }>
                                                        {move || lang.get().pick("日時を変更", "Change time")}
                                                    </button>
                                                    <button type="button" class="danger" on:click=move |_| confirming.set(Some(r.clone()))>
                                                        {move || lang.get().pick("キャンセルする", "Cancel")}
                                                    </button>
                                                }
                                            }>
                                            {
                                                let r = r3.clone();
                                                view! {
                                                    <span>{move || lang.get().pick("本当にキャンセルしますか?", "Cancel this visit?")}</span>
                                                    <button type="button" on:click=move |_| confirming.set(None)>{move || lang.get().pick("いいえ", "No")}</button>
                                                    <button type="button" class="danger" on:click=move |_| cancel(r.clone())>{move || lang.get().pick("はい、キャンセルします", "Yes, cancel it")}</button>
                                                }
                                            }
                                        </Show>
                                    </div>
                                }.into_any()
                            });
                            view! { <AppointmentCard lang appointment=a actions=actions.unwrap_or_else(|| ().into_any())/> }
                        };
                        view! {
                            <h3>{lang.get_untracked().pick("これからの予約", "Upcoming")}</h3>
                            <div class="upcoming">{upcoming.into_iter().map(card).collect_view()}</div>
                            {(!past.is_empty()).then(|| view! {
                                <h3>{lang.get_untracked().pick("過去・取り消した予約", "Past and cancelled")}</h3>
                                <div class="past">{past.into_iter().map(card).collect_view()}</div>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

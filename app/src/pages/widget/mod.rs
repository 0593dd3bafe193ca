//! The website widget, `/w/{clinic}`: the booking flow a clinic embeds on its own site (see
//! `public/embed.js`). Every step is a real link with the choice in the query, so the page works
//! as plain HTML before (and without) the WASM; once hydrated, the router turns the same links
//! into in-page steps. The data comes from the LIFF flow's own server functions, so the widget
//! shows exactly what LINE would offer. The last step offers two ways on: LINE (the clinic's
//! LIFF URL with the chosen menu, day and place), or, for patients without LINE, the e-mail
//! form (`email`), whose code page (`code`) sends the request; the e-mail's link opens the
//! appointment's page (`linked`).

mod chosen;
mod code;
mod data;
mod email;
mod linked;

use chosen::{ChosenPlace, Way};
pub use code::WidgetCodePage;
pub use data::WidgetDataPage;
pub use linked::WidgetAppointmentPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::liff::{day_places, liff_menus, menu_calendar, CalendarMonth, MenuChoice};
use crate::api::web_booking::urlencoding;
use crate::api::widget::{load_widget, WidgetSetup};
use crate::api::PlaceView;
use crate::booking::ids::{MenuId, ResourceId};
use crate::i18n::Lang;

/// How the embedding page asked the widget to look; kept in every link.
#[derive(Clone, Debug, Default, PartialEq)]
struct Look {
    lang: Lang,
    /// `#rrggbb`, checked (it goes into a style attribute).
    accent: Option<String>,
    /// The embedding page's origin as the embed script passed it; the server decides whether
    /// it is one of the clinic's websites.
    origin: String,
}

/// What the patient has chosen so far.
#[derive(Clone, Debug, Default, PartialEq)]
struct Choice {
    menu: Option<MenuId>,
    month: Option<String>,
    date: Option<String>,
    place: Option<(ResourceId, i64)>,
    /// The patient books by e-mail (no LINE).
    by_email: bool,
    /// A website patient moving a visit, from its e-mail's link: its reference and their link
    /// key (`replaces`, `k`).
    moving: Option<(String, String)>,
}

fn read_query(q: &ParamsMap) -> (Look, Choice) {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let accent = get("accent").filter(|a| a.len() == 7 && a.starts_with('#') && a[1..].chars().all(|c| c.is_ascii_hexdigit()));
    let look = Look { lang: get("lang").map(|l| Lang::from_tag(&l)).unwrap_or_default(), accent, origin: get("origin").unwrap_or_default() };
    let place = get("place").and_then(|p| super::parse_place(&p));
    let by_email = get("by").as_deref() == Some("email");
    let moving = get("replaces").zip(get("k"));
    let choice = Choice { menu: get("menu").and_then(|m| m.parse().ok()).map(MenuId), month: get("month"), date: get("date"), place, by_email, moving };
    (look, choice)
}

/// The query of a step: the look, then the choice.
fn query(look: &Look, choice: &Choice) -> String {
    let mut parts = vec![format!("lang={}", look.lang.code())];
    if let Some(a) = &look.accent {
        parts.push(format!("accent={}", urlencoding(a)));
    }
    if !look.origin.is_empty() {
        parts.push(format!("origin={}", urlencoding(&look.origin)));
    }
    if let Some(m) = choice.menu {
        parts.push(format!("menu={m}"));
    }
    if let Some(m) = &choice.month {
        parts.push(format!("month={}", urlencoding(m)));
    }
    if let Some(d) = &choice.date {
        parts.push(format!("date={}", urlencoding(d)));
    }
    if let Some(place) = choice.place {
        parts.push(format!("place={}", super::place_param(place)));
    }
    if choice.by_email {
        parts.push("by=email".into());
    }
    if let Some((reference, key)) = &choice.moving {
        parts.push(format!("replaces={}&k={}", urlencoding(reference), urlencoding(key)));
    }
    parts.join("&")
}

#[component]
pub fn WidgetPage() -> impl IntoView {
    let params = use_params_map();
    let q = use_query_map();
    let slug = Memo::new(move |_| params.read().get("clinic").unwrap_or_default());
    let state = Memo::new(move |_| read_query(&q.read()));
    let look = Memo::new(move |_| state.get().0);
    let choice = Memo::new(move |_| state.get().1);
    let lang = Memo::new(move |_| look.get().lang);
    let setup = Resource::new(move || (slug.get(), look.get().origin, lang.get()), |(s, o, l)| load_widget(s, o, l));
    let menus = Resource::new(move || (slug.get(), lang.get()), |(s, l)| liff_menus(s, l));
    let style = move || look.get().accent.map(|a| format!("--accent-ink: {a}"));

    view! {
        <div class="widget" style=style>
            <Suspense fallback=move || view! { <p class="loading">{lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || {
                let (look, choice) = (look.get(), choice.get());
                Suspend::new(async move {
                    let setup = match setup.await {
                        Ok(s) => s,
                        Err(e) => {
                            answer_status(e.status);
                            return view! { <p class="error" role="alert">{e.message}</p> }.into_any();
                        }
                    };
                    let menus = match menus.await {
                        Ok(m) => m,
                        Err(e) => return view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    };
                    let l = lang.get_untracked();
                    let host_origin = setup.host_origin.clone().unwrap_or_default();
                    view! {
                        <Title text=format!("{} {}", setup.clinic_name, l.pick("のご予約", "— booking"))/>
                        <div class="widget-root" data-host-origin=host_origin>
                            <header class="widget-head">
                                <h1>{setup.clinic_name.clone()}</h1>
                                <p class="widget-sub">{l.pick("ご予約", "Booking")}</p>
                            </header>
                            {setup.sandbox.then(|| view! {
                                <p class="sandbox-banner" role="note">{l.pick(
                                    "サンドボックス(お試し)モード:LINEに接続していないデモです。",
                                    "Sandbox mode: a demo without LINE.",
                                )}</p>
                            })}
                            <Step slug=slug.get_untracked() look choice setup menus/>
                        </div>
                    }.into_any()
                })
                }}
            </Suspense>
            // Only inside a frame (the embed script names the host page): opened top-level, as a
            // shared link, the page has no one to talk to.
            {move || (!look.get().origin.is_empty()).then(|| view! { <script src="/widget.js" defer></script> })}
        </div>
    }
}

/// What an e-mail link's page (`/w/{clinic}/a/{reference}…?k=…`) reads from its address.
pub(super) struct LinkAddress {
    pub slug: String,
    pub reference: String,
    /// The link key (`k`): it proves the patient's address.
    pub key: String,
    pub lang: Lang,
    /// The refusal a form on the page came back with.
    pub error: Option<crate::error::AppError>,
}

pub(super) fn link_address() -> LinkAddress {
    let (params, query) = (use_params_map(), use_query_map());
    let (slug, reference) = params.with_untracked(|p| (p.get("clinic").unwrap_or_default(), p.get("reference").unwrap_or_default()));
    let query = query.read_untracked();
    LinkAddress {
        slug,
        reference,
        key: query.get("k").unwrap_or_default(),
        lang: query.get("lang").map(|l| Lang::from_tag(&l)).unwrap_or_default(),
        error: posted_error(&query),
    }
}

/// The error a plain form post was refused with: the server function sent the browser back to
/// the form with it in the query (`__err`).
pub(super) fn posted_error(q: &ParamsMap) -> Option<crate::error::AppError> {
    use leptos::server_fn::error::ServerFnUrlError;
    q.get("__err").map(|e| ServerFnUrlError::<crate::error::AppError>::decode_err(&e))
}

use super::answer_status;

/// The step the query names: a menu, then a day, then a place, then on to LINE.
#[component]
fn Step(slug: String, look: Look, choice: Choice, setup: WidgetSetup, menus: Vec<MenuChoice>) -> impl IntoView {
    let l = look.lang;
    let moving = choice.moving.clone();
    let href = {
        let (slug, look) = (slug.clone(), look.clone());
        move |c: &Choice| format!("/w/{slug}?{}", query(&look, &Choice { moving: moving.clone(), ..c.clone() }))
    };
    let moving_note = choice.moving.is_some().then(|| {
        view! {
            <p class="card notice" role="note">{l.pick(
                "ご予約の日時を変更します。新しい日時をお選びください。変更が確定すると、元のご予約は取り消されます。",
                "You are moving your visit: choose the new time. The old visit is cancelled once the new time is confirmed.",
            )}</p>
        }
    });
    let Some(menu) = choice.menu.and_then(|id| menus.iter().find(|m| m.id == id).cloned()) else {
        return view! {
            {moving_note}
            <h2>{l.pick("メニューを選んでください", "Choose a menu")}</h2>
            <ul class="choices">
                {menus.iter().map(|m| {
                    let link = href(&Choice { menu: Some(m.id), ..Choice::default() });
                    view! {
                        <li><a class="choice" href=link>
                            <span class="choice-title">{m.name.clone()}</span>
                            <span class="choice-meta">{super::menu_meta(m, l)}</span>
                        </a></li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any();
    };
    // A visit moves within its own menu.
    let back_to_menus = choice.moving.is_none().then(|| {
        let link = href(&Choice::default());
        view! { <p class="back"><a href=link>{l.pick("‹ メニュー選択に戻る", "‹ Back to menus")}</a></p> }
    });
    let Some(date) = choice.date.clone() else {
        return view! {
            {moving_note}
            <h2>{menu.name.clone()} " — " {l.pick("日にちを選んでください", "Choose a day")}</h2>
            <MonthStep slug look choice menu/>
            {back_to_menus}
        }
        .into_any();
    };
    let back_to_days = href(&Choice { menu: Some(menu.id), month: choice.month.clone(), ..Choice::default() });
    let Some(place) = choice.place else {
        return view! {
            {moving_note}
            <h2>{menu.name.clone()} " — " {l.pick("時間を選んでください", "Choose a time")}</h2>
            <PlacesStep slug look choice menu date/>
            <p class="back"><a href=back_to_days>{l.pick("‹ 日にち選択に戻る", "‹ Back to days")}</a></p>
        }
        .into_any();
    };
    let back_to_places = href(&Choice { place: None, by_email: false, ..choice.clone() });
    if let Some(moving) = choice.moving.clone() {
        return view! {
            <ChosenPlace slug look menu date place way=Way::Move(moving) sandbox=setup.sandbox/>
            <p class="back"><a href=back_to_places>{l.pick("‹ 時間選択に戻る", "‹ Back to times")}</a></p>
        }
        .into_any();
    }
    if choice.by_email {
        let back = href(&Choice { by_email: false, ..choice.clone() });
        return view! {
            <email::EmailForm slug look menu place/>
            <p class="back"><a href=back>{l.pick("‹ 戻る", "‹ Back")}</a></p>
        }
        .into_any();
    }
    let continue_in_line = format!("{}?menu={}&date={}&place={}", setup.line_url, menu.id, urlencoding(&date), super::place_param(place));
    let by_email = href(&Choice { by_email: true, ..choice.clone() });
    view! {
        <ChosenPlace slug look menu date place way=Way::Book { continue_in_line, by_email } sandbox=setup.sandbox/>
        <p class="back"><a href=back_to_places>{l.pick("‹ 時間選択に戻る", "‹ Back to times")}</a></p>
    }
    .into_any()
}

#[component]
fn MonthStep(slug: String, look: Look, choice: Choice, menu: MenuChoice) -> impl IntoView {
    let l = look.lang;
    let (menu_id, month, s, moving) = (menu.id, choice.month.clone(), slug.clone(), choice.moving.clone());
    let calendar = Resource::new(move || (), move |_| menu_calendar(s.clone(), menu_id, month.clone(), l));
    let weekdays = match l {
        Lang::Ja => ["日", "月", "火", "水", "木", "金", "土"],
        Lang::En => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    };
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let (look, slug, moving) = (look.clone(), slug.clone(), moving.clone());
                Suspend::new(async move {
                    match calendar.await {
                        Ok(cal) => month_table(&slug, &look, menu_id, moving, &cal, weekdays).into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A month as a table (rows of weeks, a header of weekdays): days with room are links.
fn month_table(slug: &str, look: &Look, menu: MenuId, moving: Option<(String, String)>, cal: &CalendarMonth, weekdays: [&'static str; 7]) -> impl IntoView {
    let l = look.lang;
    let link = |month: Option<String>, date: Option<String>| {
        format!("/w/{slug}?{}", query(look, &Choice { menu: Some(menu), month, date, moving: moving.clone(), ..Choice::default() }))
    };
    let mut cells: Vec<AnyView> = (0..cal.leading_blanks).map(|_| view! { <td class="blank"></td> }.into_any()).collect();
    for d in &cal.days {
        cells.push(if d.free > 0 {
            let href = link(Some(cal.month.clone()), Some(d.date.clone()));
            view! {
                <td class="day free"><a href=href data-date=d.date.clone()>
                    <span aria-hidden="true">{d.day}<span class="mark">"○"</span></span>
                    <span class="sr-only">{d.label.clone()}</span>
                </a></td>
            }
            .into_any()
        } else {
            view! {
                <td class="day">
                    <span aria-hidden="true">{d.day}<span class="mark">"−"</span></span>
                    <span class="sr-only">{d.label.clone()}</span>
                </td>
            }
            .into_any()
        });
    }
    let mut rows = Vec::new();
    let mut cells = cells.into_iter().peekable();
    while cells.peek().is_some() {
        let week: Vec<AnyView> = cells.by_ref().take(7).collect();
        rows.push(view! { <tr>{week}</tr> });
    }
    let prev = cal.prev.clone().map(|m| link(Some(m), None));
    let next = cal.next.clone().map(|m| link(Some(m), None));
    view! {
        <div class="calendar card">
            <div class="calendar-head">
                {match prev {
                    Some(href) => view! { <a class="month-link" href=href>{l.pick("‹ 前の月", "‹ Previous")}</a> }.into_any(),
                    None => view! { <span class="month-link"></span> }.into_any(),
                }}
                <h3>{cal.label.clone()}</h3>
                {match next {
                    Some(href) => view! { <a class="month-link" href=href>{l.pick("次の月 ›", "Next ›")}</a> }.into_any(),
                    None => view! { <span class="month-link"></span> }.into_any(),
                }}
            </div>
            <table class="calendar-table">
                <caption class="sr-only">{format!("{} {}", cal.label, l.pick("○の日に空きがあります", "days marked ○ have room"))}</caption>
                <thead><tr>{weekdays.into_iter().map(|w| view! { <th scope="col">{w}</th> }).collect_view()}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn PlacesStep(slug: String, look: Look, choice: Choice, menu: MenuChoice, date: String) -> impl IntoView {
    let l = look.lang;
    let (menu_id, day, s) = (menu.id, date.clone(), slug.clone());
    let places = Resource::new(move || (), move |_| day_places(s.clone(), menu_id, day.clone(), l));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let (slug, look, choice) = (slug.clone(), look.clone(), choice.clone());
                Suspend::new(async move {
                    match places.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="none">{l.pick("この日は空きがなくなりました。別の日をお選びください。", "This day is now full. Please choose another day.")}</p>
                        }.into_any(),
                        Ok(list) => places_grid(&slug, &look, &choice, &list).into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The day's places as a compact grid of times under 午前 / 午後, the date said once.
fn places_grid(slug: &str, look: &Look, choice: &Choice, list: &[PlaceView]) -> impl IntoView {
    let l = look.lang;
    let (day, groups) = super::by_time_of_day(list, l);
    let groups = groups
        .into_iter()
        .map(|(title, places)| {
            let items = places
                .iter()
                .map(|p| {
                    let href = format!("/w/{slug}?{}", query(look, &Choice { place: Some((p.resource_id, p.starts_at)), ..choice.clone() }));
                    view! {
                        <li><a class="time" href=href data-starts-at=p.starts_at>
                            <span class="time-at">{p.time.clone()}</span>
                            <span class="time-meta">{super::place_meta(p, l)}</span>
                        </a></li>
                    }
                })
                .collect_view();
            view! {
                <section class="time-group">
                    <h3>{title}</h3>
                    <ul class="times">{items}</ul>
                </section>
            }
        })
        .collect_view();
    view! {
        <p class="day-said-once">{day}</p>
        {groups}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_keeps_the_look_and_reads_back_as_the_same_choice() {
        let look = Look { lang: Lang::En, accent: Some("#0a7d3b".into()), origin: "https://www.example.jp".into() };
        let choice = Choice {
            menu: Some(MenuId(3)),
            month: Some("2026-12".into()),
            date: Some("2026-12-03".into()),
            place: Some((ResourceId(2), 1_780_000_000)),
            by_email: true,
            moving: Some(("ab12".into(), "k3y".into())),
        };
        let q = query(&look, &choice);
        assert_eq!(
            q,
            "lang=en&accent=%230a7d3b&origin=https%3A%2F%2Fwww.example.jp&menu=3&month=2026-12&date=2026-12-03&place=2-1780000000&by=email&replaces=ab12&k=k3y"
        );
        let map = ParamsMap::from_iter(q.split('&').map(|kv| {
            let (k, v) = kv.split_once('=').expect("k=v");
            let v = v.replace("%23", "#").replace("%3A", ":").replace("%2F", "/");
            (k.to_string(), v)
        }));
        assert_eq!(read_query(&map), (look, choice));
    }

    #[test]
    fn a_wrong_accent_or_place_is_left_out() {
        let map = ParamsMap::from_iter(
            [("accent", "red;background:url(x)"), ("place", "x-1"), ("menu", "nope"), ("lang", "fr")].map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let (look, choice) = read_query(&map);
        assert_eq!((look.accent, look.lang, choice.place, choice.menu), (None, Lang::Ja, None, None));
    }
}

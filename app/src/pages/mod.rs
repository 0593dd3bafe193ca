pub mod clinic;
pub mod home;
pub mod liff;
pub mod my_data;
pub mod queue;
pub mod staff;
pub mod widget;

use leptos::prelude::*;

use crate::api::liff::MenuChoice;
use crate::api::PlaceView;
use crate::booking::ids::ResourceId;
use crate::i18n::Lang;
use crate::kinds::ModeKind;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="card">
            <h1>"ページが見つかりません"</h1>
            <p>"Page not found." " " <a href="/">"トップへ / Home"</a></p>
        </section>
    }
}

/// How a menu's booking mode reads: 時間予約 / 時間帯予約・定員3名 / 順番予約・1日20名まで.
pub fn mode_label(mode: ModeKind, capacity: u32, lang: Lang) -> String {
    match (mode, lang) {
        (ModeKind::Band, Lang::Ja) => format!("時間帯予約・定員{capacity}名"),
        (ModeKind::Band, Lang::En) => format!("time band, up to {capacity}"),
        (ModeKind::Queue, Lang::Ja) => format!("順番予約・1日{capacity}名まで"),
        (ModeKind::Queue, Lang::En) => format!("day queue, {capacity} a day"),
        (ModeKind::Slot, Lang::Ja) => "時間予約".to_string(),
        (ModeKind::Slot, Lang::En) => "time slot".to_string(),
    }
}

/// A menu's length, booking mode and whether the clinic approves: `30分・時間予約・承認制`.
pub fn menu_meta(m: &MenuChoice, lang: Lang) -> String {
    let mode = mode_label(m.mode, m.capacity, lang);
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

/// A day's places as patients read them on other booking pages: the date said once, then the
/// times under 午前 and 午後 (each group only when it has places).
pub fn by_time_of_day(list: &[PlaceView], lang: Lang) -> (String, Vec<(&'static str, Vec<PlaceView>)>) {
    let day = list.first().map(|p| p.label.trim_end_matches(&p.time).trim().to_string()).unwrap_or_default();
    let groups = [(false, lang.pick("午前", "Morning")), (true, lang.pick("午後", "Afternoon"))]
        .into_iter()
        .map(|(afternoon, title)| (title, list.iter().filter(|p| p.afternoon == afternoon).cloned().collect::<Vec<_>>()))
        .filter(|(_, places)| !places.is_empty())
        .collect();
    (day, groups)
}

/// `山田医師 残り2` / `Dr Yamada, 2 left`.
pub fn place_meta(p: &PlaceView, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{} 残り{}", p.resource_name, p.remaining),
        Lang::En => format!("{}, {} left", p.resource_name, p.remaining),
    }
}

/// A chosen place in a page's address (`place={resource}-{start}`): how the widget hands it to
/// the LIFF page, and how both read it back.
pub fn place_param((resource, starts_at): (ResourceId, i64)) -> String {
    format!("{resource}-{starts_at}")
}

pub fn parse_place(param: &str) -> Option<(ResourceId, i64)> {
    let (resource, at) = param.split_once('-')?;
    Some((ResourceId(resource.parse().ok()?), at.parse().ok()?))
}

/// 日本語 / English. Japanese is the default.
#[component]
pub fn LangSwitch(lang: ReadSignal<Lang>, set_lang: WriteSignal<Lang>) -> impl IntoView {
    let button = move |target: Lang, text: &'static str| {
        view! {
            <button
                type="button"
                class="lang"
                aria-pressed=move || (lang.get() == target).to_string()
                on:click=move |_| set_lang.set(target)
            >
                {text}
            </button>
        }
    };
    view! {
        <nav class="lang-switch" aria-label="Language / 言語">
            {button(Lang::Ja, "日本語")}
            {button(Lang::En, "English")}
        </nav>
    }
}

/// A page rendered whole before it is sent (`SsrMode::Async`) answers with the status of its
/// error, so an unknown clinic is a 404. (Inside a `Suspend` the component's context is there.)
pub(crate) fn answer_status(_status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(r), Ok(code)) = (use_context::<leptos_axum::ResponseOptions>(), axum::http::StatusCode::from_u16(_status)) {
        r.set_status(code);
    }
}

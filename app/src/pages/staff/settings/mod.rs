//! `/staff/settings` (owner only): weekly hours and breaks, closures and extra hours, menus with
//! every booking rule, practitioners and rooms, questions per menu, the privacy notice, the LINE
//! channels (secrets write-only), the websites that embed the widget, the waiting-room poster,
//! the staff accounts and the audit of every change. The server checks every form and answers
//! per field; the page shows each message next to its input.

mod audit;
mod closures;
mod form;
mod hours;
mod line;
mod menus;
mod poster;
mod privacy;
mod questions;
mod resources;
mod rich_menu;
mod service;
mod staff;
mod website;

use leptos::prelude::*;

use crate::api::staff::settings::*;
use form::Env;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Hours,
    Closures,
    Menus,
    Resources,
    Questions,
    Privacy,
    Line,
    Website,
    Poster,
    Staff,
    Audit,
}

const TABS: [(Tab, &str, &str); 11] = [
    (Tab::Hours, "診療時間", "Hours"),
    (Tab::Closures, "休診日・臨時診療", "Closures"),
    (Tab::Menus, "メニュー", "Menus"),
    (Tab::Resources, "医師・部屋", "Practitioners & rooms"),
    (Tab::Questions, "問診", "Questions"),
    (Tab::Privacy, "プライバシー", "Privacy"),
    (Tab::Line, "LINE連携", "LINE"),
    (Tab::Website, "ウェブサイト埋め込み", "Website"),
    (Tab::Poster, "院内ポスター", "Poster"),
    (Tab::Staff, "スタッフ", "Staff"),
    (Tab::Audit, "変更履歴", "Change log"),
];

#[component]
pub fn SettingsPage() -> impl IntoView {
    let console = super::use_console();
    let lang = console.lang;
    let env = Env { lang, csrf: StoredValue::new(console.me.csrf.clone()), version: RwSignal::new(0), status: RwSignal::new(None) };
    if !console.me.is_owner() {
        return view! {
            <section class="card">
                <h1>{move || lang.get().pick("設定", "Settings")}</h1>
                <p class="error" role="alert">{move || lang.get().pick("設定は院長(オーナー)のみ変更できます。", "Only the clinic's owner can change the settings.")}</p>
            </section>
        }
        .into_any();
    }
    let tab = RwSignal::new(Tab::Hours);
    let data = Resource::new(move || (env.version.get(), lang.get()), |(_, lang)| load_settings(lang));
    view! {
        <section class="settings-page" aria-labelledby="settings-title">
            <h1 id="settings-title">{move || lang.get().pick("医院の設定", "Clinic settings")}</h1>
            <nav class="tabs settings-tabs" role="tablist" aria-label=move || lang.get().pick("設定の項目", "Settings sections")>
                {TABS
                    .into_iter()
                    .map(|(t, ja, en)| view! {
                        <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string() on:click=move |_| {
                            env.status.set(None);
                            tab.set(t)
                        }>
                            {move || lang.get().pick(ja, en)}
                        </button>
                    })
                    .collect_view()}
            </nav>
            <p class="settings-status" role="status" aria-live="polite">
                {move || env.status.get().map(|(ok, message)| view! { <span class={if ok { "ok" } else { "error" }}>{message}</span> })}
            </p>
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => match tab.get() {
                            Tab::Hours => view! { <hours::HoursSection env d/> }.into_any(),
                            Tab::Closures => view! { <closures::ClosuresSection env d/> }.into_any(),
                            Tab::Menus => view! { <menus::MenusSection env d/> }.into_any(),
                            Tab::Resources => view! { <resources::ResourcesSection env d/> }.into_any(),
                            Tab::Questions => view! { <questions::QuestionsSection env d/> }.into_any(),
                            Tab::Privacy => view! { <privacy::PrivacySection env d=d.clone()/> <privacy::RetentionSection env d/> }.into_any(),
                            Tab::Line => view! { <line::LineSection env line=d.line/> }.into_any(),
                            Tab::Poster => view! { <poster::PosterSection env/> }.into_any(),
                            Tab::Website => view! { <website::WebsiteSection env d/> }.into_any(),
                            Tab::Staff => view! { <staff::StaffSection env staff=d.staff/> }.into_any(),
                            Tab::Audit => view! { <audit::AuditSection env d/> }.into_any(),
                        },
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

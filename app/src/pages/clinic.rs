//! The clinic's landing page: its menus and the next free places of each.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::LangSwitch;
use crate::api::{load_clinic_overview, MenuOverview};
use crate::i18n::Lang;

#[component]
pub fn ClinicPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let (lang, set_lang) = signal(Lang::Ja);
    let overview = Resource::new(move || (slug(), lang.get()), |(slug, lang)| load_clinic_overview(slug, lang));

    view! {
        <header class="top">
            <h1>"Yoyaku 予約"</h1>
            <LangSwitch lang set_lang/>
        </header>
        <Transition fallback=|| view! { <p class="loading">"読み込み中… / Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        <Title text=o.name.clone()/>
                        <h2 class="clinic-name">{o.name}</h2>
                        <div class="menus">
                            {o.menus.into_iter().map(|m| view! { <MenuCard menu=m lang/> }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MenuCard(menu: MenuOverview, lang: ReadSignal<Lang>) -> impl IntoView {
    let l = move |ja: &'static str, en: &'static str| lang.get_untracked().pick(ja, en);
    let mode = super::mode_label(menu.mode, menu.capacity, lang.get_untracked());
    let empty = menu.next_places.is_empty();
    view! {
        <section class="card menu" data-menu-id=menu.id.0>
            <h3>{menu.name}</h3>
            <p class="menu-meta">{mode} " · " {menu.duration_minutes} {l("分", " min")}</p>
            <h4>{l("次の空き", "Next free places")}</h4>
            {if empty {
                view! { <p class="none">{l("現在、空きはありません。", "No free places at the moment.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="places">
                        {menu.next_places.into_iter().map(|p| view! {
                            <li class="place" data-starts-at=p.starts_at data-resource-id=p.resource_id.0>
                                <span class="when">{p.label}</span>
                                <span class="who">{p.resource_name}</span>
                                <span class="left">{l("残り", "left: ")}{p.remaining}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

use leptos::prelude::*;

use super::LangSwitch;
use crate::api::list_clinics;
use crate::i18n::Lang;

#[component]
pub fn Home() -> impl IntoView {
    let (lang, set_lang) = signal(Lang::Ja);
    let clinics = Resource::new(move || lang.get(), list_clinics);
    view! {
        <header class="top">
            <h1>"Yoyaku 予約"</h1>
            <LangSwitch lang set_lang/>
        </header>
        <section class="card">
            <h2>{move || lang.get().pick("医院を選んでください", "Choose a clinic")}</h2>
            <Suspense fallback=|| view! { <p>"…"</p> }>
                {move || Suspend::new(async move {
                    match clinics.await {
                        Ok(list) => view! {
                            <ul class="clinics">
                                {list.into_iter().map(|c| view! {
                                    <li><a href=format!("/c/{}", c.slug)>{c.name}</a></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

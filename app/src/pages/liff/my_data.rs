//! Under My appointments: what the clinic holds about the signed-in patient, and their request
//! to delete it (asked twice: an elderly patient's stray tap must not send it).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::data_rights::{my_data, request_deletion};
use crate::i18n::Lang;
use crate::pages::my_data::{deletion_explained, deletion_requested, PatientDataSections};

#[component]
pub(super) fn MyData(slug: Signal<String>, lang: ReadSignal<Lang>) -> impl IntoView {
    let open = RwSignal::new(false);
    let version = RwSignal::new(0u32);
    let data = Resource::new(
        move || (open.get(), slug.get(), lang.get(), version.get()),
        |(open, slug, lang, _)| async move {
            match open {
                true => Some(my_data(slug, lang).await),
                false => None,
            }
        },
    );
    let asking = RwSignal::new(false);
    // A refusal; once sent, the request's note below says so.
    let error = RwSignal::new(None::<String>);
    let send = move |_| {
        spawn_local(async move {
            let lang = lang.get_untracked();
            match request_deletion(slug.get_untracked(), lang).await {
                Ok(_) => {
                    error.set(None);
                    asking.set(false);
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let deletion = move |requested: Option<String>| {
        match requested {
        Some(when) => view! {
            <p class="note deletion-requested">{deletion_requested(lang.get_untracked(), &when)}</p>
        }
        .into_any(),
        None => view! {
            <p class="hint">{move || deletion_explained(lang.get())}</p>
            <Show when=move || asking.get()
                fallback=move || view! {
                    <button type="button" class="danger" on:click=move |_| asking.set(true)>{move || lang.get().pick("データの削除を依頼する", "Ask the clinic to delete my data")}</button>
                }>
                <p>{move || lang.get().pick("本当に削除を依頼しますか?", "Ask the clinic to delete your data?")}</p>
                <div class="actions">
                    <button type="button" on:click=move |_| asking.set(false)>{move || lang.get().pick("いいえ", "No")}</button>
                    <button type="button" class="danger" on:click=send>{move || lang.get().pick("はい、依頼します", "Yes, ask for deletion")}</button>
                </div>
            </Show>
        }
        .into_any(),
    }
    };
    view! {
        <section class="my-data" aria-labelledby="my-data-title">
            <h3 id="my-data-title">{move || lang.get().pick("ご登録の情報", "Your data")}</h3>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || !open.get()>
                <button type="button" on:click=move |_| open.set(true)>{move || lang.get().pick("医院が保管している情報を見る", "See what the clinic holds about you")}</button>
            </Show>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        None => ().into_any(),
                        Some(Ok(d)) => {
                            let requested = d.deletion_requested.clone();
                            view! {
                                <PatientDataSections lang=lang.get_untracked() data=d/>
                                <section class="card my-data-deletion" aria-labelledby="my-data-deletion">
                                    <h3 id="my-data-deletion">{lang.get_untracked().pick("データの削除", "Deleting your data")}</h3>
                                    {deletion(requested)}
                                </section>
                            }
                            .into_any()
                        }
                        Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

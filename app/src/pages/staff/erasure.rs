//! The owner and patients' data rights, on the patients page: the open deletion requests, and
//! on a patient's card the export of their data (開示請求) and the deletion itself (asked twice).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::once::Intent;
use crate::api::staff::erasure::{deletion_requests, erase_patient};
use crate::booking::ids::PatientId;
use crate::i18n::Lang;

/// The open requests, each opening the patient's card.
#[component]
pub fn DeletionRequests(lang: RwSignal<Lang>, selected: RwSignal<Option<PatientId>>, version: RwSignal<u32>) -> impl IntoView {
    let list = Resource::new(move || (lang.get(), version.get()), |(lang, _)| deletion_requests(lang));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => ().into_any(),
                    Ok(items) => view! {
                        <section class="card deletion-requests" aria-labelledby="deletion-requests-title">
                            <h2 id="deletion-requests-title">{move || lang.get().pick("データ削除の依頼", "Deletion requests")}</h2>
                            <ul>
                                {items.into_iter().map(|item| {
                                    let id = item.patient_id;
                                    view! {
                                        <li>
                                            <button type="button" class="link" on:click=move |_| selected.set(Some(id))>{format!("{} ({})", item.name, item.furigana)}</button>
                                            " "{format!("{} · {}", item.requested, item.channel)}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// On a patient's card, for the owner: their data as a file, and erasing them.
#[component]
pub fn ErasePanel(lang: RwSignal<Lang>, patient: PatientId, erased: bool, version: RwSignal<u32>) -> impl IntoView {
    let csrf = StoredValue::new(super::use_console().me.csrf);
    let asking = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    let intent = Intent::new();
    let erase = move |_| {
        let csrf = csrf.get_value();
        spawn_local(async move {
            let lang_now = lang.get_untracked();
            match erase_patient(csrf, intent.key(), patient, lang_now).await {
                Ok(()) => {
                    intent.done();
                    asking.set(false);
                    // The card (and the list of requests) again, as they are now.
                    version.update(|v| *v += 1);
                }
                Err(e) => message.set(Some((false, e.message))),
            }
        });
    };
    let export = move || format!("/staff/patients/{}/data.json?lang={}", patient.0, lang.get().code());
    view! {
        <section class="data-rights" aria-labelledby="data-rights-title">
            <h3 id="data-rights-title">{move || lang.get().pick("個人情報の開示・削除", "Disclosure and deletion")}</h3>
            <p><a class="button" href=export download>{move || lang.get().pick("この患者のデータを書き出す(開示請求, JSON)", "Download this patient's data (JSON)")}</a></p>
            {move || message.get().map(|(_, m)| view! { <p class="error" role="alert">{m}</p> })}
            {(!erased).then(|| view! {
                <p class="hint">{move || lang.get().pick(
                    "削除すると、お名前・ご連絡先(LINE・メール)・問診の回答・送ったお知らせを消し、受診の記録は匿名のまま残します。元に戻せません。これからの予約がある間は削除できません。",
                    "Erasing removes the name, contact (LINE, e-mail), answers and notices sent; the visit records stay, anonymous. It cannot be undone, and is refused while visits are still to come.",
                )}</p>
                <Show when=move || asking.get()
                    fallback=move || view! {
                        <button type="button" class="danger" on:click=move |_| asking.set(true)>{move || lang.get().pick("この患者の情報を削除する", "Erase this patient")}</button>
                    }>
                    <p>{move || lang.get().pick("本当に削除しますか?元に戻せません。", "Erase this patient? This cannot be undone.")}</p>
                    <div class="actions">
                        <button type="button" on:click=move |_| asking.set(false)>{move || lang.get().pick("やめる", "Keep")}</button>
                        <button type="button" class="danger" on:click=erase>{move || lang.get().pick("削除する", "Erase")}</button>
                    </div>
                </Show>
            })}
        </section>
    }
}

//! `/w/{clinic}/a/{reference}/data?k=…`: what the clinic holds about a website patient, opened
//! from the e-mail link's appointment page, and their request to delete it (a plain form).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::data_rights::{web_my_data, PatientDataView, WebRequestDeletion};
use crate::api::web_booking::urlencoding;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::my_data::{deletion_explained, deletion_requested, PatientDataSections};

#[component]
pub fn WidgetDataPage() -> impl IntoView {
    let super::LinkAddress { slug, reference, key, lang, error } = super::link_address();
    let (s, r, k) = (slug.clone(), reference.clone(), key.clone());
    let data = Resource::new(move || (), move |_| web_my_data(s.clone(), r.clone(), k.clone(), lang));
    view! {
        <main class="widget linked my-data">
            <Suspense fallback=move || view! { <p class="loading">{lang.pick("読み込み中…", "Loading…")}</p> }>
                {move || {
                    let (slug, reference, key, error) = (slug.clone(), reference.clone(), key.clone(), error.clone());
                    Suspend::new(async move {
                        match data.await {
                            Ok(d) => page(&slug, &reference, &key, lang, d, error).into_any(),
                            Err(e) => {
                                super::answer_status(e.status);
                                view! { <p class="error" role="alert">{e.message}</p> }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}

fn page(slug: &str, reference: &str, key: &str, l: Lang, d: PatientDataView, error: Option<AppError>) -> impl IntoView {
    let t = move |ja: &'static str, en: &'static str| l.pick(ja, en);
    let back = format!("/w/{slug}/a/{reference}?k={}&lang={}", urlencoding(key), l.code());
    let deletion = match d.deletion_requested.clone() {
        Some(when) => view! {
            <p class="note deletion-requested" role="status">{deletion_requested(l, &when)}</p>
        }
        .into_any(),
        None => view! {
            <p class="hint">{deletion_explained(l)}</p>
            <form method="post" action=WebRequestDeletion::PATH class="deletion-form">
                <input type="hidden" name="slug" value=slug.to_string()/>
                <input type="hidden" name="reference" value=reference.to_string()/>
                <input type="hidden" name="key" value=key.to_string()/>
                <input type="hidden" name="lang" value=l.code()/>
                <button type="submit" class="button danger">{t("データの削除を依頼する", "Ask the clinic to delete my data")}</button>
            </form>
        }
        .into_any(),
    };
    view! {
        <Title text=format!("{} {}", d.clinic_name, t("— ご登録の情報", "— your data"))/>
        <header class="widget-head"><h1>{d.clinic_name.clone()}</h1></header>
        <h2>{t("医院が保管しているあなたの情報", "What the clinic holds about you")}</h2>
        {error.map(|e| view! { <p class="error" role="alert">{e.message}</p> })}
        <PatientDataSections lang=l data=d/>
        <section class="card my-data-deletion" aria-labelledby="my-data-deletion">
            <h3 id="my-data-deletion">{t("データの削除", "Deleting your data")}</h3>
            {deletion}
        </section>
        <p class="back"><a href=back>{t("‹ ご予約の内容に戻る", "‹ Back to your appointment")}</a></p>
    }
}

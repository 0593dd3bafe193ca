//! LINE MINI App service messages: for a clinic whose LIFF app is a verified MINI App, the
//! notices that go as service messages (no friendship needed, outside the message quota) and
//! the template LINE approved for each.

use leptos::prelude::*;

use super::form::{run, Env, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;
use crate::i18n::Lang;

#[component]
pub fn ServiceSection(env: Env, service: ServiceView) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    // The secret is never sent to the page: it starts empty, and empty keeps the stored value.
    let secret = RwSignal::new(String::new());
    let templates: Vec<_> = service.templates.iter().map(|(n, name)| (*n, RwSignal::new(name.clone()))).collect();
    let intent = Intent::new().renewed_by(secret);
    let fields = templates.clone();
    let save = move |_| {
        let form = ServiceForm { channel_secret: secret.get_untracked(), templates: fields.iter().map(|(n, v)| (*n, v.get_untracked())).collect() };
        secret.set(String::new());
        run(env, errors, intent, move |csrf, key, lang| save_service_messages(csrf, key, form, lang));
    };
    let turning_off = Intent::new();
    let off = move |_| run(env, errors, turning_off, service_messages_off);
    let on = service.on;
    let secret_state = if service.secret_set { env.t("設定済み", "set") } else { env.t("未設定", "not set") };
    view! {
        <section class="card form" aria-labelledby="service-title">
            <h2 id="service-title">{env.t("LINEミニアプリのサービスメッセージ", "LINE MINI App service messages")}</h2>
            <p class="hint">{env.t(
                "認証済みLINEミニアプリは、予約の確定・前日のお知らせ・キャンセルを「LINEミニアプリ お知らせ」から送れます。友だち追加は不要で、公式アカウントの通数にも数えられません。LINE Developersコンソールで審査を通ったテンプレートの名前を入力してください(言語の _ja / _en は患者さんの言語で付きます)。空欄のお知らせは公式アカウントから送ります。",
                "A verified LINE MINI App can send confirmations, day-before reminders and cancellations as service messages: no friendship needed, outside the Official Account's quota. Enter the names of the templates LINE approved in the LINE Developers console (the language's _ja / _en is added per patient). Notices left empty go from the Official Account.",
            )}</p>
            <p class={if on { "status status-confirmed" } else { "status status-requested" }}>
                {if on { env.t("サービスメッセージ: 有効", "Service messages: on") } else { env.t("サービスメッセージ: 無効", "Service messages: off") }}
            </p>
            <p class="secret-state">{env.t("LINEミニアプリのチャネルシークレット: ", "MINI App channel secret: ")}<strong>{secret_state}</strong></p>
            <TextField env errors field="service-channel_secret".into() ja="新しいチャネルシークレット(変えないときは空欄)" en="New channel secret (leave empty to keep)" value=secret input_type="password"/>
            {templates.into_iter().map(|(notice, value)| view! {
                <TextField env errors field=format!("service-template-{notice}") ja=notice.label(Lang::Ja) en=notice.label(Lang::En) value/>
            }).collect_view()}
            <div class="actions">
                <button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button>
                <Show when=move || on>
                    <button type="button" class="danger" on:click=off>{env.t("サービスメッセージを停止", "Turn service messages off")}</button>
                </Show>
            </div>
        </section>
    }
}

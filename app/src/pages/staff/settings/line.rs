//! The LINE channels. Secrets are write-only: the page shows whether they are set, and an empty
//! field keeps the stored value.

use leptos::prelude::*;

use super::form::{run, Env, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;

#[component]
pub fn LineSection(env: Env, line: LineView) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let liff_id = RwSignal::new(line.liff_id.clone());
    let login = RwSignal::new(line.login_channel_id.clone());
    let friend = RwSignal::new(line.add_friend_url.clone());
    // Secrets are never sent to the page: these start empty, and empty keeps the stored value.
    let secret = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let confirm_remove = RwSignal::new(false);
    let connected = line.connected;
    let intent = Intent::new().renewed_by(secret).renewed_by(token);
    let save = move |_| {
        let form = LineForm {
            liff_id: liff_id.get_untracked(),
            login_channel_id: login.get_untracked(),
            add_friend_url: friend.get_untracked(),
            channel_secret: secret.get_untracked(),
            channel_access_token: token.get_untracked(),
        };
        secret.set(String::new());
        token.set(String::new());
        run(env, errors, intent, move |csrf, key, lang| save_line(csrf, key, form, lang));
    };
    let removing = Intent::new();
    let remove = move |_| run(env, errors, removing, remove_line);
    let state = move |set: bool| if set { env.t("設定済み", "set") } else { env.t("未設定", "not set") };
    let (secret_state, token_state) = (state(line.secret_set), state(line.token_set));
    view! {
        <section class="card form" aria-labelledby="line-title">
            <h2 id="line-title">{env.t("LINE連携", "LINE channels")}</h2>
            <p class={if connected { "status status-confirmed" } else { "status status-requested" }}>
                {if connected { env.t("LINEに接続済み", "Connected to LINE") } else { env.t("未接続(サンドボックスモード)", "Not connected (sandbox mode)") }}
            </p>
            <TextField env errors field="line-liff_id".into() ja="LIFF ID" en="LIFF ID" value=liff_id hint=("例: 1657000000-AbCdEfGh", "e.g. 1657000000-AbCdEfGh")/>
            <TextField env errors field="line-login_channel_id".into() ja="LINEログインのチャネルID" en="LINE Login channel ID" value=login/>
            <TextField env errors field="line-add_friend_url".into() ja="友だち追加URL(任意)" en="Add-friend link (optional)" value=friend hint=("例: https://line.me/R/ti/p/@clinic", "e.g. https://line.me/R/ti/p/@clinic")/>
            <p class="secret-state">{env.t("チャネルシークレット: ", "Channel secret: ")}<strong>{secret_state}</strong></p>
            <TextField env errors field="line-channel_secret".into() ja="新しいチャネルシークレット(変えないときは空欄)" en="New channel secret (leave empty to keep)" value=secret input_type="password"/>
            <p class="secret-state">{env.t("チャネルアクセストークン: ", "Channel access token: ")}<strong>{token_state}</strong></p>
            <TextField env errors field="line-channel_access_token".into() ja="新しいチャネルアクセストークン(変えないときは空欄)" en="New channel access token (leave empty to keep)" value=token input_type="password"/>
            <div class="actions">
                <button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button>
                <Show when=move || connected>
                    <Show when=move || confirm_remove.get() fallback=move || view! {
                        <button type="button" class="danger" on:click=move |_| confirm_remove.set(true)>{env.t("LINE接続を解除", "Remove the LINE connection")}</button>
                    }>
                        <span>{env.t("解除すると患者さんはLINEで予約できなくなります。", "Patients will no longer be able to book in LINE.")}</span>
                        <button type="button" class="danger" on:click=remove>{env.t("解除する", "Remove")}</button>
                        <button type="button" on:click=move |_| confirm_remove.set(false)>{env.t("やめる", "Cancel")}</button>
                    </Show>
                </Show>
            </div>
        </section>
        {connected.then(|| view! {
            <super::rich_menu::RichMenuSection env/>
            <super::service::ServiceSection env service=line.service.clone()/>
            <crate::pages::staff::quota::QuotaCard lang=env.lang/>
        })}
    }
}

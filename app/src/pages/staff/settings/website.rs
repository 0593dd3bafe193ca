//! Settings → ウェブサイト埋め込み: the websites that may embed the booking widget, the snippets
//! a web designer pastes (inline, popup, floating button), each with a copy button, and a live
//! preview of the widget.

use leptos::prelude::*;

use super::form::{error_for, run, Env};
use crate::api::once::Intent;
use crate::api::staff::settings::*;

/// Where this server answers, as the browser sees it: the snippets point here.
fn own_origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        window().location().origin().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

fn snippets(origin: &str, slug: &str) -> [(&'static str, &'static str, &'static str, String); 3] {
    let script = format!(r#"<script src="{origin}/embed.js" async></script>"#);
    [
        ("inline", "ページの中に表示", "Inline, inside the page", format!("<div data-yoyaku-clinic=\"{slug}\"></div>\n{script}")),
        (
            "popup",
            "ボタンで開く(ポップアップ)",
            "Popup, opened by your button",
            format!("<button type=\"button\" data-yoyaku-popup=\"{slug}\">予約する</button>\n{script}"),
        ),
        ("floating", "画面の隅の「予約する」ボタン", "Floating button in the corner", format!("<div data-yoyaku-floating=\"{slug}\"></div>\n{script}")),
    ]
}

#[component]
pub fn WebsiteSection(env: Env, d: SettingsData) -> impl IntoView {
    view! {
        <EmbedSection env d=d.clone()/>
        <MailFromSection env mail_from=d.mail_from/>
    }
}

#[component]
fn EmbedSection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let origins = RwSignal::new(d.website_origins.join("\n"));
    let intent = Intent::new();
    let save = move |_| {
        let typed = origins.get_untracked();
        run(env, errors, intent, move |csrf, key, lang| async move { save_website(csrf, key, typed, lang).await.map(drop) });
    };
    let error = error_for(errors, "website_origins".into());
    let invalid = error.clone();
    let origin = own_origin();
    let copied = RwSignal::new(None::<&'static str>);
    let preview = format!("{origin}/w/{}", d.slug);
    view! {
        <section class="card form" aria-labelledby="website-title">
            <h2 id="website-title">{env.t("ウェブサイト埋め込み", "Website embedding")}</h2>
            <p>{env.t(
                "医院のウェブサイトに予約画面を埋め込めます。埋め込むサイトのアドレスを登録してください。登録のないサイトには表示されません(下のリンクは、そのまま共有もできます)。",
                "Put booking on the clinic's own website. List the websites that embed it: no other site can show it (the link below also works on its own, to share).",
            )}</p>
            <div class="field">
                <label for="website_origins">{env.t("埋め込むサイト(1行に1つ、例: https://www.example.jp)", "Websites (one a line, e.g. https://www.example.jp)")}</label>
                <textarea id="website_origins" name="website_origins" rows="4" maxlength="2000" prop:value=move || origins.get()
                    on:input=move |ev| origins.set(event_target_value(&ev))
                    aria-invalid=move || invalid().is_some().to_string() aria-describedby="website_origins-error"></textarea>
                <p class="field-error" id="website_origins-error" role="alert">{error}</p>
            </div>
            <div class="actions"><button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button></div>
            <h3>{env.t("貼り付けるコード", "Code to paste")}</h3>
            {snippets(&origin, &d.slug).into_iter().map(|(id, ja, en, code)| {
                let text = code.clone();
                let copy = move |_| {
                    #[cfg(feature = "hydrate")]
                    {
                        let _ = window().navigator().clipboard().write_text(&text);
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = &text;
                    copied.set(Some(id));
                };
                view! {
                    <div class="snippet" data-snippet=id>
                        <label for=format!("snippet-{id}")>{env.t(ja, en)}</label>
                        <textarea id=format!("snippet-{id}") readonly rows="2" class="code">{code}</textarea>
                        <button type="button" on:click=copy>
                            {move || if copied.get() == Some(id) { env.t("コピーしました", "Copied")() } else { env.t("コピー", "Copy")() }}
                        </button>
                    </div>
                }
            }).collect_view()}
            <p class="hint">{env.t(
                "オプション: data-yoyaku-menu=\"メニュー番号\"、data-yoyaku-lang=\"en\"(英語)、data-yoyaku-accent=\"#0a7d3b\"(色)。",
                "Options: data-yoyaku-menu=\"menu number\", data-yoyaku-lang=\"en\", data-yoyaku-accent=\"#0a7d3b\" (colour).",
            )}</p>
            <h3>{env.t("プレビュー", "Preview")}</h3>
            <p><a href=preview.clone() target="_blank" rel="noopener">{preview.clone()}</a></p>
            <iframe class="widget-preview" src=preview title=env.t("予約ウィジェットのプレビュー", "Preview of the booking widget")></iframe>
        </section>
    }
}

/// The address the clinic's e-mails to website patients come from.
#[component]
fn MailFromSection(env: Env, mail_from: String) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let address = RwSignal::new(mail_from);
    let intent = Intent::new();
    let save = move |_| {
        let typed = address.get_untracked();
        run(env, errors, intent, move |csrf, key, lang| async move { save_mail_from(csrf, key, typed, lang).await.map(drop) });
    };
    let error = error_for(errors, "mail_from".into());
    let invalid = error.clone();
    view! {
        <section class="card form" aria-labelledby="mail-from-title">
            <h2 id="mail-from-title">{env.t("患者さまへのメール", "E-mails to patients")}</h2>
            <p>{env.t(
                "LINEをお使いでない患者さまには、確認コードやご予約のお知らせをメールでお送りします。空欄のときは、このサービスの送信アドレスから医院名で送ります。医院のアドレスは、そのドメインからの送信がこのサービスに許可されていれば(SPF・DKIMを設定し、運用側で登録)差出人に、そうでなければ返信先(Reply-To)になります。",
                "Patients without LINE get their codes and notices by e-mail. Left empty, they come from this service's address under the clinic's name. The clinic's own address is the sender when its domain lets this service send for it (SPF and DKIM set up, and registered by the operator); otherwise it is where replies go (Reply-To).",
            )}</p>
            <div class="field">
                <label for="mail_from">{env.t("差出人のメールアドレス(任意)", "From address (optional)")}</label>
                <input id="mail_from" name="mail_from" type="email" maxlength="254" autocomplete="off" prop:value=move || address.get()
                    on:input=move |ev| address.set(event_target_value(&ev))
                    aria-invalid=move || invalid().is_some().to_string() aria-describedby="mail_from-error"/>
                <p class="field-error" id="mail_from-error" role="alert">{error}</p>
            </div>
            <div class="actions"><button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button></div>
        </section>
    }
}

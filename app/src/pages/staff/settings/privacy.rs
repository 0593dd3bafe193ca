//! The privacy notice patients agree to, in both languages.

use leptos::prelude::*;

use super::form::{error_for, run, Env};
use crate::api::once::Intent;
use crate::api::staff::settings::*;

#[component]
pub fn PrivacySection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let version = d.privacy_version;
    let ja = RwSignal::new(d.privacy_ja);
    let en = RwSignal::new(d.privacy_en);
    let intent = Intent::new();
    let save = move |_| {
        let (ja, en) = (ja.get_untracked(), en.get_untracked());
        run(env, errors, intent, move |csrf, key, lang| save_privacy(csrf, key, ja, en, lang));
    };
    let area = move |field: &'static str, ja_label: &'static str, en_label: &'static str, value: RwSignal<String>| {
        let error = error_for(errors, field.to_string());
        let invalid = error.clone();
        view! {
            <div class="field">
                <label for=field>{env.t(ja_label, en_label)}</label>
                <textarea id=field name=field rows="8" maxlength="5000" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))
                    aria-invalid=move || invalid().is_some().to_string() aria-describedby=format!("{field}-error")></textarea>
                <p class="field-error" id=format!("{field}-error") role="alert">{error}</p>
            </div>
        }
    };
    view! {
        <section class="card form" aria-labelledby="privacy-title">
            <h2 id="privacy-title">{env.t("個人情報の取り扱い(患者さんが同意する文章)", "Privacy notice (what patients agree to)")}</h2>
            <p class="hint privacy-version">{move || match env.lang.get() {
                crate::i18n::Lang::Ja => format!("現在の版: v{version}。保存すると新しい版になり、患者さまは次のご予約のときに新しい版に同意します(同意の記録は患者ページとCSVで見られます)。"),
                crate::i18n::Lang::En => format!("Current version: v{version}. Saving makes a new version, which patients consent to with their next booking (consents are on each patient's page and in the CSV)."),
            }}</p>
            {area("privacy-ja", "日本語", "Japanese", ja)}
            {area("privacy-en", "英語", "English", en)}
            <div class="actions"><button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button></div>
        </section>
    }
}

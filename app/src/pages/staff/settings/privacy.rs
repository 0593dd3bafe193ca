//! The privacy notice patients agree to, in both languages, and how long their questionnaire
//! answers are kept.

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

/// Deleting questionnaire answers a set number of days after the visit (off by default): what it
/// does, what it keeps, and when it last deleted some.
#[component]
pub fn RetentionSection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let days = RwSignal::new(d.answers_kept_days.map(|d| d.to_string()).unwrap_or_default());
    let intent = Intent::new();
    let save = move |_| {
        let days = days.get_untracked();
        run(env, errors, intent, move |csrf, key, lang| save_retention(csrf, key, days, lang));
    };
    let error = error_for(errors, "answers-kept-days".to_string());
    let invalid = error.clone();
    let current = d.answers_kept_days;
    let deletions = d.answer_deletions;
    view! {
        <section class="card form" aria-labelledby="retention-title">
            <h2 id="retention-title">{env.t("問診回答の保存期間", "How long questionnaire answers are kept")}</h2>
            <p class="hint">{env.t(
                "日数を入れると、受診日からその日数が過ぎた予約の問診回答を自動で削除します(10分ごとに確認します)。予約の記録(日時・メニュー・来院の有無)と患者さまの情報は残ります。削除した回答は元に戻せません。問診票を診療録の一部として扱う場合は、法令上の保存期間(診療録は5年)より短くしないでください。空欄にすると削除しません。",
                "With a number of days, the answers of visits older than that are deleted automatically (checked every ten minutes). The visits (time, menu, attendance) and the patients' details stay. Deleted answers cannot be brought back. If the answers are part of the medical record, do not set less than its legal retention period (5 years for 診療録). Leave it empty to keep answers.",
            )}</p>
            <p class="retention-now">{move || match (env.lang.get(), current) {
                (crate::i18n::Lang::Ja, None) => "現在: 削除しない".to_string(),
                (crate::i18n::Lang::Ja, Some(d)) => format!("現在: 受診日から{d}日後に削除"),
                (crate::i18n::Lang::En, None) => "Now: answers are kept".to_string(),
                (crate::i18n::Lang::En, Some(d)) => format!("Now: deleted {d} days after the visit"),
            }}</p>
            <div class="field">
                <label for="answers-kept-days">{env.t("受診日から何日後に削除するか(1〜3650日)", "Delete this many days after the visit (1–3650)")}</label>
                <input id="answers-kept-days" name="answers-kept-days" type="text" inputmode="numeric" autocomplete="off"
                    prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))
                    aria-invalid=move || invalid().is_some().to_string() aria-describedby="answers-kept-days-error"/>
                <p class="field-error" id="answers-kept-days-error" role="alert">{error}</p>
            </div>
            <div class="actions"><button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button></div>
            <h3>{env.t("自動削除の記録", "Deletions so far")}</h3>
            {if deletions.is_empty() {
                view! { <p class="hint answer-deletions-none">{env.t("まだありません。", "None yet.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="answer-deletions">
                        {deletions.into_iter().map(|d| view! {
                            <li>{move || match env.lang.get() {
                                crate::i18n::Lang::Ja => format!("{}: {}より前の受診 {}件の回答 {}件を削除", d.at, d.visits_before, d.visits, d.answers),
                                crate::i18n::Lang::En => format!("{}: {} answers of {} visits before {} deleted", d.at, d.answers, d.visits, d.visits_before),
                            }}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

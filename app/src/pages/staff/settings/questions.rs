//! The questions (問診) of each menu: add, edit, reorder, remove.

use leptos::prelude::*;

use super::form::{error_for, run, CheckField, Env, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;
use crate::booking::ids::MenuId;
use crate::i18n::Lang;
use crate::kinds::QuestionKind;

#[component]
pub fn QuestionsSection(env: Env, d: SettingsData) -> impl IntoView {
    let menus: Vec<(MenuId, String)> = d.menus.iter().filter_map(|m| Some((m.id?, format!("{} / {}", m.name_ja, m.name_en)))).collect();
    let menu = RwSignal::new(menus.first().map(|m| m.0));
    let questions = StoredValue::new(d.questions);
    let editing = RwSignal::new(None::<QuestionForm>);
    let errors = RwSignal::new(Vec::new());
    view! {
        <section class="card form" aria-labelledby="questions-title">
            <h2 id="questions-title">{env.t("メニューごとの問診", "Questions per menu")}</h2>
            <div class="field">
                <label for="questions-menu">{env.t("メニュー", "Menu")}</label>
                <select id="questions-menu" on:change=move |ev| { editing.set(None); menu.set(event_target_value(&ev).parse().ok().map(MenuId)) }>
                    {menus.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=move || menu.get() == Some(id)>{name}</option> }).collect_view()}
                </select>
            </div>
            {move || {
                let list: Vec<QuestionForm> = questions.get_value().into_iter().filter(|q| Some(q.menu_id) == menu.get()).collect();
                if list.is_empty() {
                    return view! { <p class="none">{env.t("質問はありません。", "No questions.")}</p> }.into_any();
                }
                view! {
                    <ol class="settings-list">
                        {list.into_iter().map(|q| {
                            let Some(id) = q.id else { return ().into_any() };
                            let field = format!("question-{id}");
                            let error = error_for(errors, field.clone());
                            let form = q.clone();
                            let intent = Intent::new();
                            view! {
                                <li>
                                    <span>{format!("{} / {}", q.label_ja, q.label_en)}<br/><small>{move || kind_name(q.kind, env.lang.get())}{if q.required { " *" } else { "" }}</small>
                                        <span class="field-error" id=format!("{field}-error") role="alert">{error}</span></span>
                                    <span class="row-actions">
                                        <button type="button" aria-label=env.t("上へ", "Move up") on:click=move |_| run(env, errors, intent, move |csrf, key, lang| move_question(csrf, key, id, true, lang))>"↑"</button>
                                        <button type="button" aria-label=env.t("下へ", "Move down") on:click=move |_| run(env, errors, intent, move |csrf, key, lang| move_question(csrf, key, id, false, lang))>"↓"</button>
                                        <button type="button" on:click=move |_| editing.set(Some(form.clone()))>{env.t("編集", "Edit")}</button>
                                        <button type="button" class="danger" on:click=move |_| run(env, errors, intent, move |csrf, key, lang| remove_question(csrf, key, id, lang))>{env.t("削除", "Remove")}</button>
                                    </span>
                                </li>
                            }.into_any()
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <div class="actions">
                <button type="button" class="primary" disabled=move || menu.get().is_none()
                    on:click=move |_| if let Some(menu_id) = menu.get_untracked() {
                        editing.set(Some(QuestionForm {
                            id: None,
                            menu_id,
                            label_ja: String::new(),
                            label_en: String::new(),
                            kind: QuestionKind::Text,
                            choices_ja: String::new(),
                            choices_en: String::new(),
                            required: false,
                        }))
                    }>
                    {env.t("質問を追加", "Add a question")}
                </button>
            </div>
        </section>
        {move || editing.get().map(|form| view! { <QuestionEditor env form editing/> })}
    }
}

#[component]
fn QuestionEditor(env: Env, form: QuestionForm, editing: RwSignal<Option<QuestionForm>>) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let (id, menu_id) = (form.id, form.menu_id);
    let label_ja = RwSignal::new(form.label_ja);
    let label_en = RwSignal::new(form.label_en);
    let kind = RwSignal::new(form.kind);
    let choices_ja = RwSignal::new(form.choices_ja);
    let choices_en = RwSignal::new(form.choices_en);
    let required = RwSignal::new(form.required);
    let intent = Intent::new();
    let save = move |_| {
        let form = QuestionForm {
            id,
            menu_id,
            label_ja: label_ja.get_untracked(),
            label_en: label_en.get_untracked(),
            kind: kind.get_untracked(),
            choices_ja: choices_ja.get_untracked(),
            choices_en: choices_en.get_untracked(),
            required: required.get_untracked(),
        };
        run(env, errors, intent, move |csrf, key, lang| save_question(csrf, key, form, lang));
    };
    let area = move |field: &'static str, ja: &'static str, en: &'static str, value: RwSignal<String>| {
        let error = error_for(errors, field.to_string());
        let invalid = error.clone();
        view! {
            <div class="field">
                <label for=field>{env.t(ja, en)}</label>
                <textarea id=field name=field rows="4" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))
                    aria-invalid=move || invalid().is_some().to_string() aria-describedby=format!("{field}-error")></textarea>
                <p class="field-error" id=format!("{field}-error") role="alert">{error}</p>
            </div>
        }
    };
    view! {
        <section class="card form" aria-labelledby="question-editor-title">
            <h2 id="question-editor-title">{move || if id.is_none() { env.t("質問を追加", "New question")() } else { env.t("質問を編集", "Edit question")() }}</h2>
            <TextField env errors field="question-label_ja".into() ja="質問(日本語)" en="Question (Japanese)" value=label_ja/>
            <TextField env errors field="question-label_en".into() ja="質問(英語)" en="Question (English)" value=label_en/>
            <div class="field">
                <label for="question-kind">{env.t("回答の種類", "Kind of answer")}</label>
                <select id="question-kind" on:change=move |ev| if let Some(k) = QuestionKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                    {QuestionKind::ALL.iter().map(|&k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{move || kind_name(k, env.lang.get())}</option>
                    }).collect_view()}
                </select>
            </div>
            <Show when=move || kind.get() == QuestionKind::Choice>
                {area("question-choices_ja", "選択肢(日本語、1行に1つ)", "Choices (Japanese, one a line)", choices_ja)}
                {area("question-choices_en", "選択肢(英語、同じ順に)", "Choices (English, same order)", choices_en)}
            </Show>
            <CheckField env field="question-required".into() ja="回答を必須にする" en="An answer is required" value=required/>
            <div class="actions">
                <button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button>
                <button type="button" on:click=move |_| editing.set(None)>{env.t("閉じる", "Close")}</button>
            </div>
        </section>
    }
}

fn kind_name(kind: QuestionKind, lang: Lang) -> &'static str {
    match kind {
        QuestionKind::Text => lang.pick("文章", "Text"),
        QuestionKind::Choice => lang.pick("選択肢", "Choice"),
        QuestionKind::YesNo => lang.pick("はい/いいえ", "Yes / no"),
    }
}

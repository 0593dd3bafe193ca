//! Practitioners and rooms: their names in both languages and their kind.

use leptos::prelude::*;

use super::form::{run, Env, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;
use crate::kinds::ResourceKind;

#[component]
pub fn ResourcesSection(env: Env, d: SettingsData) -> impl IntoView {
    let forms: Vec<ResourceForm> = d
        .resources
        .into_iter()
        .map(|r| ResourceForm { id: Some(r.id), name_ja: r.name_ja, name_en: r.name_en, kind: r.kind })
        .chain(std::iter::once(ResourceForm { id: None, name_ja: String::new(), name_en: String::new(), kind: ResourceKind::Practitioner }))
        .collect();
    view! {
        {forms.into_iter().map(|f| view! { <ResourceEditor env form=f/> }).collect_view()}
    }
}

#[component]
fn ResourceEditor(env: Env, form: ResourceForm) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let id = form.id;
    let name_ja = RwSignal::new(form.name_ja);
    let name_en = RwSignal::new(form.name_en);
    let kind = RwSignal::new(form.kind);
    let intent = Intent::new();
    let save = move |_| {
        let form = ResourceForm { id, name_ja: name_ja.get_untracked(), name_en: name_en.get_untracked(), kind: kind.get_untracked() };
        run(env, errors, intent, move |csrf, key, lang| save_resource(csrf, key, form, lang));
    };
    // A new one is `resource-0-…`.
    let n = id.map_or(0, |id| id.0);
    let kind_field = format!("resource-{n}-kind");
    let title_id = format!("resource-{n}-title");
    view! {
        <section class="card form" aria-labelledby=title_id.clone()>
            <h2 id=title_id.clone()>{move || if id.is_none() { env.t("医師・部屋を追加", "Add a practitioner or room")().to_string() } else { name_ja.get() }}</h2>
            <div class="settings-grid">
                <TextField env errors field=format!("resource-{n}-name_ja") ja="名前(日本語)" en="Name (Japanese)" value=name_ja/>
                <TextField env errors field=format!("resource-{n}-name_en") ja="名前(英語)" en="Name (English)" value=name_en/>
                <div class="field">
                    <label for=kind_field.clone()>{env.t("種類", "Kind")}</label>
                    <select id=kind_field.clone() name=kind_field on:change=move |ev| if let Some(k) = ResourceKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                        <option value="practitioner" selected=move || kind.get() == ResourceKind::Practitioner>{env.t("医師・スタッフ", "Practitioner")}</option>
                        <option value="room" selected=move || kind.get() == ResourceKind::Room>{env.t("部屋・設備", "Room")}</option>
                    </select>
                </div>
            </div>
            <div class="actions"><button type="button" class="primary" on:click=save>{move || if id.is_none() { env.t("追加", "Add")() } else { env.t("保存", "Save")() }}</button></div>
        </section>
    }
}

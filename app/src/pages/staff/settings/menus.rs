//! Menus with every booking rule: mode and capacity, duration, buffers, notice, horizon,
//! cancellation cut-off, approval or auto-confirm, and how long a request holds its place.

use leptos::prelude::*;

use super::form::{error_for, run, CheckField, Env, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;
use crate::booking::ids::ResourceId;
use crate::i18n::Lang;
use crate::kinds::ModeKind;

fn mode_name(mode: ModeKind, lang: Lang) -> &'static str {
    match mode {
        ModeKind::Slot => lang.pick("時間予約", "Time slot"),
        ModeKind::Band => lang.pick("時間帯予約", "Time band"),
        ModeKind::Queue => lang.pick("順番予約", "Day queue"),
    }
}

#[component]
pub fn MenusSection(env: Env, d: SettingsData) -> impl IntoView {
    let editing = RwSignal::new(None::<MenuForm>);
    let resources = StoredValue::new(d.resources.iter().map(|r| (r.id, r.name.clone())).collect::<Vec<_>>());
    let lang = env.lang;
    view! {
        {move || match editing.get() {
            Some(form) => view! { <MenuEditor env form resources editing/> }.into_any(),
            None => view! {
                <section class="card" aria-labelledby="menus-title">
                    <h2 id="menus-title">{env.t("メニュー", "Menus")}</h2>
                    <ul class="settings-list">
                        {d.menus.clone().into_iter().map(|m| {
                            let name = format!("{} / {}", m.name_ja, m.name_en);
                            let form = m.clone();
                            let meta = move || {
                                let lang = lang.get();
                                format!(
                                    "{}・{}{}・{}{}",
                                    mode_name(m.mode, lang),
                                    m.duration_minutes,
                                    lang.pick("分", " min"),
                                    if m.auto_confirm { lang.pick("自動確定", "auto-confirm") } else { lang.pick("承認制", "approval") },
                                    if m.active { "" } else { lang.pick("・非公開", " · inactive") },
                                )
                            };
                            view! {
                                <li>
                                    <span><strong>{name}</strong><br/><small>{meta}</small></span>
                                    <button type="button" on:click=move |_| editing.set(Some(form.clone()))>{env.t("編集", "Edit")}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <div class="actions">
                        <button type="button" class="primary" on:click=move |_| editing.set(Some(MenuForm::new_menu()))>{env.t("新しいメニュー", "New menu")}</button>
                    </div>
                </section>
            }.into_any(),
        }}
    }
}

#[component]
fn MenuEditor(env: Env, form: MenuForm, resources: StoredValue<Vec<(ResourceId, String)>>, editing: RwSignal<Option<MenuForm>>) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let id = form.id;
    let s = |v: &String| RwSignal::new(v.clone());
    let (name_ja, name_en, duration, capacity) = (s(&form.name_ja), s(&form.name_en), s(&form.duration_minutes), s(&form.capacity));
    let mode = RwSignal::new(form.mode);
    let (before, after, notice, horizon, cutoff, hold) = (
        s(&form.buffer_before_minutes),
        s(&form.buffer_after_minutes),
        s(&form.min_notice_minutes),
        s(&form.horizon_days),
        s(&form.cancel_cutoff_minutes),
        s(&form.hold_minutes),
    );
    let auto_confirm = RwSignal::new(form.auto_confirm);
    let active = RwSignal::new(form.active);
    let several_per_day = RwSignal::new(form.several_per_day);
    let near_turn = s(&form.near_turn);
    let chosen = RwSignal::new(form.resource_ids.clone());
    let intent = Intent::new();
    let save = move |_| {
        let form = MenuForm {
            id,
            name_ja: name_ja.get_untracked(),
            name_en: name_en.get_untracked(),
            duration_minutes: duration.get_untracked(),
            mode: mode.get_untracked(),
            capacity: capacity.get_untracked(),
            buffer_before_minutes: before.get_untracked(),
            buffer_after_minutes: after.get_untracked(),
            min_notice_minutes: notice.get_untracked(),
            horizon_days: horizon.get_untracked(),
            cancel_cutoff_minutes: cutoff.get_untracked(),
            hold_minutes: hold.get_untracked(),
            auto_confirm: auto_confirm.get_untracked(),
            active: active.get_untracked(),
            several_per_day: several_per_day.get_untracked(),
            near_turn: near_turn.get_untracked(),
            resource_ids: chosen.get_untracked(),
        };
        run(env, errors, intent, move |csrf, key, lang| save_menu(csrf, key, form, lang));
    };
    let resources_error = error_for(errors, "menu-resources".into());
    view! {
        <section class="card form menu-editor" aria-labelledby="menu-editor-title">
            <h2 id="menu-editor-title">{move || if id.is_none() { env.t("新しいメニュー", "New menu")() } else { env.t("メニューを編集", "Edit menu")() }}</h2>
            <div class="settings-grid">
                <TextField env errors field="menu-name_ja".into() ja="名前(日本語)" en="Name (Japanese)" value=name_ja/>
                <TextField env errors field="menu-name_en".into() ja="名前(英語)" en="Name (English)" value=name_en/>
                <div class="field">
                    <label for="menu-mode">{env.t("予約方式", "Booking mode")}</label>
                    <select id="menu-mode" name="menu-mode" on:change=move |ev| if let Some(m) = ModeKind::parse(&event_target_value(&ev)) { mode.set(m) }>
                        {ModeKind::ALL.iter().map(|&m| view! {
                            <option value=m.as_str() selected=move || mode.get() == m>{move || mode_name(m, env.lang.get())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <TextField env errors field="menu-capacity".into() ja="定員(時間予約は1枠の人数、順番予約は1日の人数)" en="Capacity (per slot / band; per day for a queue)" value=capacity input_type="number"/>
                <TextField env errors field="menu-duration_minutes".into() ja="所要時間(分)" en="Duration (minutes)" value=duration input_type="number"/>
                <TextField env errors field="menu-buffer_before_minutes".into() ja="前の準備時間(分)" en="Buffer before (minutes)" value=before input_type="number"/>
                <TextField env errors field="menu-buffer_after_minutes".into() ja="後の片付け時間(分)" en="Buffer after (minutes)" value=after input_type="number"/>
                <TextField env errors field="menu-min_notice_minutes".into() ja="受付締切(開始の何分前まで)" en="Minimum notice (minutes before the start)" value=notice input_type="number"/>
                <TextField env errors field="menu-horizon_days".into() ja="何日先まで予約できるか" en="Bookable days ahead" value=horizon input_type="number"/>
                <TextField env errors field="menu-cancel_cutoff_minutes".into() ja="キャンセル期限(開始の何分前まで)" en="Cancellation cut-off (minutes before the start)" value=cutoff input_type="number"/>
                <TextField env errors field="menu-hold_minutes".into() ja="承認待ちで枠を押さえる時間(分)" en="How long a request holds its place (minutes)" value=hold input_type="number"/>
                <Show when=move || mode.get() == ModeKind::Queue>
                    <TextField env errors field="menu-near_turn".into() ja="順番が近づいたお知らせ(あと何人で)" en="Tell patients their turn is near (when this many are before them)" value=near_turn input_type="number"/>
                </Show>
            </div>
            <CheckField env field="menu-auto_confirm".into() ja="承認なしで自動確定する" en="Confirm automatically (no approval)" value=auto_confirm/>
            <CheckField env field="menu-active".into() ja="患者さんに公開する" en="Shown to patients" value=active/>
            <CheckField env field="menu-several_per_day".into() ja="同じ日に同じ患者さんが複数予約できる" en="A patient may book it more than once a day" value=several_per_day/>
            <fieldset class="field" aria-describedby="menu-resources-error">
                <legend>{env.t("担当する医師・部屋", "Practitioners or rooms")}</legend>
                <div class="options">
                    {resources.get_value().into_iter().map(|(rid, name)| {
                        let field = format!("menu-resource-{rid}");
                        view! {
                            <label class="option" for=field.clone()>
                                <input type="checkbox" id=field.clone() prop:checked=move || chosen.get().contains(&rid)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|x| *x != rid); if on { c.push(rid) } });
                                    }/>
                                {name}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <p class="field-error" id="menu-resources-error" role="alert">{resources_error}</p>
            </fieldset>
            <div class="actions">
                <button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button>
                <button type="button" on:click=move |_| editing.set(None)>{env.t("戻る", "Back")}</button>
            </div>
        </section>
    }
}

//! `/staff/settings` (owner only): weekly hours and breaks, closures and extra hours, menus with
//! every booking rule, practitioners and rooms, questions per menu, the privacy notice, the LINE
//! channels (secrets write-only), the staff accounts and the audit of every change. The server checks every form and
//! answers per field; the page shows each message next to its input.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::pages::liff::error_text;
use crate::api::staff::settings::*;
use crate::i18n::Lang;
use crate::patients::FieldError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Hours,
    Closures,
    Menus,
    Resources,
    Questions,
    Privacy,
    Line,
    Staff,
    Audit,
}

const TABS: [(Tab, &str, &str); 9] = [
    (Tab::Hours, "診療時間", "Hours"),
    (Tab::Closures, "休診日・臨時診療", "Closures"),
    (Tab::Menus, "メニュー", "Menus"),
    (Tab::Resources, "医師・部屋", "Practitioners & rooms"),
    (Tab::Questions, "問診", "Questions"),
    (Tab::Privacy, "プライバシー", "Privacy"),
    (Tab::Line, "LINE連携", "LINE"),
    (Tab::Staff, "スタッフ", "Staff"),
    (Tab::Audit, "変更履歴", "Change log"),
];

/// What every section needs: the language, the CSRF token, a way to reload the data, and the
/// message of the last action.
#[derive(Clone, Copy)]
struct Env {
    lang: RwSignal<Lang>,
    csrf: StoredValue<String>,
    version: RwSignal<u32>,
    status: RwSignal<Option<(bool, String)>>,
}

impl Env {
    fn t(&self, ja: &'static str, en: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || lang.get().pick(ja, en)
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let console = super::use_console();
    let lang = console.lang;
    let env = Env {
        lang,
        csrf: StoredValue::new(console.me.csrf.clone()),
        version: RwSignal::new(0),
        status: RwSignal::new(None),
    };
    if !console.me.is_owner() {
        return view! {
            <section class="card">
                <h1>{move || lang.get().pick("設定", "Settings")}</h1>
                <p class="error" role="alert">{move || lang.get().pick("設定は院長(オーナー)のみ変更できます。", "Only the clinic's owner can change the settings.")}</p>
            </section>
        }
        .into_any();
    }
    let tab = RwSignal::new(Tab::Hours);
    let data = Resource::new(move || (env.version.get(), lang.get()), |(_, lang)| load_settings(lang));
    view! {
        <section class="settings-page" aria-labelledby="settings-title">
            <h1 id="settings-title">{move || lang.get().pick("医院の設定", "Clinic settings")}</h1>
            <nav class="tabs settings-tabs" role="tablist" aria-label=move || lang.get().pick("設定の項目", "Settings sections")>
                {TABS
                    .into_iter()
                    .map(|(t, ja, en)| view! {
                        <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string() on:click=move |_| {
                            env.status.set(None);
                            tab.set(t)
                        }>
                            {move || lang.get().pick(ja, en)}
                        </button>
                    })
                    .collect_view()}
            </nav>
            <p class="settings-status" role="status" aria-live="polite">
                {move || env.status.get().map(|(ok, message)| view! { <span class={if ok { "ok" } else { "error" }}>{message}</span> })}
            </p>
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => match tab.get() {
                            Tab::Hours => view! { <HoursSection env d/> }.into_any(),
                            Tab::Closures => view! { <ClosuresSection env d/> }.into_any(),
                            Tab::Menus => view! { <MenusSection env d/> }.into_any(),
                            Tab::Resources => view! { <ResourcesSection env d/> }.into_any(),
                            Tab::Questions => view! { <QuestionsSection env d/> }.into_any(),
                            Tab::Privacy => view! { <PrivacySection env d/> }.into_any(),
                            Tab::Line => view! { <LineSection env line=d.line/> }.into_any(),
                            Tab::Staff => view! { <StaffSection env staff=d.staff/> }.into_any(),
                            Tab::Audit => view! { <AuditSection env d/> }.into_any(),
                        },
                        Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}


/// Runs a change; on success reloads the settings, else shows the errors next to the fields.
fn run<F, Fut>(env: Env, errors: RwSignal<Vec<FieldError>>, call: F)
where
    F: FnOnce(String, Lang) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<SaveOutcome, ServerFnError>> + 'static,
{
    let csrf = env.csrf.get_value();
    let lang = env.lang.get_untracked();
    spawn_local(async move {
        match call(csrf, lang).await {
            Ok(SaveOutcome::Saved) => {
                errors.set(Vec::new());
                env.status.set(Some((true, lang.pick("保存しました。", "Saved.").to_string())));
                env.version.update(|v| *v += 1);
            }
            Ok(SaveOutcome::Invalid(e)) => {
                let general = e.iter().find(|e| e.field == "form").map(|e| e.message.clone());
                errors.set(e);
                env.status.set(Some((false, general.unwrap_or_else(|| lang.pick("入力内容を確かめてください。", "Please check the marked fields.").to_string()))));
            }
            Err(e) => env.status.set(Some((false, error_text(&e)))),
        }
    });
}

fn error_for(errors: RwSignal<Vec<FieldError>>, field: String) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || errors.get().iter().find(|e| e.field == field).map(|e| e.message.clone())
}

/// A labelled text input with its own error message.
#[component]
fn TextField(
    env: Env,
    errors: RwSignal<Vec<FieldError>>,
    field: String,
    ja: &'static str,
    en: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let error = error_for(errors, field.clone());
    let error_id = format!("{field}-error");
    let has_error = error.clone();
    let lang = env.lang;
    view! {
        <div class="field">
            <label for=field.clone()>{env.t(ja, en)}</label>
            {hint.map(|(hja, hen)| view! { <small class="hint">{move || lang.get().pick(hja, hen)}</small> })}
            <input
                type=input_type
                id=field.clone()
                name=field.clone()
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || has_error().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id role="alert">{error}</p>
        </div>
    }
}

#[component]
fn CheckField(env: Env, field: String, ja: &'static str, en: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="field check">
            <input type="checkbox" id=field.clone() name=field.clone() prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev))/>
            <label for=field>{env.t(ja, en)}</label>
        </div>
    }
}

#[component]
fn HoursSection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let holidays = RwSignal::new(d.open_on_holidays);
    let reminder = RwSignal::new(d.reminder_hour.to_string());
    let save_options = move |_| {
        let (open, hour) = (holidays.get_untracked(), reminder.get_untracked());
        run(env, errors, move |csrf, lang| save_clinic_options(csrf, open, hour, lang));
    };
    view! {
        <section class="card form" aria-labelledby="clinic-options-title">
            <h2 id="clinic-options-title">{env.t("祝日とリマインダー", "Holidays and reminders")}</h2>
            <CheckField env field="open_on_holidays".into() ja="祝日も診療する" en="Open on national holidays" value=holidays/>
            <TextField env errors field="reminder_hour".into() ja="前日リマインダーを送る時刻(時、0〜23)" en="Hour to send the day-before reminder (0–23)" value=reminder input_type="number"/>
            <div class="actions"><button type="button" class="primary" on:click=save_options>{env.t("保存", "Save")}</button></div>
        </section>
        <p class="hint">{env.t(
            "曜日ごとの診療時間を「9:00-12:30, 14:00-18:00」の形で入力します。間の時間が休憩です。空欄はその曜日は休みです。保存するとすぐに患者さんの空き枠に反映されます。",
            "Enter each weekday's hours as \"9:00-12:30, 14:00-18:00\"; the gap is the break. Empty: closed that day. Patients see the change at once.",
        )}</p>
        {d.resources.into_iter().map(|r| view! { <ResourceHours env r/> }).collect_view()}
    }
}

#[component]
fn ResourceHours(env: Env, r: ResourceView) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let resource_id = r.id;
    let days: Vec<(DayHours, RwSignal<String>)> = r.days.into_iter().map(|d| {
        let typed = RwSignal::new(d.hours.clone());
        (d, typed)
    }).collect();
    let changes = StoredValue::new(days.iter().map(|(d, typed)| (d.weekday, d.hours.clone(), *typed)).collect::<Vec<_>>());
    let save = move |_| {
        let changed: Vec<(u8, String)> = changes
            .get_value()
            .into_iter()
            .filter(|(_, original, typed)| *original != typed.get_untracked())
            .map(|(w, _, typed)| (w, typed.get_untracked()))
            .collect();
        run(env, errors, move |csrf, lang| async move {
            let mut all = Vec::new();
            for (weekday, hours) in changed {
                match save_hours(csrf.clone(), resource_id, weekday, hours, lang).await? {
                    SaveOutcome::Saved => {}
                    SaveOutcome::Invalid(e) => all.extend(e),
                }
            }
            Ok(if all.is_empty() { SaveOutcome::Saved } else { SaveOutcome::Invalid(all) })
        });
    };
    let title_id = format!("hours-{resource_id}-title");
    view! {
        <section class="card form hours" aria-labelledby=title_id.clone()>
            <h2 id=title_id.clone()>{r.name}</h2>
            <div class="hours-grid">
                {days.into_iter().map(|(d, typed)| {
                    let field = format!("hours-{resource_id}-{}", d.weekday);
                    let error = error_for(errors, field.clone());
                    let has_error = error.clone();
                    let error_id = format!("{field}-error");
                    view! {
                        <div class="field hours-row">
                            <label for=field.clone()>{d.label}</label>
                            <input type="text" id=field.clone() name=field inputmode="numeric" placeholder="9:00-12:30, 14:00-18:00"
                                prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))
                                aria-invalid=move || has_error().is_some().to_string() aria-describedby=error_id.clone()/>
                            <p class="field-error" id=error_id role="alert">{error}</p>
                        </div>
                    }
                }).collect_view()}
            </div>
            <div class="actions"><button type="button" class="primary" on:click=save>{env.t("この診療時間を保存", "Save these hours")}</button></div>
        </section>
    }
}

#[component]
fn ClosuresSection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let date = RwSignal::new(String::new());
    let resource = RwSignal::new("0".to_string());
    let closed = RwSignal::new(true);
    let opens = RwSignal::new(String::new());
    let closes = RwSignal::new(String::new());
    let add = move |_| {
        let form = ExceptionForm {
            date: date.get_untracked(),
            resource_id: resource.get_untracked().parse().unwrap_or(0),
            closed: closed.get_untracked(),
            opens: opens.get_untracked(),
            closes: closes.get_untracked(),
        };
        run(env, errors, move |csrf, lang| add_exception(csrf, form, lang));
    };
    let lang = env.lang;
    let date_error = error_for(errors, "exception-date".into());
    let date_invalid = date_error.clone();
    view! {
        <section class="card" aria-labelledby="exceptions-title">
            <h2 id="exceptions-title">{env.t("休診日・臨時診療の予定", "Closures and extra hours")}</h2>
            {if d.exceptions.is_empty() {
                view! { <p class="none">{env.t("予定はありません。", "Nothing planned.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="settings-list">
                        {d.exceptions.into_iter().map(|x| {
                            let id = x.id;
                            let remove = move |_| run(env, errors, move |csrf, lang| remove_exception(csrf, id, lang));
                            view! {
                                <li>
                                    <span>{x.label}</span>
                                    <button type="button" class="danger" on:click=remove>{env.t("削除", "Remove")}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card form" aria-labelledby="exception-add-title">
            <h2 id="exception-add-title">{env.t("休診日・臨時診療を追加", "Add a closure or extra hours")}</h2>
            <div class="field">
                <label for="exception-date">{env.t("日付", "Date")}</label>
                <input type="date" id="exception-date" name="exception-date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev))
                    aria-invalid=move || date_invalid().is_some().to_string() aria-describedby="exception-date-error"/>
                <p class="field-error" id="exception-date-error" role="alert">{date_error}</p>
            </div>
            <div class="field">
                <label for="exception-resource">{env.t("対象", "For")}</label>
                <select id="exception-resource" name="exception-resource" on:change=move |ev| resource.set(event_target_value(&ev))>
                    <option value="0" selected=move || resource.get() == "0">{env.t("医院全体", "Whole clinic")}</option>
                    {d.resources.iter().map(|r| {
                        let value = r.id.to_string();
                        let current = value.clone();
                        view! { <option value=value selected=move || resource.get() == current>{r.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <fieldset class="field">
                <legend>{env.t("種類", "Kind")}</legend>
                <div class="options">
                    <label class="option"><input type="radio" name="exception-kind" prop:checked=move || closed.get() on:change=move |_| closed.set(true)/>{env.t("休診", "Closed")}</label>
                    <label class="option"><input type="radio" name="exception-kind" prop:checked=move || !closed.get() on:change=move |_| closed.set(false)/>{env.t("臨時診療(時間を追加)", "Extra hours")}</label>
                </div>
            </fieldset>
            <Show when=move || !closed.get()>
                <div class="time-pair">
                    <TextField env errors field="exception-opens".into() ja="開始" en="Opens" value=opens hint=("例: 14:00", "e.g. 14:00")/>
                    <TextField env errors field="exception-closes".into() ja="終了" en="Closes" value=closes hint=("例: 17:00", "e.g. 17:00")/>
                </div>
            </Show>
            <p class="hint">{move || lang.get().pick(
                "祝日は「祝日も診療する」がオフなら休診です。祝日に診療する日は臨時診療を追加してください。",
                "National holidays are closed unless the clinic opens on holidays; add extra hours to open on one.",
            )}</p>
            <div class="actions"><button type="button" class="primary" on:click=add>{env.t("追加", "Add")}</button></div>
        </section>
    }
}

fn mode_name(mode: &str, lang: Lang) -> &'static str {
    match mode {
        "band" => lang.pick("時間帯予約", "Time band"),
        "queue" => lang.pick("順番予約", "Day queue"),
        _ => lang.pick("時間予約", "Time slot"),
    }
}

#[component]
fn MenusSection(env: Env, d: SettingsData) -> impl IntoView {
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
                                    mode_name(&m.mode, lang),
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
fn MenuEditor(env: Env, form: MenuForm, resources: StoredValue<Vec<(i64, String)>>, editing: RwSignal<Option<MenuForm>>) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let id = form.id;
    let s = |v: &String| RwSignal::new(v.clone());
    let (name_ja, name_en, duration, mode, capacity) = (s(&form.name_ja), s(&form.name_en), s(&form.duration_minutes), s(&form.mode), s(&form.capacity));
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
    let chosen = RwSignal::new(form.resource_ids.clone());
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
            resource_ids: chosen.get_untracked(),
        };
        run(env, errors, move |csrf, lang| save_menu(csrf, form, lang));
    };
    let resources_error = error_for(errors, "menu-resources".into());
    let mode_error = error_for(errors, "menu-mode".into());
    view! {
        <section class="card form menu-editor" aria-labelledby="menu-editor-title">
            <h2 id="menu-editor-title">{move || if id == 0 { env.t("新しいメニュー", "New menu")() } else { env.t("メニューを編集", "Edit menu")() }}</h2>
            <div class="settings-grid">
                <TextField env errors field="menu-name_ja".into() ja="名前(日本語)" en="Name (Japanese)" value=name_ja/>
                <TextField env errors field="menu-name_en".into() ja="名前(英語)" en="Name (English)" value=name_en/>
                <div class="field">
                    <label for="menu-mode">{env.t("予約方式", "Booking mode")}</label>
                    <select id="menu-mode" name="menu-mode" on:change=move |ev| mode.set(event_target_value(&ev)) aria-describedby="menu-mode-error">
                        {["slot", "band", "queue"].into_iter().map(|m| view! {
                            <option value=m selected=move || mode.get() == m>{move || mode_name(m, env.lang.get())}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" id="menu-mode-error" role="alert">{mode_error}</p>
                </div>
                <TextField env errors field="menu-capacity".into() ja="定員(時間予約は1枠の人数、順番予約は1日の人数)" en="Capacity (per slot / band; per day for a queue)" value=capacity input_type="number"/>
                <TextField env errors field="menu-duration_minutes".into() ja="所要時間(分)" en="Duration (minutes)" value=duration input_type="number"/>
                <TextField env errors field="menu-buffer_before_minutes".into() ja="前の準備時間(分)" en="Buffer before (minutes)" value=before input_type="number"/>
                <TextField env errors field="menu-buffer_after_minutes".into() ja="後の片付け時間(分)" en="Buffer after (minutes)" value=after input_type="number"/>
                <TextField env errors field="menu-min_notice_minutes".into() ja="受付締切(開始の何分前まで)" en="Minimum notice (minutes before the start)" value=notice input_type="number"/>
                <TextField env errors field="menu-horizon_days".into() ja="何日先まで予約できるか" en="Bookable days ahead" value=horizon input_type="number"/>
                <TextField env errors field="menu-cancel_cutoff_minutes".into() ja="キャンセル期限(開始の何分前まで)" en="Cancellation cut-off (minutes before the start)" value=cutoff input_type="number"/>
                <TextField env errors field="menu-hold_minutes".into() ja="承認待ちで枠を押さえる時間(分)" en="How long a request holds its place (minutes)" value=hold input_type="number"/>
            </div>
            <CheckField env field="menu-auto_confirm".into() ja="承認なしで自動確定する" en="Confirm automatically (no approval)" value=auto_confirm/>
            <CheckField env field="menu-active".into() ja="患者さんに公開する" en="Shown to patients" value=active/>
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

#[component]
fn ResourcesSection(env: Env, d: SettingsData) -> impl IntoView {
    let forms: Vec<ResourceForm> = d
        .resources
        .into_iter()
        .map(|r| ResourceForm { id: r.id, name_ja: r.name_ja, name_en: r.name_en, kind: r.kind })
        .chain(std::iter::once(ResourceForm { kind: "practitioner".into(), ..ResourceForm::default() }))
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
    let save = move |_| {
        let form = ResourceForm { id, name_ja: name_ja.get_untracked(), name_en: name_en.get_untracked(), kind: kind.get_untracked() };
        run(env, errors, move |csrf, lang| save_resource(csrf, form, lang));
    };
    let kind_field = format!("resource-{id}-kind");
    let title_id = format!("resource-{id}-title");
    view! {
        <section class="card form" aria-labelledby=title_id.clone()>
            <h2 id=title_id.clone()>{move || if id == 0 { env.t("医師・部屋を追加", "Add a practitioner or room")().to_string() } else { name_ja.get() }}</h2>
            <div class="settings-grid">
                <TextField env errors field=format!("resource-{id}-name_ja") ja="名前(日本語)" en="Name (Japanese)" value=name_ja/>
                <TextField env errors field=format!("resource-{id}-name_en") ja="名前(英語)" en="Name (English)" value=name_en/>
                <div class="field">
                    <label for=kind_field.clone()>{env.t("種類", "Kind")}</label>
                    <select id=kind_field.clone() name=kind_field on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="practitioner" selected=move || kind.get() == "practitioner">{env.t("医師・スタッフ", "Practitioner")}</option>
                        <option value="room" selected=move || kind.get() == "room">{env.t("部屋・設備", "Room")}</option>
                    </select>
                </div>
            </div>
            <div class="actions"><button type="button" class="primary" on:click=save>{move || if id == 0 { env.t("追加", "Add")() } else { env.t("保存", "Save")() }}</button></div>
        </section>
    }
}

#[component]
fn QuestionsSection(env: Env, d: SettingsData) -> impl IntoView {
    let menus: Vec<(i64, String)> = d.menus.iter().map(|m| (m.id, format!("{} / {}", m.name_ja, m.name_en))).collect();
    let menu = RwSignal::new(menus.first().map(|m| m.0).unwrap_or(0));
    let questions = StoredValue::new(d.questions);
    let editing = RwSignal::new(None::<QuestionForm>);
    let errors = RwSignal::new(Vec::new());
    view! {
        <section class="card form" aria-labelledby="questions-title">
            <h2 id="questions-title">{env.t("メニューごとの問診", "Questions per menu")}</h2>
            <div class="field">
                <label for="questions-menu">{env.t("メニュー", "Menu")}</label>
                <select id="questions-menu" on:change=move |ev| { editing.set(None); menu.set(event_target_value(&ev).parse().unwrap_or(0)) }>
                    {menus.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=move || menu.get() == id>{name}</option> }).collect_view()}
                </select>
            </div>
            {move || {
                let list: Vec<QuestionForm> = questions.get_value().into_iter().filter(|q| q.menu_id == menu.get()).collect();
                if list.is_empty() {
                    return view! { <p class="none">{env.t("質問はありません。", "No questions.")}</p> }.into_any();
                }
                view! {
                    <ol class="settings-list">
                        {list.into_iter().map(|q| {
                            let id = q.id;
                            let field = format!("question-{id}");
                            let error = error_for(errors, field.clone());
                            let form = q.clone();
                            view! {
                                <li>
                                    <span>{format!("{} / {}", q.label_ja, q.label_en)}<br/><small>{q.kind.clone()}{if q.required { " *" } else { "" }}</small>
                                        <span class="field-error" id=format!("{field}-error") role="alert">{error}</span></span>
                                    <span class="row-actions">
                                        <button type="button" aria-label=env.t("上へ", "Move up") on:click=move |_| run(env, errors, move |csrf, lang| move_question(csrf, id, true, lang))>"↑"</button>
                                        <button type="button" aria-label=env.t("下へ", "Move down") on:click=move |_| run(env, errors, move |csrf, lang| move_question(csrf, id, false, lang))>"↓"</button>
                                        <button type="button" on:click=move |_| editing.set(Some(form.clone()))>{env.t("編集", "Edit")}</button>
                                        <button type="button" class="danger" on:click=move |_| run(env, errors, move |csrf, lang| remove_question(csrf, id, lang))>{env.t("削除", "Remove")}</button>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <div class="actions">
                <button type="button" class="primary" disabled=move || menu.get() == 0
                    on:click=move |_| editing.set(Some(QuestionForm { menu_id: menu.get_untracked(), kind: "text".into(), ..QuestionForm::default() }))>
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
        run(env, errors, move |csrf, lang| save_question(csrf, form, lang));
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
            <h2 id="question-editor-title">{move || if id == 0 { env.t("質問を追加", "New question")() } else { env.t("質問を編集", "Edit question")() }}</h2>
            <TextField env errors field="question-label_ja".into() ja="質問(日本語)" en="Question (Japanese)" value=label_ja/>
            <TextField env errors field="question-label_en".into() ja="質問(英語)" en="Question (English)" value=label_en/>
            <div class="field">
                <label for="question-kind">{env.t("回答の種類", "Kind of answer")}</label>
                <select id="question-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="text" selected=move || kind.get() == "text">{env.t("文章", "Text")}</option>
                    <option value="choice" selected=move || kind.get() == "choice">{env.t("選択肢", "Choice")}</option>
                    <option value="yes_no" selected=move || kind.get() == "yes_no">{env.t("はい/いいえ", "Yes / no")}</option>
                </select>
            </div>
            <Show when=move || kind.get() == "choice">
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

#[component]
fn PrivacySection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let ja = RwSignal::new(d.privacy_ja);
    let en = RwSignal::new(d.privacy_en);
    let save = move |_| {
        let (ja, en) = (ja.get_untracked(), en.get_untracked());
        run(env, errors, move |csrf, lang| save_privacy(csrf, ja, en, lang));
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
            {area("privacy-ja", "日本語", "Japanese", ja)}
            {area("privacy-en", "英語", "English", en)}
            <div class="actions"><button type="button" class="primary" on:click=save>{env.t("保存", "Save")}</button></div>
        </section>
    }
}

#[component]
fn LineSection(env: Env, line: LineView) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let liff_id = RwSignal::new(line.liff_id.clone());
    let login = RwSignal::new(line.login_channel_id.clone());
    let friend = RwSignal::new(line.add_friend_url.clone());
    // Secrets are never sent to the page: these start empty, and empty keeps the stored value.
    let secret = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let confirm_remove = RwSignal::new(false);
    let connected = line.connected;
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
        run(env, errors, move |csrf, lang| save_line(csrf, form, lang));
    };
    let remove = move |_| run(env, errors, remove_line);
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
    }
}

fn role_label(role: &str) -> (&'static str, &'static str) {
    if role == "owner" { ("オーナー(院長)", "Owner") } else { ("スタッフ(受付)", "Staff") }
}

/// The clinic's accounts: change a role, disable or enable, set a new password; and a new account.
#[component]
fn StaffSection(env: Env, staff: Vec<StaffView>) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    // The account whose new password is being typed, and the one whose disabling awaits a yes.
    let password_for = RwSignal::new(None::<i64>);
    let confirm_disable = RwSignal::new(None::<i64>);
    let new_password = RwSignal::new(String::new());
    let lang = env.lang;
    let rows = staff
        .into_iter()
        .map(|m| {
            let id = m.id;
            let field = format!("staff-{id}");
            let error = error_for(errors, field.clone());
            let (role_ja, role_en) = role_label(&m.role);
            let other_role = if m.role == "owner" { "staff" } else { "owner" };
            let (to_ja, to_en) = if m.role == "owner" { ("スタッフにする", "Make staff") } else { ("オーナーにする", "Make owner") };
            let change_role = move |_| run(env, errors, move |csrf, lang| set_staff_role(csrf, id, other_role.to_string(), lang));
            let set_disabled = move |disabled: bool| {
                confirm_disable.set(None);
                run(env, errors, move |csrf, lang| set_staff_disabled(csrf, id, disabled, lang))
            };
            let save_password = move |_| {
                let password = new_password.get_untracked();
                new_password.set(String::new());
                run(env, errors, move |csrf, lang| async move {
                    let outcome = set_staff_password(csrf, id, password, lang).await?;
                    if outcome == SaveOutcome::Saved {
                        password_for.set(None);
                    }
                    Ok(outcome)
                });
            };
            let (disabled, is_me) = (m.disabled, m.is_me);
            view! {
                <li class:staff-disabled=disabled>
                    <span>
                        <strong>{m.name}</strong>
                        {is_me.then(|| view! { " " <small>{env.t("(あなた)", "(you)")}</small> })}
                        <br/><small>{m.email}</small><br/>
                        <small>{move || lang.get().pick(role_ja, role_en)}</small>
                        {disabled.then(|| view! { " " <small class="staff-state">{env.t("無効(ログイン不可)", "Disabled (cannot sign in)")}</small> })}
                        <span class="field-error" id=format!("{field}-error") role="alert">{error}</span>
                    </span>
                    <span class="row-actions">
                        <Show when=move || !is_me>
                            <button type="button" on:click=change_role>{move || lang.get().pick(to_ja, to_en)}</button>
                        </Show>
                        <button type="button" aria-expanded=move || (password_for.get() == Some(id)).to_string()
                            on:click=move |_| { new_password.set(String::new()); password_for.set(if password_for.get_untracked() == Some(id) { None } else { Some(id) }) }>
                            {env.t("パスワードを再設定", "Set a new password")}
                        </button>
                        <Show when=move || !is_me>
                            {if disabled {
                                view! { <button type="button" on:click=move |_| set_disabled(false)>{env.t("有効にする", "Enable")}</button> }.into_any()
                            } else {
                                view! {
                                    <Show when=move || confirm_disable.get() == Some(id) fallback=move || view! {
                                        <button type="button" class="danger" on:click=move |_| confirm_disable.set(Some(id))>{env.t("無効にする", "Disable")}</button>
                                    }>
                                        <span>{env.t("すぐにログアウトされ、ログインできなくなります。", "They are signed out at once and can no longer sign in.")}</span>
                                        <button type="button" class="danger" on:click=move |_| set_disabled(true)>{env.t("無効にする", "Disable")}</button>
                                        <button type="button" on:click=move |_| confirm_disable.set(None)>{env.t("やめる", "Cancel")}</button>
                                    </Show>
                                }.into_any()
                            }}
                        </Show>
                    </span>
                    <Show when=move || password_for.get() == Some(id)>
                        <div class="form staff-password">
                            <TextField env errors field=format!("staff-{id}-password") ja="新しいパスワード(10文字以上)" en="New password (at least 10 characters)"
                                value=new_password input_type="password" autocomplete="new-password"/>
                            <div class="actions">
                                <button type="button" class="primary" on:click=save_password>{env.t("パスワードを保存", "Save the password")}</button>
                                <button type="button" on:click=move |_| password_for.set(None)>{env.t("やめる", "Cancel")}</button>
                            </div>
                        </div>
                    </Show>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="staff-title">
            <h2 id="staff-title">{env.t("スタッフのアカウント", "Staff accounts")}</h2>
            <p class="hint">{env.t(
                "オーナー(院長)はすべての設定を変更できます。スタッフ(受付)は予約の受付と患者さんの管理ができます。有効なオーナーが最低1人必要です。",
                "Owners can change every setting; staff handle bookings and patients. The clinic keeps at least one active owner.",
            )}</p>
            <ul class="settings-list staff-list">{rows}</ul>
        </section>
        <StaffAdd env/>
    }
}

#[component]
fn StaffAdd(env: Env) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("staff".to_string());
    let password = RwSignal::new(String::new());
    let add = move |_| {
        let form = StaffForm { email: email.get_untracked(), name: name.get_untracked(), role: role.get_untracked(), password: password.get_untracked() };
        password.set(String::new());
        run(env, errors, move |csrf, lang| add_staff(csrf, form, lang));
    };
    let role_error = error_for(errors, "staff-role".into());
    let role_invalid = role_error.clone();
    view! {
        <section class="card form" aria-labelledby="staff-add-title">
            <h2 id="staff-add-title">{env.t("スタッフを追加", "Add a staff member")}</h2>
            <div class="settings-grid">
                <TextField env errors field="staff-email".into() ja="メールアドレス(ログインに使います)" en="E-mail address (to sign in)" value=email input_type="email"/>
                <TextField env errors field="staff-name".into() ja="名前" en="Name" value=name/>
                <div class="field">
                    <label for="staff-role">{env.t("役割", "Role")}</label>
                    <select id="staff-role" name="staff-role" on:change=move |ev| role.set(event_target_value(&ev))
                        aria-invalid=move || role_invalid().is_some().to_string() aria-describedby="staff-role-error">
                        <option value="staff" selected=move || role.get() == "staff">{env.t("スタッフ(受付)", "Staff")}</option>
                        <option value="owner" selected=move || role.get() == "owner">{env.t("オーナー(院長)", "Owner")}</option>
                    </select>
                    <p class="field-error" id="staff-role-error" role="alert">{role_error}</p>
                </div>
                <TextField env errors field="staff-password".into() ja="パスワード(10文字以上)" en="Password (at least 10 characters)" value=password
                    input_type="password" autocomplete="new-password" hint=("本人に安全な方法で伝えてください。", "Tell them in a safe way.")/>
            </div>
            <div class="actions"><button type="button" class="primary" on:click=add>{env.t("追加", "Add")}</button></div>
        </section>
    }
}

#[component]
fn AuditSection(env: Env, d: SettingsData) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="audit-title">
            <h2 id="audit-title">{env.t("変更履歴(最新50件)", "Change log (latest 50)")}</h2>
            {if d.audit.is_empty() {
                view! { <p class="none">{env.t("まだ変更はありません。", "No changes yet.")}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="settings-audit">
                            <thead><tr>
                                <th scope="col">{env.t("日時", "When")}</th>
                                <th scope="col">{env.t("変更者", "Who")}</th>
                                <th scope="col">{env.t("項目", "Area")}</th>
                                <th scope="col">{env.t("内容", "Change")}</th>
                            </tr></thead>
                            <tbody>
                                {d.audit.into_iter().map(|a| view! {
                                    <tr><td>{a.at}</td><td>{a.staff}</td><td>{a.area}</td><td>{a.summary}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

//! Weekly hours per practitioner or room (a break is the gap between two intervals), open on
//! national holidays, and the reminder hour.

use leptos::prelude::*;

use super::form::{error_for, run, CheckField, Env, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;
use crate::error::{AppError, ErrorCode};

#[component]
pub fn HoursSection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let holidays = RwSignal::new(d.open_on_holidays);
    let reminder = RwSignal::new(d.reminder_hour.to_string());
    let limit = RwSignal::new(d.booking_limit.to_string());
    let intent = Intent::new();
    let save_options = move |_| {
        let (open, hour, limit) = (holidays.get_untracked(), reminder.get_untracked(), limit.get_untracked());
        run(env, errors, intent, move |csrf, key, lang| save_clinic_options(csrf, key, open, hour, limit, lang));
    };
    view! {
        <section class="card form" aria-labelledby="clinic-options-title">
            <h2 id="clinic-options-title">{env.t("祝日・リマインダー・予約の上限", "Holidays, reminders and booking limit")}</h2>
            <CheckField env field="open_on_holidays".into() ja="祝日も診療する" en="Open on national holidays" value=holidays/>
            <TextField env errors field="reminder_hour".into() ja="前日リマインダーを送る時刻(時、0〜23)" en="Hour to send the day-before reminder (0–23)" value=reminder input_type="number"/>
            <TextField env errors field="booking_limit".into() ja="患者さん1人が同時に持てる予約・申し込みの数(1〜20)" en="Requests and upcoming visits one patient may hold at once (1–20)" value=limit input_type="number"/>
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
    let days: Vec<(DayHours, RwSignal<String>)> = r
        .days
        .into_iter()
        .map(|d| {
            let typed = RwSignal::new(d.hours.clone());
            (d, typed)
        })
        .collect();
    // Each day's change is its own intention (and its own key).
    let changes = StoredValue::new(days.iter().map(|(d, typed)| (d.weekday, d.hours.clone(), *typed, Intent::new())).collect::<Vec<_>>());
    let saving = Intent::new();
    let save = move |_| {
        let changed: Vec<(u8, String, Intent)> = changes
            .get_value()
            .into_iter()
            .filter(|(_, original, typed, _)| *original != typed.get_untracked())
            .map(|(w, _, typed, intent)| (w, typed.get_untracked(), intent))
            .collect();
        run(env, errors, saving, move |csrf, _all_days, lang| async move {
            // Every changed day is saved; the refused ones come back together.
            let mut refused: Option<AppError> = None;
            for (weekday, hours, day) in changed {
                match save_hours(csrf.clone(), day.key(), resource_id, weekday, hours, lang).await {
                    Ok(()) => day.done(),
                    Err(e) if e.code == ErrorCode::Invalid => match refused.as_mut() {
                        Some(all) => all.fields.extend(e.fields),
                        None => refused = Some(e),
                    },
                    Err(e) => return Err(e),
                }
            }
            refused.map_or(Ok(()), Err)
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

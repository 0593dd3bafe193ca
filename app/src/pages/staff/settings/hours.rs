//! Weekly hours per practitioner or room (a break is the gap between two intervals), open on
//! national holidays, and the reminder hour.

use leptos::prelude::*;

use super::closures::VisitsToCancel;
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
    // A day whose new hours the server refused for the requests and visits they would leave
    // outside: the day, the hours typed and those visits, for the owner to cancel or keep.
    let over = RwSignal::new(None::<(u8, String, Vec<VisitOnClosure>)>);
    let message = RwSignal::new(String::new());
    let cancelling = Intent::new();
    let save = move |_| {
        let changed: Vec<(u8, String, Intent)> = changes
            .get_value()
            .into_iter()
            .filter(|(_, original, typed, _)| *original != typed.get_untracked())
            .map(|(w, _, typed, intent)| (w, typed.get_untracked(), intent))
            .collect();
        over.set(None);
        run(env, errors, saving, move |csrf, _all_days, lang| async move {
            // Every changed day is saved; the refused ones come back together, and the first
            // day whose hours would leave visits outside is listed.
            let mut refused: Option<AppError> = None;
            let mut over_visits: Option<AppError> = None;
            for (weekday, hours, day) in changed {
                match save_hours(csrf.clone(), day.key(), resource_id, weekday, hours.clone(), VisitsChoice::default(), lang).await {
                    Ok(()) => day.done(),
                    Err(e) if e.code == ErrorCode::Invalid => match refused.as_mut() {
                        Some(all) => all.fields.extend(e.fields),
                        None => refused = Some(e),
                    },
                    // Another day with visits outside waits for the first to be decided.
                    Err(e) if e.code == ErrorCode::HoursHaveVisits && over_visits.is_some() => {}
                    Err(e) if e.code == ErrorCode::HoursHaveVisits => {
                        if let Ok(visits) = hours_visits(resource_id, weekday, hours.clone(), lang).await {
                            message.set(
                                lang.pick(
                                    "診療時間の変更のため、ご予約を取り消させていただきました。申し訳ございません。",
                                    "The clinic's hours have changed, so your visit is cancelled. We are sorry.",
                                )
                                .to_string(),
                            );
                            over.set(Some((weekday, hours, visits)));
                        }
                        over_visits = Some(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            refused.or(over_visits).map_or(Ok(()), Err)
        });
    };
    let cancel_and_save = move |propose: bool| {
        let Some((weekday, hours, _)) = over.get_untracked() else { return };
        let choice = VisitsChoice { cancel_message: Some(message.get_untracked()), propose };
        run(env, errors, cancelling, move |csrf, key, lang| async move {
            let saved = save_hours(csrf, key, resource_id, weekday, hours, choice, lang).await;
            if saved.is_ok() {
                over.set(None);
            }
            saved
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
        {move || over.get().map(|(_, _, visits)| view! {
            <VisitsToCancel env errors visits field="hours-message" message
                title=("診療時間外になる予約・お申し込み", "Requests and visits outside the new hours")
                confirm=("予約を取り消してこの時間にする", "Cancel them and save the hours")
                propose=("別の日時を提案してこの時間にする", "Offer another time and save the hours")
                on_keep=Callback::new(move |()| over.set(None)) on_cancel=Callback::new(cancel_and_save)/>
        })}
    }
}

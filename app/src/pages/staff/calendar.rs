//! The day's work: one day or one week per practitioner/room, with how full each place is and
//! the queue; arrivals, completions, no-shows and the clinic's cancellations; and booking a
//! patient who calls.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{use_console, ActionMessage, PlacePicker};
use crate::api::once::Intent;
use crate::api::staff::calendar::*;
use crate::api::staff::inbox::resend_notification;
use crate::api::PlaceView;
use crate::booking::ids::MenuId;
use crate::error::{ErrorCode, FieldError, Reason};
use crate::i18n::Lang;
use crate::patients::DetailsInput;

#[component]
pub fn CalendarPage() -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let version = console.inbox_version;
    let date = RwSignal::new(String::new());
    let days = RwSignal::new(1u32);
    let calendar = Resource::new(move || (date.get(), days.get(), lang.get(), version.get()), |(date, days, lang, _)| load_calendar(date, days, lang));
    let message = RwSignal::new(None::<Result<String, String>>);
    view! {
        <div class="staff-calendar" data-testid="calendar">
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || Suspend::new(async move { match calendar.await {
                    Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                    Ok(cal) => {
                        let (prev, next, today, menus) = (cal.prev.clone(), cal.next.clone(), cal.today.clone(), cal.menus.clone());
                        let week = cal.days.len() > 1;
                        view! {
                            <div class="staff-calendar-head">
                                <h1>{cal.title.clone()}</h1>
                                <div class="actions">
                                    <button type="button" on:click=move |_| date.set(prev.clone())>{move || lang.get().pick("← 前へ", "← Previous")}</button>
                                    <button type="button" on:click=move |_| date.set(today.clone())>{move || lang.get().pick("今日", "Today")}</button>
                                    <button type="button" on:click=move |_| date.set(next.clone())>{move || lang.get().pick("次へ →", "Next →")}</button>
                                    <button type="button" aria-pressed=(!week).to_string() on:click=move |_| days.set(1)>{move || lang.get().pick("日", "Day")}</button>
                                    <button type="button" aria-pressed=week.to_string() on:click=move |_| days.set(7)>{move || lang.get().pick("週", "Week")}</button>
                                    <input type="date" aria-label=move || lang.get().pick("日付を選ぶ", "Pick a date") value=cal.date.clone()
                                        on:change=move |ev| date.set(event_target_value(&ev))/>
                                </div>
                            </div>
                            <ActionMessage message/>
                            {cal.days.into_iter().map(|day| view! { <DayView day week message/> }).collect_view()}
                            <PhoneBookingForm menus date=cal.date.clone() message/>
                        }.into_any()
                    }
                }})}
            </Transition>
        </div>
    }
}

#[component]
fn DayView(day: CalendarDayView, week: bool, message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let lang = use_console().lang;
    view! {
        <section class="calendar-day" data-date=day.date.clone()>
            {week.then(|| view! { <h2>{day.label.clone()}</h2> })}
            <div class="resource-columns">
                {day.resources.into_iter().map(|r| {
                    let empty = r.entries.is_empty();
                    view! {
                        <div class="resource-column card">
                            <h3>{r.name.clone()}</h3>
                            <ul class="usage">
                                {r.usage.into_iter().map(|u| {
                                    let full = u.used >= u.capacity;
                                    view! { <li class=if full { "full" } else { "" }>{format!("{} {}/{}", u.label, u.used, u.capacity)}</li> }
                                }).collect_view()}
                            </ul>
                            {empty.then(|| view! { <p class="muted">{move || lang.get().pick("予約なし", "No appointments")}</p> })}
                            <ul class="entries">
                                {r.entries.into_iter().map(|e| view! { <Entry e message/> }).collect_view()}
                            </ul>
                        </div>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

#[component]
fn Entry(e: CalendarEntry, message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let id = e.id;
    let cancelling = RwSignal::new(false);
    let cancel_text = RwSignal::new(String::new());
    let intent = Intent::new();
    let act = {
        let console = console.clone();
        move |action: VisitAction| {
            let console = console.clone();
            spawn_local(async move {
                let lang_now = console.lang.get_untracked();
                let text = cancel_text.get_untracked();
                match update_visit(id, action, text, intent.key(), console.me.csrf.clone(), lang_now).await {
                    Ok(()) => {
                        intent.done();
                        message.set(Some(Ok(lang_now.pick("更新しました。", "Updated.").to_string())));
                        cancelling.set(false);
                    }
                    // A missing message for the patient is said as what to fix.
                    Err(err) => message.set(Some(Err(err.field_message("message").unwrap_or(err.message)))),
                }
                console.changed();
            });
        }
    };
    let (a1, a2, a3, a4) = (act.clone(), act.clone(), act.clone(), act);
    let status_class = format!("entry status-{}", e.status.as_str());
    let notifications = e.notifications.clone();
    let field = format!("cancel-message-{id}");
    view! {
        <li class=status_class data-testid="entry" data-reference=e.reference.clone()>
            <div class="entry-head">
                <strong>{e.time.clone()}</strong>
                <span>{e.patient_name.clone()}</span>
                <span class="muted">{e.menu_name.clone()}</span>
                <span class="status-label">{e.status_label.clone()}</span>
                {e.arrived.then(|| view! { <span class="badge arrived">{move || lang.get().pick("来院済み", "Arrived")}</span> })}
            </div>
            {e.note.clone().map(|n| view! { <p class="muted">{n}</p> })}
            {(!notifications.is_empty()).then(|| view! {
                <ul class="entry-notifications">
                    {notifications.into_iter().map(|n| {
                        let console = console.clone();
                        let nid = n.id;
                        let intent = Intent::new();
                        let resend = move |_| {
                            let console = console.clone();
                            spawn_local(async move {
                                let lang_now = console.lang.get_untracked();
                                match resend_notification(nid, intent.key(), console.me.csrf.clone(), lang_now).await {
                                    Ok(()) => message.set(Some(Ok(lang_now.pick("再送を予約しました。", "Queued to be sent again.").to_string()))),
                                    Err(err) => message.set(Some(Err(err.message.clone()))),
                                }
                                console.changed();
                            });
                        };
                        view! {
                            <li class=format!("notification {}", n.status) data-testid="notification">
                                {format!("LINE: {} — {}", n.kind, n.status_label)}
                                {n.error.clone().map(|e| view! { <span class="muted">" (" {e} ")"</span> })}
                                {n.can_resend.then(|| view! { <button type="button" on:click=resend.clone()>{move || lang.get().pick("再送", "Resend")}</button> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <div class="actions">
                {e.can_arrive.then(|| view! { <button type="button" on:click=move |_| a1(VisitAction::Arrived)>{move || lang.get().pick("来院", "Arrived")}</button> })}
                {e.can_finish.then(|| view! {
                    <button type="button" on:click=move |_| a2(VisitAction::Completed)>{move || lang.get().pick("診療完了", "Completed")}</button>
                    <button type="button" on:click=move |_| a3(VisitAction::NoShow)>{move || lang.get().pick("無断キャンセル", "No-show")}</button>
                })}
                {e.can_cancel.then(|| view! {
                    <button type="button" class="danger" aria-expanded=move || cancelling.get().to_string() on:click=move |_| cancelling.update(|c| *c = !*c)>
                        {move || lang.get().pick("医院からキャンセル", "Cancel (clinic)")}
                    </button>
                })}
            </div>
            {move || cancelling.get().then(|| {
                let a4 = a4.clone();
                view! {
                    <form class="answer-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); a4(VisitAction::CancelByClinic) }>
                        <label for=field.clone()>{move || lang.get().pick("患者さんへのメッセージ(必須)", "Message to the patient (required)")}</label>
                        <textarea id=field.clone() maxlength="200" required prop:value=move || cancel_text.get() on:input=move |ev| cancel_text.set(event_target_value(&ev))></textarea>
                        <button type="submit" class="danger">{move || lang.get().pick("キャンセルを送る", "Send the cancellation")}</button>
                    </form>
                }
            })}
        </li>
    }
}

#[component]
fn PhoneBookingForm(menus: Vec<(MenuId, String)>, date: String, message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let open = RwSignal::new(false);
    let menu = RwSignal::new(menus.first().map(|(id, _)| *id));
    let day = RwSignal::new(date);
    let places = Resource::new(
        move || (menu.get(), day.get(), lang.get(), open.get()),
        |(menu, day, lang, open)| async move {
            match (menu, open) {
                (Some(menu), true) => free_places(menu, day, lang).await,
                _ => Ok(Vec::new()),
            }
        },
    );
    let chosen = RwSignal::new(None::<PlaceView>);
    let details = RwSignal::new(DetailsInput::default());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let field_error = move |name: &'static str| errors.get().into_iter().find(|e| e.field == name).map(|e| e.message);
    // This phone booking, however often its sending is tried.
    let intent = Intent::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(place), Some(menu_id)) = (chosen.get_untracked(), menu.get_untracked()) else {
            let message = lang.get_untracked().pick("時間を選んでください。", "Choose a time.").into();
            errors.set(vec![FieldError { field: "place".into(), reason: Reason::ChooseOne, message }]);
            return;
        };
        let console = console.clone();
        spawn_local(async move {
            let lang_now = console.lang.get_untracked();
            let booking = PhoneBooking {
                menu_id,
                resource_id: place.resource_id,
                starts_at: place.starts_at,
                details: details.get_untracked(),
                lang: lang_now,
                csrf: console.me.csrf.clone(),
            };
            match book_by_phone(booking, intent.key()).await {
                Ok(when) => {
                    intent.done();
                    errors.set(Vec::new());
                    details.set(DetailsInput::default());
                    chosen.set(None);
                    open.set(false);
                    message.set(Some(Ok(match lang_now {
                        Lang::Ja => format!("{when}で予約しました(確定)。"),
                        Lang::En => format!("Booked for {when} (confirmed)."),
                    })));
                    console.changed();
                }
                Err(e) if e.code == ErrorCode::Invalid => errors.set(e.fields),
                Err(e) => errors.set(vec![FieldError { field: "place".into(), reason: Reason::ChooseOne, message: e.message }]),
            }
        });
    };
    let input = move |name: &'static str, id: &'static str, label: (&'static str, &'static str), kind: &'static str| {
        view! {
            <label for=id>{move || lang.get().pick(label.0, label.1)}</label>
            <input id=id type=kind
                prop:value=move || details.with(|d| match name { "name" => d.name.clone(), "furigana" => d.furigana.clone(), _ => d.phone.clone() })
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    details.update(|d| match name { "name" => d.name = value, "furigana" => d.furigana = value, _ => d.phone = value });
                }
                aria-invalid=move || field_error(name).is_some().to_string()/>
            {move || field_error(name).map(|m| view! { <p class="error" role="alert">{m}</p> })}
        }
    };
    view! {
        <section class="card phone-booking">
            <button type="button" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {move || lang.get().pick("電話予約を入力", "Book a phone call")}
            </button>
            <Show when=move || open.get()>
                <form on:submit=submit.clone()>
                    <label for="phone-menu">{move || lang.get().pick("メニュー", "Menu")}</label>
                    <select id="phone-menu" on:change=move |ev| { chosen.set(None); menu.set(event_target_value(&ev).parse().ok().map(MenuId)) }>
                        {menus.clone().into_iter().map(|(id, name)| view! { <option value=id.0.to_string() selected=move || menu.get() == Some(id)>{name}</option> }).collect_view()}
                    </select>
                    <label for="phone-date">{move || lang.get().pick("日付", "Date")}</label>
                    <input id="phone-date" type="date" prop:value=move || day.get() on:change=move |ev| { chosen.set(None); day.set(event_target_value(&ev)) }/>
                    <PlacePicker places chosen/>
                    {move || field_error("place").map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    {input("name", "phone-name", ("お名前", "Name"), "text")}
                    {input("furigana", "phone-furigana", ("ふりがな", "Furigana"), "text")}
                    {input("phone", "phone-phone", ("電話番号", "Phone"), "tel")}
                    <button type="submit" class="primary">{move || lang.get().pick("予約する(確定)", "Book (confirmed)")}</button>
                </form>
            </Show>
        </section>
    }
}

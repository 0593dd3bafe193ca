//! Reception's day queue: per practitioner or room, the number being called with 「次の方」 and
//! skip, the patients waiting (and who has arrived), and those waiting aside with recall and
//! absent. It follows the queue live (the waiting room's board), so patients' check-ins and
//! another receptionist's presses show at once.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{use_console, ActionMessage};
use crate::api::once::Intent;
use crate::api::staff::queue::{load_queue, press_queue, QueueAction, QueueDesk, QueuePlace};
use crate::i18n::Lang;
use crate::pages::queue::follow_board;

#[component]
pub fn QueuePage() -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let board = follow_board(console.me.clinic_slug.clone(), None);
    // Reloaded after each press here, and whenever the board moves (a press elsewhere, a
    // check-in, a booking).
    let pressed = RwSignal::new(0u32);
    let day = Resource::new(move || (lang.get(), pressed.get(), board.get()), |(lang, _, _)| load_queue(lang));
    let message = RwSignal::new(None::<Result<String, String>>);
    view! {
        <div class="staff-queue" data-testid="queue-page">
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || Suspend::new(async move { match day.await {
                    Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                    Ok(day) => view! {
                        <div class="staff-calendar-head">
                            <h1>{move || lang.get().pick("本日の順番", "Today's queue")} " " {day.date.clone()}</h1>
                            <a class="button" href=day.display_url.clone() target="_blank" rel="noopener">{move || lang.get().pick("待合室の表示を開く", "Open the waiting-room display")}</a>
                        </div>
                        <ActionMessage message/>
                        {day.queues.is_empty().then(|| view! { <p class="muted">{move || lang.get().pick("順番予約のメニューがありません。", "No day-queue menu.")}</p> })}
                        <div class="resource-columns">
                            {day.queues.into_iter().map(|q| view! { <Desk q pressed message/> }).collect_view()}
                        </div>
                    }.into_any(),
                }})}
            </Transition>
        </div>
    }
}

#[component]
fn Desk(q: QueueDesk, pressed: RwSignal<u32>, message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let (resource, menu) = (q.resource_id, q.menu_id);
    let intent = Intent::new();
    let shown = q.calling.as_ref().map(|p| p.id);
    let press = move |action: QueueAction| {
        let csrf = console.me.csrf.clone();
        spawn_local(async move {
            let lang_now = lang.get_untracked();
            match press_queue(resource, menu, action, shown, intent.key(), csrf, lang_now).await {
                Ok(()) => {
                    intent.done();
                    message.set(None);
                }
                Err(e) => message.set(Some(Err(e.message))),
            }
            pressed.update(|n| *n += 1);
        });
    };
    let calling = q.calling.clone();
    let has_calling = calling.is_some();
    let can_next = has_calling || !q.waiting.is_empty();
    let (next, skip) = (press.clone(), press.clone());
    view! {
        <section class="card queue-desk" aria-label=q.name.clone() data-testid="queue-desk">
            <h2>{q.name.clone()}</h2>
            <p class="queue-calling-label">{move || lang.get().pick("呼び出し中", "Calling")}</p>
            <p class="queue-calling" data-testid="queue-calling">{calling.as_ref().map_or_else(|| "—".to_string(), |p| format!("{}番", p.number))}</p>
            {calling.map(|p| view! { <p class="queue-calling-name">{p.patient_name} {p.arrived.then(|| view! { <span class="badge">{move || lang.get().pick("来院済", "here")}</span> })}</p> })}
            <div class="actions">
                <button type="button" class="primary" disabled=!can_next on:click=move |_| next(QueueAction::Next)>{move || lang.get().pick("次の方", "Next patient")}</button>
                <button type="button" disabled=!has_calling on:click=move |_| skip(QueueAction::Skip)>{move || lang.get().pick("不在・後回し", "Not here: skip")}</button>
            </div>
            <p class="muted">{format!("{} · ", q.pace)} {move || lang.get().pick("終了", "done")} {format!(" {}", q.done)}</p>
            {(!q.skipped.is_empty()).then(|| {
                let skipped = q.skipped.clone();
                view! {
                    <h3>{move || lang.get().pick("後回し(呼び出し済み)", "Called, not here")}</h3>
                    <ul class="queue-list" data-testid="queue-skipped">
                        {skipped.into_iter().map(|p| {
                            let (recall, absent) = (press.clone(), press.clone());
                            let id = p.id;
                            view! {
                                <li>
                                    <PlaceLine p lang/>
                                    <button type="button" on:click=move |_| recall(QueueAction::Recall(id))>{move || lang.get().pick("再呼出", "Recall")}</button>
                                    <button type="button" class="danger" on:click=move |_| absent(QueueAction::Absent(id))>{move || lang.get().pick("不在にする", "Absent")}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
            })}
            <h3>{move || lang.get().pick("お待ちの方", "Waiting")} {format!(" ({})", q.waiting.len())}</h3>
            <ul class="queue-list" data-testid="queue-waiting">
                {q.waiting.into_iter().map(|p| view! { <li><PlaceLine p lang/></li> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn PlaceLine(p: QueuePlace, lang: RwSignal<Lang>) -> impl IntoView {
    view! {
        <span class="queue-number">{format!("{}番", p.number)}</span>
        " "
        <span>{p.patient_name}</span>
        {p.arrived.then(|| view! { " " <span class="badge" data-testid="arrived-badge">{move || lang.get().pick("来院済", "here")}</span> })}
    }
}

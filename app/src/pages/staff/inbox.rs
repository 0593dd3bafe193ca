//! The requests inbox: what waits for the clinic's answer, oldest first, answered in one or two
//! taps, a page at a time. The page shown reloads by itself when the live updates say the inbox
//! changed.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{use_console, Console, PlacePicker};
use crate::api::once::Intent;
use crate::api::staff::inbox::*;
use crate::api::PlaceView;
use crate::error::{AppError, ErrorCode};
use crate::i18n::Lang;

/// The result of the last action, for everyone at the desk to read.
#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Done(String),
    Failed(String),
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let version = console.inbox_version;
    // The cursors of the pages before the one shown (empty: the first page).
    let cursors = RwSignal::new(Vec::<crate::booking::ids::AppointmentId>::new());
    let inbox = Resource::new(move || (lang.get(), version.get(), cursors.get().last().copied()), |(lang, _, after)| load_inbox(lang, after));
    let notice = RwSignal::new(None::<Notice>);
    view! {
        <div class="inbox" data-testid="inbox">
            <h1>{move || lang.get().pick("予約リクエスト", "Booking requests")}</h1>
            {(!console.me.sandbox).then(|| view! { <super::quota::QuotaWarning lang/> })}
            <div aria-live="polite">
                {move || notice.get().map(|n| match n {
                    Notice::Done(text) => view! { <p class="done" role="status">{text}</p> }.into_any(),
                    Notice::Failed(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
                })}
            </div>
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || {
                    let console = console.clone();
                    Suspend::new(async move {
                        match inbox.await {
                            Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                            Ok(view) => view! { <InboxLists view console notice cursors/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </div>
    }
}

#[component]
fn InboxLists(
    view: InboxView,
    console: Console,
    notice: RwSignal<Option<Notice>>,
    cursors: RwSignal<Vec<crate::booking::ids::AppointmentId>>,
) -> impl IntoView {
    let lang = console.lang;
    let reasons = view.decline_reasons.clone();
    let empty = view.pending.is_empty();
    let total = view.pending_total;
    let proposals_total = view.proposals_total;
    let first_shown = cursors.get_untracked().len() as u32 * INBOX_PAGE + 1;
    let last_shown = first_shown + view.pending.len() as u32 - 1;
    // The pager stays while the page shown is not the first, even if everything was answered.
    let paged = total > view.pending.len() as u32 || !cursors.get_untracked().is_empty();
    let next = view.next;
    let has_previous = !cursors.get_untracked().is_empty();
    let pager = move || {
        paged.then(|| {
            view! {
                <nav class="pager" aria-label=move || lang.get().pick("ページ", "Pages")>
                    <button type="button" disabled=!has_previous on:click=move |_| cursors.update(|c| { c.pop(); })>
                        {move || lang.get().pick("← 前の50件", "← Previous 50")}
                    </button>
                    <button type="button" data-testid="inbox-next" disabled=next.is_none() on:click=move |_| if let Some(n) = next { cursors.update(|c| c.push(n)) }>
                        {move || lang.get().pick("次の50件 →", "Next 50 →")}
                    </button>
                </nav>
            }
        })
    };
    let pending = view.pending.into_iter().map(|item| view! { <RequestCard item reasons=reasons.clone() notice/> }).collect_view();
    let proposals = view.proposals.into_iter().map(|item| view! { <ProposalCard item/> }).collect_view();
    let has_failed = !view.failed.is_empty();
    let failed = view.failed.into_iter().map(|n| view! { <FailedNotification n notice/> }).collect_view();
    view! {
        {view.warnings.into_iter().map(|w| view! { <p class="warning" role="alert">{w}</p> }).collect_view()}
        <p class="muted" data-testid="inbox-count">{move || match (lang.get(), paged) {
            (Lang::Ja, false) => format!("承認待ち {total}件"),
            (Lang::En, false) => format!("{total} waiting"),
            (Lang::Ja, true) => format!("承認待ち {total}件({first_shown}〜{last_shown}件目)"),
            (Lang::En, true) => format!("{total} waiting ({first_shown}–{last_shown} shown)"),
        }}</p>
        {(empty && !has_previous).then(|| view! { <p class="card empty">{move || lang.get().pick("承認待ちのリクエストはありません。", "No requests are waiting.")}</p> })}
        <ul class="requests">{pending}</ul>
        {pager}
        <h2>{move || match lang.get() {
            Lang::Ja => format!("患者さんの返答待ち(別日時のご提案){proposals_total}件"),
            Lang::En => format!("Waiting for the patient (proposals): {proposals_total}"),
        }}</h2>
        <ul class="requests proposals">{proposals}</ul>
        {has_failed.then(|| view! {
            <h2>{move || lang.get().pick("送れなかったLINE通知", "LINE messages that failed")}</h2>
            <ul class="notifications">{failed}</ul>
        })}
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    None,
    Decline,
    Propose,
}

fn after_action(console: &Console, notice: RwSignal<Option<Notice>>, result: Result<(), AppError>, done: String) {
    match result {
        Ok(()) => notice.set(Some(Notice::Done(done))),
        Err(e) => notice.set(Some(Notice::Failed(e.message.clone()))),
    }
    // Either way the list shows what is true now (another receptionist may have answered).
    console.changed();
}

#[component]
fn RequestCard(item: InboxItem, reasons: Vec<String>, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let answer = RwSignal::new(Answer::None);
    let busy = RwSignal::new(false);
    let id = item.id;
    let who = item.patient_name.clone();
    let intent = Intent::new();
    let approve_click = {
        let console = console.clone();
        let who = who.clone();
        move |_| {
            busy.set(true);
            let (console, who) = (console.clone(), who.clone());
            spawn_local(async move {
                let lang_now = console.lang.get_untracked();
                let result = approve(id, intent.key(), console.me.csrf.clone(), lang_now).await;
                if result.is_ok() {
                    intent.done();
                }
                let done = match lang_now {
                    Lang::Ja => format!("{who}さんの予約を確定しました。"),
                    Lang::En => format!("Confirmed {who}'s appointment."),
                };
                after_action(&console, notice, result, done);
                busy.set(false);
            });
        }
    };
    let answers = item.answers.clone();
    let friend_warning = item.line_friend == Some(false);
    view! {
        <li class="card request" data-testid="request" data-reference=item.reference.clone()>
            <div class="request-head">
                <h3>{item.patient_name.clone()} <span class="muted">" " {item.furigana.clone()}</span></h3>
                <span class="channel" data-testid="channel">{item.channel.clone()}</span>
                <span class="hold" title=move || lang.get().pick("保留期限まで", "Until the hold runs out")>{item.hold_left.clone()}</span>
            </div>
            <p class="request-when"><strong>{item.when.clone()}</strong> " · " {item.menu_name.clone()} " · " {item.resource_name.clone()}
                {item.queue_number.map(|n| view! { <span>" · " {move || match lang.get() { Lang::Ja => format!("{n}番"), Lang::En => format!("No. {n}") }}</span> })}
            </p>
            {item.replaces.clone().map(|old| view! { <p class="muted">{move || lang.get().pick("予約変更のご希望 — 元の予約: ", "Reschedule of: ")} {old.clone()}</p> })}
            <p class="muted">{move || lang.get().pick("電話: ", "Phone: ")} {item.phone.clone()}
                {item.email.clone().map(|e| view! { " · " {e} })} " · " {item.history.clone()} " · "
                {move || lang.get().pick("受付: ", "Sent: ")} {item.requested_at.clone()}</p>
            {friend_warning.then(|| view! { <p class="warning">{move || lang.get().pick("この患者さんは医院のLINE公式アカウントを友だち追加していないため、LINEのお知らせが届きません。お電話でご連絡ください。", "This patient has not added the clinic's LINE account: LINE messages will not reach them. Please call.")}</p> })}
            {(!answers.is_empty()).then(|| view! {
                <dl class="answers">
                    {answers.into_iter().map(|(q, a)| view! { <dt>{q}</dt><dd>{a}</dd> }).collect_view()}
                </dl>
            })}
            <div class="actions">
                <button type="button" class="primary" disabled=move || busy.get() on:click=approve_click>{move || lang.get().pick("承認する", "Approve")}</button>
                <button type="button" aria-expanded=move || (answer.get() == Answer::Decline).to_string()
                    on:click=move |_| answer.update(|a| *a = if *a == Answer::Decline { Answer::None } else { Answer::Decline })>
                    {move || lang.get().pick("お断りする", "Decline")}
                </button>
                <button type="button" aria-expanded=move || (answer.get() == Answer::Propose).to_string()
                    on:click=move |_| answer.update(|a| *a = if *a == Answer::Propose { Answer::None } else { Answer::Propose })>
                    {move || lang.get().pick("別の日時を提案", "Propose another time")}
                </button>
            </div>
            {move || match answer.get() {
                Answer::Decline => view! { <DeclineForm id who=who.clone() reasons=reasons.clone() notice/> }.into_any(),
                Answer::Propose => view! { <ProposeForm id date=item.date.clone() notice/> }.into_any(),
                Answer::None => ().into_any(),
            }}
        </li>
    }
}

#[component]
fn DeclineForm(id: crate::booking::ids::AppointmentId, who: String, reasons: Vec<String>, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field = format!("decline-reason-{id}");
    let intent = Intent::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (console, who) = (console.clone(), who.clone());
        spawn_local(async move {
            let lang_now = console.lang.get_untracked();
            match decline(id, reason.get_untracked(), intent.key(), console.me.csrf.clone(), lang_now).await {
                // A reason to fix stays with the form.
                Err(e) if e.code == ErrorCode::Invalid => error.set(Some(e.field_message("reason").unwrap_or(e.message))),
                result => {
                    let done = match lang_now {
                        Lang::Ja => format!("{who}さんのリクエストをお断りしました。"),
                        Lang::En => format!("Declined {who}'s request."),
                    };
                    after_action(&console, notice, result, done);
                }
            }
        });
    };
    view! {
        <form class="answer-form" on:submit=submit>
            <fieldset>
                <legend>{move || lang.get().pick("お断りの理由(患者さんに届きます)", "Reason (the patient receives it)")}</legend>
                {reasons.into_iter().map(|r| {
                    let value = r.clone();
                    view! {
                        <label class="reason-choice">
                            <input type="radio" name=format!("reason-{id}") on:change=move |_| reason.set(value.clone())/>
                            {r}
                        </label>
                    }
                }).collect_view()}
                <label for=field.clone()>{move || lang.get().pick("または入力:", "Or type one:")}</label>
                <textarea id=field maxlength="200" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string()></textarea>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
            <button type="submit" class="danger">{move || lang.get().pick("お断りを送る", "Send the decline")}</button>
        </form>
    }
}

#[component]
fn ProposeForm(id: crate::booking::ids::AppointmentId, date: String, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let day = RwSignal::new(date);
    let places = Resource::new(move || (day.get(), lang.get()), move |(day, lang)| proposal_places(id, day, lang));
    let chosen = RwSignal::new(None::<PlaceView>);
    let field = format!("propose-date-{id}");
    let intent = Intent::new();
    let send = move |_| {
        let Some(place) = chosen.get_untracked() else { return };
        let console = console.clone();
        spawn_local(async move {
            let lang_now = console.lang.get_untracked();
            let result = propose(id, place.resource_id, place.starts_at, intent.key(), console.me.csrf.clone(), lang_now).await;
            if result.is_ok() {
                intent.done();
            }
            let done = match lang_now {
                Lang::Ja => format!("{}をご提案しました。患者さんの返答を待っています。", place.label),
                Lang::En => format!("Proposed {}. Waiting for the patient's answer.", place.label),
            };
            after_action(&console, notice, result, done);
        });
    };
    view! {
        <div class="answer-form">
            <label for=field.clone()>{move || lang.get().pick("提案する日", "Day to propose")}</label>
            <input id=field type="date" prop:value=move || day.get() on:change=move |ev| { chosen.set(None); day.set(event_target_value(&ev)) }/>
            <PlacePicker places chosen/>
            <button type="button" class="primary" disabled=move || chosen.get().is_none() on:click=send>
                {move || lang.get().pick("この日時を提案する", "Propose this time")}
            </button>
        </div>
    }
}

#[component]
fn ProposalCard(item: InboxItem) -> impl IntoView {
    let lang = use_console().lang;
    view! {
        <li class="card request proposal">
            <h3>{item.patient_name.clone()}</h3>
            <p><strong>{item.when.clone()}</strong> " · " {item.menu_name.clone()} " · " {item.resource_name.clone()}</p>
            <p class="muted">{move || lang.get().pick("返答期限: ", "Answer by: ")} {item.hold_left.clone()}</p>
        </li>
    }
}

#[component]
fn FailedNotification(n: NotificationView, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let id = n.id;
    let intent = Intent::new();
    let resend = move |_| {
        let console = console.clone();
        spawn_local(async move {
            let lang_now = console.lang.get_untracked();
            let result = resend_notification(id, intent.key(), console.me.csrf.clone(), lang_now).await;
            if result.is_ok() {
                intent.done();
            }
            after_action(&console, notice, result, lang_now.pick("再送を予約しました。", "Queued to be sent again.").to_string());
        });
    };
    view! {
        <li class="card notification failed">
            <strong>{n.kind.clone()}</strong> " · " {n.created.clone()} " · " {n.status_label.clone()}
            {n.error.clone().map(|e| view! { <p class="muted">{e}</p> })}
            {n.can_resend.then(|| view! { <button type="button" on:click=resend.clone()>{move || lang.get().pick("再送する", "Send again")}</button> })}
        </li>
    }
}

//! The patient's appointments: one appointment's status (linked from LINE messages), the list
//! with cancel and reschedule, and the answer to the clinic's proposal.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{open_page, Tab};
use crate::api::liff::*;
use crate::api::once::Intent;
use crate::i18n::Lang;

#[component]
pub(super) fn AppointmentCard(lang: ReadSignal<Lang>, appointment: AppointmentView, #[prop(optional)] actions: Option<AnyView>) -> impl IntoView {
    let a = appointment;
    let status_class = format!("status status-{}", a.status.as_str());
    view! {
        <section class="card appointment" data-reference=a.reference.clone() aria-live="polite">
            <h3>{a.menu_name.clone()}</h3>
            <p class="when">{a.when.clone()}</p>
            <p class=status_class>{a.status_label.clone()}</p>
            {a.queue_number.map(|n| view! { <p class="queue-number">{match lang.get_untracked() { Lang::Ja => format!("受付番号 {n}番"), Lang::En => format!("Queue number {n}") }}</p> })}
            {a.hold_until.clone().map(|t| view! { <p class="hold">{match (lang.get_untracked(), a.proposal) {
                (Lang::Ja, false) => format!("医院からの返事をお待ちください。{t}まで枠を確保しています。"),
                (Lang::En, false) => format!("Waiting for the clinic. Your place is held until {t}."),
                (Lang::Ja, true) => format!("{t}までにお返事ください。"),
                (Lang::En, true) => format!("Please answer by {t}."),
            }}</p> })}
            {a.note.clone().map(|note| view! { <p class="clinic-note">{lang.get_untracked().pick("医院より: ", "From the clinic: ")} {note}</p> })}
            {(!a.cancel_note.is_empty()).then(|| view! { <p class="cancel-note">{a.cancel_note.clone()}</p> })}
            {a.proposal.then(|| view! { <ProposalAnswer lang reference=a.reference.clone()/> })}
            {a.queue_today.map(|spot| view! { <LiveSpot lang spot/> })}
            {a.can_check_in.then(|| view! { <CheckIn lang reference=a.reference.clone()/> })}
            {a.arrived.then(|| view! { <p class="arrived" data-testid="arrived">{lang.get_untracked().pick("受付に到着をお知らせしました。", "Reception knows you are here.")}</p> })}
            {actions}
        </section>
    }
}

/// Today's place in the queue, live.
#[component]
fn LiveSpot(lang: ReadSignal<Lang>, spot: QueueSpot) -> impl IntoView {
    let slug = leptos_router::hooks::use_params_map().read_untracked().get("clinic").unwrap_or_default();
    view! { <crate::pages::queue::LivePlace slug lang=lang.into() spot/> }
}

/// 「到着しました」: the patient tells reception they are here (the QR code at reception opens
/// this page).
#[component]
fn CheckIn(lang: ReadSignal<Lang>, reference: String) -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let intent = Intent::new();
    let arrive = move |_| {
        let slug = params.read_untracked().get("clinic").unwrap_or_default();
        let reference = reference.clone();
        spawn_local(async move {
            match check_in(slug, reference, intent.key(), lang.get_untracked()).await {
                Ok(_) => {
                    intent.done();
                    done.set(true);
                }
                Err(e) => error.set(Some(e.message.clone())),
            }
        });
    };
    view! {
        <div class="check-in">
            <Show when=move || done.get() fallback=move || view! {
                <button type="button" class="primary" data-testid="check-in" on:click=arrive.clone()>{move || lang.get().pick("到着しました(受付に知らせる)", "I have arrived (tell reception)")}</button>
            }>
                <p class="arrived" role="status" data-testid="arrived">{move || lang.get().pick("受付に到着をお知らせしました。", "Reception knows you are here.")}</p>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// Accept or turn down the clinic's proposal of another time.
#[component]
fn ProposalAnswer(lang: ReadSignal<Lang>, reference: String) -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let error = RwSignal::new(None::<String>);
    let intent = Intent::new();
    let answer = move |accept: bool| {
        let slug = params.read_untracked().get("clinic").unwrap_or_default();
        let reference = reference.clone();
        spawn_local(async move {
            match answer_proposal(slug.clone(), reference.clone(), accept, intent.key(), lang.get_untracked()).await {
                // The appointment's own page shows what it is now.
                Ok(_) => {
                    intent.done();
                    open_page(&format!("/liff/{slug}/a/{reference}"))
                }
                Err(e) => error.set(Some(e.message.clone())),
            }
        });
    };
    let decline = answer.clone();
    view! {
        <div class="proposal-answer">
            <p>{move || lang.get().pick("医院から上記の日時のご提案がありました。ご都合はいかがですか?", "The clinic proposes the time above. Does it suit you?")}</p>
            <div class="actions">
                <button type="button" class="primary" on:click=move |_| answer(true)>{move || lang.get().pick("この日時で予約する", "Accept this time")}</button>
                <button type="button" on:click=move |_| decline(false)>{move || lang.get().pick("お断りする", "Decline")}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// One appointment's status, by its opaque reference.
#[component]
pub(super) fn AppointmentStatus(slug: Signal<String>, lang: ReadSignal<Lang>, reference: String) -> impl IntoView {
    let status = Resource::new(move || (slug.get(), lang.get()), move |(slug, lang)| load_appointment(slug, reference.clone(), lang));
    view! {
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(a) => view! {
                        <h2>{lang.get_untracked().pick("ご予約の状況", "Your appointment")}</h2>
                        <AppointmentCard lang appointment=a/>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub(super) fn MyAppointments(slug: Signal<String>, lang: ReadSignal<Lang>, reschedule: RwSignal<Option<AppointmentView>>, tab: RwSignal<Tab>) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || (slug.get(), lang.get(), version.get()), |(slug, lang, _)| my_appointments(slug, lang));
    let message = RwSignal::new(None::<String>);
    // The reference whose cancel or withdraw waits for "yes".
    let confirming = RwSignal::new(None::<String>);
    let change = move |reference: String, intent: Intent, withdraw: bool| {
        let slug = slug.get_untracked();
        let lang = lang.get_untracked();
        spawn_local(async move {
            let key = intent.key();
            let done = if withdraw { withdraw_request(slug, reference, key, lang).await } else { cancel_appointment(slug, reference, key, lang).await };
            if done.is_ok() {
                intent.done();
            }
            message.set(Some(match done {
                Ok(_) if withdraw => lang.pick("予約の申し込みを取り下げました。", "Your request was withdrawn.").into(),
                Ok(_) => lang.pick("予約をキャンセルしました。", "Your appointment was cancelled.").into(),
                Err(e) => e.message,
            }));
            confirming.set(None);
            version.update(|v| *v += 1);
        });
    };
    view! {
        <h2>{move || lang.get().pick("予約の確認", "My appointments")}</h2>
        <p class="message" role="status" aria-live="polite">{move || message.get()}</p>
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => view! { <p class="none">{lang.get_untracked().pick("予約はまだありません。", "No appointments yet.")}</p> }.into_any(),
                    Ok(items) => {
                        let (upcoming, past): (Vec<_>, Vec<_>) = items.into_iter().partition(|a| a.upcoming);
                        let card = move |a: AppointmentView| {
                            let reference = a.reference.clone();
                            let move_it = a.can_reschedule.then(|| {
                                let for_reschedule = a.clone();
                                view! {
                                    <button type="button" on:click=move |_| { reschedule.set(Some(for_reschedule.clone())); tab.set(Tab::Book) }>
                                        {move || lang.get().pick("日時を変更", "Change time")}
                                    </button>
                                }
                            });
                            let ending = if a.can_cancel {
                                Some((CANCEL, false))
                            } else if a.can_withdraw {
                                Some((WITHDRAW, true))
                            } else {
                                None
                            };
                            let end_it = ending.map(|(question, withdraw)| view! { <Confirm lang confirming reference=reference.clone() question on_yes=move |r, intent| change(r, intent, withdraw)/> });
                            let actions = (move_it.is_some() || end_it.is_some()).then(|| view! { <div class="actions">{move_it}{end_it}</div> }.into_any());
                            view! { <AppointmentCard lang appointment=a actions=actions.unwrap_or_else(|| ().into_any())/> }
                        };
                        view! {
                            <h3>{lang.get_untracked().pick("これからの予約", "Upcoming")}</h3>
                            <div class="upcoming">{upcoming.into_iter().map(card).collect_view()}</div>
                            {(!past.is_empty()).then(|| view! {
                                <h3>{lang.get_untracked().pick("過去・取り消した予約", "Past and cancelled")}</h3>
                                <div class="past">{past.into_iter().map(card).collect_view()}</div>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
/// The words of one ending action, Japanese and English: the button, the question, the "yes".
struct Ending {
    button: (&'static str, &'static str),
    question: (&'static str, &'static str),
    yes: (&'static str, &'static str),
}

const CANCEL: Ending = Ending {
    button: ("キャンセルする", "Cancel"),
    question: ("本当にキャンセルしますか?", "Cancel this visit?"),
    yes: ("はい、キャンセルします", "Yes, cancel it"),
};

const WITHDRAW: Ending = Ending {
    button: ("申し込みを取り下げる", "Withdraw request"),
    question: ("この申し込みを取り下げますか?", "Withdraw this request?"),
    yes: ("はい、取り下げます", "Yes, withdraw it"),
};

/// A button that asks once more before it ends an appointment: an elderly patient's stray tap
/// must not cancel a visit.
#[component]
fn Confirm(
    lang: ReadSignal<Lang>,
    confirming: RwSignal<Option<String>>,
    reference: String,
    question: Ending,
    on_yes: impl Fn(String, Intent) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let Ending { button, question, yes } = question;
    let intent = Intent::new();
    let asking = reference.clone();
    let ask = reference.clone();
    view! {
        <Show when=move || confirming.get().as_deref() == Some(asking.as_str())
            fallback=move || {
                let r = ask.clone();
                view! {
                    <button type="button" class="danger" on:click=move |_| confirming.set(Some(r.clone()))>
                        {move || lang.get().pick(button.0, button.1)}
                    </button>
                }
            }>
            {
                let r = reference.clone();
                let on_yes = on_yes.clone();
                view! {
                    <span>{move || lang.get().pick(question.0, question.1)}</span>
                    <button type="button" on:click=move |_| confirming.set(None)>{move || lang.get().pick("いいえ", "No")}</button>
                    <button type="button" class="danger" on:click=move |_| on_yes(r.clone(), intent)>{move || lang.get().pick(yes.0, yes.1)}</button>
                }
            }
        </Show>
    }
}

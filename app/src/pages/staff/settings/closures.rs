//! Closures and extra hours, for the whole clinic or one practitioner or room. A closure over
//! booked days (or removing extra hours with visits in them) is refused by the server until the
//! owner chooses, having seen the list, to cancel those requests and visits with a message to
//! each patient, or to offer each another time.

use leptos::prelude::*;

use super::form::{error_for, finish, run, Env, TextAreaField, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;
use crate::booking::ids::{ExceptionId, ResourceId};
use crate::error::{ErrorCode, FieldError};

#[component]
pub fn ClosuresSection(env: Env, d: SettingsData) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let date = RwSignal::new(String::new());
    let resource = RwSignal::new(None::<ResourceId>);
    let closed = RwSignal::new(true);
    let opens = RwSignal::new(String::new());
    let closes = RwSignal::new(String::new());
    let intent = Intent::new();
    let cancelling = Intent::new();
    // The requests and visits the closure would fall on, once the server has refused it for them,
    // with the day and resource they were listed for: those are what the owner cancels.
    let on_day = RwSignal::new(None::<(ExceptionForm, Vec<VisitOnClosure>)>);
    // Likewise for extra hours being removed: the ones booked in them.
    let in_hours = RwSignal::new(None::<(ExceptionId, Vec<VisitOnClosure>)>);
    let message = RwSignal::new(String::new());
    let form = move || ExceptionForm {
        date: date.get_untracked(),
        resource_id: resource.get_untracked(),
        closed: closed.get_untracked(),
        opens: opens.get_untracked(),
        closes: closes.get_untracked(),
        on_visits: VisitsChoice::default(),
    };
    let add = move |_| {
        let (form, csrf, lang) = (form(), env.csrf.get_value(), env.lang.get_untracked());
        on_day.set(None);
        leptos::task::spawn_local(async move {
            match add_exception(csrf, intent.key(), form.clone(), lang).await {
                Err(e) if e.code == ErrorCode::ClosureHasVisits => {
                    env.status.set(Some((false, e.message)));
                    message.set(
                        lang.pick(
                            "臨時休診のため、ご予約を取り消させていただきました。申し訳ございません。",
                            "The clinic is closed that day, so your visit is cancelled. We are sorry.",
                        )
                        .to_string(),
                    );
                    if let Ok(visits) = closure_visits(form.date.clone(), form.resource_id, lang).await {
                        on_day.set(Some((form, visits)));
                    }
                }
                result => finish(env, errors, intent, result),
            }
        });
    };
    let cancel_and_close = move |propose: bool| {
        let Some((listed, _)) = on_day.get_untracked() else { return };
        let form = ExceptionForm { on_visits: VisitsChoice { cancel_message: Some(message.get_untracked()), propose }, ..listed };
        run(env, errors, cancelling, move |csrf, key, lang| add_exception(csrf, key, form, lang));
    };
    let removing = Intent::new();
    let cancel_and_remove = move |propose: bool| {
        let Some((id, _)) = in_hours.get_untracked() else { return };
        let choice = VisitsChoice { cancel_message: Some(message.get_untracked()), propose };
        run(env, errors, removing, move |csrf, key, lang| remove_exception(csrf, key, id, choice, lang));
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
                            let intent = Intent::new();
                            let remove = move |_| {
                                let (csrf, lang) = (env.csrf.get_value(), env.lang.get_untracked());
                                in_hours.set(None);
                                leptos::task::spawn_local(async move {
                                    match remove_exception(csrf, intent.key(), id, VisitsChoice::default(), lang).await {
                                        Err(e) if e.code == ErrorCode::HoursHaveVisits => {
                                            env.status.set(Some((false, e.message)));
                                            message.set(
                                                lang.pick(
                                                    "臨時診療を取りやめたため、ご予約を取り消させていただきました。申し訳ございません。",
                                                    "The extra hours are cancelled, so your visit is cancelled. We are sorry.",
                                                )
                                                .to_string(),
                                            );
                                            if let Ok(visits) = exception_visits(id, lang).await {
                                                in_hours.set(Some((id, visits)));
                                            }
                                        }
                                        result => finish(env, errors, intent, result),
                                    }
                                });
                            };
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
                <select id="exception-resource" name="exception-resource"
                    on:change=move |ev| resource.set(event_target_value(&ev).parse().ok().filter(|id| *id != 0).map(ResourceId))>
                    <option value="0" selected=move || resource.get().is_none()>{env.t("医院全体", "Whole clinic")}</option>
                    {d.resources.iter().map(|r| {
                        let id = r.id;
                        view! { <option value=id.to_string() selected=move || resource.get() == Some(id)>{r.name.clone()}</option> }
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
        {move || on_day.get().map(|(_, visits)| view! {
            <VisitsToCancel env errors visits field="exception-message" message
                title=("この日の予約・お申し込み", "Requests and visits on this day")
                confirm=("予約を取り消して休診にする", "Cancel them and close")
                propose=("別の日時を提案して休診にする", "Offer another time and close")
                on_keep=Callback::new(move |()| on_day.set(None)) on_cancel=Callback::new(cancel_and_close)/>
        })}
        {move || in_hours.get().map(|(_, visits)| view! {
            <VisitsToCancel env errors visits field="exception-message" message
                title=("この臨時診療の予約・お申し込み", "Requests and visits in these extra hours")
                confirm=("予約を取り消して削除する", "Cancel them and remove")
                propose=("別の日時を提案して削除する", "Offer another time and remove")
                on_keep=Callback::new(move |()| in_hours.set(None)) on_cancel=Callback::new(cancel_and_remove)/>
        })}
    }
}

/// The requests and visits a change of the clinic's days would fall on, listed for the owner
/// with the message each patient gets: keep them (and not make the change), or cancel them and
/// make it, or also offer each patient the earliest free place of their menu
/// (`on_cancel(true)`).
#[component]
pub fn VisitsToCancel(
    env: Env,
    errors: RwSignal<Vec<FieldError>>,
    visits: Vec<VisitOnClosure>,
    field: &'static str,
    message: RwSignal<String>,
    title: (&'static str, &'static str),
    confirm: (&'static str, &'static str),
    propose: (&'static str, &'static str),
    on_keep: Callback<()>,
    on_cancel: Callback<bool>,
) -> impl IntoView {
    let title_id = format!("{field}-visits-title");
    view! {
        <section class="card form closure-visits" aria-labelledby=format!("{field}-visits-title")>
            <h2 id=title_id>{env.t(title.0, title.1)}</h2>
            <ul class="settings-list">
                {visits.into_iter().map(|v| view! {
                    <li data-testid="closure-visit"><span>{v.when}" "{v.patient}" · "{v.menu}</span><span class="status">{v.status}</span></li>
                }).collect_view()}
            </ul>
            <TextAreaField env errors field=field.into() ja="患者さんへのメッセージ(LINEでお知らせします)" en="Message to each patient (sent to them)" value=message/>
            <p class="hint">{env.t(
                "「別の日時を提案」では、取り消しのお知らせに続けて、同じメニューのいちばん早い空き枠を患者さんにご提案します(最長24時間お取り置きし、患者さんが承諾するか選べます)。空きがない方には取り消しのお知らせだけが届きます。",
                "With 'offer another time', each patient also gets the earliest free place of their menu as the clinic's proposal (held up to 24 hours; they accept or decline). A patient with no free place gets the cancellation alone.",
            )}</p>
            <div class="actions">
                <button type="button" on:click=move |_| on_keep.run(())>{env.t("やめる", "Keep them")}</button>
                <button type="button" on:click=move |_| on_cancel.run(true)>{env.t(propose.0, propose.1)}</button>
                <button type="button" class="danger" on:click=move |_| on_cancel.run(false)>{env.t(confirm.0, confirm.1)}</button>
            </div>
        </section>
    }
}

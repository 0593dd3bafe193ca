//! `/w/{clinic}/code?flow=…`: the widget's page after the e-mail form. While the request waits
//! for its code: the code form (and a new code); once sent: what happens next. The page tells
//! the embedding website that a booking was made (`data-booked-*`, passed on by `widget.js`:
//! the reference and the status only, nothing about the patient).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{posted_error, read_query, Look};
use crate::api::web_booking::{widget_flow, FlowView, WidgetResend, WidgetVerify};
use crate::booking::status::AppointmentStatus;
use crate::error::AppError;

#[component]
pub fn WidgetCodePage() -> impl IntoView {
    let params = use_params_map();
    let q = use_query_map();
    let slug = params.read_untracked().get("clinic").unwrap_or_default();
    let query = q.read_untracked();
    let (look, _) = read_query(&query);
    let flow = query.get("flow").unwrap_or_default();
    let (sent, resent) = (query.get("sent").is_some(), query.get("resent").is_some());
    let error = posted_error(&query);
    let l = look.lang;
    let (s, f) = (slug.clone(), flow.clone());
    let state = Resource::new(move || (), move |_| widget_flow(s.clone(), f.clone(), l));
    let style = look.accent.clone().map(|a| format!("--accent-ink: {a}"));
    let host_origin = look.origin.clone();
    view! {
        <div class="widget" style=style>
            <Suspense fallback=move || view! { <p class="loading">{l.pick("読み込み中…", "Loading…")}</p> }>
                {move || {
                    let (slug, look, flow, error, host_origin) = (slug.clone(), look.clone(), flow.clone(), error.clone(), host_origin.clone());
                    Suspend::new(async move {
                        match state.await {
                            Ok(v) => page(&slug, &look, &flow, &v, sent, resent, error, host_origin).into_any(),
                            Err(e) => {
                                super::answer_status(e.status);
                                view! { <p class="error" role="alert">{e.message}</p> }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
            <script src="/widget.js" defer></script>
        </div>
    }
}

#[allow(clippy::too_many_arguments)]
fn page(slug: &str, look: &Look, flow: &str, v: &FlowView, sent: bool, resent: bool, error: Option<AppError>, host_origin: String) -> impl IntoView {
    let l = look.lang;
    let t = move |ja: &'static str, en: &'static str| l.pick(ja, en);
    let (slug_, flow_, origin, accent) = (slug.to_string(), flow.to_string(), look.origin.clone(), look.accent.clone().unwrap_or_default());
    let hidden = move || {
        view! {
            <input type="hidden" name="slug" value=slug_.clone()/>
            <input type="hidden" name="flow" value=flow_.clone()/>
            <input type="hidden" name="lang" value=l.code()/>
            <input type="hidden" name="origin" value=origin.clone()/>
            <input type="hidden" name="accent" value=accent.clone()/>
        }
    };
    let summary = view! {
        <dl>
            <dt>{t("メニュー", "Menu")}</dt><dd>{v.menu_name.clone()}</dd>
            <dt>{t("日時", "When")}</dt><dd class="chosen-when">{v.when.clone()}</dd>
            <dt>{t("状態", "Status")}</dt><dd class="status">{v.status_label.clone()}</dd>
        </dl>
    };
    // The embedding page hears of the booking once: on the page the right code led to.
    let booked = (sent && matches!(v.status, AppointmentStatus::Requested | AppointmentStatus::Confirmed)).then(|| v.reference.clone());
    let body = match v.status {
        AppointmentStatus::Verifying => {
            view! {
                <h2>{t("確認コードを入力してください", "Enter your code")}</h2>
                <p>{match l {
                    crate::i18n::Lang::Ja => format!("{} に6桁の確認コードをお送りしました。{}まで、この時間をお取りしています。", v.email_hint, v.code_until.clone().unwrap_or_default()),
                    crate::i18n::Lang::En => format!("We sent a 6-digit code to {}. The time is held for you until {}.", v.email_hint, v.code_until.clone().unwrap_or_default()),
                }}</p>
                {resent.then(|| view! { <p class="note" role="status">{t("新しいコードをお送りしました。前のコードは使えません。", "A new code is on its way; the earlier one no longer works.")}</p> })}
                {error.map(|e| {
                    let message = e.field_message("code").unwrap_or(e.message);
                    view! { <p class="error" role="alert">{message}</p> }
                })}
                <form method="post" action=WidgetVerify::PATH class="code-form">
                    {hidden()}
                    <div class="field">
                        <label for="code">{t("確認コード(6桁)", "Code (6 digits)")}</label>
                        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9０-９]{6}" maxlength="6" required/>
                    </div>
                    <button type="submit" class="button primary">{t("予約を申し込む", "Send my request")}</button>
                </form>
                <form method="post" action=WidgetResend::PATH class="resend-form">
                    {hidden()}
                    <button type="submit" class="button">{t("コードが届かない場合: もう一度送る", "No e-mail? Send a new code")}</button>
                </form>
                {summary}
            }
            .into_any()
        }
        AppointmentStatus::Requested | AppointmentStatus::Confirmed => {
            let next = if v.status == AppointmentStatus::Confirmed {
                t("ご予約が確定しました。確認のメールをお送りしました。メールのリンクから、確認・キャンセルができます。", "Your appointment is confirmed. We e-mailed you the details; its link lets you view or cancel it.")
            } else {
                t("お申し込みを医院に送りました。医院からのお返事をメールでお知らせします。", "Your request is with the clinic. Its answer comes by e-mail.")
            };
            view! {
                <h2>{t("ありがとうございました", "Thank you")}</h2>
                <p class="done" role="status">{next}</p>
                {summary}
            }
            .into_any()
        }
        _ => {
            let again = format!("/w/{slug}?lang={}", l.code());
            view! {
                <h2>{t("お申し込みは完了していません", "This request was not sent")}</h2>
                <p class="error" role="alert">{t(
                    "確認コードの期限が切れたか、取り消されました。お手数ですが、最初からご予約ください。",
                    "Its code ran out or it was let go. Please book again from the start.",
                )}</p>
                <a class="button primary" href=again>{t("最初から予約する", "Book again")}</a>
            }
            .into_any()
        }
    };
    view! {
        <Title text=t("ご予約 — 確認コード", "Booking — your code")/>
        <div class="widget-root" data-host-origin=host_origin data-booked-reference=booked.clone() data-booked-status=booked.map(|_| v.status.as_str())>
            <section class="card">{body}</section>
        </div>
    }
}

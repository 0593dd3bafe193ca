//! `/w/{clinic}/a/{reference}?k=…`: a website patient's appointment, opened from an e-mail's
//! link (top-level, not in the clinic's frame): its status, cancelling it inside the menu's
//! cut-off (or taking back a request), answering the clinic's proposal of another time, and the
//! `.ics` file for a calendar.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::web_booking::{urlencoding, web_appointment, LinkedAppointment, WebAnswer, WebCancel, WebCheckIn};
use crate::error::AppError;
use crate::i18n::Lang;

#[component]
pub fn WidgetAppointmentPage() -> impl IntoView {
    let super::LinkAddress { slug, reference, key, lang, error } = super::link_address();
    let q = use_query_map();
    let query = q.read_untracked();
    let (cancelled, moved) = (query.get("cancelled").is_some(), query.get("moved").is_some());
    let (s, r, k) = (slug.clone(), reference.clone(), key.clone());
    let data = Resource::new(move || (), move |_| web_appointment(s.clone(), r.clone(), k.clone(), lang));
    view! {
        <main class="widget linked">
            <Suspense fallback=move || view! { <p class="loading">{lang.pick("読み込み中…", "Loading…")}</p> }>
                {move || {
                    let (slug, key, error) = (slug.clone(), key.clone(), error.clone());
                    Suspend::new(async move {
                        match data.await {
                            Ok(d) => page(&slug, &key, lang, &d, Done { cancelled, moved }, error).into_any(),
                            Err(e) => {
                                super::answer_status(e.status);
                                view! { <p class="error" role="alert">{e.message}</p> }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}

/// What the patient has just done here (the page a form redirected to).
struct Done {
    cancelled: bool,
    moved: bool,
}

fn page(slug: &str, key: &str, l: Lang, d: &LinkedAppointment, done: Done, error: Option<AppError>) -> impl IntoView {
    let t = move |ja: &'static str, en: &'static str| l.pick(ja, en);
    let a = &d.appointment;
    let ics = format!("/w/{slug}/a/{}/ics?k={}", a.reference, urlencoding(key));
    // A plain form about this appointment: the link's address as hidden fields (and `answer`
    // when it has one), posted to `action`.
    let link_form = |action: &'static str, form_class: &'static str, answer: Option<&'static str>, button_class: &'static str, label: &'static str| {
        view! {
            <form method="post" action=action class=form_class>
                <input type="hidden" name="slug" value=slug.to_string()/>
                <input type="hidden" name="reference" value=a.reference.clone()/>
                <input type="hidden" name="key" value=key.to_string()/>
                <input type="hidden" name="lang" value=l.code()/>
                {answer.map(|answer| view! { <input type="hidden" name="answer" value=answer/> })}
                <button type="submit" class=button_class>{label}</button>
            </form>
        }
    };
    let cancel = (a.can_cancel || a.can_withdraw).then(|| {
        let label = if a.can_withdraw {
            t("お申し込みを取り消す", "Withdraw the request")
        } else {
            t("予約をキャンセルする", "Cancel the appointment")
        };
        link_form(WebCancel::PATH, "cancel-form", None, "button danger", label)
    });
    // On the day: 「到着しました」 tells reception; then the page says it knows.
    let check_in = a
        .can_check_in
        .then(|| link_form(WebCheckIn::PATH, "check-in-form", None, "button primary", t("到着しました(受付に知らせる)", "I have arrived (tell reception)")));
    let arrived = a.arrived.then(|| view! { <p class="note arrived" role="status">{t("受付に到着をお知らせしました。", "Reception knows you are here.")}</p> });
    // Moving the visit: the widget's days and times of the same menu, then a confirmation.
    let move_to = a.can_reschedule.then(|| {
        let href = format!("/w/{slug}?lang={}&menu={}&replaces={}&k={}", l.code(), a.menu_id, urlencoding(&a.reference), urlencoding(key));
        view! { <a class="button" href=href>{t("日時を変更する", "Move to another time")}</a> }
    });
    // The clinic proposes another time: the patient accepts it or turns it down here.
    let answer = a.proposal.then(|| {
        view! {
            <p>{t("医院から、この日時へのご変更のご提案です。", "The clinic suggests this time instead.")}</p>
            {link_form(WebAnswer::PATH, "answer-form", Some("accept"), "button primary", t("この日時で予約する", "Accept this time"))}
            {link_form(WebAnswer::PATH, "answer-form", Some("decline"), "button", t("お断りする", "Decline"))}
        }
    });
    view! {
        <Title text=format!("{} {}", d.clinic_name, t("のご予約", "— your appointment"))/>
        <header class="widget-head"><h1>{d.clinic_name.clone()}</h1></header>
        <section class="card review" aria-labelledby="linked-title">
            <h2 id="linked-title">{t("ご予約の内容", "Your appointment")}</h2>
            {done.cancelled.then(|| view! { <p class="note" role="status">{t("取り消しました。", "It is cancelled.")}</p> })}
            {done.moved.then(|| view! { <p class="note" role="status">{t(
                "日時の変更を受け付けました。確定すると、元のご予約は取り消されます(メールでお知らせします)。",
                "Your new time is received. Once it is confirmed, the old visit is cancelled (you will get an e-mail).",
            )}</p> })}
            {error.map(|e| view! { <p class="error" role="alert">{e.message}</p> })}
            <dl>
                <dt>{t("メニュー", "Menu")}</dt><dd>{a.menu_name.clone()}</dd>
                <dt>{t("日時", "When")}</dt><dd class="chosen-when">{a.when.clone()}</dd>
                <dt>{t("状態", "Status")}</dt><dd class="status">{a.status_label.clone()}</dd>
            </dl>
            {(!a.cancel_note.is_empty()).then(|| view! { <p class="hint">{a.cancel_note.clone()}</p> })}
            {a.queue_today.map(|spot| view! { <crate::pages::queue::LivePlace slug=slug.to_string() lang=Signal::stored(l) spot/> })}
            {arrived}
            {check_in}
            {answer}
            {a.upcoming.then(|| view! { <a class="button" href=ics.clone() download="yoyaku.ics">{t("カレンダーに追加(.ics)", "Add to calendar (.ics)")}</a> })}
            {move_to}
            {cancel}
        </section>
        <p class="my-data-link"><a href=format!("/w/{slug}/a/{}/data?k={}&lang={}", a.reference, urlencoding(key), l.code())>
            {t("ご登録の情報の確認・削除の依頼", "See the data the clinic holds about you, or ask for its deletion")}
        </a></p>
    }
}

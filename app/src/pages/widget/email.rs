//! The e-mail booking form of the widget (patients without LINE): details, the menu's
//! questions, consent. It posts to `widget/send`: without the WASM as a plain form, whose
//! refusal comes back in the query (`posted_error`); with it, in the page (`ActionForm`), so a
//! refusal leaves everything typed where it was. Either way the error is shown above the form
//! and by each field.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{posted_error, Look};
use crate::api::liff::{MenuChoice, QuestionView};
use crate::api::web_booking::{web_form, WidgetSend};
use crate::booking::ids::ResourceId;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::kinds::QuestionKind;
use crate::patients::birth::Era;

#[component]
pub fn EmailForm(slug: String, look: Look, menu: MenuChoice, place: (ResourceId, i64)) -> impl IntoView {
    let l = look.lang;
    let q = use_query_map();
    let posted = posted_error(&q.read_untracked());
    let send = ServerAction::<WidgetSend>::new();
    // The latest refusal: of this page's own post, or of the plain post that came back here.
    let error = Signal::derive(move || match send.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(())) => None,
        None => posted.clone(),
    });
    let (s, menu_id) = (slug.clone(), menu.id);
    let form = Resource::new(move || (), move |_| web_form(s.clone(), menu_id, l));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let (slug, look, menu) = (slug.clone(), look.clone(), menu.clone());
                Suspend::new(async move {
                    match form.await {
                        Ok(form) => form_view(&slug, &look, &menu, place, form, send, error).into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The message for `field` in the latest refusal, as it changes.
fn field_error(error: Signal<Option<AppError>>, field: String) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || error.with(|e| e.as_ref().and_then(|e| e.field_message(&field)))
}

#[allow(clippy::too_many_arguments)]
fn form_view(
    slug: &str,
    look: &Look,
    menu: &MenuChoice,
    place: (ResourceId, i64),
    form: crate::api::web_booking::BookingForm,
    send: ServerAction<WidgetSend>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let l = look.lang;
    let t = move |ja: &'static str, en: &'static str| l.pick(ja, en);
    let text_field = move |name: &'static str, label: &'static str, kind: &'static str, autocomplete: &'static str, hint: Option<&'static str>| {
        let message = field_error(error, name.into());
        let invalid = message.clone();
        let described = format!("{name}-error");
        view! {
            <div class="field">
                <label for=name>{label}</label>
                <input id=name name=name type=kind autocomplete=autocomplete required aria-describedby=described.clone() aria-invalid=move || invalid().is_some().then_some("true")/>
                {hint.map(|h| view! { <small class="hint">{h}</small> })}
                <p class="field-error" id=described>{message}</p>
            </div>
        }
    };
    // The form's inside is the ActionForm's: everything it shows is its own.
    let (slug, menu_id, place, origin, accent) =
        (slug.to_string(), menu.id.to_string(), crate::pages::place_param(place), look.origin.clone(), look.accent.clone().unwrap_or_default());
    let crate::api::web_booking::BookingForm { questions, privacy_notice: notice } = form;
    let summary = move || error.get().map(|e| view! { <p class="error" role="alert">{e.message}</p> });
    view! {
        <section class="card web-booking" aria-labelledby="web-booking-title">
            <h2 id="web-booking-title">{menu.name.clone()} " — " {t("メールで予約", "Book by e-mail")}</h2>
            <p>{t(
                "ご入力のメールアドレスに6桁の確認コードをお送りします。コードを入力すると、お申し込みが医院に届きます(15分間お席を確保します)。",
                "We e-mail you a 6-digit code. Once you type it in, your request reaches the clinic (the time is held for 15 minutes).",
            )}</p>
            {summary}
            <ActionForm action=send attr:class="details-form">
                <input type="hidden" name="slug" value=slug/>
                <input type="hidden" name="menu" value=menu_id/>
                <input type="hidden" name="place" value=place/>
                <input type="hidden" name="lang" value=l.code()/>
                <input type="hidden" name="origin" value=origin/>
                <input type="hidden" name="accent" value=accent/>
                {text_field("name", t("お名前", "Full name"), "text", "name", None)}
                {text_field("furigana", t("フリガナ", "Name in katakana"), "text", "off", Some(t("例: ヤマダ ハナコ", "e.g. ヤマダ ハナコ")))}
                {text_field("phone", t("電話番号", "Phone"), "tel", "tel", None)}
                {birth_field(l, field_error(error, "birth_date".into()))}
                {text_field("email", t("メールアドレス", "E-mail address"), "email", "email", None)}
                {questions.iter().map(|q| question_field(l, q, field_error(error, format!("question-{}", q.id.0)))).collect_view()}
                <div class="notice">
                    <h3>{t("個人情報の取り扱い", "Privacy")}</h3>
                    <p class="privacy-notice">{notice}</p>
                </div>
                <label class="consent" for="consent">
                    <input type="checkbox" id="consent" name="consent" value="yes" required/>
                    <span>{t("上記に同意します", "I agree to the above")}</span>
                </label>
                <p class="field-error" id="consent-error">{field_error(error, "consent".into())}</p>
                <button type="submit" class="button primary" disabled=move || send.pending().get()>{t("確認コードを送る", "Send me the code")}</button>
            </ActionForm>
        </section>
    }
}

fn birth_field(l: Lang, message: impl Fn() -> Option<String> + Send + Sync + 'static) -> impl IntoView {
    let t = move |ja: &'static str, en: &'static str| l.pick(ja, en);
    view! {
        <fieldset class="field birth" aria-describedby="birth_date-error">
            <legend>{t("生年月日", "Date of birth")}</legend>
            <div class="birth-parts">
                <label class="birth-part">
                    <span class="sr-only">{t("元号", "Era")}</span>
                    <select name="birth_era">
                        {Era::ALL.into_iter().map(|e| view! { <option value=e.code() selected={e == Era::Showa}>{e.label(l)}</option> }).collect_view()}
                    </select>
                </label>
                <label class="birth-part">
                    <input name="birth_year" inputmode="numeric" size="4" required aria-label=t("年", "Year")/>{t("年", "")}
                </label>
                <label class="birth-part">
                    <input name="birth_month" inputmode="numeric" size="2" required aria-label=t("月", "Month")/>{t("月", "")}
                </label>
                <label class="birth-part">
                    <input name="birth_day" inputmode="numeric" size="2" required aria-label=t("日", "Day")/>{t("日", "")}
                </label>
            </div>
            <small class="hint">{t("例: 昭和 23 年 2 月 3 日、または 西暦 1948 年", "e.g. Shōwa 23, or 1948 (AD)")}</small>
            <p class="field-error" id="birth_date-error">{message}</p>
        </fieldset>
    }
}

fn question_field(l: Lang, q: &QuestionView, message: impl Fn() -> Option<String> + Send + Sync + 'static) -> impl IntoView {
    let name = format!("answers[{}]", q.id.0);
    let required = if q.required { l.pick("(必須)", "(required)") } else { "" };
    let label = format!("{} {required}", q.label);
    let options: Vec<(String, String)> = match q.kind {
        QuestionKind::YesNo => vec![("yes".into(), l.pick("はい", "Yes").into()), ("no".into(), l.pick("いいえ", "No").into())],
        QuestionKind::Choice => q.choices.iter().map(|c| (c.clone(), c.clone())).collect(),
        QuestionKind::Text => Vec::new(),
    };
    let id = format!("question-{}", q.id.0);
    let input = if options.is_empty() {
        view! { <textarea id=id.clone() name=name rows="3" maxlength="500" required=q.required></textarea> }.into_any()
    } else {
        view! {
            <div class="options" role="radiogroup" aria-label=label.clone()>
                {options.into_iter().enumerate().map(|(i, (value, text))| {
                    let input_id = format!("{id}-{i}");
                    let label_for = input_id.clone();
                    view! {
                        <label class="option" for=label_for>
                            <input type="radio" id=input_id name=name.clone() value=value required=q.required/>
                            {text}
                        </label>
                    }
                }).collect_view()}
            </div>
        }
        .into_any()
    };
    view! {
        <div class="field question">
            <label for=id>{label}</label>
            {input}
            <p class="field-error">{message}</p>
        </div>
    }
}

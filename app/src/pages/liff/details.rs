//! The patient's details and the clinic's questions (問診), with each error next to its field.

use leptos::prelude::*;

use super::booking::Step;
use crate::api::liff::*;
use crate::api::PlaceView;
use crate::booking::ids::QuestionId;
use crate::error::FieldError;
use crate::i18n::Lang;
use crate::kinds::QuestionKind;
use crate::patients::birth::{BirthParts, Era};
use crate::patients::DetailsInput;

#[allow(clippy::too_many_arguments)]
#[component]
pub(super) fn FormStep(
    slug: Signal<String>,
    lang: ReadSignal<Lang>,
    menu: MenuChoice,
    place: PlaceView,
    step: RwSignal<Step>,
    details: RwSignal<DetailsInput>,
    answers: RwSignal<Vec<(QuestionId, String)>>,
    consent: RwSignal<bool>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let menu_id = menu.id;
    let setup = Resource::new(move || (slug.get(), lang.get()), move |(slug, lang)| load_booking_setup(slug, menu_id, lang));
    // Details remembered from the last visit fill empty fields once.
    Effect::new(move |_| {
        if let Some(Ok(s)) = setup.get() {
            details.update(|d| {
                if d == &DetailsInput::default() {
                    *d = s.details.clone();
                }
            });
        }
    });
    let error_for = move |field: &'static str| move || errors.get().into_iter().find(|e| e.field == field).map(|e| e.message);
    let text_field = move |field: &'static str,
                           ja: &'static str,
                           en: &'static str,
                           kind: &'static str,
                           autocomplete: &'static str,
                           get: fn(&DetailsInput) -> String,
                           set: fn(&mut DetailsInput, String)| {
        let error = error_for(field);
        let has_error = move || error_for(field)().is_some();
        view! {
            <div class="field">
                <label for=field>{move || lang.get().pick(ja, en)}</label>
                <input id=field name=field type=kind autocomplete=autocomplete
                    prop:value=move || get(&details.get())
                    aria-invalid=move || has_error().to_string()
                    aria-describedby=format!("{field}-error")
                    on:input=move |ev| details.update(|d| set(d, event_target_value(&ev)))/>
                <p class="field-error" id=format!("{field}-error") aria-live="polite">{error}</p>
            </div>
        }
    };
    let review_menu = menu.clone();
    let review_place = place.clone();
    let back_menu = menu.clone();
    let back_date = place.date.clone();
    view! {
        <h2>{move || lang.get().pick("患者さまの情報", "Your details")}</h2>
        <p class="chosen">{menu.name.clone()} " · " {place.label.clone()}</p>
        <form class="card form" on:submit=move |ev| {
            ev.prevent_default();
            errors.set(Vec::new());
            step.set(Step::Review(review_menu.clone(), review_place.clone()));
        }>
            <Show when=move || !errors.get().is_empty()>
                <p class="error" role="alert">{move || lang.get().pick("入力内容を確認してください。", "Please check the highlighted fields.")}</p>
            </Show>
            {text_field("name", "お名前", "Name", "text", "name", |d| d.name.clone(), |d, v| d.name = v)}
            {text_field("furigana", "フリガナ", "Name reading (furigana)", "text", "off", |d| d.furigana.clone(), |d, v| d.furigana = v)}
            {text_field("phone", "電話番号", "Phone number", "tel", "tel", |d| d.phone.clone(), |d, v| d.phone = v)}
            <BirthField lang details error=Signal::derive(error_for("birth_date"))/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(s) => view! {
                            {(!s.questions.is_empty()).then(|| view! { <h3>{lang.get_untracked().pick("問診", "Questions from the clinic")}</h3> })}
                            {s.questions.into_iter().map(|q| view! { <QuestionField lang question=q answers errors/> }).collect_view()}
                            <h3>{lang.get_untracked().pick("個人情報の取り扱い", "Privacy notice")}</h3>
                            <p class="privacy">{s.privacy_notice}</p>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            // The whole line is the target, not only the small box.
            <div class="field">
                <label class="consent-line" for="consent">
                    <input id="consent" name="consent" type="checkbox" prop:checked=move || consent.get()
                        aria-describedby="consent-error" aria-invalid=move || error_for("consent")().is_some().to_string()
                        on:change=move |ev| consent.set(event_target_checked(&ev))/>
                    <span>{move || lang.get().pick("個人情報の取り扱いに同意します", "I agree to the privacy notice")}</span>
                </label>
                <p class="field-error" id="consent-error" aria-live="polite">{error_for("consent")}</p>
            </div>
            <div class="actions">
                <button type="button" on:click=move |_| step.set(Step::Place(back_menu.clone(), back_date.clone()))>{move || lang.get().pick("時間選択に戻る", "Back to times")}</button>
                <button type="submit" class="primary">{move || lang.get().pick("確認へ進む", "Review")}</button>
            </div>
        </form>
    }
}

/// 生年月日 as era, year, month and day (see `patients::birth`): the patient's details keep the
/// composed `YYYY-MM-DD`, which the server checks.
#[component]
fn BirthField(lang: ReadSignal<Lang>, details: RwSignal<DetailsInput>, error: Signal<Option<String>>) -> impl IntoView {
    let parts = RwSignal::new(BirthParts::of(&details.get_untracked().birth_date));
    // Remembered details arrive after the form is shown: the parts follow them, unless they
    // are what the patient is typing.
    Effect::new(move |_| {
        let stored = details.with(|d| d.birth_date.clone());
        if parts.with_untracked(|p| p.compose()) != stored {
            parts.set(BirthParts::of(&stored));
        }
    });
    let set = move |change: fn(&mut BirthParts, String), value: String| {
        parts.update(|p| change(p, value));
        let composed = parts.with_untracked(|p| p.compose());
        details.update(|d| d.birth_date = composed);
    };
    let t = move |ja: &'static str, en: &'static str| move || lang.get().pick(ja, en);
    // 月 and 日: a choice of 1..=to, labelled after it as the patient reads it (2 月 3 日).
    let number = move |id: &'static str, autocomplete: &'static str, to: u32, get: fn(&BirthParts) -> String, put: fn(&mut BirthParts, String), ja, en| {
        view! {
            <span class="birth-part">
                <select id=id autocomplete=autocomplete prop:value=move || get(&parts.get()) on:change=move |ev| set(put, event_target_value(&ev))>
                    <option value="">"--"</option>
                    {(1..=to).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                </select>
                <label for=id>{t(ja, en)}</label>
            </span>
        }
    };
    view! {
        <fieldset class="field birth" aria-describedby="birth_date-error">
            <legend>{t("生年月日", "Date of birth")}</legend>
            <div class="birth-parts">
                <label class="sr-only" for="birth_era">{t("年号", "Era")}</label>
                <select id="birth_era" prop:value=move || parts.get().era.code() on:change=move |ev| set(|p, v| p.era = Era::from_code(&v), event_target_value(&ev))>
                    {Era::ALL.into_iter().map(|e| view! { <option value=e.code()>{move || e.label(lang.get())}</option> }).collect_view()}
                </select>
                <span class="birth-part">
                    <input id="birth_year" type="text" inputmode="numeric" autocomplete="bday-year" size="6" maxlength="8"
                        aria-invalid=move || error.get().is_some().to_string()
                        prop:value=move || parts.get().year on:input=move |ev| set(|p, v| p.year = v, event_target_value(&ev))/>
                    <label for="birth_year">{t("年", "year")}</label>
                </span>
                {number("birth_month", "bday-month", 12, |p| p.month.clone(), |p, v| p.month = v, "月", "month")}
                {number("birth_day", "bday-day", 31, |p| p.day.clone(), |p, v| p.day = v, "日", "day")}
            </div>
            <small class="hint">{t("例: 昭和 23 年 2 月 3 日、または 西暦 1948 年", "e.g. Shōwa 23, or 1948 (AD)")}</small>
            <p class="field-error" id="birth_date-error" aria-live="polite">{move || error.get()}</p>
        </fieldset>
    }
}

#[component]
fn QuestionField(
    lang: ReadSignal<Lang>,
    question: QuestionView,
    answers: RwSignal<Vec<(QuestionId, String)>>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let id = question.id;
    let field = format!("question-{}", id.0);
    let error_field = field.clone();
    let error = move || errors.get().into_iter().find(|e| e.field == error_field).map(|e| e.message);
    let value = move || answers.get().into_iter().find(|(q, _)| *q == id).map(|(_, a)| a).unwrap_or_default();
    let set = move |v: String| {
        answers.update(|list| {
            list.retain(|(q, _)| *q != id);
            list.push((id, v));
        })
    };
    let required = if question.required { lang.get_untracked().pick("(必須)", "(required)") } else { "" };
    let label = format!("{} {required}", question.label);
    let input = match question.kind {
        QuestionKind::YesNo => {
            let options = [("yes", lang.get_untracked().pick("はい", "Yes")), ("no", lang.get_untracked().pick("いいえ", "No"))];
            view! {
                <div class="options" role="radiogroup" aria-label=label.clone()>
                    {options.into_iter().map(|(v, text)| {
                        let input_id = format!("{field}-{v}");
                        let label_for = input_id.clone();
                        view! {
                            <label class="option" for=label_for>
                                <input type="radio" id=input_id name=field.clone() value=v prop:checked=move || value() == v on:change=move |_| set(v.to_string())/>
                                {text}
                            </label>
                        }
                    }).collect_view()}
                </div>
            }.into_any()
        }
        QuestionKind::Choice => view! {
            <div class="options" role="radiogroup" aria-label=label.clone()>
                {question.choices.iter().enumerate().map(|(i, choice)| {
                    let input_id = format!("{field}-{i}");
                    let label_for = input_id.clone();
                    let (c1, c2) = (choice.clone(), choice.clone());
                    view! {
                        <label class="option" for=label_for>
                            <input type="radio" id=input_id name=field.clone() value=choice.clone() prop:checked=move || value() == c1 on:change=move |_| set(c2.clone())/>
                            {choice.clone()}
                        </label>
                    }
                }).collect_view()}
            </div>
        }.into_any(),
        QuestionKind::Text => view! {
            <textarea id=field.clone() name=field.clone() rows="3" maxlength="500" prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
        }.into_any(),
    };
    view! {
        <div class="field question">
            <label for=format!("question-{}", id.0)>{label}</label>
            {input}
            <p class="field-error" aria-live="polite">{error}</p>
        </div>
    }
}

//! What the settings sections share: the page's environment, running a change, and labelled
//! inputs that show their own error.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::once::{IdempotencyKey, Intent};
use crate::error::{AppError, ErrorCode, FieldError};
use crate::i18n::Lang;

/// What every section needs: the language, the CSRF token, a way to reload the data, and the
/// message of the last action.
#[derive(Clone, Copy)]
pub struct Env {
    pub lang: RwSignal<Lang>,
    pub csrf: StoredValue<String>,
    pub version: RwSignal<u32>,
    pub status: RwSignal<Option<(bool, String)>>,
}

impl Env {
    pub fn t(&self, ja: &'static str, en: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || lang.get().pick(ja, en)
    }
}

/// Runs a change; on success reloads the settings, else shows the message and, for fields to
/// fix, each error next to its field.
pub fn run<F, Fut>(env: Env, errors: RwSignal<Vec<FieldError>>, intent: Intent, call: F)
where
    F: FnOnce(String, IdempotencyKey, Lang) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), AppError>> + 'static,
{
    let csrf = env.csrf.get_value();
    let lang = env.lang.get_untracked();
    spawn_local(async move {
        let result = call(csrf, intent.key(), lang).await;
        finish(env, errors, intent, result);
    });
}

/// What [`run`] does with the answer, for a section that looks at some answers itself first.
pub fn finish(env: Env, errors: RwSignal<Vec<FieldError>>, intent: Intent, result: Result<(), AppError>) {
    match result {
        Ok(()) => {
            intent.done();
            errors.set(Vec::new());
            env.status.set(Some((true, env.lang.get_untracked().pick("保存しました。", "Saved.").to_string())));
            env.version.update(|v| *v += 1);
        }
        Err(e) => {
            errors.set(if e.code == ErrorCode::Invalid { e.fields } else { Vec::new() });
            env.status.set(Some((false, e.message)));
        }
    }
}

pub fn error_for(errors: RwSignal<Vec<FieldError>>, field: String) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || errors.get().iter().find(|e| e.field == field).map(|e| e.message.clone())
}

/// A labelled text input with its own error message.
#[component]
pub fn TextField(
    env: Env,
    errors: RwSignal<Vec<FieldError>>,
    field: String,
    ja: &'static str,
    en: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let error = error_for(errors, field.clone());
    let error_id = format!("{field}-error");
    let has_error = error.clone();
    let lang = env.lang;
    view! {
        <div class="field">
            <label for=field.clone()>{env.t(ja, en)}</label>
            {hint.map(|(hja, hen)| view! { <small class="hint">{move || lang.get().pick(hja, hen)}</small> })}
            <input
                type=input_type
                id=field.clone()
                name=field.clone()
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || has_error().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id role="alert">{error}</p>
        </div>
    }
}

/// A labelled text area with its own error message.
#[component]
pub fn TextAreaField(env: Env, errors: RwSignal<Vec<FieldError>>, field: String, ja: &'static str, en: &'static str, value: RwSignal<String>) -> impl IntoView {
    let error = error_for(errors, field.clone());
    let has_error = error.clone();
    let error_id = format!("{field}-error");
    view! {
        <div class="field">
            <label for=field.clone()>{env.t(ja, en)}</label>
            <textarea id=field.clone() name=field rows="3" maxlength="200" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || has_error().is_some().to_string() aria-describedby=error_id.clone()></textarea>
            <p class="field-error" id=error_id role="alert">{error}</p>
        </div>
    }
}

#[component]
pub fn CheckField(env: Env, field: String, ja: &'static str, en: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="field check">
            <input type="checkbox" id=field.clone() name=field.clone() prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev))/>
            <label for=field>{env.t(ja, en)}</label>
        </div>
    }
}

//! `/staff/line-sandbox`: for a clinic without LINE channels, a phone-shaped imitation of the
//! patient's LINE chat with the clinic, showing the cards the patients would have received. With
//! the inbox in another tab, a newcomer sees the whole loop on one machine: the request, the
//! approval, the confirmation card.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::staff::sandbox::{sandbox_messages, SandboxInbox, SandboxMessage};
use crate::i18n::Lang;

/// How often the open page asks for new messages.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

#[component]
pub fn LineSandboxPage() -> impl IntoView {
    let lang = super::use_console().lang;
    // Bumped by the refresh button, and by the timer when something changed; the resource
    // reloads on each bump.
    let tick = RwSignal::new(0u32);
    let bump = move || _ = tick.try_update(|t| *t = t.wrapping_add(1));
    let inbox = Resource::new(move || (lang.get(), tick.get()), |(lang, _)| sandbox_messages(lang));

    // The timer runs in the browser only (effects never run on the server) and stops when the
    // page is left. It polls quietly and redraws only when a message arrived or changed, so
    // the page (and a screen reader) stays still while nothing happens.
    let polling = StoredValue::new(false);
    Effect::new(move |_| {
        let poll = move || {
            let (Some(lang), Some(false)) = (lang.try_get_untracked(), polling.try_get_value()) else { return };
            polling.set_value(true);
            spawn_local(async move {
                if let Ok(fresh) = sandbox_messages(lang).await {
                    let shown = inbox.try_get_untracked().flatten().and_then(Result::ok);
                    if shown.as_ref() != Some(&fresh) {
                        bump();
                    }
                }
                _ = polling.try_set_value(false);
            });
        };
        if let Ok(handle) = set_interval_with_handle(poll, REFRESH_EVERY) {
            on_cleanup(move || handle.clear());
        }
    });

    view! {
        <section class="line-sandbox-page" data-testid="line-sandbox" aria-labelledby="line-sandbox-title">
            <div class="line-sandbox-head">
                <h1 id="line-sandbox-title">{move || lang.get().pick("LINEサンドボックス", "LINE sandbox")}</h1>
                <button type="button" class="secondary" on:click=move |_| bump()>
                    {move || lang.get().pick("更新", "Refresh")}
                </button>
            </div>
            <p class="hint">
                {move || lang.get().pick(
                    "LINEに接続していない医院では、患者さんに届くはずのメッセージがここに表示されます(3秒ごとに自動更新)。",
                    "For a clinic without LINE, the messages its patients would receive appear here (refreshed every 3 seconds).",
                )}
            </p>
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match inbox.await {
                        Ok(inbox) => view! { <Phone lang inbox/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Phone(lang: RwSignal<Lang>, inbox: SandboxInbox) -> impl IntoView {
    if !inbox.sandbox && inbox.messages.is_empty() {
        return view! {
            <div class="card" role="note">
                <p>
                    {move || lang.get().pick(
                        "この医院はLINEに接続されています。メッセージは患者さんのLINEに直接届くため、サンドボックスは使いません。サンドボックスはLINE未接続の医院(デモなど)のためのものです。",
                        "This clinic is connected to LINE: messages go to patients' phones, so the sandbox is not used. The sandbox is for clinics without LINE (such as the demo).",
                    )}
                </p>
            </div>
        }
        .into_any();
    }
    let count = inbox.messages.len();
    view! {
        <div class="line-phone">
            <div class="line-phone-bar">
                <span class="line-phone-name">{inbox.clinic_name.clone()}</span>
                <span class="line-phone-count" aria-live="polite">
                    {move || match lang.get() {
                        Lang::Ja => format!("{count}件"),
                        Lang::En => format!("{count} messages"),
                    }}
                </span>
            </div>
            <ol class="line-chat" aria-label=move || lang.get().pick("届いたメッセージ(新しい順)", "Messages received, newest first")>
                {if inbox.messages.is_empty() {
                    view! {
                        <li class="line-empty">
                            {move || lang.get().pick(
                                "まだメッセージはありません。予約リクエストを承認すると、確定のカードがここに届きます。",
                                "No messages yet. Approve a booking request and its confirmation card arrives here.",
                            )}
                        </li>
                    }
                    .into_any()
                } else {
                    inbox.messages.into_iter().map(|m| view! { <ChatMessage lang m/> }).collect_view().into_any()
                }}
            </ol>
        </div>
    }
    .into_any()
}

#[component]
fn ChatMessage(lang: RwSignal<Lang>, m: SandboxMessage) -> impl IntoView {
    let channel = if m.email { lang.get_untracked().pick("メール: ", "E-mail: ") } else { "" };
    let label = format!("{channel}{} → {}", m.kind, m.recipient_label);
    view! {
        <li class="line-message" class:mail-message=m.email data-id=m.id.0>
            <div class="line-meta">
                <span class="line-avatar" aria-hidden="true"></span>
                <span class="line-to">{label}</span>
            </div>
            // The server rendered the card from the stored message with every text escaped.
            <div class="flex-card" inner_html=m.html></div>
            <div class="line-foot">
                <time class="line-time">{m.when_sent}</time>
                <span class="line-status">{m.status}</span>
            </div>
            {(!m.alt_text.is_empty()).then(|| view! {
                <p class="line-alt">
                    <span class="line-alt-label">{move || lang.get().pick("通知の表示: ", "Notification: ")}</span>
                    {m.alt_text.clone()}
                </p>
            })}
        </li>
    }
}

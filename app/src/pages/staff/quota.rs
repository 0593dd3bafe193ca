//! The LINE message quota in the console: the month in full under Settings → LINE, and a warning
//! on the inbox when the known messages come near the plan's limit or pass it. Loaded in the
//! browser after the page, so a slow LINE never holds the console's first paint.

use leptos::prelude::*;

use crate::api::staff::quota::{line_quota, QuotaForecast, QuotaLevel, QuotaView};
use crate::i18n::Lang;

/// What becomes of the month's messages, in words (`None` when there is nothing to warn of).
fn warning(f: &QuotaForecast, lang: Lang) -> Option<String> {
    let short = f.short_by();
    Some(match (f.level(), lang) {
        (QuotaLevel::RunsOut, Lang::Ja) => format!(
            "このままでは今月あと{short}通が上限を超え、送られません。LINEでご予約の患者さんへのお知らせ(前日のリマインダーを含む)が届かず、「送れなかったLINE通知」に表示されます。LINE公式アカウントのプランを見直すか、お電話でご連絡ください。メールでご予約の患者さんにはメールで届きます。"
        ),
        (QuotaLevel::RunsOut, Lang::En) => format!(
            "At this pace {short} messages this month would pass the limit and not be sent: notices to LINE patients (day-before reminders too) would not arrive and would show under 'LINE messages that failed'. Review the Official Account's plan, or phone those patients. Patients who booked by e-mail are told by e-mail."
        ),
        (QuotaLevel::Near, Lang::Ja) => "今月の見込みがLINEの上限の8割を超えました。予約が増えると上限に達し、お知らせが送れなくなります。LINE公式アカウントのプランをご確認ください。".to_string(),
        (QuotaLevel::Near, Lang::En) => "This month's messages come to over four fifths of LINE's limit. With more bookings it would be reached and notices would stop. Check the Official Account's plan.".to_string(),
        (QuotaLevel::Fine | QuotaLevel::Unlimited, _) => return None,
    })
}

fn counts(f: QuotaForecast, lang: Lang) -> impl IntoView {
    let limit = f.limit.map_or_else(|| lang.pick("上限なし", "unlimited").to_string(), |l| l.to_string());
    let row = |ja: &'static str, en: &'static str, n: String| view! { <div><dt>{lang.pick(ja, en)}</dt><dd>{n}</dd></div> };
    view! {
        <dl class="quota" data-testid="line-quota">
            {row("今月の上限", "Monthly limit", limit)}
            {row("送信済み", "Sent", f.used.to_string())}
            {row("送信待ち", "Waiting to send", f.queued.to_string())}
            {row("今月これから送るリマインダー", "Reminders still to send this month", f.reminders.to_string())}
            {row("今月の見込み", "Expected this month", f.projected().to_string())}
        </dl>
    }
}

/// Settings → LINE: the month's messages against the plan.
#[component]
pub fn QuotaCard(lang: RwSignal<Lang>) -> impl IntoView {
    let quota = LocalResource::new(move || line_quota(lang.get()));
    view! {
        <section class="card" aria-labelledby="quota-title">
            <h2 id="quota-title">{move || lang.get().pick("今月のLINEメッセージ", "LINE messages this month")}</h2>
            <Suspense fallback=move || view! { <p class="loading">{move || lang.get().pick("LINEに確認しています…", "Asking LINE…")}</p> }>
                {move || Suspend::new(async move {
                    let lang = lang.get_untracked();
                    match quota.await {
                        Ok(QuotaView::NotConnected) => view! { <p class="none">{lang.pick("LINEに接続すると、今月の送信数と上限が表示されます。", "Once LINE is connected, this month's messages and limit show here.")}</p> }.into_any(),
                        Ok(QuotaView::TokenRefused) => view! { <p class="error" role="alert">{lang.pick("LINEがチャネルアクセストークンを受け付けませんでした。トークンを確認してください。", "LINE refused the channel access token. Check the token.")}</p> }.into_any(),
                        Ok(QuotaView::Counted(f)) => {
                            let warn = warning(&f, lang);
                            view! {
                                {counts(f, lang)}
                                <p class="hint">{lang.pick(
                                    "見込み = 送信済み + 送信待ち + 今月の残りの日に送るリマインダー(いまある予約の分)。これからの予約のお知らせは含みません。",
                                    "Expected = sent + waiting + the reminders of the visits booked so far for the rest of the month; notices of bookings still to come are not included.",
                                )}</p>
                                {warn.map(|w| view! { <p class="warning" role="alert">{w}</p> })}
                            }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// On the inbox: a warning only when the month's messages come near the limit or pass it.
#[component]
pub fn QuotaWarning(lang: RwSignal<Lang>) -> impl IntoView {
    let quota = LocalResource::new(move || line_quota(lang.get()));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match quota.await {
                    Ok(QuotaView::Counted(f)) => warning(&f, lang.get_untracked()).map(|w| view! { <p class="warning" data-testid="quota-warning">{w}</p> }).into_any(),
                    // The card under Settings → LINE says what is wrong; the inbox stays quiet.
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}

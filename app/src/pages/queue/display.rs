//! `/d/{clinic}`: the waiting room's display, for a TV or a tablet on the wall. Large numbers,
//! no names: the number being called, how many wait, the next numbers, and the numbers called
//! who were not there. It follows the queue live and reconnects by itself.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::follow_board;
use crate::api::queue::queue_board;
use crate::booking::board::{ClinicBoard, QueueBoard};
use crate::i18n::Lang;

/// How many of the next numbers the display lists.
const NEXT_SHOWN: usize = 5;

#[component]
pub fn DisplayPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("clinic").unwrap_or_default();
    let first = Resource::new(slug, |slug| queue_board(slug, Lang::Ja));
    view! {
        <div class="queue-display" data-testid="queue-display">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match first.await {
                        Ok(board) => view! { <Display slug=slug() board/> }.into_any(),
                        Err(e) => {
                            crate::pages::answer_status(e.status);
                            view! { <p class="error" role="alert">{e.message}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Display(slug: String, board: ClinicBoard) -> impl IntoView {
    let title = format!("{} 順番のご案内", board.clinic_name_ja);
    let (name_ja, name_en) = (board.clinic_name_ja.clone(), board.clinic_name_en.clone());
    let live = follow_board(slug, Some(board));
    view! {
        <Title text=title/>
        <header class="display-head">
            <h1>{name_ja}</h1>
            <p lang="en">{name_en}</p>
        </header>
        // One region that stays while its content changes: screen readers announce the change.
        <div class="display-queues" aria-live="polite">
            {move || {
                let queues = live.get().map(|b| b.queues).unwrap_or_default();
                if queues.is_empty() {
                    return view! { <p class="display-none">"本日の順番受付はありません" <span lang="en">"No queue today"</span></p> }.into_any();
                }
                queues.into_iter().map(|q| view! { <QueueCard q/> }).collect_view().into_any()
            }}
        </div>
    }
}

#[component]
fn QueueCard(q: QueueBoard) -> impl IntoView {
    let name = format!("{} {}", q.menu_name_ja, q.resource_name_ja);
    let name_en = format!("{} · {}", q.menu_name_en, q.resource_name_en);
    let calling = q.calling.map_or_else(|| "—".to_string(), |n| n.to_string());
    let next: Vec<String> = q.waiting.iter().take(NEXT_SHOWN).map(u32::to_string).collect();
    let skipped: Vec<String> = q.skipped.iter().map(u32::to_string).collect();
    let label = name.clone();
    view! {
        <section class="display-queue" aria-label=label data-testid="display-queue">
            <h2>{name}<span lang="en">{name_en}</span></h2>
            <p class="display-label">"ただいまの番号" <span lang="en">"Now calling"</span></p>
            <p class="display-calling" data-testid="display-calling">{calling}</p>
            <p class="display-waiting" data-testid="display-waiting">
                {format!("お待ちの方 {}人", q.waiting.len())} <span lang="en">{format!("{} waiting", q.waiting.len())}</span>
            </p>
            {(!next.is_empty()).then(|| view! {
                <p class="display-next">"次の番号" <span lang="en">"Next"</span> <strong>{next.join("・")}</strong></p>
            })}
            {(!skipped.is_empty()).then(|| view! {
                <p class="display-skipped" data-testid="display-skipped">
                    {format!("お呼びした番号 {} の方は受付にお声がけください", skipped.join("・"))}
                    <span lang="en">{format!("Numbers called: {} — please see reception", skipped.join(", "))}</span>
                </p>
            })}
        </section>
    }
}

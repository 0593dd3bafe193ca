//! The patient's own place in today's queue, on their appointment (in LINE and on the website):
//! the number being called, how many are before them, and about how long, live.

use leptos::prelude::*;

use super::follow_board;
use crate::api::liff::QueueSpot;
use crate::booking::board::Place;
use crate::i18n::Lang;

fn standing(place: Place, lang: Lang) -> String {
    match (place, lang) {
        (Place::Called, Lang::Ja) => "あなたの番号をお呼びしています。受付にお越しください。".into(),
        (Place::Called, Lang::En) => "Your number is being called. Please come to reception.".into(),
        (Place::Waiting { ahead: 0, .. }, Lang::Ja) => "次にお呼びします。".into(),
        (Place::Waiting { ahead: 0, .. }, Lang::En) => "You are next.".into(),
        (Place::Waiting { ahead, .. }, Lang::Ja) => format!("あなたの前に{ahead}人お待ちです。"),
        (Place::Waiting { ahead, .. }, Lang::En) => format!("{ahead} before you."),
        (Place::Skipped, Lang::Ja) => "お呼びしましたが、いらっしゃいませんでした。受付にお声がけください。".into(),
        (Place::Skipped, Lang::En) => "You were called but were not there. Please see reception.".into(),
        (Place::Gone, Lang::Ja) => "本日の順番は終わりました。".into(),
        (Place::Gone, Lang::En) => "Your turn today is over.".into(),
    }
}

#[component]
pub fn LivePlace(slug: String, lang: Signal<Lang>, spot: QueueSpot) -> impl IntoView {
    let board = follow_board(slug, None);
    // The region stays while its content changes, so screen readers announce each change.
    let content = move || {
        let lang = lang.get();
        let queue = board.get().and_then(|b| b.queue(spot.resource_id, spot.menu_id).cloned())?;
        let place = queue.place(spot.number);
        let calling = queue.calling.map_or_else(|| lang.pick("まだ始まっていません", "not started yet").to_string(), |n| n.to_string());
        let estimate = match place {
            Place::Waiting { minutes, .. } if minutes > 0 => Some(match (lang, queue.measured) {
                (Lang::Ja, true) => format!("お呼びするまで約{minutes}分(本日の進み具合からの目安です)"),
                (Lang::Ja, false) => format!("お呼びするまで約{minutes}分(目安です)"),
                (Lang::En, true) => format!("About {minutes} min until your call (an estimate from today's pace)"),
                (Lang::En, false) => format!("About {minutes} min until your call (an estimate)"),
            }),
            _ => None,
        };
        Some(view! {
            <p class="live-calling">{lang.pick("ただいまの番号: ", "Now calling: ")}<strong data-testid="live-calling">{calling}</strong></p>
            <p class="live-standing" data-testid="live-standing">{standing(place, lang)}</p>
            {estimate.map(|e| view! { <p class="live-estimate">{e}</p> })}
        })
    };
    view! { <div class="live-place" data-testid="live-place" aria-live="polite">{content}</div> }
}

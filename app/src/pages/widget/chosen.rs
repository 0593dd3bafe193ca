//! The chosen place, checked again, and the way on from it: LINE or the e-mail form, or, for a
//! visit being moved from its e-mail's link, the form that moves it there.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{posted_error, Look};
use crate::api::liff::{day_places, MenuChoice};
use crate::booking::ids::ResourceId;
use crate::i18n::Lang;

/// How the patient goes on from the chosen place.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Way {
    /// To LINE (the clinic's LIFF URL with the choice), or to the e-mail form.
    Book { continue_in_line: String, by_email: String },
    /// Moving a visit from its e-mail's link: its reference and the link key.
    Move((String, String)),
}

/// The chosen place, checked again, and the way on: LINE or e-mail, or moving the visit here.
#[component]
pub(super) fn ChosenPlace(slug: String, look: Look, menu: MenuChoice, date: String, place: (ResourceId, i64), way: Way, sandbox: bool) -> impl IntoView {
    let l = look.lang;
    let (menu_id, day, s) = (menu.id, date.clone(), slug.clone());
    let places = Resource::new(move || (), move |_| day_places(s.clone(), menu_id, day.clone(), l));
    // A refused move comes back here with its error.
    let refused = posted_error(&use_query_map().read_untracked());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let (menu, way, slug, refused) = (menu.clone(), way.clone(), slug.clone(), refused.clone());
                Suspend::new(async move {
                    let chosen = match places.await {
                        Ok(list) => list.into_iter().find(|p| (p.resource_id, p.starts_at) == place),
                        Err(e) => return view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    };
                    let Some(p) = chosen else {
                        return view! {
                            <p class="error" role="alert">{l.pick("この時間は空きがなくなりました。別の時間をお選びください。", "This time is no longer free. Please choose another.")}</p>
                        }.into_any();
                    };
                    view! {
                        <section class="card review" aria-labelledby="chosen-title">
                            <h2 id="chosen-title">{l.pick("選んだ日時", "Your choice")}</h2>
                            <dl>
                                <dt>{l.pick("メニュー", "Menu")}</dt><dd>{menu.name.clone()}</dd>
                                <dt>{l.pick("日時", "When")}</dt><dd class="chosen-when">{p.label.clone()}</dd>
                                <dt>{l.pick("担当", "With")}</dt><dd>{p.resource_name.clone()}</dd>
                            </dl>
                            {refused.map(|e| view! { <p class="error" role="alert">{e.message}</p> })}
                            {way_on(&slug, l, place, way, sandbox)}
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

fn way_on(slug: &str, l: Lang, place: (ResourceId, i64), way: Way, sandbox: bool) -> AnyView {
    use leptos::server_fn::ServerFn;
    match way {
        Way::Book { continue_in_line, by_email } => view! {
            <p>{if sandbox {
                l.pick("デモの予約ページが開き、この日時で続きを入力できます。", "The demo booking page opens with this time chosen.")
            } else {
                l.pick("LINEが開き、この日時で予約の続き(お名前・問診・同意)を入力できます。確定のお知らせもLINEに届きます。", "LINE opens with this time chosen: give your details there; the confirmation arrives in LINE too.")
            }}</p>
            <a class="button primary line-button" href=continue_in_line target="_blank" rel="noopener">
                {l.pick("LINEで予約", "Book with LINE")}
            </a>
            <p class="or">{l.pick("LINEをお使いでない方は", "No LINE?")}</p>
            <a class="button email-button" href=by_email>{l.pick("メールで予約", "Book by e-mail")}</a>
        }
        .into_any(),
        Way::Move((reference, key)) => view! {
            <form method="post" action=crate::api::web_booking::WebMove::PATH class="move-form">
                <input type="hidden" name="slug" value=slug.to_string()/>
                <input type="hidden" name="reference" value=reference/>
                <input type="hidden" name="key" value=key/>
                <input type="hidden" name="place" value=crate::pages::place_param(place)/>
                <input type="hidden" name="lang" value=l.code()/>
                <button type="submit" class="button primary">{l.pick("この日時に変更する", "Move my visit to this time")}</button>
            </form>
        }
        .into_any(),
    }
}

//! The booking flow, step by step: menu → day → time → details and questions → review → sent.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::appointments::AppointmentCard;
use super::details::FormStep;
use super::Tab;
use crate::api::liff::*;
use crate::api::once::Intent;
use crate::api::PlaceView;
use crate::booking::ids::QuestionId;
use crate::error::{ErrorCode, FieldError};
use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Step {
    Menu,
    Day(MenuChoice),
    Place(MenuChoice, String),
    Form(MenuChoice, PlaceView),
    Review(MenuChoice, PlaceView),
    Done(AppointmentView),
}

#[component]
pub(super) fn BookingFlow(
    slug: Signal<String>,
    lang: ReadSignal<Lang>,
    patient: PatientView,
    reschedule: RwSignal<Option<AppointmentView>>,
    tab: RwSignal<Tab>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Menu);
    let details = RwSignal::new(patient.details.clone());
    let answers = RwSignal::new(Vec::<(QuestionId, String)>::new());
    let consent = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let notice = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    // This booking, however often its sending is tried (a lost reply, a second tap).
    let intent = Intent::new();

    let menus = Resource::new(move || (slug.get(), lang.get()), |(slug, lang)| liff_menus(slug, lang));
    // Rescheduling starts at the day step of the same menu.
    Effect::new(move |_| {
        if let (Some(r), Some(Ok(list))) = (reschedule.get(), menus.get()) {
            if let Some(m) = list.into_iter().find(|m| m.id == r.menu_id) {
                step.set(Step::Day(m));
            }
        }
    });

    // Arriving from the website widget (`?menu=…&date=…&place=…`, restored by LIFF after its
    // login): start at the step the patient had reached there.
    let start = StoredValue::new(chosen_in_widget());
    Effect::new(move |_| {
        let Some(Ok(list)) = menus.get() else { return };
        let Some((menu_id, date, place)) = start.get_value() else { return };
        start.set_value(None);
        let Some(m) = list.into_iter().find(|m| m.id == menu_id) else { return };
        let Some(date) = date else { return step.set(Step::Day(m)) };
        let at_day = Step::Place(m.clone(), date.clone());
        step.set(at_day.clone());
        let Some(place) = place else { return };
        spawn_local(async move {
            let found = day_places(slug.get_untracked(), m.id, date, lang.get_untracked())
                .await
                .ok()
                .and_then(|l| l.into_iter().find(|p| (p.resource_id, p.starts_at) == place));
            // Unless the patient has chosen something else meanwhile.
            if let Some(p) = found.filter(|_| step.get_untracked() == at_day) {
                step.set(Step::Form(m, p));
            }
        });
    });

    let submit = move |menu: MenuChoice, place: PlaceView| {
        sending.set(true);
        let request = BookingRequest {
            slug: slug.get_untracked(),
            menu_id: menu.id,
            resource_id: place.resource_id,
            starts_at: place.starts_at,
            details: details.get_untracked(),
            answers: answers.get_untracked(),
            consent: consent.get_untracked(),
            replaces: reschedule.get_untracked().map(|r| r.reference),
            lang: lang.get_untracked(),
        };
        let key = intent.key();
        spawn_local(async move {
            match submit_booking(request, key).await {
                Ok(view) => {
                    intent.done();
                    errors.set(Vec::new());
                    notice.set(None);
                    reschedule.set(None);
                    step.set(Step::Done(view));
                }
                // Fix these fields and send again; nothing was lost.
                Err(e) if e.code == ErrorCode::Invalid => {
                    errors.set(e.fields);
                    step.set(Step::Form(menu, place));
                }
                // The place was taken meanwhile: choose again.
                Err(e) if e.code == ErrorCode::PlaceTaken => {
                    notice.set(Some(e.message));
                    let date = place.date.clone();
                    step.set(Step::Place(menu, date));
                }
                Err(e) => notice.set(Some(e.message)),
            }
            sending.set(false);
        });
    };

    view! {
        <div class="flow">
            <Show when=move || reschedule.get().is_some()>
                <p class="card notice">{move || reschedule.get().map(|r| match lang.get() {
                    Lang::Ja => format!("{} の予約を変更します。新しい日時が確定すると、元の予約は取り消されます。", r.when),
                    Lang::En => format!("Changing your visit on {}. The old visit is cancelled once the new time is confirmed.", r.when),
                })}</p>
            </Show>
            <p class="error" role="alert" aria-live="assertive">{move || notice.get()}</p>
            {move || match step.get() {
                Step::Menu => view! {
                    <h2>{move || lang.get().pick("メニューを選んでください", "Choose a menu")}</h2>
                    <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
                        {move || Suspend::new(async move {
                            match menus.await {
                                Ok(list) => view! {
                                    <ul class="choices">
                                        {list.into_iter().map(|m| {
                                            let chosen = m.clone();
                                            let meta = crate::pages::menu_meta(&m, lang.get_untracked());
                                            view! {
                                                <li><button type="button" class="choice" on:click=move |_| { notice.set(None); step.set(Step::Day(chosen.clone())) }>
                                                    <span class="choice-title">{m.name.clone()}</span>
                                                    <span class="choice-meta">{meta}</span>
                                                </button></li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
                                Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                }.into_any(),
                Step::Day(menu) => view! { <DayStep slug lang menu step notice/> }.into_any(),
                Step::Place(menu, date) => view! { <PlaceStep slug lang menu date step notice/> }.into_any(),
                Step::Form(menu, place) => view! { <FormStep slug lang menu place step details answers consent errors/> }.into_any(),
                Step::Review(menu, place) => {
                    let (m, p) = (menu.clone(), place.clone());
                    view! {
                        <section class="card review" aria-labelledby="review-title">
                            <h2 id="review-title">{move || lang.get().pick("内容の確認", "Review")}</h2>
                            <dl>
                                <dt>{move || lang.get().pick("メニュー", "Menu")}</dt><dd>{menu.name.clone()}</dd>
                                <dt>{move || lang.get().pick("日時", "When")}</dt><dd class="review-when">{place.label.clone()}</dd>
                                <dt>{move || lang.get().pick("担当", "With")}</dt><dd>{place.resource_name.clone()}</dd>
                                <dt>{move || lang.get().pick("お名前", "Name")}</dt><dd>{move || details.get().name}</dd>
                                <dt>{move || lang.get().pick("電話番号", "Phone")}</dt><dd>{move || details.get().phone}</dd>
                            </dl>
                            <div class="actions">
                                <button type="button" on:click={let (m, p) = (m.clone(), p.clone()); move |_| step.set(Step::Form(m.clone(), p.clone()))}>
                                    {move || lang.get().pick("戻る", "Back")}
                                </button>
                                <button type="button" class="primary" disabled=move || sending.get() on:click=move |_| submit(m.clone(), p.clone())>
                                    {move || if sending.get() { lang.get().pick("送信中…", "Sending…") } else { lang.get().pick("この内容で送信する", "Send request") }}
                                </button>
                            </div>
                        </section>
                    }.into_any()
                }
                Step::Done(view) => view! {
                    <AppointmentCard lang appointment=view.clone()/>
                    <div class="actions">
                        <button type="button" on:click=move |_| tab.set(Tab::Mine)>{move || lang.get().pick("予約の確認へ", "My appointments")}</button>
                        <button type="button" on:click=move |_| step.set(Step::Menu)>{move || lang.get().pick("別の予約をする", "Book another")}</button>
                    </div>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn DayStep(slug: Signal<String>, lang: ReadSignal<Lang>, menu: MenuChoice, step: RwSignal<Step>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let month = RwSignal::new(None::<String>);
    let menu_id = menu.id;
    let calendar = Resource::new(move || (slug.get(), month.get(), lang.get()), move |(slug, month, lang)| menu_calendar(slug, menu_id, month, lang));
    let weekdays = move || match lang.get() {
        Lang::Ja => ["日", "月", "火", "水", "木", "金", "土"],
        Lang::En => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    };
    view! {
        <h2>{menu.name.clone()} " — " {move || lang.get().pick("日にちを選んでください", "Choose a day")}</h2>
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let menu = menu.clone();
                Suspend::new(async move {
                    match calendar.await {
                        Ok(cal) => {
                            let (prev, next) = (cal.prev.clone(), cal.next.clone());
                            view! {
                                <div class="calendar card">
                                    <div class="calendar-head">
                                        <button type="button" disabled=prev.is_none() aria-label=move || lang.get().pick("前の月", "Previous month")
                                            on:click=move |_| month.set(prev.clone())>"‹"</button>
                                        <h3 aria-live="polite">{cal.label.clone()}</h3>
                                        <button type="button" disabled=next.is_none() aria-label=move || lang.get().pick("次の月", "Next month")
                                            on:click=move |_| month.set(next.clone())>"›"</button>
                                    </div>
                                    // Buttons laid out as a month, not a grid widget: each day's button says its
                                    // date and whether it has room, the weekday row is for the eye.
                                    <div class="calendar-grid" role="group" aria-label=cal.label.clone()>
                                        {weekdays().into_iter().map(|w| view! { <span class="weekday" aria-hidden="true">{w}</span> }).collect_view()}
                                        {(0..cal.leading_blanks).map(|_| view! { <span class="blank"></span> }).collect_view()}
                                        {cal.days.into_iter().map(|d| {
                                            let menu = menu.clone();
                                            let date = d.date.clone();
                                            view! {
                                                <button type="button" class="day" class:free={d.free > 0} disabled={d.free == 0}
                                                    data-date=d.date.clone() aria-label=d.label.clone()
                                                    on:click=move |_| { notice.set(None); step.set(Step::Place(menu.clone(), date.clone())) }>
                                                    <span>{d.day}</span>
                                                    <span class="mark" aria-hidden="true">{if d.free > 0 { "○" } else { "−" }}</span>
                                                </button>
                                            }
                                        }).collect_view()}
                                    </div>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
        <div class="actions">
            <button type="button" on:click=move |_| step.set(Step::Menu)>{move || lang.get().pick("メニュー選択に戻る", "Back to menus")}</button>
        </div>
    }
}

#[component]
fn PlaceStep(
    slug: Signal<String>,
    lang: ReadSignal<Lang>,
    menu: MenuChoice,
    date: String,
    step: RwSignal<Step>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let menu_id = menu.id;
    let day = date.clone();
    let places = Resource::new(move || (slug.get(), lang.get()), move |(slug, lang)| day_places(slug, menu_id, day.clone(), lang));
    let back_menu = menu.clone();
    view! {
        <h2>{menu.name.clone()} " — " {move || lang.get().pick("時間を選んでください", "Choose a time")}</h2>
        <Transition fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let menu = menu.clone();
                Suspend::new(async move {
                    match places.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="none">{lang.get_untracked().pick("この日は空きがなくなりました。別の日をお選びください。", "This day is now full. Please choose another day.")}</p>
                        }.into_any(),
                        Ok(list) => {
                            let l = lang.get_untracked();
                            let (day, groups) = crate::pages::by_time_of_day(&list, l);
                            let groups = groups.into_iter().map(|(title, places)| {
                                let buttons = places.into_iter().map(|p| {
                                    let (menu, place) = (menu.clone(), p.clone());
                                    view! {
                                        <li><button type="button" class="time place-choice" data-starts-at=p.starts_at
                                            on:click=move |_| { notice.set(None); step.set(Step::Form(menu.clone(), place.clone())) }>
                                            <span class="time-at">{p.time.clone()}</span>
                                            <span class="time-meta">{crate::pages::place_meta(&p, l)}</span>
                                        </button></li>
                                    }
                                }).collect_view();
                                view! { <section class="time-group"><h3>{title}</h3><ul class="times">{buttons}</ul></section> }
                            }).collect_view();
                            view! { <p class="day-said-once">{day}</p> {groups} }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
        <div class="actions">
            <button type="button" on:click=move |_| step.set(Step::Day(back_menu.clone()))>{move || lang.get().pick("日にち選択に戻る", "Back to days")}</button>
        </div>
    }
}

/// What the website widget passed on in the page's address: the menu, and maybe the day and the
/// place (`{resource}-{start}`).
type WidgetChoice = (crate::booking::ids::MenuId, Option<String>, Option<(crate::booking::ids::ResourceId, i64)>);

fn chosen_in_widget() -> Option<WidgetChoice> {
    use super::in_address;
    let menu = crate::booking::ids::MenuId(in_address("menu")?.parse().ok()?);
    let date = in_address("date").filter(|d| d.len() == 10);
    let place = in_address("place").and_then(|p| crate::pages::parse_place(&p));
    Some((menu, date, place))
}

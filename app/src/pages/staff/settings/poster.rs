//! Settings → 院内ポスター: the A4 poster for the waiting room and the small counter card, as
//! they print (the print style sheet prints only these).

use leptos::prelude::*;

use super::form::Env;
use crate::api::staff::poster::{load_poster, Poster};

#[component]
pub fn PosterSection(env: Env) -> impl IntoView {
    let poster = Resource::new(move || env.lang.get(), load_poster);
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().print();
        }
    };
    view! {
        <section class="card" aria-labelledby="poster-title">
            <h2 id="poster-title">{env.t("院内ポスター", "Waiting-room poster")}</h2>
            <p>{env.t(
                "待合室に貼るA4ポスターと受付用の小さなカードです。QRコードを読み取ると、LINEで予約・変更ができます。",
                "An A4 poster for the waiting room and a small card for the counter: the QR code opens booking in LINE.",
            )}</p>
            <div class="actions"><button type="button" class="primary" on:click=print>{env.t("印刷する", "Print")}</button></div>
        </section>
        <Suspense fallback=move || view! { <p class="loading">{env.t("読み込み中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match poster.await {
                    Ok(p) => view! { <PosterSheets p/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PosterSheets(p: Poster) -> impl IntoView {
    let hours = |lines: &[String]| lines.iter().map(|l| view! { <li>{l.clone()}</li> }).collect_view();
    view! {
        <div class="poster-print">
            <article class="poster-sheet" aria-label="A4 poster">
                <p class="poster-clinic">{p.clinic_name_ja.clone()}</p>
                <h3 class="poster-headline">"LINEで予約・変更ができます"</h3>
                <p class="poster-en">"Book and change your visits in LINE"</p>
                <div class="qr poster-qr" role="img" aria-label=format!("QRコード: {}", p.booking_url) inner_html=p.booking_qr.clone()></div>
                <ol class="poster-steps">
                    <li>"スマートフォンのカメラでQRコードを読み取ります"</li>
                    <li>"LINEが開いたら、メニューと日時を選びます"</li>
                    <li>"確定のお知らせがLINEに届きます"</li>
                </ol>
                {p.friend_qr.clone().map(|svg| view! {
                    <div class="poster-friend">
                        <div class="qr friend-qr" role="img" aria-label=format!("友だち追加のQRコード: {}", p.friend_url.clone().unwrap_or_default()) inner_html=svg></div>
                        <p>"友だち追加で、予約のお知らせを受け取れます"</p>
                    </div>
                })}
                <h4>"診療時間 / Hours"</h4>
                <ul class="poster-hours">{hours(&p.hours)}</ul>
                <p class="poster-url">{p.booking_url.clone()}</p>
            </article>
            <article class="poster-card" aria-label="counter card">
                <div class="qr card-qr" role="img" aria-label=format!("QRコード: {}", p.booking_url) inner_html=p.booking_qr.clone()></div>
                <div>
                    <p class="poster-clinic">{p.clinic_name_ja.clone()}</p>
                    <p class="card-headline">"LINEで予約・変更"</p>
                    <p class="poster-en">{format!("{} — book in LINE", p.clinic_name_en)}</p>
                    <ul class="poster-hours">{hours(&p.hours)}</ul>
                </div>
            </article>
            <article class="poster-card poster-check-in" aria-label="check-in card">
                <div class="qr check-in-qr" role="img" aria-label=format!("受付のQRコード: {}", p.check_in_url) inner_html=p.check_in_qr.clone()></div>
                <div>
                    <p class="poster-clinic">{p.clinic_name_ja.clone()}</p>
                    <p class="card-headline">"着いたら読み取ってください"</p>
                    <p>"ご予約の画面で「到着しました」を押すと、受付に届きます。順番予約の方は、いまの番号もご覧になれます。"</p>
                    <p class="poster-en">"Arrived? Scan, then tap “I have arrived”."</p>
                </div>
            </article>
        </div>
    }
}

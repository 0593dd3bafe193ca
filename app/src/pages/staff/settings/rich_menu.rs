//! Settings → LINE → the chat's bottom menu (rich menu). The owner chooses the buttons (an
//! アクセス button with a map link, a row of menu buttons) and the picture: a clean default drawn
//! here from the very layout LINE gets as tap areas, with large Japanese labels, or their own
//! PNG/JPEG of the exact size. A preview shows what patients will see before it is sent.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::{error_for, CheckField, Env, TextField};
use crate::api::staff::settings::{load_rich_menu, remove_rich_menu, set_rich_menu, RichMenuForm, RichMenuView};
use crate::error::{AppError, ErrorCode, FieldError, Reason};
use crate::line::rich_menu::{layout, Layout, WIDTH};

#[component]
pub fn RichMenuSection(env: Env) -> impl IntoView {
    let loaded = LocalResource::new(move || load_rich_menu(env.lang.get()));
    view! {
        <section class="card form" aria-labelledby="rich-menu-title">
            <h2 id="rich-menu-title">{env.t("トーク画面のメニュー(リッチメニュー)", "The chat's bottom menu (rich menu)")}</h2>
            <p class="hint">{env.t(
                "患者さんが医院のトーク画面を開くと、下にこのメニューが出ます:予約する・予約の確認・診療時間、地図のリンクがあればアクセス、選べばメニューごとのボタン。",
                "Patients see this menu at the bottom of the clinic's chat: Book, My appointments, Hours, Access when you give a map link, and a button per menu if you choose.",
            )}</p>
            <Suspense fallback=move || view! { <p class="loading">{env.t("読み込み中…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(view) => view! { <RichMenuEditor env view/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn RichMenuEditor(env: Env, view: RichMenuView) -> impl IntoView {
    let state = RwSignal::new(view);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let current = state.get_untracked().current;
    let access_url = RwSignal::new(current.as_ref().and_then(|c| c.access_url.clone()).unwrap_or_default());
    let menu_buttons = RwSignal::new(current.as_ref().is_some_and(|c| c.menu_buttons));
    // The picture to send: drawn here, or the owner's file (a data URL either way).
    let image = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let confirm_remove = RwSignal::new(false);

    let chosen_menus = move || if menu_buttons.get() { state.get().menus } else { Vec::new() };
    let chosen_layout = move || {
        let url = access_url.get();
        let url = Some(url.trim().to_string()).filter(|u| !u.is_empty());
        layout(url.as_deref(), &chosen_menus())
    };
    // A picture made for other blocks or labels no longer fits: choose or draw it again.
    Effect::new(move |previous: Option<Layout>| {
        let now = chosen_layout();
        if previous.is_some_and(|p| !p.looks_like(&now)) {
            image.set(None);
        }
        now
    });

    let answered = move |result: Result<RichMenuView, AppError>, done_ja: &'static str, done_en: &'static str| {
        sending.set(false);
        match result {
            Ok(view) => {
                errors.set(Vec::new());
                state.set(view);
                confirm_remove.set(false);
                env.status.set(Some((true, env.lang.get_untracked().pick(done_ja, done_en).to_string())));
            }
            Err(e) => {
                // The clinic's menus changed meanwhile: take them as they are now, so that the
                // sample and the next picture show them.
                if e.fields.iter().any(|f| f.reason == Reason::MenusChanged) {
                    spawn_local(async move {
                        if let Ok(view) = load_rich_menu(env.lang.get_untracked()).await {
                            state.set(view);
                        }
                    });
                }
                errors.set(if e.code == ErrorCode::Invalid { e.fields } else { Vec::new() });
                env.status.set(Some((false, e.message)));
            }
        }
    };
    let send = move |_| {
        let Some(picture) = image.get_untracked() else { return };
        sending.set(true);
        let form = RichMenuForm { access_url: access_url.get_untracked(), menu_buttons: menu_buttons.get_untracked(), menus: chosen_menus(), image: picture };
        let (csrf, lang) = (env.csrf.get_value(), env.lang.get_untracked());
        spawn_local(async move {
            answered(set_rich_menu(csrf, form, lang).await, "LINEのトーク画面のメニューを設定しました。", "The chat's menu is set in LINE.");
        });
    };
    let remove = move |_| {
        sending.set(true);
        let (csrf, lang) = (env.csrf.get_value(), env.lang.get_untracked());
        spawn_local(async move {
            answered(remove_rich_menu(csrf, lang).await, "トーク画面のメニューを外しました。", "The chat's menu is removed.");
        });
    };
    let draw_default = move |_| match draw(&chosen_layout()) {
        Ok(url) => {
            errors.set(Vec::new());
            image.set(Some(url));
        }
        Err(why) => env.status.set(Some((false, why))),
    };
    let image_error = error_for(errors, "rich_menu-image".into());
    let size_hint = move || {
        let height = chosen_layout().height;
        match env.lang.get() {
            crate::i18n::Lang::Ja => format!("自分の画像: PNGかJPEG、幅{WIDTH}×高さ{height}ピクセル、1MBまで。ボタンの位置は見本と同じです。"),
            crate::i18n::Lang::En => {
                format!("Your own picture: PNG or JPEG, {WIDTH}×{height} pixels, at most 1 MB. The buttons sit where the sample shows them.")
            }
        }
    };

    view! {
        {move || {
            let s = state.get();
            match (s.can_set, s.current) {
                (false, _) => view! {
                    <p class="status status-requested">{env.t(
                        "メニューを設定するには、上の「LINE連携」でチャネルアクセストークンを保存してください。",
                        "To set the menu, save a channel access token under “LINE channels” above.",
                    )}</p>
                }.into_any(),
                (true, Some(c)) => view! {
                    <p class="status status-confirmed" data-testid="rich-menu-state">
                        {env.t("設定済み: ", "Set: ")}{c.set_at}
                    </p>
                }.into_any(),
                (true, None) => view! { <p class="status status-requested" data-testid="rich-menu-state">{env.t("未設定", "Not set")}</p> }.into_any(),
            }
        }}
        <TextField env errors field="rich_menu-access_url".into() ja="アクセスボタンの地図のリンク(任意)" en="Map link of the Access button (optional)" value=access_url
            hint=("例: https://maps.app.goo.gl/… (空欄ならアクセスボタンなし)", "e.g. https://maps.app.goo.gl/… (empty: no Access button)")/>
        <CheckField env field="rich_menu-menu_buttons".into() ja="メニューごとのボタンを付ける(最初の4つ)" en="Add a button per menu (the first four)" value=menu_buttons/>
        <p class="hint">{env.t(
            "LINEのメニューは設定したときのままです。メニューの名前や順番を変えたら、もう一度設定してください。",
            "LINE keeps the menu as it was set: after renaming or reordering menus, set it again.",
        )}</p>
        <div class="rich-menu-sample" aria-hidden="true">
            {move || {
                let l = chosen_layout();
                let percent = |v: u32, of: u32| format!("{:.3}%", v as f64 * 100.0 / of as f64);
                let buttons = l.buttons.iter().map(|b| {
                    let style = format!("left:{};top:{};width:{};height:{}", percent(b.x, WIDTH), percent(b.y, l.height), percent(b.width, WIDTH), percent(b.height, l.height));
                    view! { <span class="rich-menu-area" style=style>{b.label_ja.clone()}</span> }
                }).collect_view();
                let ratio = format!("aspect-ratio:{WIDTH}/{}", l.height);
                view! { <div class="rich-menu-areas" style=ratio>{buttons}</div> }
            }}
        </div>
        <div class="actions">
            <button type="button" on:click=draw_default>{env.t("標準の画像を作る", "Make the standard picture")}</button>
        </div>
        <div class="field">
            <label for="rich_menu-image">{env.t("または自分の画像を選ぶ", "Or choose your own picture")}</label>
            <small class="hint">{size_hint}</small>
            <input type="file" id="rich_menu-image" accept="image/png,image/jpeg" on:change=move |ev| read_file(ev, image, errors, env)
                aria-invalid=move || image_error().is_some().to_string() aria-describedby="rich_menu-image-error"/>
            <p class="field-error" id="rich_menu-image-error" role="alert">{error_for(errors, "rich_menu-image".into())}</p>
        </div>
        {move || image.get().map(|src| view! {
            <figure class="rich-menu-preview">
                <img src=src alt=move || env.lang.get().pick("トーク画面のメニューの画像(プレビュー)", "The chat menu's picture (preview)")/>
                <figcaption>{env.t("プレビュー: 患者さんにはこのように見えます。", "Preview: what patients will see.")}</figcaption>
            </figure>
        })}
        <div class="actions">
            <button type="button" class="primary" disabled=move || image.get().is_none() || sending.get() || !state.get().can_set on:click=send>
                {env.t("LINEに設定する", "Set it in LINE")}
            </button>
            <Show when=move || state.get().current.is_some()>
                <Show when=move || confirm_remove.get() fallback=move || view! {
                    <button type="button" class="danger" on:click=move |_| confirm_remove.set(true)>{env.t("メニューを外す", "Remove the menu")}</button>
                }>
                    <span>{env.t("トーク画面の下のメニューが消えます。", "The menu at the bottom of the chat goes away.")}</span>
                    <button type="button" class="danger" disabled=move || sending.get() on:click=remove>{env.t("外す", "Remove")}</button>
                    <button type="button" on:click=move |_| confirm_remove.set(false)>{env.t("やめる", "Cancel")}</button>
                </Show>
            </Show>
        </div>
    }
}

/// Draws the standard picture of `layout` and answers it as a PNG data URL: each button a
/// coloured block, its Japanese label as large as the block takes, the English one beneath.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
fn draw(layout: &Layout) -> Result<String, String> {
    #[cfg(feature = "hydrate")]
    {
        use crate::line::rich_menu::ROW_HEIGHT;
        use wasm_bindgen::JsCast;
        // Dark enough for white text to read at a glance (contrast ≥ 7:1).
        const COLOURS: [&str; 4] = ["#0a5c31", "#1d4e7a", "#4a3b7a", "#7a3b1d"];
        const MENU_COLOUR: &str = "#2e3d4c";
        let failed = || "この画面では画像を作れません。 (This browser cannot draw the picture.)".to_string();
        let document = web_sys::window().and_then(|w| w.document()).ok_or_else(failed)?;
        let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").map_err(|_| failed())?.dyn_into().map_err(|_| failed())?;
        canvas.set_width(WIDTH);
        canvas.set_height(layout.height);
        let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok().flatten().ok_or_else(failed)?.dyn_into().map_err(|_| failed())?;
        const FONTS: &str = "'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', 'Meiryo', sans-serif";
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        for (i, b) in layout.buttons.iter().enumerate() {
            let colour = if b.y < ROW_HEIGHT { COLOURS[i % COLOURS.len()] } else { MENU_COLOUR };
            ctx.set_fill_style_str(colour);
            ctx.fill_rect(b.x as f64, b.y as f64, b.width as f64, b.height as f64);
            ctx.set_stroke_style_str("#ffffff");
            ctx.set_line_width(6.0);
            ctx.stroke_rect(b.x as f64 + 3.0, b.y as f64 + 3.0, b.width as f64 - 6.0, b.height as f64 - 6.0);
            ctx.set_fill_style_str("#ffffff");
            let (cx, cy) = (b.x as f64 + b.width as f64 / 2.0, b.y as f64 + b.height as f64 / 2.0);
            // Each line as large as fits in nine tenths of the block's width, between `most`
            // and `least` px; the font is left set to that size.
            let room = b.width as f64 * 0.9;
            let fit = |text: &str, weight: &str, most: f64, least: f64| {
                let mut size = most;
                loop {
                    ctx.set_font(&format!("{weight} {size}px {FONTS}"));
                    let wide = ctx.measure_text(text).map(|m| m.width()).unwrap_or(0.0);
                    if wide <= room || size <= least {
                        return size;
                    }
                    size -= 5.0;
                }
            };
            // A label that would be small in one line gets two large ones.
            let english_at = if fit(&b.label_ja, "bold", 170.0, 110.0) > 110.0 || b.label_ja.chars().count() < 4 {
                fit(&b.label_ja, "bold", 170.0, 60.0);
                ctx.fill_text(&b.label_ja, cx, cy - 50.0).map_err(|_| failed())?;
                cy + 110.0
            } else {
                let (first, second) = two_lines(&b.label_ja);
                let size = fit(&first, "bold", 140.0, 60.0).min(fit(&second, "bold", 140.0, 60.0));
                ctx.set_font(&format!("bold {size}px {FONTS}"));
                ctx.fill_text(&first, cx, cy - 160.0).map_err(|_| failed())?;
                ctx.fill_text(&second, cx, cy - 10.0).map_err(|_| failed())?;
                cy + 150.0
            };
            // The English beneath, smaller, in one line.
            fit(&b.label_en, "normal", 64.0, 30.0);
            ctx.fill_text(&b.label_en, cx, english_at).map_err(|_| failed())?;
        }
        canvas.to_data_url_with_type("image/png").map_err(|_| failed())
    }
    #[cfg(not(feature = "hydrate"))]
    Err("not in a browser".into())
}

/// A label too long for one large line, in two: before its bracket when it has one
/// (予防接種 / (順番予約)), else in the middle.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn two_lines(label: &str) -> (String, String) {
    let chars: Vec<char> = label.chars().collect();
    let at = chars.iter().position(|c| matches!(c, '(' | '（')).filter(|&i| i > 0).unwrap_or(chars.len() / 2);
    (chars[..at].iter().collect(), chars[at..].iter().collect())
}

/// Reads the chosen file into `image` as a data URL (the server checks what it is). One larger
/// than LINE takes is refused here: it would not even reach the server.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
fn read_file(ev: leptos::ev::Event, image: RwSignal<Option<String>>, errors: RwSignal<Vec<FieldError>>, env: Env) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        // Empty again, so that choosing the same file (fixed) is a change too.
        input.set_value("");
        errors.set(Vec::new());
        if file.size() > crate::line::rich_menu::MAX_IMAGE_BYTES as f64 {
            image.set(None);
            let lang = env.lang.get_untracked();
            env.status.set(Some((false, lang.pick("画像は1MBまでにしてください。", "The picture must be at most 1 MB.").to_string())));
            return;
        }
        let Ok(reader) = web_sys::FileReader::new() else { return };
        let done = reader.clone();
        let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(url) = done.result().ok().and_then(|r| r.as_string()) {
                image.set(Some(url));
            }
        });
        reader.set_onload(Some(onload.unchecked_ref()));
        let _ = reader.read_as_data_url(&file);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_label_breaks_before_its_bracket_or_in_the_middle() {
        assert_eq!(super::two_lines("予防接種(順番予約)"), ("予防接種".to_string(), "(順番予約)".to_string()));
        assert_eq!(super::two_lines("インフルエンザ予防接種"), ("インフルエ".to_string(), "ンザ予防接種".to_string()));
        assert_eq!(super::two_lines("小児科（予約制）"), ("小児科".to_string(), "（予約制）".to_string()), "a full-width bracket");
    }
}

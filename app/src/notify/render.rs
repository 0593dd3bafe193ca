//! LINE messages as HTML, for the staff console's LINE sandbox: what a patient of a clinic
//! without LINE channels would have received. Renders the Flex subset `flex.rs` writes (bubble,
//! box, text, separator, button) plus plain text messages; anything else is skipped.
//!
//! Safety: every text and attribute is HTML-escaped, colours and sizes come from fixed lists,
//! links are only `http(s)` or same-site paths (anything else becomes a disabled button), and
//! images are not loaded. The output may be put into the page with `inner_html`.

use std::fmt::Write;

use serde_json::Value;

/// Boxes nested deeper than this are not rendered (LINE's own cards are 3 deep).
const MAX_DEPTH: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the payload is not a JSON array of messages: {0}")]
    NotMessages(String),
}

/// A stored notification as the phone would show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The line on the lock screen and in the chat list.
    pub alt_text: String,
    pub html: String,
}

/// Renders a stored payload: the messages array exactly as pushed (a single message object is
/// accepted too).
pub fn render_payload(payload: &str) -> Result<Rendered, RenderError> {
    let value: Value = serde_json::from_str(payload).map_err(|e| RenderError::NotMessages(e.to_string()))?;
    let messages = match value {
        Value::Array(items) => items,
        v @ Value::Object(_) => vec![v],
        _ => return Err(RenderError::NotMessages("neither an array nor an object".into())),
    };
    let alt: Vec<String> = messages.iter().map(alt_text).filter(|a| !a.is_empty()).collect();
    Ok(Rendered { alt_text: alt.join("\n"), html: messages.iter().map(message_html).collect() })
}

/// The notification line a phone shows for one message: a Flex message's `altText`, a text
/// message's text.
pub fn alt_text(message: &Value) -> String {
    match message["type"].as_str() {
        Some("flex") => str_of(&message["altText"]).to_string(),
        Some("text") => str_of(&message["text"]).to_string(),
        _ => String::new(),
    }
}

/// One message as HTML (empty for a type the sandbox does not show).
pub fn message_html(message: &Value) -> String {
    let mut out = String::new();
    match message["type"].as_str() {
        Some("flex") => container(&mut out, &message["contents"]),
        Some("text") => {
            out.push_str(r#"<div class="line-text">"#);
            escape_into(&mut out, str_of(&message["text"]));
            out.push_str("</div>");
        }
        _ => {}
    }
    out
}

fn container(out: &mut String, c: &Value) {
    match c["type"].as_str() {
        Some("bubble") => bubble(out, c),
        Some("carousel") => {
            out.push_str(r#"<div class="flex-carousel">"#);
            for b in c["contents"].as_array().into_iter().flatten() {
                if b["type"] == "bubble" {
                    bubble(out, b);
                }
            }
            out.push_str("</div>");
        }
        _ => {}
    }
}

fn bubble(out: &mut String, b: &Value) {
    out.push_str(r#"<div class="flex-bubble">"#);
    for part in ["header", "body", "footer"] {
        if b[part].is_object() {
            let _ = write!(out, r#"<div class="flex-{part}">"#);
            component(out, &b[part], 0);
            out.push_str("</div>");
        }
    }
    out.push_str("</div>");
}

fn component(out: &mut String, c: &Value, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match c["type"].as_str() {
        Some("box") => flex_box(out, c, depth),
        Some("text") => text(out, c),
        Some("separator") => {
            let _ = write!(out, r#"<hr class="flex-separator{}">"#, margin(c));
        }
        Some("button") => button(out, c),
        Some("filler") | Some("spacer") => out.push_str(r#"<div class="flex-filler"></div>"#),
        // image, icon, video and anything new: not shown.
        _ => {}
    }
}

fn flex_box(out: &mut String, b: &Value, depth: usize) {
    // Only known words reach the class attribute.
    let layout = b["layout"].as_str().filter(|l| matches!(*l, "horizontal" | "baseline")).unwrap_or("vertical");
    let _ = write!(out, r#"<div class="flex-box flex-{layout}{}{}"{}>"#, spacing(b), margin(b), flex_style(b, None));
    for child in b["contents"].as_array().into_iter().flatten() {
        component(out, child, depth + 1);
    }
    out.push_str("</div>");
}

fn text(out: &mut String, t: &Value) {
    let mut class = String::from("flex-text");
    if let Some(size) = t["size"].as_str().filter(|s| SIZES.contains(s)) {
        let _ = write!(class, " flex-size-{size}");
    }
    if t["weight"] == "bold" {
        class.push_str(" flex-bold");
    }
    if t["wrap"] != true {
        class.push_str(" flex-nowrap");
    }
    class.push_str(&margin(t));
    let _ = write!(out, r#"<span class="{class}"{}>"#, flex_style(t, color(&t["color"])));
    match t["contents"].as_array() {
        // Spans replace the text when present.
        Some(spans) if !spans.is_empty() => {
            for s in spans.iter().filter(|s| s["type"] == "span") {
                let bold = if s["weight"] == "bold" { " flex-bold" } else { "" };
                let style = color(&s["color"]).map(|c| format!(r#" style="color:{c}""#)).unwrap_or_default();
                let _ = write!(out, r#"<span class="flex-span{bold}"{style}>"#);
                escape_into(out, str_of(&s["text"]));
                out.push_str("</span>");
            }
        }
        _ => escape_into(out, str_of(&t["text"])),
    }
    out.push_str("</span>");
}

fn button(out: &mut String, b: &Value) {
    let style = b["style"].as_str().filter(|s| matches!(*s, "primary" | "secondary")).unwrap_or("link");
    let action = &b["action"];
    let label = str_of(&action["label"]);
    let class = format!("flex-button flex-{style}{}", margin(b));
    // As LINE draws it: a primary or secondary button's colour is its background, a link's its text.
    let colour =
        color(&b["color"]).map(|c| if style == "link" { format!(r#" style="color:{c}""#) } else { format!(r#" style="background:{c}""#) }).unwrap_or_default();
    match (action["type"].as_str(), action["uri"].as_str()) {
        (Some("uri"), Some(uri)) if safe_link(uri) => {
            let _ = write!(out, r#"<a class="{class}" href=""#);
            escape_into(out, uri);
            let _ = write!(out, r#""{colour} target="_blank" rel="noopener noreferrer">"#);
            escape_into(out, label);
            out.push_str("</a>");
        }
        (kind, _) => {
            // Postbacks go to the clinic's webhook, which the sandbox has no LINE for; other
            // actions and unsafe links are shown but do nothing.
            let _ = write!(out, r#"<button type="button" class="{class}" disabled{colour}"#);
            let title = if kind == Some("postback") { action["displayText"].as_str().or(action["text"].as_str()) } else { None };
            if let Some(title) = title {
                out.push_str(r#" title=""#);
                escape_into(out, title);
                out.push('"');
            }
            out.push('>');
            escape_into(out, label);
            out.push_str("</button>");
        }
    }
}

/// `http(s)://…` or a path on this site (`/liff/…`), nothing else (`javascript:`, `data:`,
/// protocol-relative `//host`, control characters).
fn safe_link(uri: &str) -> bool {
    if uri.chars().any(|c| c.is_control() || c == '\\') {
        return false;
    }
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || (uri.starts_with('/') && !uri.starts_with("//"))
}

const SIZES: [&str; 10] = ["xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl"];
const SPACES: [&str; 7] = ["none", "xs", "sm", "md", "lg", "xl", "xxl"];

fn spacing(c: &Value) -> String {
    c["spacing"].as_str().filter(|s| SPACES.contains(s)).map(|s| format!(" flex-spacing-{s}")).unwrap_or_default()
}

fn margin(c: &Value) -> String {
    c["margin"].as_str().filter(|s| SPACES.contains(s)).map(|s| format!(" flex-margin-{s}")).unwrap_or_default()
}

/// `#RGB`, `#RRGGBB` or `#RRGGBBAA`, else nothing.
fn color(v: &Value) -> Option<&str> {
    let c = v.as_str()?;
    let hex = c.strip_prefix('#')?;
    (matches!(hex.len(), 3 | 6 | 8) && hex.chars().all(|ch| ch.is_ascii_hexdigit())).then_some(c)
}

/// The `style` attribute: the component's `flex` ratio (a small integer) and a checked colour.
fn flex_style(c: &Value, color: Option<&str>) -> String {
    let mut style = String::new();
    if let Some(flex) = c["flex"].as_u64().filter(|f| *f <= 100) {
        let _ = write!(style, "flex:{flex} 1 0;");
    }
    if let Some(color) = color {
        let _ = write!(style, "color:{color};");
    }
    if style.is_empty() {
        style
    } else {
        format!(r#" style="{style}""#)
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// An e-mail (`notify::email`) as the console's sandbox shows it: subject and plain text, every
/// character escaped, the link as the same-site path it is.
pub fn render_email(payload: &str) -> Result<Rendered, RenderError> {
    let mail = super::email::Email::parse(payload).map_err(|e| RenderError::NotMessages(e.to_string()))?;
    let mut html = String::from(r#"<div class="mail"><p class="mail-subject">"#);
    escape_into(&mut html, &mail.subject);
    html.push_str(r#"</p><pre class="mail-body">"#);
    escape_into(&mut html, &mail.text(""));
    html.push_str("</pre></div>");
    Ok(Rendered { alt_text: mail.subject, html })
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::i18n::Lang;
    use crate::notify::flex::{message, Notice, NoticeKind};

    const URL: &str = "https://liff.line.me/1657000000-AbCdEfGh/a/0123456789abcdef0123456789abcdef";

    fn notice(kind: NoticeKind, lang: Lang) -> Notice {
        crate::notify::flex::sample_notice(kind, lang)
    }

    fn kinds() -> Vec<NoticeKind> {
        vec![
            NoticeKind::Confirmed,
            NoticeKind::Declined { reason: "ご希望の時間は満員です".into() },
            NoticeKind::Proposed { new_time: "12月2日(水) 11:00".into() },
            NoticeKind::Expired,
            NoticeKind::CancelledByClinic { message: "医師の急病のため".into() },
            NoticeKind::CancelledByPatient,
            NoticeKind::Reminder,
        ]
    }

    /// The visible text of rendered HTML (tags dropped, the five escapes undone).
    fn visible(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
    }

    fn payload(m: &Value) -> String {
        json!([m]).to_string()
    }

    #[test]
    fn render_every_card_with_its_title_details_and_link() {
        for lang in [Lang::Ja, Lang::En] {
            for kind in kinds() {
                let m = message(&notice(kind.clone(), lang)).expect("valid card");
                let r = render_payload(&payload(&m)).expect("renders");
                let title = m["contents"]["body"]["contents"][0]["text"].as_str().expect("title");
                let text = visible(&r.html);
                assert!(text.contains(title), "{kind:?}: {text}");
                assert!(text.contains("さくら内科クリニック") && text.contains("初診") && text.contains("12月1日(火) 10:30"));
                assert!(r.html.contains(&format!(r#"href="{URL}""#)), "{kind:?}: {}", r.html);
                assert!(r.html.starts_with(r#"<div class="flex-bubble">"#));
                assert_eq!(r.alt_text, m["altText"]);
            }
        }
        let confirmed = render_payload(&payload(&message(&notice(NoticeKind::Confirmed, Lang::Ja)).expect("valid"))).expect("renders");
        assert!(visible(&confirmed.html).contains("ご予約が確定しました"));
        assert!(confirmed.html.contains(r#"class="flex-button flex-primary""#));
        let declined = message(&notice(NoticeKind::Declined { reason: "満員です".into() }, Lang::Ja)).expect("valid");
        assert!(visible(&message_html(&declined)).contains("満員です"));
    }

    #[test]
    fn render_reminder_postbacks_as_disabled_buttons() {
        let m = message(&notice(NoticeKind::Reminder, Lang::Ja)).expect("valid");
        let html = message_html(&m);
        assert!(html.contains(r#"<button type="button" class="flex-button flex-secondary" disabled title="来院します">来院します</button>"#), "{html}");
        assert!(html.contains(r#"title="キャンセルします">キャンセルする</button>"#));
        // The postback data (with the reference) is not in the page.
        assert!(!html.contains("action=attend"));
    }

    #[test]
    fn render_escapes_every_text() {
        let mut n = notice(NoticeKind::CancelledByClinic { message: "<img src=x onerror=alert(1)>".into() }, Lang::Ja);
        n.clinic_name = "<script>alert('x')</script> & \"co\"".into();
        n.menu_name = "初診</span><script>".into();
        let m = message(&n).expect("valid");
        let r = render_payload(&payload(&m)).expect("renders");
        assert!(!r.html.contains("<script") && !r.html.contains("<img") && !r.html.contains("</span><script"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"));
        assert!(visible(&r.html).contains("<img src=x onerror=alert(1)>"));
        // The alt text stays plain text: the page shows it as text, never as HTML.
        assert!(r.alt_text.contains("<script>"));
    }

    #[test]
    fn render_allows_only_web_links() {
        let card = |uri: &str| {
            json!({"type": "flex", "altText": "a", "contents": {"type": "bubble", "footer": {"type": "box", "layout": "vertical", "contents": [
                {"type": "button", "style": "primary", "action": {"type": "uri", "label": "Open", "uri": uri}}
            ]}}})
        };
        for good in ["https://example.jp/a?b=1&c=2", "HTTP://example.jp", "/liff/demo/a/abc"] {
            assert!(message_html(&card(good)).contains("<a class=\"flex-button flex-primary\" href="), "{good}");
        }
        assert!(message_html(&card("https://example.jp/a?b=1&c=\"x\"")).contains(r#"href="https://example.jp/a?b=1&amp;c=&quot;x&quot;""#));
        for bad in [
            "javascript:alert(1)",
            " javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<b>",
            "//evil.example",
            "/\\evil.example",
            "tel:0312345678",
            "https://x\u{0}y",
        ] {
            let html = message_html(&card(bad));
            assert!(!html.contains("<a ") && !html.contains("href"), "{bad}: {html}");
            assert!(html.contains(r#"<button type="button" class="flex-button flex-primary" disabled>Open</button>"#), "{bad}: {html}");
        }
    }

    #[test]
    fn render_skips_unknown_types_and_odd_values() {
        let m = json!({"type": "flex", "altText": "alt", "contents": {"type": "bubble",
            "hero": {"type": "image", "url": "https://tracker.example/p.png"},
            "body": {"type": "box", "layout": "sideways", "spacing": "huge\" onclick=\"x", "contents": [
                {"type": "image", "url": "https://tracker.example/p.png"},
                {"type": "video"},
                {"type": "text", "text": "kept", "color": "red;background:url(x)", "size": "\"><script>", "flex": "1;x"},
                {"type": "text", "text": 42},
                {"type": "text", "contents": [{"type": "span", "text": "a<b", "color": "#ff0000"}, {"type": "img"}]},
                {"type": "button", "action": {"type": "message", "label": "Say", "text": "hi"}},
                {"type": "button"},
                "not an object",
                null
            ]},
            "footer": "nope"
        }});
        let html = message_html(&m);
        assert!(!html.contains("tracker") && !html.contains("onclick") && !html.contains("<script") && !html.contains("red;"), "{html}");
        assert!(html.contains(r#"<div class="flex-box flex-vertical">"#));
        assert!(html.contains(r#"<span class="flex-text flex-nowrap">kept</span>"#), "{html}");
        assert!(html.contains(r#"<span class="flex-span" style="color:#ff0000">a&lt;b</span>"#));
        assert!(html.contains(r#"disabled>Say</button>"#));
        // Unknown messages and containers, broken payloads.
        assert_eq!(message_html(&json!({"type": "sticker", "packageId": "1"})), "");
        assert_eq!(message_html(&json!({"type": "flex", "contents": {"type": "poster"}})), "");
        assert_eq!(message_html(&json!(null)), "");
        assert!(render_payload("not json").is_err());
        assert!(render_payload("42").is_err());
        let text = render_payload(r#"[{"type":"text","text":"<hello>"}]"#).expect("renders");
        assert_eq!(text.html, r#"<div class="line-text">&lt;hello&gt;</div>"#);
        assert_eq!(text.alt_text, "<hello>");
    }

    #[test]
    fn render_stops_at_deep_nesting() {
        let mut c = json!({"type": "text", "text": "deep", "wrap": true});
        for _ in 0..100 {
            c = json!({"type": "box", "layout": "vertical", "contents": [c]});
        }
        let m = json!({"type": "flex", "altText": "a", "contents": {"type": "bubble", "body": c}});
        let html = message_html(&m);
        assert!(!html.contains("deep"));
    }
}

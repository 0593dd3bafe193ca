//! E-mails to patients who booked on the clinic's website: the same notices as LINE's cards,
//! as plain text, and the code that proves their address. Like the cards, an e-mail never
//! carries answers or anything medical; its link carries only the reference and the patient's
//! link key. The message is fixed when queued (the outbox sends the identical one on every
//! attempt); the server's address is put in front of the link when it is sent.

use serde::{Deserialize, Serialize};

use super::flex::{title, Notice, NoticeKind};
use crate::i18n::Lang;

/// An e-mail as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub subject: String,
    pub body: String,
    /// A link below the body: its label and this server's path (`/w/{clinic}/a/{reference}?k=…`).
    pub link: Option<(String, String)>,
}

impl Email {
    /// The text as sent, the link made absolute with `base` (`https://yoyaku.example.jp`; empty:
    /// the path as it is, for the console's sandbox).
    pub fn text(&self, base: &str) -> String {
        let mut text = self.body.clone();
        if let Some((label, path)) = &self.link {
            text.push_str(&format!("\n\n{label}\n{}{path}\n", base.trim_end_matches('/')));
        }
        text
    }

    /// The same text as HTML, for mail programs that show that part: every line escaped, the
    /// link a real link. Nothing is in it that the text lacks.
    pub fn html(&self, base: &str) -> String {
        let lines: Vec<String> = self.body.lines().map(|l| if l.is_empty() { String::new() } else { escape(l) }).collect();
        let mut html = format!("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n", escape(&self.subject));
        html.push_str("<body style=\"font-family: sans-serif; font-size: 16px; line-height: 1.6; color: #1a1a1a\">\n<p>");
        html.push_str(&lines.join("<br>\n").replace("<br>\n<br>\n", "</p>\n<p>"));
        html.push_str("</p>\n");
        if let Some((label, path)) = &self.link {
            let url = escape(&format!("{}{path}", base.trim_end_matches('/')));
            html.push_str(&format!("<p>{}<br>\n<a href=\"{url}\">{url}</a></p>\n", escape(label)));
        }
        html.push_str("</body></html>\n");
        html
    }

    pub fn parse(payload: &str) -> Result<Email, serde_json::Error> {
        serde_json::from_str(payload)
    }

    pub fn payload(&self) -> String {
        serde_json::to_string(self).expect("an e-mail serialises")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn footer(clinic: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("\n\n――\n{clinic}\nこのメールは送信専用です。ご不明な点は医院へお電話ください。"),
        Lang::En => format!("\n\n--\n{clinic}\nThis address does not receive replies. Please call the clinic with any questions."),
    }
}

/// The notice `n` as an e-mail (`n.liff_url` is the patient's page on this server).
pub fn notice_email(n: &Notice) -> Email {
    let lang = n.lang;
    let heading = title(&n.kind, lang);
    let mut body = format!("{heading}\n\n{}: {}\n{}: {}", lang.pick("メニュー", "Menu"), n.menu_name, lang.pick("日時", "When"), n.when);
    let extra = match &n.kind {
        NoticeKind::Declined { reason } => Some((lang.pick("理由", "Reason"), reason)),
        NoticeKind::Proposed { new_time } => Some((lang.pick("ご提案", "Suggested"), new_time)),
        NoticeKind::CancelledByClinic { message } => Some((lang.pick("医院より", "From the clinic"), message)),
        NoticeKind::CancelRefused { reason } => Some((lang.pick("理由", "Reason"), reason)),
        _ => None,
    };
    if let Some((label, value)) = extra.filter(|(_, v)| !v.is_empty()) {
        body.push_str(&format!("\n{label}: {value}"));
    }
    if let NoticeKind::NearTurn { ahead } = n.kind {
        body.push_str(&format!("\n\n{}", super::flex::near_turn_line(ahead, lang)));
    }
    if n.kind == NoticeKind::Received {
        body.push_str(lang.pick(
            "\n\n医院が確認のうえ、結果をメールでお知らせします。下のリンクから、お申し込みの確認・取り消しができます。",
            "\n\nThe clinic will answer by e-mail. The link below shows your request; you can withdraw it there.",
        ));
    }
    if matches!(n.kind, NoticeKind::Confirmed | NoticeKind::Reminder) {
        body.push_str(lang.pick(
            "\n\n下のリンクから、予約の確認・キャンセル、カレンダーへの追加ができます。",
            "\n\nThe link below shows your appointment: cancel it there, or add it to your calendar.",
        ));
    }
    body.push_str(&footer(&n.clinic_name, lang));
    let subject = match lang {
        Lang::Ja => format!("【{}】{}", n.clinic_name, heading),
        Lang::En => format!("[{}] {}", n.clinic_name, heading),
    };
    Email { subject, body, link: Some((lang.pick("ご予約の確認:", "Your appointment:").to_string(), n.liff_url.clone())) }
}

/// The code e-mail. `minutes`: how long the code (and the held place) lasts.
pub fn code_email(clinic: &str, code: &str, when: &str, minutes: i64, lang: Lang) -> Email {
    let (subject, body) = match lang {
        Lang::Ja => (
            format!("【{clinic}】確認コード {code}"),
            format!(
                "ご予約の確認コードは\n\n    {code}\n\nです。予約画面に入力してください({minutes}分間有効です)。\nご希望の日時: {when}\n\nお心当たりのない場合は、このメールを破棄してください。予約は自動的に取り消されます。"
            ),
        ),
        Lang::En => (
            format!("[{clinic}] Your code {code}"),
            format!(
                "Your booking code is\n\n    {code}\n\nType it on the booking page (it is valid for {minutes} minutes).\nThe time you chose: {when}\n\nIf you did not ask for this, ignore this e-mail: the request is dropped by itself."
            ),
        ),
    };
    Email { subject, body: body + &footer(clinic, lang), link: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(kind: NoticeKind) -> Notice {
        Notice {
            kind,
            lang: Lang::Ja,
            clinic_name: "さくら内科".into(),
            menu_name: "一般内科".into(),
            when: "12月3日(木) 10:00".into(),
            reference: "r1".into(),
            liff_url: "/w/demo/a/r1?k=key".into(),
        }
    }

    #[test]
    fn a_notice_reads_as_its_card_does_and_links_to_the_patients_page() {
        let mail = notice_email(&notice(NoticeKind::Declined { reason: "担当医不在".into() }));
        assert_eq!(mail.subject, "【さくら内科】ご予約をお受けできませんでした");
        assert!(mail.body.contains("日時: 12月3日(木) 10:00") && mail.body.contains("理由: 担当医不在"), "{}", mail.body);
        let text = mail.text("https://yoyaku.example.jp/");
        assert!(text.contains("\nhttps://yoyaku.example.jp/w/demo/a/r1?k=key\n"), "{text}");
        assert_eq!(Email::parse(&mail.payload()).expect("round trip"), mail);
    }

    #[test]
    fn the_html_part_says_what_the_text_says_escaped_with_a_real_link() {
        let mail = notice_email(&notice(NoticeKind::CancelledByClinic { message: "<b>休診</b> & 臨時".into() }));
        let html = mail.html("https://yoyaku.example.jp");
        assert!(html.contains("医院より: &lt;b&gt;休診&lt;/b&gt; &amp; 臨時"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains(r#"<a href="https://yoyaku.example.jp/w/demo/a/r1?k=key">"#), "{html}");
        assert!(html.contains("日時: 12月3日(木) 10:00<br>"), "{html}");
    }

    #[test]
    fn the_code_is_in_the_subject_and_the_body_and_there_is_no_link() {
        let mail = code_email("Sakura Clinic", "042917", "Dec 3 10:00", 15, Lang::En);
        assert_eq!(mail.subject, "[Sakura Clinic] Your code 042917");
        assert!(mail.body.contains("    042917\n") && mail.body.contains("15 minutes"));
        assert_eq!(mail.text("https://x"), mail.body);
    }
}

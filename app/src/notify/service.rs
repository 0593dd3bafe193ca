//! What a LINE MINI App service message says: the template LINE approved for the notice, and
//! its parameters. A template's keys are LINE's, fixed per template; Yoyaku fills this set, and
//! the clinic picks templates that use them (README, "Service messages").

use serde_json::{json, Value};

use super::flex::{Notice, NoticeKind};
use crate::store::ServiceMessages;

/// LINE caps each parameter's value; longer texts are cut, never refused.
pub const MAX_PARAM_CHARS: usize = 50;

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_PARAM_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_PARAM_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// The body of `POST /message/v3/notifier/send` without its token (`templateName`, `params`),
/// when the clinic has a template for this notice.
pub fn service_message(settings: &ServiceMessages, notice: &Notice) -> Option<Value> {
    let template = settings.template_for(notice.kind.notice_type(), notice.lang)?;
    let note = match &notice.kind {
        NoticeKind::Declined { reason } => reason.as_str(),
        NoticeKind::CancelledByClinic { message } => message.as_str(),
        _ => "",
    };
    let mut params = json!({
        "clinic_name": cut(&notice.clinic_name),
        "menu": cut(&notice.menu_name),
        "date_time": cut(&notice.when),
        "reference": notice.reference.chars().take(8).collect::<String>(),
        "btn1_url": notice.liff_url,
    });
    if !note.is_empty() {
        params["message"] = cut(note).into();
    }
    Some(json!({ "templateName": template, "params": params }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::notify::NoticeType;

    fn notice(kind: NoticeKind, lang: Lang) -> Notice {
        Notice {
            kind,
            lang,
            clinic_name: "さくら内科クリニック".into(),
            menu_name: "初診".into(),
            when: "12月1日(火) 10:30".into(),
            reference: "0123456789abcdef".into(),
            liff_url: "https://liff.line.me/1657000000-AbCd/a/0123456789abcdef".into(),
        }
    }

    #[test]
    fn a_notice_with_a_template_becomes_its_service_message_in_the_patients_language() {
        let settings = ServiceMessages { channel_secret: None, templates: vec![(NoticeType::Confirmed, "reservation_confirm".into())] };
        let ja = service_message(&settings, &notice(NoticeKind::Confirmed, Lang::Ja)).expect("a template");
        assert_eq!(ja["templateName"], "reservation_confirm_ja");
        assert_eq!(ja["params"]["date_time"], "12月1日(火) 10:30");
        assert_eq!(ja["params"]["btn1_url"], "https://liff.line.me/1657000000-AbCd/a/0123456789abcdef");
        assert_eq!(ja["params"]["reference"], "01234567");
        assert!(ja["params"].get("message").is_none());
        let en = service_message(&settings, &notice(NoticeKind::Confirmed, Lang::En)).expect("a template");
        assert_eq!(en["templateName"], "reservation_confirm_en");
        assert_eq!(service_message(&settings, &notice(NoticeKind::Reminder, Lang::Ja)), None, "no template: push");
    }

    #[test]
    fn the_clinics_words_go_along_cut_to_lines_limit() {
        let settings = ServiceMessages { channel_secret: None, templates: vec![(NoticeType::CancelledByClinic, "reservation_cancel".into())] };
        let long = "休診".repeat(40);
        let m = service_message(&settings, &notice(NoticeKind::CancelledByClinic { message: long }, Lang::Ja)).expect("a template");
        let message = m["params"]["message"].as_str().expect("text");
        assert_eq!(message.chars().count(), MAX_PARAM_CHARS);
        assert!(message.ends_with('…'));
    }
}

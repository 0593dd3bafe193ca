//! Flex Message cards for appointment notifications, in the patient's language, with the time in
//! the clinic's zone. A card never carries symptoms, questionnaire answers or diagnoses: its
//! inputs below simply do not include them, and links carry only the opaque reference.

use serde_json::{json, Value};

use crate::i18n::Lang;

/// LINE's limits (Messaging API reference).
pub const MAX_ALT_TEXT_CHARS: usize = 1500;
pub const MAX_BUBBLE_JSON_BYTES: usize = 30 * 1024;
pub const MAX_BUTTON_LABEL_CHARS: usize = 40;
pub const MAX_POSTBACK_DATA_CHARS: usize = 300;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// A request has reached the clinic (sent to website patients, who have no app that
    /// shows it: the e-mail carries the link to see or withdraw it).
    Received,
    Confirmed,
    /// Declined, with the reason the clinic chose or typed.
    Declined {
        reason: String,
    },
    /// The clinic proposes another time.
    Proposed {
        new_time: String,
    },
    Expired,
    CancelledByClinic {
        message: String,
    },
    /// The patient's own cancellation, acknowledged.
    CancelledByPatient,
    /// The day before, with buttons to confirm attendance or cancel.
    Reminder,
    /// The patient asked to cancel (the reminder's button) and could not: why, and what to do.
    CancelRefused {
        reason: String,
    },
    /// The day queue: only `ahead` patients are still before this one (once per visit).
    NearTurn {
        ahead: u32,
    },
}

/// What the near-turn notice says of the patient's place.
pub fn near_turn_line(ahead: u32, lang: Lang) -> String {
    match (lang, ahead) {
        (Lang::Ja, 0) => "次にお呼びします。医院へお越しください。".to_string(),
        (Lang::Ja, n) => format!("あと{n}人でお呼びします。医院へお越しください。"),
        (Lang::En, 0) => "You are next. Please come to the clinic.".to_string(),
        (Lang::En, 1) => "One patient is before you. Please come to the clinic.".to_string(),
        (Lang::En, n) => format!("{n} patients are before you. Please come to the clinic."),
    }
}

/// Everything a card may say. Nothing medical.
#[derive(Clone, Debug)]
pub struct Notice {
    pub kind: NoticeKind,
    pub lang: Lang,
    pub clinic_name: String,
    pub menu_name: String,
    /// Clinic-local, with the weekday: `12月1日(火) 10:30`.
    pub when: String,
    /// Opaque reference of the appointment.
    pub reference: String,
    /// The appointment in the LIFF app: `https://liff.line.me/{liff id}/a/{reference}`.
    pub liff_url: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FlexError {
    #[error("altText has {0} characters (LINE allows {MAX_ALT_TEXT_CHARS})")]
    AltTextTooLong(usize),
    #[error("the bubble is {0} bytes of JSON (LINE allows {MAX_BUBBLE_JSON_BYTES})")]
    BubbleTooLarge(usize),
    #[error("button label {0:?} is longer than {MAX_BUTTON_LABEL_CHARS} characters")]
    LabelTooLong(String),
    #[error("postback data is longer than {MAX_POSTBACK_DATA_CHARS} characters")]
    PostbackTooLong,
}

pub(crate) fn title(kind: &NoticeKind, lang: Lang) -> &'static str {
    match kind {
        NoticeKind::Received => lang.pick("ご予約のお申し込みを受け付けました", "Your request has reached the clinic"),
        NoticeKind::Confirmed => lang.pick("ご予約が確定しました", "Your appointment is confirmed"),
        NoticeKind::Declined { .. } => lang.pick("ご予約をお受けできませんでした", "We could not accept your request"),
        NoticeKind::Proposed { .. } => lang.pick("別の日時のご提案", "The clinic suggests another time"),
        NoticeKind::Expired => lang.pick("ご予約のリクエストが期限切れになりました", "Your request has expired"),
        NoticeKind::CancelledByClinic { .. } => lang.pick("医院よりご予約を取り消しました", "The clinic cancelled your appointment"),
        NoticeKind::CancelledByPatient => lang.pick("キャンセルを承りました", "Your cancellation is confirmed"),
        NoticeKind::Reminder => lang.pick("明日のご予約のお知らせ", "Reminder: your appointment tomorrow"),
        NoticeKind::CancelRefused { .. } => lang.pick("ご予約はキャンセルできませんでした", "We could not cancel your appointment"),
        NoticeKind::NearTurn { .. } => lang.pick("まもなく順番です", "Your turn is near"),
    }
}

fn text(s: &str, extra: Value) -> Value {
    let mut v = json!({ "type": "text", "text": s, "wrap": true });
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        obj.extend(extra.clone());
    }
    v
}

fn row(label: &str, value: &str) -> Value {
    json!({
        "type": "box", "layout": "baseline", "spacing": "sm",
        "contents": [
            // Dark enough to read (4.5:1 on white), for patients who are not young.
            text(label, json!({ "color": "#666666", "size": "sm", "flex": 2 })),
            text(value, json!({ "size": "sm", "flex": 5, "weight": "bold" })),
        ]
    })
}

/// White on LINE's own green is 2.25:1; the primary button is the clinic's dark green (7:1).
const PRIMARY: &str = "#04592a";

fn uri_button(label: &str, uri: &str, primary: bool) -> Value {
    let mut button = json!({
        "type": "button", "style": if primary { "primary" } else { "secondary" }, "height": "sm",
        "action": { "type": "uri", "label": label, "uri": uri }
    });
    if primary {
        button["color"] = json!(PRIMARY);
    }
    button
}

fn postback_button(label: &str, data: &str, display: &str) -> Value {
    json!({
        "type": "button", "style": "secondary", "height": "sm",
        "action": { "type": "postback", "label": label, "data": data, "displayText": display }
    })
}

/// The Flex message (`{"type":"flex","altText":…,"contents":{bubble}}`) for a notice, checked
/// against LINE's limits.
pub fn message(n: &Notice) -> Result<Value, FlexError> {
    let lang = n.lang;
    let heading = title(&n.kind, lang);
    let mut body = vec![
        text(heading, json!({ "weight": "bold", "size": "lg" })),
        text(&n.clinic_name, json!({ "color": "#555555", "size": "sm" })),
        json!({ "type": "separator", "margin": "md" }),
        row(lang.pick("メニュー", "Menu"), &n.menu_name),
        row(lang.pick("日時", "When"), &n.when),
    ];
    match &n.kind {
        NoticeKind::Declined { reason } if !reason.is_empty() => body.push(row(lang.pick("理由", "Reason"), reason)),
        NoticeKind::Proposed { new_time } if !new_time.is_empty() => body.push(row(lang.pick("ご提案", "Suggested"), new_time)),
        NoticeKind::CancelledByClinic { message } if !message.is_empty() => body.push(row(lang.pick("医院より", "From the clinic"), message)),
        NoticeKind::CancelRefused { reason } if !reason.is_empty() => body.push(row(lang.pick("理由", "Reason"), reason)),
        NoticeKind::NearTurn { ahead } => body.push(row(lang.pick("順番", "Your turn"), &near_turn_line(*ahead, lang))),
        _ => {}
    }
    let open = lang.pick("予約を確認する", "View appointment");
    let mut footer = vec![uri_button(open, &n.liff_url, !matches!(n.kind, NoticeKind::Reminder))];
    if n.kind == NoticeKind::Reminder {
        footer.insert(
            0,
            postback_button(lang.pick("来院します", "I will come"), &format!("action=attend&ref={}", n.reference), lang.pick("来院します", "I will come")),
        );
        footer.push(postback_button(
            lang.pick("キャンセルする", "Cancel"),
            &format!("action=cancel&ref={}", n.reference),
            lang.pick("キャンセルします", "Please cancel"),
        ));
    }
    let bubble = json!({
        "type": "bubble",
        "body": { "type": "box", "layout": "vertical", "spacing": "sm", "contents": body },
        "footer": { "type": "box", "layout": "vertical", "spacing": "sm", "contents": footer },
    });
    let alt_text = match lang {
        Lang::Ja => format!("【{}】{} {} {}", n.clinic_name, heading, n.menu_name, n.when),
        Lang::En => format!("[{}] {}: {} {}", n.clinic_name, heading, n.menu_name, n.when),
    };
    check(&alt_text, &bubble)?;
    Ok(json!({ "type": "flex", "altText": alt_text, "contents": bubble }))
}

fn check(alt_text: &str, bubble: &Value) -> Result<(), FlexError> {
    let alt = alt_text.chars().count();
    if alt > MAX_ALT_TEXT_CHARS {
        return Err(FlexError::AltTextTooLong(alt));
    }
    let size = bubble.to_string().len();
    if size > MAX_BUBBLE_JSON_BYTES {
        return Err(FlexError::BubbleTooLarge(size));
    }
    let buttons = bubble["footer"]["contents"].as_array().into_iter().flatten();
    for action in buttons.map(|b| &b["action"]) {
        let label = action["label"].as_str().unwrap_or_default();
        if label.chars().count() > MAX_BUTTON_LABEL_CHARS {
            return Err(FlexError::LabelTooLong(label.to_string()));
        }
        if action["data"].as_str().is_some_and(|d| d.chars().count() > MAX_POSTBACK_DATA_CHARS) {
            return Err(FlexError::PostbackTooLong);
        }
    }
    Ok(())
}

/// Why a cancellation from LINE's reminder button was refused, and what to do instead, in the
/// patient's language with the deadline in the clinic's time zone (the card's words).
pub fn cancel_refused_reason(refusal: &crate::error::Problem, lang: Lang) -> String {
    use crate::booking::status::AppointmentStatus;
    use crate::error::Problem;
    match refusal {
        Problem::PastCutOff { deadline, time_zone } => {
            let deadline = crate::booking::format::datetime_label(*deadline, *time_zone, lang);
            match lang {
                Lang::Ja => format!("キャンセル期限({deadline})を過ぎています。お電話で医院にご連絡ください。"),
                Lang::En => format!("The cancellation deadline ({deadline}) has passed. Please call the clinic."),
            }
        }
        // A second tap after a cancellation went through (each tap is a new event).
        Problem::StatusChanged { current: AppointmentStatus::CancelledByPatient | AppointmentStatus::CancelledByClinic } => {
            lang.pick("このご予約はすでにキャンセルされています。", "This appointment has already been cancelled.").to_string()
        }
        _ => lang
            .pick(
                "このご予約は確定済みではないため、キャンセルできません。ご不明な点はお電話で医院にご連絡ください。",
                "This appointment is no longer confirmed, so it cannot be cancelled here. Please call the clinic if you have questions.",
            )
            .to_string(),
    }
}

/// A notice of the demo clinic, for the tests of its card and of its rendering.
#[cfg(test)]
pub(crate) fn sample_notice(kind: NoticeKind, lang: Lang) -> Notice {
    Notice {
        kind,
        lang,
        clinic_name: "さくら内科クリニック".into(),
        menu_name: "初診".into(),
        when: "12月1日(火) 10:30".into(),
        reference: "0123456789abcdef0123456789abcdef".into(),
        liff_url: "https://liff.line.me/1657000000-AbCdEfGh/a/0123456789abcdef0123456789abcdef".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(kind: NoticeKind, lang: Lang) -> Notice {
        sample_notice(kind, lang)
    }

    const KINDS: [fn() -> NoticeKind; 9] = [
        || NoticeKind::Received,
        || NoticeKind::Confirmed,
        || NoticeKind::Declined { reason: "ご希望の時間は満員です".into() },
        || NoticeKind::Proposed { new_time: "12月2日(水) 11:00".into() },
        || NoticeKind::Expired,
        || NoticeKind::CancelledByClinic { message: "医師の急病のため".into() },
        || NoticeKind::CancelledByPatient,
        || NoticeKind::Reminder,
        || NoticeKind::CancelRefused {
            reason: "キャンセル期限(12月1日(火) 7:30)を過ぎています。お電話で医院にご連絡ください。".into()
        },
    ];

    #[test]
    fn every_card_is_a_valid_flex_bubble_within_limits() {
        for lang in [Lang::Ja, Lang::En] {
            for kind in KINDS {
                let m = message(&notice(kind(), lang)).expect("valid card");
                assert_eq!(m["type"], "flex");
                assert_eq!(m["contents"]["type"], "bubble");
                for part in ["body", "footer"] {
                    assert!(["horizontal", "vertical", "baseline"].contains(&m["contents"][part]["layout"].as_str().expect("layout")));
                }
                let alt = m["altText"].as_str().expect("altText");
                assert!(alt.contains("12月1日(火) 10:30") && alt.chars().count() <= MAX_ALT_TEXT_CHARS);
                assert!(m["contents"].to_string().len() <= MAX_BUBBLE_JSON_BYTES);
                // The button opens the appointment in the LIFF app by its opaque reference.
                let json = m.to_string();
                assert!(json.contains("https://liff.line.me/1657000000-AbCdEfGh/a/0123456789abcdef0123456789abcdef"));
            }
        }
    }

    #[test]
    fn the_reminder_has_attend_and_cancel_postbacks() {
        let m = message(&notice(NoticeKind::Reminder, Lang::Ja)).expect("valid");
        let data: Vec<&str> = m["contents"]["footer"]["contents"].as_array().expect("buttons").iter().filter_map(|b| b["action"]["data"].as_str()).collect();
        assert_eq!(data, ["action=attend&ref=0123456789abcdef0123456789abcdef", "action=cancel&ref=0123456789abcdef0123456789abcdef"]);
    }

    #[test]
    fn a_refused_cancel_says_why_and_offers_only_the_appointment_link() {
        for (lang, heading) in [(Lang::Ja, "ご予約はキャンセルできませんでした"), (Lang::En, "We could not cancel your appointment")] {
            let reason = lang.pick("キャンセル期限(12月1日(火) 07:30)を過ぎています。", "The deadline (Tue 1 Dec 07:30) has passed.");
            let m = message(&notice(NoticeKind::CancelRefused { reason: reason.into() }, lang)).expect("valid");
            assert_eq!(NoticeKind::CancelRefused { reason: String::new() }.notice_type().as_str(), "cancel_refused");
            assert!(m["altText"].as_str().expect("altText").contains(heading));
            let body = m["contents"]["body"]["contents"].to_string();
            assert!(body.contains(heading) && body.contains(reason), "{body}");
            // No postback: the patient cannot try again from this card, only open the appointment.
            let buttons = m["contents"]["footer"]["contents"].as_array().expect("buttons");
            assert_eq!(buttons.len(), 1);
            assert_eq!(buttons[0]["action"]["type"], "uri");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let mut long = notice(NoticeKind::Confirmed, Lang::Ja);
        long.clinic_name = "長".repeat(1600);
        assert!(matches!(message(&long), Err(FlexError::AltTextTooLong(_))));
        let mut huge = notice(NoticeKind::Declined { reason: "x".repeat(40_000) }, Lang::En);
        huge.clinic_name = "Clinic".into();
        assert!(matches!(message(&huge), Err(FlexError::BubbleTooLarge(_))));
        let mut long_ref = notice(NoticeKind::Reminder, Lang::En);
        long_ref.reference = "r".repeat(300);
        assert_eq!(message(&long_ref), Err(FlexError::PostbackTooLong));
        let huge_reason = notice(NoticeKind::CancelRefused { reason: "x".repeat(40_000) }, Lang::Ja);
        assert!(matches!(message(&huge_reason), Err(FlexError::BubbleTooLarge(_))));
    }
}

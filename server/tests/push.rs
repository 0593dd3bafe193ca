//! The LINE push client against the local fake of LINE's API: retry keys make retries safe.

mod support;

use std::time::Duration;

use app::i18n::Lang;
use app::notify::flex::{message, Notice, NoticeKind};
use server::line::api::{LineApi, PushOutcome};

const TO: &str = "U0123456789abcdef0123456789abcdef";

fn card() -> serde_json::Value {
    message(&Notice {
        kind: NoticeKind::Confirmed,
        lang: Lang::Ja,
        clinic_name: "さくら内科クリニック".into(),
        menu_name: "初診".into(),
        when: "12月1日(火) 10:30".into(),
        reference: "0123456789abcdef0123456789abcdef".into(),
        liff_url: "https://liff.line.me/1657000000-AbCdEfGh/a/0123456789abcdef0123456789abcdef".into(),
    })
    .expect("card")
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[test]
fn one_push_with_the_right_body_headers_and_key() {
    support::run(async {
        let (url, fake) = support::fake_line().await;
        let line = LineApi::new(&url).expect("client");
        let retry_key = key();
        let outcome = line.push("channel-token", TO, &[card()], &retry_key).await;
        assert!(matches!(outcome, PushOutcome::Delivered { request_id: Some(_) }), "{outcome:?}");
        let pushes = fake.accepted_pushes();
        assert_eq!(pushes.len(), 1);
        assert_eq!((pushes[0].to.as_str(), pushes[0].access_token.as_str()), (TO, "channel-token"));
        assert_eq!(pushes[0].retry_key.as_deref(), Some(retry_key.as_str()));
        assert_eq!(pushes[0].messages, vec![card()]);
    })
}

#[test]
fn server_errors_are_retried_with_the_same_key_and_delivered_once() {
    support::run(async {
        let (url, fake) = support::fake_line().await;
        let line = LineApi::new(&url).expect("client");
        fake.fail_next("/v2/bot/message/push", 500, 2);
        let retry_key = key();
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            outcomes.push(line.push("t", TO, &[card()], &retry_key).await);
        }
        assert!(matches!(outcomes[0], PushOutcome::RetryLater { .. }) && matches!(outcomes[1], PushOutcome::RetryLater { .. }), "{outcomes:?}");
        assert!(outcomes[2].delivered(), "{outcomes:?}");
        // A retry after LINE accepted (say, the sender crashed before recording it) is a 409 that
        // counts as delivered, and LINE still has exactly one message.
        let again = line.push("t", TO, &[card()], &retry_key).await;
        assert!(matches!(again, PushOutcome::AlreadyAccepted { accepted_request_id: Some(_), .. }), "{again:?}");
        assert!(again.delivered());
        assert_eq!(fake.accepted_pushes().len(), 1);
    })
}

#[test]
fn client_errors_are_not_retried_and_rate_limits_are_told_apart() {
    support::run(async {
        let (url, fake) = support::fake_line().await;
        let line = LineApi::with_timeout(&url, Duration::from_millis(500)).expect("client");
        let bad = line.push("t", "not-a-user", &[card()], &key()).await;
        assert!(matches!(bad, PushOutcome::Rejected { status: 400, .. }), "{bad:?}");
        assert!(!bad.delivered());
        fake.fail_next("/v2/bot/message/push", 429, 1);
        let limited = line.push("t", TO, &[card()], &key()).await;
        assert!(matches!(limited, PushOutcome::RateLimited { quota_exhausted: true, .. }), "{limited:?}");
        fake.fail_next("/v2/bot/message/push", 0, 1);
        let timeout = line.push("t", TO, &[card()], &key()).await;
        assert!(matches!(timeout, PushOutcome::RetryLater { .. }), "{timeout:?}");
        assert!(fake.accepted_pushes().is_empty());
    })
}

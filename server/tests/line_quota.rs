//! The LINE message quota as the console shows it (`staff/line_quota`), on both backends over
//! HTTP against the local fake of LINE: LINE's limit and this month's usage, the notices waiting
//! in the outbox and the reminders still to come this month, judged against the limit; a clinic
//! without LINE, a refused token and an unreachable LINE are told apart.

mod support;

use app::api::staff::quota::{QuotaForecast, QuotaLevel, QuotaView};
use app::error::ErrorCode;
use app::notify::flex::NoticeKind;
use app::store::*;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use support::web::*;
use support::*;

const FORM: &str = "application/x-www-form-urlencoded";

async fn quota(site: &Site, cookie: Option<&str>) -> Reply {
    post(&site.router, "/api/staff/line_quota", FORM, "lang=ja".into(), cookie).await
}

async fn counted(site: &Site, cookie: &str) -> QuotaForecast {
    let reply = quota(site, Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    match serde_json::from_str::<QuotaView>(&reply.body).expect("the quota") {
        QuotaView::Counted(f) => f,
        other => panic!("not counted: {other:?}"),
    }
}

async fn the_console_foresees_the_months_line_messages(db: &TestDb) {
    let s = db.store.as_ref();
    let (url, fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let c = clinic(s, "quota").await;
    let site = Site { router: support::router(db.store.clone(), line), store: db.store.clone(), clinic: c.clinic };
    let (desk, _, _) = staff_cookie(&site, StaffRole::Staff).await;

    // Without LINE there is nothing to count.
    let reply = quota(&site, Some(&desk)).await;
    assert_eq!(serde_json::from_str::<QuotaView>(&reply.body).expect("the view"), QuotaView::NotConnected, "{}", reply.body);
    assert_eq!(quota(&site, None).await.status, StatusCode::UNAUTHORIZED);
    connect_line(s, c.clinic, test_line_settings()).await;

    // Tomorrow (Tokyo): three visits confirmed at once (each confirmation waits in the outbox),
    // one of a patient known not to be a friend, one already reminded; and a request.
    let tomorrow = (Utc::now().with_timezone(&TOKYO).date_naive() + Duration::days(1)).and_hms_opt(9, 0, 0).expect("time");
    let at = |minutes: i64| tomorrow.and_local_timezone(TOKYO).single().expect("time").with_timezone(&Utc) + Duration::minutes(minutes);
    let p = patients(s, c.clinic, 4).await;
    let now = Utc::now();
    let visit = |minutes, patient, menu| Booking { now, ..booking(c.clinic, menu, c.doctor, at(minutes), patient) };
    book(s, &visit(0, p[0], c.auto)).await.expect("a visit");
    book(s, &visit(30, p[1], c.auto)).await.expect("a non-friend's visit");
    let reminded = book(s, &visit(60, p[2], c.auto)).await.expect("a reminded visit");
    book(s, &visit(90, p[3], c.slot)).await.expect("a request");
    let non_friend = match read(s).await.patient(c.clinic, p[1]).await.expect("read").expect("patient").identity {
        Identity::Line { user_id, .. } => user_id,
        other => panic!("{other:?}"),
    };
    in_tx!(s, |tx| {
        tx.set_line_friend(c.clinic, &non_friend, false).await?;
        let clinic = tx.clinic(c.clinic).await?.expect("clinic");
        app::actions::notices::queue(tx, &clinic, &reminded, NoticeKind::Reminder, now).await
    })
    .expect("reminded");
    // LINE has counted two messages this month.
    for _ in 0..2 {
        fake.accept_retry_key(&uuid::Uuid::new_v4().to_string());
    }

    fake.set_quota_limit(Some(10));
    let month = counted(&site, &desk).await;
    // The non-friend's confirmation waits for them and is not counted.
    assert_eq!(month, QuotaForecast { limit: Some(10), used: 2, queued: 3, reminders: 1 }, "two confirmations and a reminder wait");
    assert_eq!((month.projected(), month.level()), (6, QuotaLevel::Fine));
    fake.set_quota_limit(Some(7));
    assert_eq!(counted(&site, &desk).await.level(), QuotaLevel::Near, "6 of 7");
    fake.set_quota_limit(Some(5));
    let over = counted(&site, &desk).await;
    assert_eq!((over.level(), over.short_by()), (QuotaLevel::RunsOut, 1));
    fake.set_quota_limit(None);
    assert_eq!(counted(&site, &desk).await.level(), QuotaLevel::Unlimited);

    // LINE refusing the token is the clinic's to fix; LINE down is a 503 to try again.
    fake.fail_next("/v2/bot/message/quota", 401, 1);
    let reply = quota(&site, Some(&desk)).await;
    assert_eq!(serde_json::from_str::<QuotaView>(&reply.body).expect("the view"), QuotaView::TokenRefused, "{}", reply.body);
    fake.fail_next("/v2/bot/message/quota/consumption", 500, 1);
    let reply = quota(&site, Some(&desk)).await;
    assert_eq!(app_error(reply.status, &reply.body, ErrorCode::LineUnavailable).status, 503);
}

on_both!(the_console_foresees_the_months_line_messages);

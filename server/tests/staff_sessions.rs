//! Staff sessions and sign-in attempts in storage, on SQLite and on PostgreSQL, each test on a
//! fresh database: sessions are kept as digests and expire, failed sign-ins are counted per
//! account and per address, and what has served its time is forgotten.

mod support;

use app::store::*;
use chrono::{DateTime, Duration, Utc};
use support::*;

support::on_both!(
    staff_sessions_are_stored_as_digests_and_expire,
    failed_sign_ins_are_counted_per_account_and_per_address,
    expired_sessions_and_old_attempts_are_forgotten,
);

async fn record_sign_in(store: &dyn Store, email: &str, address: &str, succeeded: bool, at: DateTime<Utc>) {
    let result = in_tx!(store, |tx| {
        let attempt = tx.record_sign_in(email, address, at).await?;
        if succeeded {
            tx.sign_in_succeeded(attempt).await?;
        }
        Ok(())
    });
    result.expect("record");
}

async fn failed_sign_ins(store: &dyn Store, email: &str, address: &str, since: DateTime<Utc>) -> FailedSignIns {
    read(store).await.failed_sign_ins(email, address, since).await.expect("read")
}

/// Counts rows of `table` whose `column` equals `value`, straight from the database.
async fn raw_count(db: &TestDb, table: &str, column: &str, value: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) = $1");
    if db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let n = sqlx::query_scalar(&sql).bind(value).fetch_one(&pool).await.expect("count");
        pool.close().await;
        n
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let n = sqlx::query_scalar(&sql).bind(value).fetch_one(&pool).await.expect("count");
        pool.close().await;
        n
    }
}

async fn staff_sessions_are_stored_as_digests_and_expire(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let staff = staff_member(store, c.clinic, " Reception@A.example.jp ", StaffRole::Staff).await;
    let mut r = read(store).await;
    let account = r.staff_by_email("reception@a.example.jp").await.expect("read").expect("account");
    assert_eq!((account.id, account.clinic_id, account.role), (staff, c.clinic, StaffRole::Staff));
    assert_eq!(account.email, "reception@a.example.jp");
    assert_eq!(r.staff_by_email("RECEPTION@a.example.jp").await.expect("read").map(|a| a.id), Some(staff));
    assert_eq!(r.staff_account(staff).await.expect("read"), Some(account));
    assert_eq!(r.staff_by_email("nobody@a.example.jp").await.expect("read"), None);

    let token = "raw-session-token-0123456789abcdef";
    let session = StaffSession { staff_id: staff, clinic_id: c.clinic, csrf_token: "csrf-1".into(), expires_at: now() + Duration::hours(12) };
    in_tx!(store, |tx| Ok(tx.insert_staff_session(token, &session, now()).await?)).expect("session");
    assert_eq!(r.staff_session(token, now()).await.expect("read"), Some(session.clone()));
    assert_eq!(r.staff_session(token, now() + Duration::hours(11)).await.expect("read"), Some(session.clone()));
    assert_eq!(r.staff_session("another-token", now()).await.expect("read"), None);
    // Expired: at and after its end.
    assert_eq!(r.staff_session(token, now() + Duration::hours(12)).await.expect("read"), None);
    assert_eq!(r.staff_session(token, now() + Duration::hours(13)).await.expect("read"), None);

    // Only the digest is stored.
    assert_eq!(raw_count(db, "staff_sessions", "staff_id", &staff.0.to_string()).await, 1, "the session row");
    assert_eq!(raw_count(db, "staff_sessions", "token", token).await, 0, "the raw token is not stored");

    // A session created already expired is never valid.
    let stale = StaffSession { expires_at: now() - Duration::minutes(1), csrf_token: "csrf-2".into(), ..session.clone() };
    in_tx!(store, |tx| Ok(tx.insert_staff_session("stale-token", &stale, now() - Duration::hours(13)).await?)).expect("stale session");
    assert_eq!(r.staff_session("stale-token", now()).await.expect("read"), None);

    // Ended: gone, and the other sessions stay.
    in_tx!(store, |tx| Ok(tx.delete_staff_session(token).await?)).expect("end");
    assert_eq!(r.staff_session(token, now()).await.expect("read"), None);
    assert_eq!(raw_count(db, "staff_sessions", "staff_id", &staff.0.to_string()).await, 1, "only the stale one is left");
    in_tx!(store, |tx| Ok(tx.delete_staff_session(token).await?)).expect("ending twice is fine");
}

async fn expired_sessions_and_old_attempts_are_forgotten(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let staff = staff_member(store, c.clinic, "desk@a.example.jp", StaffRole::Staff).await;
    let live = StaffSession { staff_id: staff, clinic_id: c.clinic, csrf_token: "c1".into(), expires_at: now() + Duration::hours(1) };
    let gone = StaffSession { expires_at: now() - Duration::minutes(1), csrf_token: "c2".into(), ..live.clone() };
    in_tx!(store, |tx| Ok(tx.insert_staff_session("live-token", &live, now()).await?)).expect("live");
    in_tx!(store, |tx| Ok(tx.insert_staff_session("gone-token", &gone, now() - Duration::hours(12)).await?)).expect("gone");
    record_sign_in(store, "desk@a.example.jp", "10.0.0.1", false, now() - Duration::days(2)).await;
    record_sign_in(store, "desk@a.example.jp", "10.0.0.1", false, now()).await;

    let deleted = in_tx!(store, |tx| Ok(tx.forget_expired(now(), now() - Duration::days(1)).await?)).expect("forget");
    assert_eq!(deleted, 2, "one expired session and one old attempt");
    assert_eq!(raw_count(db, "staff_sessions", "staff_id", &staff.0.to_string()).await, 1);
    assert_eq!(read(store).await.staff_session("live-token", now()).await.expect("read"), Some(live));
    let failures = failed_sign_ins(store, "desk@a.example.jp", "10.0.0.1", now() - Duration::days(3)).await;
    assert_eq!(failures, FailedSignIns { account: 1, address: 1 });
}

async fn failed_sign_ins_are_counted_per_account_and_per_address(db: &TestDb) {
    let store = db.store.as_ref();
    let since = now() - Duration::minutes(15);
    let at = |minutes: i64| now() - Duration::minutes(minutes);
    assert_eq!(failed_sign_ins(store, "a@x.jp", "10.0.0.1", since).await, FailedSignIns::default());

    // An old failure (outside the window) does not count.
    record_sign_in(store, "a@x.jp", "10.0.0.1", false, at(30)).await;
    for m in [10, 9, 8] {
        record_sign_in(store, "A@x.jp", "10.0.0.1", false, at(m)).await;
    }
    assert_eq!(failed_sign_ins(store, "a@x.jp", "10.0.0.1", since).await, FailedSignIns { account: 3, address: 3 });
    // The account's count is the same from any address; the address's from any account.
    assert_eq!(failed_sign_ins(store, " A@X.jp", "10.0.0.2", since).await, FailedSignIns { account: 3, address: 0 });
    record_sign_in(store, "b@x.jp", "10.0.0.1", false, at(7)).await;
    record_sign_in(store, "c@x.jp", "10.0.0.1", false, at(7)).await;
    assert_eq!(failed_sign_ins(store, "b@x.jp", "10.0.0.1", since).await, FailedSignIns { account: 1, address: 5 });

    // A success resets the account's count (not the address's).
    record_sign_in(store, "a@x.jp", "10.0.0.1", true, at(6)).await;
    assert_eq!(failed_sign_ins(store, "a@x.jp", "10.0.0.1", since).await, FailedSignIns { account: 0, address: 5 });
    record_sign_in(store, "a@x.jp", "10.0.0.3", false, at(5)).await;
    assert_eq!(failed_sign_ins(store, "a@x.jp", "10.0.0.1", since).await, FailedSignIns { account: 1, address: 5 });
    // Other accounts keep theirs.
    assert_eq!(failed_sign_ins(store, "b@x.jp", "10.0.0.3", since).await, FailedSignIns { account: 1, address: 1 });
    // A window that starts later sees fewer.
    assert_eq!(failed_sign_ins(store, "b@x.jp", "10.0.0.1", at(8)).await, FailedSignIns { account: 1, address: 2 });
}

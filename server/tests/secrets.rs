//! Secrets at rest: a clinic's LINE channel secret and access token are sealed in the database
//! with `YOYAKU_SECRET_KEY` and read back whole; values stored before sealing are sealed at
//! start-up; without the key (or with another) a database holding secrets does not start, and a
//! secret cannot be saved; `server secret-key rotate` seals them again under a new key. On both
//! backends.

mod support;

use app::booking::ids::ClinicId;
use app::error::Problem;
use app::store::*;
use server::db::secrets::SecretKey;
use support::*;

/// The two secret columns of `clinic`, as stored.
async fn stored(db: &TestDb, clinic: ClinicId) -> (Option<String>, Option<String>) {
    let q = "SELECT line_channel_secret, line_channel_access_token FROM clinics WHERE id = $1";
    if db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let row = sqlx::query_as(q).bind(clinic.0).fetch_one(&pool).await.expect("row");
        pool.close().await;
        row
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let row = sqlx::query_as(q).bind(clinic.0).fetch_one(&pool).await.expect("row");
        pool.close().await;
        row
    }
}

/// Writes the secrets as a version before sealing did.
async fn store_plain(db: &TestDb, clinic: ClinicId, secret: &str, token: &str) {
    let q = "UPDATE clinics SET line_channel_secret = $1, line_channel_access_token = $2 WHERE id = $3";
    if db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        sqlx::query(q).bind(secret).bind(token).bind(clinic.0).execute(&pool).await.expect("update");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        sqlx::query(q).bind(secret).bind(token).bind(clinic.0).execute(&pool).await.expect("update");
        pool.close().await;
    }
}

async fn line_of(store: &dyn Store, clinic: ClinicId) -> LineSettings {
    read(store).await.line_settings(clinic).await.expect("read").expect("LINE settings")
}

fn new_key() -> SecretKey {
    SecretKey::generate().parse().expect("a key")
}

async fn secrets_are_sealed_and_read_back(db: &TestDb) {
    let c = clinic(db.store.as_ref(), "sealed").await;
    let line = LineSettings {
        channel_secret: Some("0123456789abcdef0123456789abcdef".into()),
        channel_access_token: Some("ACCESS-TOKEN-VALUE".into()),
        ..test_line_settings()
    };
    connect_line(db.store.as_ref(), c.clinic, line.clone()).await;

    let (secret, token) = stored(db, c.clinic).await;
    let (secret, token) = (secret.expect("a stored secret"), token.expect("a stored token"));
    for (value, plain) in [(&secret, "0123456789abcdef"), (&token, "ACCESS-TOKEN")] {
        assert!(value.starts_with("sealed:v1:"), "{value}");
        assert!(!value.contains(plain), "the plain secret is not in the database: {value}");
    }
    assert_eq!(line_of(db.store.as_ref(), c.clinic).await, line, "read back whole");

    // Saved again without the secrets (the console's write-only fields left empty): kept.
    let change = LineSettings { channel_secret: None, channel_access_token: None, login_channel_id: "1657000009".into(), ..line.clone() };
    in_tx!(db.store.as_ref(), |tx| actions::settings::update_line(tx, system(c.clinic), Some(change)).await).expect("saved");
    let read_back = line_of(db.store.as_ref(), c.clinic).await;
    assert_eq!((read_back.channel_secret, read_back.channel_access_token), (line.channel_secret, line.channel_access_token));

    // A sealed value copied to another clinic does not open there.
    let other = clinic(db.store.as_ref(), "other").await;
    connect_line(db.store.as_ref(), other.clinic, test_line_settings()).await;
    store_plain(db, other.clinic, &secret, &token).await;
    let moved = read(db.store.as_ref()).await.line_settings(other.clinic).await;
    assert!(matches!(moved, Err(StoreError::Internal(_))), "{moved:?}");
}

async fn without_the_key_a_database_with_secrets_does_not_start(db: &TestDb) {
    // No secrets yet: a server without a key starts, and cannot save one.
    let c = clinic(db.store.as_ref(), "nokey").await;
    let keyless = server::db::open(&db.url, None).await.expect("no secrets: starts without a key");
    let saved = in_tx!(keyless.as_ref(), |tx| actions::settings::update_line(tx, system(c.clinic), Some(test_line_settings())).await);
    assert!(matches!(saved, Err(Problem::SecretKeyMissing)), "{saved:?}");
    assert_eq!(stored(db, c.clinic).await, (None, None), "nothing was saved");
    keyless.close().await;

    connect_line(db.store.as_ref(), c.clinic, test_line_settings()).await;
    let refused = server::db::open(&db.url, None).await.err().expect("refused without a key").to_string();
    assert!(refused.contains("YOYAKU_SECRET_KEY"), "{refused}");
    let refused = server::db::open(&db.url, Some(new_key())).await.err().expect("refused with another key").to_string();
    assert!(refused.contains("does not open"), "{refused}");
}

async fn secrets_stored_before_sealing_are_sealed_at_start_up(db: &TestDb) {
    let c = clinic(db.store.as_ref(), "legacy").await;
    connect_line(db.store.as_ref(), c.clinic, test_line_settings()).await;
    store_plain(db, c.clinic, "old-secret", "old-token").await;

    let reopened = open_store(&db.url).await;
    let (secret, token) = stored(db, c.clinic).await;
    assert!(secret.as_deref().is_some_and(|s| s.starts_with("sealed:v1:") && !s.contains("old-secret")), "{secret:?}");
    assert!(token.as_deref().is_some_and(|t| t.starts_with("sealed:v1:") && !t.contains("old-token")), "{token:?}");
    let line = line_of(reopened.as_ref(), c.clinic).await;
    assert_eq!((line.channel_secret.as_deref(), line.channel_access_token.as_deref()), (Some("old-secret"), Some("old-token")));
    reopened.close().await;
}

async fn rotating_the_key_seals_every_secret_again(db: &TestDb) {
    let (a, b) = (clinic(db.store.as_ref(), "rot-a").await, clinic(db.store.as_ref(), "rot-b").await);
    connect_line(db.store.as_ref(), a.clinic, test_line_settings()).await;
    let only_token = LineSettings { channel_secret: None, channel_access_token: Some("b-token".into()), ..test_line_settings() };
    connect_line(db.store.as_ref(), b.clinic, only_token).await;
    // Clinic A's MINI App secret and a patient's notification token are sealed too.
    let mini = ServiceMessages { channel_secret: Some("mini-secret".into()), templates: vec![(app::notify::NoticeType::Confirmed, "confirm".into())] };
    let patient = patients(db.store.as_ref(), a.clinic, 1).await[0];
    let token = ServiceToken {
        token: "notification-token".into(),
        remaining: 4,
        expires_at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0) + chrono::Duration::days(30),
    };
    in_tx!(db.store.as_ref(), |tx| {
        tx.set_service_messages(a.clinic, Some(&mini)).await?;
        tx.set_service_token(a.clinic, patient, &token, chrono::Utc::now()).await?;
        Ok(())
    })
    .expect("service messages");
    let before = (stored(db, a.clinic).await, stored(db, b.clinic).await);

    let new = new_key();
    let wrong = server::db::rotate_secret_key(&db.url, &new_key(), &new).await.expect_err("the current key must open them");
    assert!(wrong.to_string().contains("does not open"), "{wrong}");
    assert_eq!((stored(db, a.clinic).await, stored(db, b.clinic).await), before, "a failed rotation changes nothing");

    assert_eq!(server::db::rotate_secret_key(&db.url, &test_key(), &new).await.expect("rotated"), 5, "three LINE secrets, one MINI App secret, one token");
    let after = (stored(db, a.clinic).await, stored(db, b.clinic).await);
    assert_ne!(after.0 .0, before.0 .0);
    assert_ne!(after.1 .1, before.1 .1);
    assert_eq!(after.1 .0, None);

    assert!(server::db::open(&db.url, Some(test_key())).await.is_err(), "the old key no longer opens them");
    let rotated = server::db::open(&db.url, Some(new)).await.expect("the new key opens them");
    assert_eq!(line_of(rotated.as_ref(), a.clinic).await, test_line_settings());
    assert_eq!(line_of(rotated.as_ref(), b.clinic).await.channel_access_token.as_deref(), Some("b-token"));
    let mut db_after = rotated.read().await.expect("read");
    assert_eq!(db_after.service_messages(a.clinic).await.expect("read"), Some(mini));
    assert_eq!(db_after.service_token(a.clinic, patient).await.expect("read"), Some(token), "the token opens with the new key");
    drop(db_after);
    rotated.close().await;
}

/// `server …` on `url`, with `env`; answers whether it succeeded and what it printed.
fn server(url: &str, env: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command.env_remove("YOYAKU_SECRET_KEY").env_remove("YOYAKU_NEW_SECRET_KEY").args(["--database-url", url, "--log-level", "error"]).args(args);
    let out = command.envs(env.iter().copied()).output().expect("run the server binary");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// What an operator does: make a key, connect a clinic to LINE with it, start without it (a clear
/// error, before anything is served), rotate it, start with the new one.
#[test]
fn the_operator_makes_uses_and_rotates_the_key() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("yoyaku.db").display());
    let (made, key) = server(&url, &[], &["secret-key", "new"]);
    assert!(made, "{key}");
    let key = key.trim().to_string();
    assert!(key.parse::<SecretKey>().is_ok(), "{key}");
    assert!(server(&url, &[], &["seed-demo"]).0);

    let connect =
        ["line-settings", "--clinic", "demo", "--liff-id", "1657000000-AbCdEfGh", "--login-channel-id", "1657000000", "--channel-secret-env", "SECRET"];
    let secret = ("SECRET", "0123456789abcdef0123456789abcdef");
    let (ok, said) = server(&url, &[secret], &connect);
    assert!(!ok && said.contains("YOYAKU_SECRET_KEY"), "refused without a key: {said}");
    let (ok, said) = server(&url, &[secret, ("YOYAKU_SECRET_KEY", &key)], &connect);
    assert!(ok, "{said}");

    let (ok, said) = server(&url, &[], &["migrate"]);
    assert!(!ok && said.contains("YOYAKU_SECRET_KEY") && said.contains("secret-key new"), "a clear start-up error: {said}");
    let (ok, said) = server(&url, &[("YOYAKU_SECRET_KEY", "short")], &["migrate"]);
    assert!(!ok && said.contains("YOYAKU_SECRET_KEY"), "{said}");

    let new = SecretKey::generate();
    let (ok, said) = server(&url, &[("YOYAKU_NEW_SECRET_KEY", &new)], &["secret-key", "rotate"]);
    assert!(!ok && said.contains("YOYAKU_SECRET_KEY"), "rotation needs the current key: {said}");
    let (ok, said) = server(&url, &[("YOYAKU_SECRET_KEY", &key), ("YOYAKU_NEW_SECRET_KEY", &new)], &["secret-key", "rotate"]);
    assert!(ok && said.contains("1 stored secret"), "{said}");
    assert!(!server(&url, &[("YOYAKU_SECRET_KEY", &key)], &["migrate"]).0, "the old key no longer opens them");
    let (ok, said) = server(&url, &[("YOYAKU_SECRET_KEY", &new)], &["migrate"]);
    assert!(ok, "{said}");
}

on_both!(
    secrets_are_sealed_and_read_back,
    without_the_key_a_database_with_secrets_does_not_start,
    secrets_stored_before_sealing_are_sealed_at_start_up,
    rotating_the_key_seals_every_secret_again,
);

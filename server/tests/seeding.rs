//! Two app instances started at once on one fresh PostgreSQL database (a deployment rolling out
//! several instances) both migrate it and both seed the demo clinic: they must both succeed, and
//! the database must hold exactly what one seeding leaves — one demo clinic, not two, and not a
//! half-written one.

mod support;

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Child, Command, Stdio};

use sqlx::{Connection, Executor, PgConnection, Row, SqliteConnection};

/// Every table's row count, sqlx's own bookkeeping aside.
async fn pg_counts(url: &str) -> BTreeMap<String, i64> {
    let mut db = PgConnection::connect(url).await.expect("connect");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'")
            .fetch_all(&mut db)
            .await
            .expect("tables");
    let mut counts = BTreeMap::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\"")).fetch_one(&mut db).await.expect("count");
        counts.insert(table, n);
    }
    counts
}

async fn sqlite_counts(url: &str) -> BTreeMap<String, i64> {
    let mut db = SqliteConnection::connect(url).await.expect("connect");
    let tables = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'")
        .fetch_all(&mut db)
        .await
        .expect("tables");
    let mut counts = BTreeMap::new();
    for row in tables {
        let table: String = row.get(0);
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\"")).fetch_one(&mut db).await.expect("count");
        counts.insert(table, n);
    }
    counts
}

/// A new, empty PostgreSQL database (no migrations yet), named like the other tests' so a killed
/// run's leftovers are dropped by them.
async fn empty_postgres() -> (String, String) {
    let admin_url = std::env::var("YOYAKU_TEST_POSTGRES_URL").unwrap_or_else(|_| support::DEFAULT_POSTGRES.to_string());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| panic!("PostgreSQL is required at {admin_url}: {e}"));
    let name = format!("yoyaku_test_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
    admin.execute(format!("CREATE DATABASE \"{name}\"").as_str()).await.expect("create database");
    let (server, _) = admin_url.rsplit_once('/').expect("the URL names a database");
    (format!("{server}/{name}"), name)
}

async fn drop_postgres(name: &str) {
    let admin_url = std::env::var("YOYAKU_TEST_POSTGRES_URL").unwrap_or_else(|_| support::DEFAULT_POSTGRES.to_string());
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect");
    admin.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str()).await.expect("drop database");
}

/// `server serve --seed-demo` on a free port, as `scripts/run` starts it.
fn start_instance(url: &str) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let site = std::env::temp_dir().join("yoyaku-seeding-site");
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("LEPTOS_SITE_ROOT", site)
        .env("YOYAKU_LINE_API_URL", "http://127.0.0.1:9")
        .args(["--database-url", url, "--log-level", "warn", "serve", "--addr", &format!("127.0.0.1:{port}"), "--seed-demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start an instance");
    (child, port)
}

/// Waits until the instance answers `/healthz` (it has migrated and seeded); fails with its
/// output if it exits first.
async fn wait_until_serving(child: &mut Child, port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Some(status) = child.try_wait().expect("poll the instance") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("an instance exited ({status}) instead of serving:\n{err}");
        }
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("an instance did not serve within a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_started_at_once_on_a_fresh_postgres_database_both_serve_one_demo_clinic() {
    // What one seeding leaves, on its own.
    let single = support::TestDb::sqlite().await;
    server::seed::seed_demo(single.store.as_ref(), chrono::Utc::now()).await.expect("seed once");
    let expected = sqlite_counts(&single.url).await;
    single.cleanup().await;
    assert!(expected.get("clinics") == Some(&1) && expected.get("menus") == Some(&4), "{expected:?}");

    // Several rounds: the two processes race differently each time.
    for round in 0..3 {
        let (url, name) = empty_postgres().await;
        let (mut first, first_port) = start_instance(&url);
        let (mut second, second_port) = start_instance(&url);
        wait_until_serving(&mut first, first_port).await;
        wait_until_serving(&mut second, second_port).await;
        for mut child in [first, second] {
            let _ = child.kill();
            let _ = child.wait();
        }
        let counts = pg_counts(&url).await;
        drop_postgres(&name).await;
        assert_eq!(counts, expected, "round {round}: two seedings at once left something other than one seeding");
    }
}

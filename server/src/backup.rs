//! Backups of the SQLite database while the server runs (`server backup --to FILE`), and bringing
//! one back (`server restore --from FILE`, with the server stopped). PostgreSQL has its own tools
//! for both, `pg_dump` and `pg_restore` (README: Backups).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

/// What a backup holds (shown after it is made or brought back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub clinics: i64,
    pub patients: i64,
    pub appointments: i64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} clinics, {} patients, {} appointments", self.clinics, self.patients, self.appointments)
    }
}

/// The database file a `sqlite:` URL names.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    if !url.starts_with("sqlite:") {
        bail!("`server backup` and `server restore` are for SQLite; for PostgreSQL use pg_dump and pg_restore (README: Backups)");
    }
    Ok(SqliteConnectOptions::from_str(url)?.get_filename().to_path_buf())
}

async fn connect(file: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    let options = SqliteConnectOptions::new().filename(file).read_only(read_only).busy_timeout(Duration::from_secs(30)).disable_statement_logging();
    SqliteConnection::connect_with(&options).await.with_context(|| format!("cannot open {}", file.display()))
}

/// Makes a consistent copy of the live database at `to`, which must not exist. `VACUUM INTO`
/// reads one snapshot: bookings go on meanwhile, and the copy holds exactly what was committed
/// when it began.
pub async fn backup(url: &str, to: &Path) -> anyhow::Result<Summary> {
    let live = sqlite_file(url)?;
    if !live.exists() {
        bail!("there is no database at {}", live.display());
    }
    if to.exists() {
        bail!("{} exists already: a backup never overwrites a file", to.display());
    }
    let target = to.to_str().context("the backup's path must be valid UTF-8")?;
    let mut conn = connect(&live, false).await?;
    sqlx::query("VACUUM INTO ?").bind(target).execute(&mut conn).await.context("the copy could not be made")?;
    conn.close().await?;
    check(to).await
}

/// Brings the backup `from` back as the database `url` names. The server must be stopped (a
/// database still open elsewhere is refused): the file is replaced whole. The database it
/// replaces is kept beside it (`….before-restore-{time}`), so a restore loses nothing either;
/// the next start brings the schema up to date.
pub async fn restore(url: &str, from: &Path) -> anyhow::Result<Summary> {
    let summary = check(from).await?;
    let live = sqlite_file(url)?;
    let staged = live.with_extension("restoring");
    if live.exists() {
        // Leaving WAL mode folds the log into the file and needs the database to itself: it
        // fails while anyone else has it open, and the kept copy is then whole by itself.
        let mut conn = connect(&live, false).await?;
        let mode: Result<String, _> = sqlx::query_scalar("PRAGMA journal_mode=DELETE").fetch_one(&mut conn).await;
        conn.close().await?;
        // Refused ("database is locked") or left in WAL mode: someone else has it open.
        if !mode.is_ok_and(|m| m.eq_ignore_ascii_case("delete")) {
            bail!("{} is in use: stop the server first", live.display());
        }
    }
    std::fs::copy(from, &staged).with_context(|| format!("cannot copy {} to {}", from.display(), staged.display()))?;
    std::fs::File::open(&staged)?.sync_all()?;
    if live.exists() {
        let kept = live.with_extension(format!("before-restore-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")));
        if kept.exists() {
            bail!("{} exists already", kept.display());
        }
        std::fs::rename(&live, &kept).with_context(|| format!("cannot keep the old database as {}", kept.display()))?;
    }
    for side in ["wal", "shm"] {
        let path = PathBuf::from(format!("{}-{side}", live.display()));
        if path.exists() {
            std::fs::remove_file(&path)?;
        }
    }
    std::fs::rename(&staged, &live)?;
    Ok(summary)
}

/// A backup is a whole Yoyaku database: SQLite's integrity check passes and it has our schema.
pub async fn check(file: &Path) -> anyhow::Result<Summary> {
    if !file.exists() {
        bail!("there is no file at {}", file.display());
    }
    let mut conn = connect(file, true).await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.context("not an SQLite database")?;
    if integrity != "ok" {
        bail!("{} is damaged: {integrity}", file.display());
    }
    let migrated: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(&mut conn).await.context("not a Yoyaku database")?;
    if migrated == 0 {
        bail!("{} has no Yoyaku schema", file.display());
    }
    let count = |table: &'static str| format!("SELECT COUNT(*) FROM {table}");
    let summary = Summary {
        clinics: sqlx::query_scalar(&count("clinics")).fetch_one(&mut conn).await?,
        patients: sqlx::query_scalar(&count("patients")).fetch_one(&mut conn).await?,
        appointments: sqlx::query_scalar(&count("appointments")).fetch_one(&mut conn).await?,
    };
    conn.close().await?;
    Ok(summary)
}

//! Command line and environment. Every setting has a flag and an environment variable.

use std::net::SocketAddr;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Yoyaku (予約): clinic appointment booking in LINE")]
pub struct Cli {
    /// Database: `sqlite://path/to/file.db` (created on first run) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/yoyaku.db", global = true)]
    pub database_url: String,

    /// Log filter, e.g. `info` or `server=debug,sqlx=warn` (RUST_LOG syntax).
    #[arg(long, env = "YOYAKU_LOG", default_value = "info,sqlx=warn", global = true)]
    pub log_level: String,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "YOYAKU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app (the default): migrates the database first.
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Create the demo clinic (menus, practitioners, hours, some appointments) if it is missing.
    SeedDemo,
    /// Create a staff account for a clinic.
    CreateStaff(CreateStaffArgs),
}

#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; defaults to LEPTOS_SITE_ADDR or 127.0.0.1:3000.
    #[arg(long, env = "YOYAKU_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Seed the demo clinic first when it is missing.
    #[arg(long, env = "YOYAKU_SEED_DEMO")]
    pub seed_demo: bool,
}

#[derive(Debug, clap::Args)]
pub struct CreateStaffArgs {
    /// The clinic's address name (slug), e.g. `demo`.
    #[arg(long)]
    pub clinic: String,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum, default_value_t = Role::Staff)]
    pub role: Role,
    /// Read the password from this environment variable instead of asking for it.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Owner,
    Staff,
}

pub fn init_logging(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&cli.log_level).unwrap_or_else(|e| {
        eprintln!("invalid log filter {:?} ({e}); using info", cli.log_level);
        EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

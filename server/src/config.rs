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

    /// Base URL of LINE's API (a local fake in development and tests).
    #[arg(long, env = "YOYAKU_LINE_API_URL", default_value = crate::line::DEFAULT_API_URL, global = true)]
    pub line_api_url: String,

    /// The key the clinics' LINE credentials are sealed with in the database: 32 bytes of
    /// base64 (`server secret-key new` makes one). Needed once a clinic has LINE credentials.
    #[arg(long, env = "YOYAKU_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<crate::db::secrets::SecretKey>,

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
    SeedDemo {
        /// Address name of the clinic to create.
        #[arg(long, default_value = crate::seed::DEMO_SLUG)]
        slug: String,
    },
    /// Create a staff account for a clinic.
    CreateStaff(CreateStaffArgs),
    /// Connect a clinic to its LINE channels (or, with --remove, back to sandbox mode).
    LineSettings(LineSettingsArgs),
    /// Make or change the key LINE credentials are sealed with.
    #[command(subcommand)]
    SecretKey(SecretKeyCommand),
    /// Copy the SQLite database to FILE while the server runs (a consistent snapshot).
    Backup {
        /// Where the copy goes; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Bring a backup back as the SQLite database. Stop the server first; the database it
    /// replaces is kept beside it as `….before-restore`.
    Restore {
        /// A file `server backup` made.
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretKeyCommand {
    /// Print a new random key (for `YOYAKU_SECRET_KEY`).
    New,
    /// Seal every stored secret again under the key in `YOYAKU_NEW_SECRET_KEY` (the current
    /// one is `YOYAKU_SECRET_KEY`); then start the servers with the new key.
    Rotate {
        #[arg(long, env = "YOYAKU_NEW_SECRET_KEY", hide_env_values = true)]
        new_key: crate::db::secrets::SecretKey,
    },
}

#[derive(Debug, clap::Args)]
pub struct LineSettingsArgs {
    /// The clinic's address name (slug).
    #[arg(long)]
    pub clinic: String,
    /// The LIFF app's id (`1234567890-AbcdEfgh`).
    #[arg(long, required_unless_present = "remove")]
    pub liff_id: Option<String>,
    /// The LINE Login channel id the LIFF app belongs to (the ID token's audience).
    #[arg(long, required_unless_present = "remove")]
    pub login_channel_id: Option<String>,
    /// Read the Messaging API channel secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub channel_secret_env: Option<String>,
    /// Read the Messaging API channel access token from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub access_token_env: Option<String>,
    /// The Official Account's add-friend URL (`https://line.me/R/ti/p/@…`).
    #[arg(long)]
    pub add_friend_url: Option<String>,
    /// Remove the LINE channels: the clinic runs in sandbox mode again.
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; defaults to LEPTOS_SITE_ADDR or 127.0.0.1:3000.
    #[arg(long, env = "YOYAKU_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Seed the demo clinic first when it is missing.
    #[arg(long, env = "YOYAKU_SEED_DEMO")]
    pub seed_demo: bool,
    /// Which LIFF SDK the LIFF pages load: the bundled npm build, LINE's CDN, or the bundled
    /// SDK with LINE's mock plugin (tests and development only).
    #[arg(long, env = "YOYAKU_LIFF_SDK", value_enum, default_value_t = LiffSdkArg::Bundled)]
    pub liff_sdk: LiffSdkArg,
    /// A reverse proxy (TLS) stands in front and appends the client's address to
    /// `X-Forwarded-For`: sign-in rate limiting then counts per client, not per proxy. Only set
    /// it when every request comes through that proxy (otherwise a client could name any
    /// address).
    #[arg(long, env = "YOYAKU_BEHIND_PROXY")]
    pub behind_proxy: bool,
    /// Patients' sign-ins and booking requests each allowed per minute from one address.
    #[arg(long, env = "YOYAKU_PATIENT_REQUESTS_PER_MINUTE", default_value_t = app::api::limits::DEFAULT_PER_MINUTE)]
    pub patient_requests_per_minute: std::num::NonZeroU32,
    /// The SMTP server for patients' e-mails: `smtp://host:587` (STARTTLS when offered,
    /// `?tls=required` to insist) or `smtps://host:465`. Unset: e-mails go to the console's
    /// sandbox.
    #[arg(long, env = "YOYAKU_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The SMTP user; the password is read from `YOYAKU_SMTP_PASSWORD`.
    #[arg(long, env = "YOYAKU_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// The address e-mails come from (the clinic's name is shown with it).
    #[arg(long, env = "YOYAKU_MAIL_FROM", default_value = "yoyaku@localhost")]
    pub mail_from: String,
    /// Domains the mail server may send for (comma-separated, e.g. `sakura-clinic.jp`): a
    /// clinic's own from-address in one of them is the From; any other goes in Reply-To.
    #[arg(long, env = "YOYAKU_MAIL_DOMAINS", value_delimiter = ',')]
    pub mail_domains: Vec<String>,
    /// This server's address as patients reach it, for the links in e-mails
    /// (`https://yoyaku.example.jp`); defaults to `http://` and the listening address.
    #[arg(long, env = "YOYAKU_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl ServeArgs {
    /// How the worker sends e-mails.
    pub fn mailer(&self) -> anyhow::Result<crate::mail::Mailer> {
        let Some(url) = &self.smtp_url else { return Ok(crate::mail::Mailer::Sandbox) };
        let addr = self.addr.or_else(|| std::env::var("LEPTOS_SITE_ADDR").ok()?.parse().ok()).unwrap_or(SocketAddr::from(([127, 0, 0, 1], 3000)));
        let public_url = self.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
        let password = std::env::var("YOYAKU_SMTP_PASSWORD").ok();
        let sender = crate::mail::Sender { from: &self.mail_from, domains: &self.mail_domains };
        crate::mail::Mailer::smtp(url, self.smtp_user.as_deref(), password, sender, &public_url)
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            addr: None,
            seed_demo: false,
            liff_sdk: LiffSdkArg::default(),
            behind_proxy: false,
            patient_requests_per_minute: app::api::limits::DEFAULT_PER_MINUTE,
            smtp_url: None,
            smtp_user: None,
            mail_from: "yoyaku@localhost".into(),
            mail_domains: Vec::new(),
            public_url: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LiffSdkArg {
    #[default]
    Bundled,
    Cdn,
    Mock,
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
